//! The workload merge: per-statement candidates become a few indexes that
//! serve many statements. Identical candidates and ones that are a prefix
//! of another (in the same or the fully reversed direction — an index reads
//! both ways) fold into the longer one; a candidate an existing index (or
//! its prefix) already serves is dropped; what remains is chosen greedily by
//! Σ calls × cost saved, each index measured against the ones chosen before
//! it, so two indexes serving the same statement are not both proposed.
//! Existing indexes that are a prefix of another are reported as redundant,
//! and — when the workload is known to be complete — ones no statement uses
//! as unused. Each index also carries its write cost: the INSERT / UPDATE /
//! DELETE calls on its table that will maintain it.

use serde::Serialize;
use sqlparser::ast::{FromTable, Statement, TableFactor, TableObject};
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::catalog::{Catalog, IndexKey, fold};
use sqlsift_analyzer::cost::{self, AccessMethod};

use super::candidates::StatementCandidates;
use super::ddl::{create_index, index_name};
use super::{WorkStatement, hypothetical, points_saved, with_index};

/// An index saving less than this share of the workload's estimated cost
/// is not worth its storage and the write it adds to every INSERT.
pub const MIN_BENEFIT_SHARE: f64 = 0.001;

/// One statement a recommended index serves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Served {
    pub fingerprint: String,
    pub sql: String,
    /// The sample's parameters, to run it with.
    #[serde(skip)]
    pub params: Vec<Option<String>>,
    pub calls: u64,
    /// Cost-model points one execution saves.
    pub saved: f64,
    /// SQLite's plan without and with the index (empty until validated).
    pub plan_before: Vec<String>,
    pub plan_after: Vec<String>,
    /// Median run time without and with the index, where it was run.
    pub before_ms: Option<f64>,
    pub after_ms: Option<f64>,
}

/// One index to create.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub name: String,
    pub table: String,
    pub keys: Vec<IndexKey>,
    pub predicate: Option<String>,
    /// Why each key part is there (from the statement that asked for it).
    pub reasons: Vec<String>,
    pub statements: Vec<Served>,
    /// Σ calls × points saved over the statements it serves.
    pub benefit: f64,
    /// Its share of the whole workload's estimated cost.
    pub share: f64,
    /// Observed INSERT / UPDATE / DELETE calls on the table: each also
    /// updates this index.
    pub write_calls: u64,
    pub sqlite_ddl: String,
    pub postgresql_ddl: String,
    /// What validated it (planner, runs, HypoPG) or why it was not.
    pub validation: Vec<String>,
}

/// An existing index worth a look, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExistingIndex {
    pub table: String,
    pub index: String,
    pub reason: String,
}

/// What the merge produced.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Merged {
    /// Ranked, most beneficial first.
    pub recommendations: Vec<Recommendation>,
    /// Existing indexes another index makes redundant.
    pub redundant: Vec<ExistingIndex>,
    /// Existing indexes no statement uses (only when the workload is complete).
    pub unused: Vec<ExistingIndex>,
    /// Candidates an existing index already serves.
    pub already_served: Vec<ExistingIndex>,
}

/// Comparable text of a key part (expression text normalized).
fn key_text(k: &IndexKey) -> (String, bool) {
    match k {
        IndexKey::Column { name, descending } => (fold(name), *descending),
        IndexKey::Expression { sql, descending } => (cost::normalize_sql(sql), *descending),
    }
}

/// Whether an index on `long` serves everything one on `short` does:
/// `short` is its prefix, in the same direction or wholly reversed.
fn serves(long: &[IndexKey], short: &[IndexKey]) -> bool {
    if short.len() > long.len() || short.is_empty() {
        return false;
    }
    let pairs: Vec<((String, bool), (String, bool))> = long
        .iter()
        .zip(short)
        .map(|(l, s)| (key_text(l), key_text(s)))
        .collect();
    pairs.iter().all(|(l, s)| l.0 == s.0)
        && (pairs.iter().all(|(l, s)| l.1 == s.1) || pairs.iter().all(|(l, s)| l.1 != s.1))
}

fn same_predicate(a: Option<&str>, b: Option<&str>) -> bool {
    a.map(cost::normalize_sql) == b.map(cost::normalize_sql)
}

/// An index whose keys are all descending reads the same backwards.
fn canonical(keys: &[IndexKey]) -> Vec<IndexKey> {
    let all_desc = keys.iter().all(|k| key_text(k).1);
    if !all_desc {
        return keys.to_vec();
    }
    keys.iter()
        .map(|k| match k {
            IndexKey::Column { name, .. } => IndexKey::Column {
                name: name.clone(),
                descending: false,
            },
            IndexKey::Expression { sql, .. } => IndexKey::Expression {
                sql: sql.clone(),
                descending: false,
            },
        })
        .collect()
}

/// A candidate index with the statements (by position) that asked for it.
struct Group {
    table: String,
    keys: Vec<IndexKey>,
    predicate: Option<String>,
    reasons: Vec<String>,
    members: Vec<usize>,
}

/// Merges the candidates of each statement (`per_statement[i]` belongs to
/// `statements[i]`) into ranked recommendations.
#[must_use]
pub fn merge(
    statements: &[WorkStatement],
    per_statement: &[StatementCandidates],
    catalog: &Catalog,
    workload_complete: bool,
) -> Merged {
    let mut groups: Vec<Group> = Vec::new();
    for (i, (_, sc)) in statements.iter().zip(per_statement).enumerate() {
        for c in &sc.candidates {
            let keys = canonical(&c.keys);
            if let Some(g) = groups.iter_mut().find(|g| {
                fold(&g.table) == fold(&c.table)
                    && g.keys == keys
                    && same_predicate(g.predicate.as_deref(), c.predicate.as_deref())
            }) {
                if !g.members.contains(&i) {
                    g.members.push(i);
                }
                continue;
            }
            groups.push(Group {
                table: c.table.clone(),
                keys,
                predicate: c.predicate.clone(),
                reasons: c.reasons.clone(),
                members: vec![i],
            });
        }
    }
    // Longest first, so a prefix folds into the longest index that has it.
    groups.sort_by_key(|g| std::cmp::Reverse(g.keys.len()));
    let mut kept: Vec<Group> = Vec::new();
    for g in groups {
        let host = kept.iter_mut().find(|k| {
            fold(&k.table) == fold(&g.table)
                && same_predicate(k.predicate.as_deref(), g.predicate.as_deref())
                && serves(&k.keys, &g.keys)
        });
        match host {
            Some(k) => {
                for m in g.members {
                    if !k.members.contains(&m) {
                        k.members.push(m);
                    }
                }
            }
            None => kept.push(g),
        }
    }
    let mut merged = Merged::default();
    kept.retain(|g| match existing_server(catalog, g) {
        Some(index) => {
            merged.already_served.push(ExistingIndex {
                table: g.table.clone(),
                index,
                reason: format!(
                    "serves the proposed ({}) already",
                    g.keys
                        .iter()
                        .map(super::key_label)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            false
        }
        None => true,
    });
    merged.recommendations = choose(statements, kept, catalog);
    merged.redundant = redundant(catalog);
    if workload_complete {
        merged.unused = unused(statements, catalog);
    }
    merged
}

/// The existing index that already serves `g`, if any.
fn existing_server(catalog: &Catalog, g: &Group) -> Option<String> {
    let t = catalog.table(&g.table)?;
    t.indexes
        .iter()
        .find(|i| {
            (i.predicate.is_none()
                || same_predicate(i.predicate.as_deref(), g.predicate.as_deref()))
                && serves(&i.keys, &g.keys)
        })
        .map(|i| i.name.clone())
}

/// Greedy choice by benefit: each group measured against the catalog with
/// the groups chosen before it, re-ranked after every choice, until the
/// best one left saves under [`MIN_BENEFIT_SHARE`] of the workload.
fn choose(
    statements: &[WorkStatement],
    mut open: Vec<Group>,
    catalog: &Catalog,
) -> Vec<Recommendation> {
    let total_cost: f64 = statements
        .iter()
        .map(|s| cost::estimate(&s.statement, Some(catalog)).total * count(s.calls))
        .sum();
    let writes = write_calls(statements);
    let mut current = catalog.clone();
    let mut chosen = Vec::new();
    loop {
        let mut best: Option<(usize, f64, Vec<Served>)> = None;
        for (gi, g) in open.iter().enumerate() {
            let index = hypothetical("sqlsift_candidate", &g.keys, g.predicate.as_deref());
            let mut served = Vec::new();
            let mut benefit = 0.0;
            for &m in &g.members {
                let s = &statements[m];
                let saved = points_saved(&s.statement, &current, &g.table, index.clone());
                if saved > 0.0 {
                    benefit += saved * count(s.calls);
                    served.push(Served {
                        fingerprint: s.fingerprint.clone(),
                        sql: s.sql.clone(),
                        params: s.params.clone(),
                        calls: s.calls,
                        saved,
                        plan_before: Vec::new(),
                        plan_after: Vec::new(),
                        before_ms: None,
                        after_ms: None,
                    });
                }
            }
            if benefit > 0.0 && best.as_ref().is_none_or(|(_, b, _)| benefit > *b) {
                best = Some((gi, benefit, served));
            }
        }
        let Some((gi, benefit, served)) =
            best.filter(|(_, b, _)| *b >= MIN_BENEFIT_SHARE * total_cost)
        else {
            break;
        };
        let g = open.remove(gi);
        let name = index_name(&g.table, &g.keys, g.predicate.as_deref(), &current);
        current = with_index(
            &current,
            &g.table,
            hypothetical(&name, &g.keys, g.predicate.as_deref()),
        );
        let pred = g.predicate.as_deref();
        chosen.push(Recommendation {
            sqlite_ddl: create_index(&name, &g.table, &g.keys, pred, Dialect::Sqlite),
            postgresql_ddl: create_index(&name, &g.table, &g.keys, pred, Dialect::PostgreSql),
            name,
            write_calls: writes
                .iter()
                .filter(|(t, _)| *t == fold(&g.table))
                .map(|(_, n)| n)
                .sum(),
            table: g.table,
            keys: g.keys,
            predicate: g.predicate,
            reasons: g.reasons,
            statements: served,
            benefit,
            share: if total_cost > 0.0 {
                benefit / total_cost
            } else {
                0.0
            },
            validation: Vec::new(),
        });
    }
    chosen
}

fn count(n: u64) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Observed write calls per table (folded name).
fn write_calls(statements: &[WorkStatement]) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for s in statements {
        let Some(table) = written_table(&s.statement) else {
            continue;
        };
        match out.iter_mut().find(|(t, _)| *t == table) {
            Some((_, n)) => *n += s.calls,
            None => out.push((table, s.calls)),
        }
    }
    out
}

/// The table an INSERT, UPDATE or DELETE writes, folded.
#[must_use]
pub fn written_table(statement: &Statement) -> Option<String> {
    let factor_name = |f: &TableFactor| match f {
        TableFactor::Table { name, .. } => Some(fold(&name.to_string())),
        _ => None,
    };
    match statement {
        Statement::Insert(i) => match &i.table {
            TableObject::TableName(n) => Some(fold(&n.to_string())),
            TableObject::TableFunction(_) | TableObject::TableQuery(_) => None,
        },
        Statement::Update(u) => factor_name(&u.table.relation),
        Statement::Delete(d) => {
            let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &d.from;
            from.first().and_then(|t| factor_name(&t.relation))
        }
        _ => None,
    }
}

/// Existing secondary indexes another index of the table makes redundant.
fn redundant(catalog: &Catalog) -> Vec<ExistingIndex> {
    let mut out = Vec::new();
    for t in catalog.tables() {
        for (i, a) in t.indexes.iter().enumerate() {
            if a.primary || a.unique {
                continue;
            }
            let host = t.indexes.iter().enumerate().find(|(j, b)| {
                *j != i
                    && same_predicate(a.predicate.as_deref(), b.predicate.as_deref())
                    && serves(&b.keys, &a.keys)
                    // Of two identical indexes, report the later one only.
                    && (b.keys.len() > a.keys.len() || *j < i)
            });
            if let Some((_, b)) = host {
                out.push(ExistingIndex {
                    table: t.name.clone(),
                    index: a.name.clone(),
                    reason: format!(
                        "{} starts with the same keys and serves the same lookups",
                        b.name
                    ),
                });
            }
        }
    }
    out
}

/// Existing secondary, non-unique indexes no statement of the workload uses.
fn unused(statements: &[WorkStatement], catalog: &Catalog) -> Vec<ExistingIndex> {
    let mut used: Vec<String> = Vec::new();
    for s in statements {
        for a in cost::estimate(&s.statement, Some(catalog)).accesses {
            if let AccessMethod::Index { name, .. } = a.method {
                used.push(name);
            }
        }
    }
    let mut out = Vec::new();
    for t in catalog.tables() {
        for i in &t.indexes {
            let is_used = used.iter().any(|u| u.eq_ignore_ascii_case(&i.name));
            if !(i.primary || i.unique || is_used) {
                out.push(ExistingIndex {
                    table: t.name.clone(),
                    index: i.name.clone(),
                    reason: "no statement of the (complete) workload reads through it; every write maintains it".into(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::candidates::candidates;
    use crate::index::candidates::tests::{catalog, parse};
    use sqlsift_analyzer::catalog::Index;

    fn work(sql: &str, calls: u64) -> WorkStatement {
        WorkStatement {
            fingerprint: format!("{calls:016x}"),
            sql: sql.into(),
            params: Vec::new(),
            calls,
            total_ms: 1.0,
            statement: parse(sql),
        }
    }

    fn run(sqls: &[(&str, u64)], catalog: &Catalog, complete: bool) -> Merged {
        let ws: Vec<WorkStatement> = sqls.iter().map(|(s, n)| work(s, *n)).collect();
        let cs: Vec<StatementCandidates> = ws
            .iter()
            .map(|w| candidates(&w.statement, catalog))
            .collect();
        merge(&ws, &cs, catalog, complete)
    }

    #[test]
    fn prefixes_and_directions_fold_into_one_index() {
        let m = run(
            &[
                ("SELECT * FROM orders WHERE customer_id = 1", 100),
                (
                    "SELECT * FROM orders WHERE customer_id = 1 ORDER BY created_at DESC",
                    10,
                ),
                (
                    "SELECT * FROM orders WHERE customer_id = 1 ORDER BY created_at",
                    5,
                ),
                ("INSERT INTO orders (customer_id) VALUES (1)", 40),
            ],
            &catalog(),
            false,
        );
        assert_eq!(m.recommendations.len(), 1, "{:#?}", m.recommendations);
        let r = &m.recommendations[0];
        assert_eq!(r.name, "ix_orders_customer_id_created_at");
        assert_eq!(r.statements.len(), 3);
        assert_eq!(r.write_calls, 40);
        assert!(r.benefit > 0.0 && r.share > 0.0 && r.share <= 1.0);
        assert!(
            r.postgresql_ddl
                .starts_with("CREATE INDEX CONCURRENTLY IF NOT EXISTS")
        );
    }

    #[test]
    fn ranked_by_calls_times_saving_and_existing_indexes_respected() {
        let mut c = catalog();
        c.table_mut("orders").unwrap().indexes.push(Index {
            name: "ix_status_created".into(),
            keys: vec![
                IndexKey::Column {
                    name: "status".into(),
                    descending: false,
                },
                IndexKey::Column {
                    name: "created_at".into(),
                    descending: false,
                },
            ],
            ..Index::default()
        });
        c.table_mut("orders").unwrap().indexes.push(Index {
            name: "ix_status".into(),
            keys: vec![IndexKey::Column {
                name: "status".into(),
                descending: false,
            }],
            ..Index::default()
        });
        let m = run(
            &[
                ("SELECT * FROM orders WHERE total = 3", 5),
                ("SELECT * FROM orders WHERE note = 'x'", 1),
                ("SELECT * FROM orders WHERE customer_id = 1", 1000),
                (
                    "SELECT * FROM orders WHERE status = 'x' ORDER BY created_at",
                    50,
                ),
            ],
            &c,
            true,
        );
        // The note lookup runs once: under MIN_BENEFIT_SHARE of the workload.
        let names: Vec<&str> = m.recommendations.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["ix_orders_customer_id", "ix_orders_total"]);
        assert_eq!(m.redundant.len(), 1);
        assert_eq!(m.redundant[0].index, "ix_status");
        assert_eq!(m.unused.len(), 1, "{:?}", m.unused);
        assert_eq!(m.unused[0].index, "ix_status");
    }

    #[test]
    fn overlapping_candidates_do_not_both_count() {
        let m = run(
            &[(
                "SELECT id FROM orders WHERE customer_id = 3 AND shipped_at IS NULL",
                10,
            )],
            &catalog(),
            false,
        );
        assert_eq!(m.recommendations.len(), 1, "{:#?}", m.recommendations);
    }

    #[test]
    fn serves_checks_prefix_and_direction() {
        let k = |n: &str, d: bool| IndexKey::Column {
            name: n.into(),
            descending: d,
        };
        assert!(serves(&[k("a", false), k("b", false)], &[k("a", false)]));
        assert!(serves(
            &[k("a", false), k("b", true)],
            &[k("a", true), k("b", false)]
        ));
        assert!(!serves(
            &[k("a", false), k("b", true)],
            &[k("a", false), k("b", false)]
        ));
        assert!(!serves(&[k("b", false)], &[k("a", false)]));
    }
}
