//! Index candidates for one statement, table by table: equality columns
//! first (most selective first where the catalog has statistics), then one
//! range column, or else the ORDER BY columns in their direction; the
//! join columns of a table probed from another; a covering variant when the
//! statement reads few other columns; an expression key for
//! `lower(email) = ?` style conditions; a partial index for `col IS NULL`.
//! Conditions no index can serve (a leading-wildcard `LIKE`, an `OR` across
//! columns, a cast hiding a column) are skipped with a note saying so.
//! A candidate is kept only when the cost model says it makes the statement
//! cheaper.

use serde::Serialize;
use sqlparser::ast::Statement;
use sqlsift_analyzer::catalog::{Catalog, IndexKey, Table, fold};
use sqlsift_analyzer::cost::{KeyRef, PredKind, TableNeeds, table_needs};

use super::ddl::quote;
use super::{Candidate, hypothetical, points_saved};

/// Extra columns a covering variant may append.
const MAX_COVERING_EXTRA: usize = 3;

/// The candidates for `statement`, and notes on conditions no index serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatementCandidates {
    pub candidates: Vec<Candidate>,
    /// Conditions skipped, each saying why (`lower(email) hides email …`).
    pub skipped: Vec<String>,
}

/// Every candidate index for `statement` that the cost model says helps it.
#[must_use]
pub fn candidates(statement: &Statement, catalog: &Catalog) -> StatementCandidates {
    let mut out = StatementCandidates::default();
    for needs in table_needs(statement, catalog) {
        let Some(table) = catalog.table(&needs.table) else {
            continue;
        };
        let shape = Shape::of(&needs, table, &mut out.skipped);
        for mut c in shape.variants(&needs, table) {
            let index = hypothetical("sqlsift_candidate", &c.keys, c.predicate.as_deref());
            c.saved = points_saved(statement, catalog, &table.name, index);
            let known = out
                .candidates
                .iter()
                .any(|o| o.table == c.table && o.keys == c.keys && o.predicate == c.predicate);
            if c.saved > 0.0 && !known {
                out.candidates.push(c);
            }
        }
    }
    out.skipped.dedup();
    out
}

/// A key part and the reason it is there.
type Part = (IndexKey, String);

/// What one table's conditions offer an index.
struct Shape {
    /// Equality columns, most selective first.
    eq: Vec<Part>,
    /// Equality expression keys (`lower(email)`).
    eq_expr: Vec<Part>,
    /// The one range key, if any.
    range: Option<Part>,
    /// Columns tested with `IS NULL`.
    null: Vec<String>,
}

fn column(name: &str, descending: bool) -> IndexKey {
    IndexKey::Column {
        name: name.to_owned(),
        descending,
    }
}

fn key_name(k: &IndexKey) -> String {
    match k {
        IndexKey::Column { name, .. } => fold(name),
        IndexKey::Expression { sql, .. } => sql.clone(),
    }
}

/// The catalog's spelling of a folded column name.
fn spelled(table: &Table, col: &str) -> String {
    table
        .column(col)
        .map_or_else(|| col.to_owned(), |c| c.name.clone())
}

/// Whether an expression (normalized: lower case, no spaces) is a plain
/// function call whose arguments are the columns it reads or literals,
/// which SQLite and PostgreSQL can both index as written (`lower(email)`,
/// `date(created_at)`). Anything else (casts, arithmetic) cannot be spelled
/// back safely from the normalized text.
fn indexable_expression(sql: &str, columns: &[String]) -> bool {
    let Some((name, rest)) = sql.split_once('(') else {
        return false;
    };
    let Some(args) = rest.strip_suffix(')') else {
        return false;
    };
    let literal = |a: &str| {
        (a.len() >= 2
            && a.starts_with('\'')
            && a.ends_with('\'')
            && !a[1..a.len() - 1].contains('\''))
            || a.parse::<f64>().is_ok()
    };
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && args
            .split(',')
            .all(|a| columns.iter().any(|c| c == a) || (literal(a) && !a.contains("now")))
}

impl Shape {
    fn of(needs: &TableNeeds, table: &Table, skipped: &mut Vec<String>) -> Shape {
        let mut s = Shape {
            eq: Vec::new(),
            eq_expr: Vec::new(),
            range: None,
            null: Vec::new(),
        };
        let mut eq_cols: Vec<String> = Vec::new();
        for p in &needs.preds {
            match &p.kind {
                PredKind::Eq {
                    key: KeyRef::Column(c),
                    ..
                } => {
                    if p.sql.ends_with("isnull") {
                        s.null.push(c.clone());
                    }
                    if !eq_cols.contains(c) {
                        eq_cols.push(c.clone());
                    }
                }
                PredKind::Range {
                    key: KeyRef::Column(c),
                    ..
                } => {
                    if s.range.is_none() {
                        s.range = Some((
                            column(&spelled(table, c), false),
                            format!("then the range on {c}"),
                        ));
                    }
                }
                PredKind::Eq {
                    key: KeyRef::Expression { sql, columns },
                    ..
                }
                | PredKind::Range {
                    key: KeyRef::Expression { sql, columns },
                    ..
                } => {
                    let cols = columns.join(", ");
                    if indexable_expression(sql, columns) {
                        skipped.push(format!(
                            "{sql} hides {cols} from a plain index: proposing an expression index on {sql}"
                        ));
                        let key = IndexKey::Expression {
                            sql: sql.clone(),
                            descending: false,
                        };
                        if matches!(p.kind, PredKind::Eq { .. }) {
                            s.eq_expr.push((key, format!("the expression {sql} compared by =")));
                        } else if s.range.is_none() {
                            s.range = Some((key, format!("then the range on {sql}")));
                        }
                    } else {
                        skipped.push(format!(
                            "{sql} hides {cols} from any index: compare the bare column instead"
                        ));
                    }
                }
                PredKind::LeadingWildcard { column } => skipped.push(format!(
                    "LIKE with a leading wildcard on {column}: no B-tree index can seek it"
                )),
                PredKind::Or { columns } => skipped.push(format!(
                    "OR across {}: no single index serves it (consider UNION ALL of indexed branches)",
                    columns.join(", ")
                )),
                PredKind::Filter => {}
            }
        }
        eq_cols.sort_by(|a, b| table.eq_selectivity(a).total_cmp(&table.eq_selectivity(b)));
        s.eq = eq_cols
            .iter()
            .map(|c| {
                let why = match table.column(c).and_then(|col| col.distinct) {
                    Some(d) => format!("equality on {c} (~{d:.0} distinct values)"),
                    None => format!("equality on {c}"),
                };
                (column(&spelled(table, c), false), why)
            })
            .collect();
        if let Some((k, _)) = &s.range
            && s.eq.iter().any(|(e, _)| key_name(e) == key_name(k))
        {
            s.range = None;
        }
        s
    }

    /// The tail after the equalities: the range, else the ORDER BY columns.
    fn tail(&self, needs: &TableNeeds, table: &Table, eq: &[Part]) -> Vec<Part> {
        if let Some(r) = &self.range {
            return vec![r.clone()];
        }
        let order: Vec<&(String, bool)> = needs
            .order_by
            .iter()
            .filter(|(c, _)| !eq.iter().any(|(k, _)| key_name(k) == *c))
            .collect();
        if order.is_empty() {
            return Vec::new();
        }
        // One direction throughout is served by reading the index backwards;
        // mixed directions need the index's own keys to match them.
        let mixed = order.iter().any(|(_, d)| *d) && order.iter().any(|(_, d)| !*d);
        order
            .iter()
            .map(|(c, desc)| {
                let descending = mixed && *desc;
                let dir = if *desc { " DESC" } else { "" };
                (
                    column(&spelled(table, c), descending),
                    format!("then ORDER BY {c}{dir}, read in index order"),
                )
            })
            .collect()
    }

    fn variants(&self, needs: &TableNeeds, table: &Table) -> Vec<Candidate> {
        let mut eq = self.eq.clone();
        eq.extend(self.eq_expr.iter().cloned());
        let mut out = Vec::new();
        let base: Vec<Part> = eq
            .iter()
            .cloned()
            .chain(self.tail(needs, table, &eq))
            .collect();
        let push = |out: &mut Vec<Candidate>, parts: Vec<Part>, predicate: Option<String>| {
            if !parts.is_empty() {
                let (keys, reasons) = parts.into_iter().unzip();
                out.push(Candidate {
                    table: table.name.clone(),
                    keys,
                    predicate,
                    reasons,
                    saved: 0.0,
                });
            }
        };
        push(&mut out, base.clone(), None);
        // Probed once per row of another table: the join columns are
        // equalities too.
        let joins: Vec<&String> = needs
            .join_columns
            .iter()
            .filter(|c| !eq.iter().any(|(k, _)| key_name(k) == **c))
            .collect();
        if !joins.is_empty() {
            let mut parts: Vec<Part> = joins
                .iter()
                .map(|c| {
                    (
                        column(&spelled(table, c), false),
                        format!("join column {c}, probed once per outer row"),
                    )
                })
                .collect();
            parts.extend(eq.iter().cloned());
            let tail = self.tail(needs, table, &parts);
            parts.extend(tail);
            push(&mut out, parts, None);
        }
        if let Some(cols) = &needs.columns
            && !base.is_empty()
        {
            let rowid = integer_primary_key(table);
            let extra: Vec<&String> = cols
                .iter()
                .filter(|c| !base.iter().any(|(k, _)| key_name(k) == **c))
                .filter(|c| rowid.as_deref() != Some(c.as_str()))
                .collect();
            if !extra.is_empty() && extra.len() <= MAX_COVERING_EXTRA {
                let mut parts = base.clone();
                parts.extend(extra.iter().map(|c| {
                    (
                        column(&spelled(table, c), false),
                        format!("{c} carried in the index: covering, the table is not read"),
                    )
                }));
                push(&mut out, parts, None);
            }
        }
        for n in &self.null {
            let mut parts: Vec<Part> = base
                .iter()
                .filter(|(k, _)| key_name(k) != *n)
                .cloned()
                .collect();
            if parts.is_empty() {
                parts.push((
                    column(&spelled(table, n), false),
                    format!("{n} tested with IS NULL"),
                ));
            }
            let predicate = format!("{} IS NULL", quote(&spelled(table, n)));
            if let Some(first) = parts.first_mut() {
                first.1 = format!("{}; partial: only rows where {predicate}", first.1);
            }
            push(&mut out, parts, Some(predicate));
        }
        out
    }
}

/// The single-column primary key every index already carries (SQLite's
/// rowid; PostgreSQL's heap pointer reaches it too).
fn integer_primary_key(table: &Table) -> Option<String> {
    table
        .indexes
        .iter()
        .find(|i| i.primary && i.keys.len() == 1)
        .and_then(|i| i.key_column(0))
        .map(fold)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use sqlsift_analyzer::catalog::{Column, Index};

    pub(crate) fn catalog() -> Catalog {
        let col = |name: &str, t: &str, distinct: Option<f64>| Column {
            name: name.into(),
            data_type: t.into(),
            nullable: true,
            distinct,
        };
        let mut c = Catalog::new("test");
        c.insert(Table {
            name: "orders".into(),
            columns: vec![
                col("id", "integer", None),
                col("customer_id", "integer", Some(50_000.0)),
                col("status", "text", Some(5.0)),
                col("created_at", "timestamp", None),
                col("email", "text", None),
                col("shipped_at", "timestamp", None),
                col("total", "integer", None),
                col("note", "text", None),
            ],
            indexes: vec![Index {
                name: "pk".into(),
                keys: vec![column("id", false)],
                unique: true,
                primary: true,
                predicate: None,
            }],
            rows: Some(1_000_000.0),
        });
        c
    }

    pub(crate) fn parse(sql: &str) -> Statement {
        sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::GenericDialect {}, sql)
            .unwrap()
            .remove(0)
    }

    fn keys(c: &Candidate) -> Vec<String> {
        c.keys.iter().map(super::super::key_label).collect()
    }

    #[test]
    fn equalities_most_selective_first_then_range_then_covering() {
        let s = parse(
            "SELECT id, total FROM orders WHERE status = 'new' AND customer_id = 7 AND created_at > '2026-01-01'",
        );
        let c = candidates(&s, &catalog());
        assert_eq!(
            keys(&c.candidates[0]),
            ["customer_id", "status", "created_at"]
        );
        assert!(c.candidates[0].saved > 0.0);
        assert!(c.candidates[0].reasons[0].contains("50000 distinct"));
        let covering = &c.candidates[1];
        assert_eq!(
            keys(covering),
            ["customer_id", "status", "created_at", "total"]
        );
    }

    #[test]
    fn order_by_directions_and_served_statements() {
        let one_way = parse("SELECT * FROM orders WHERE customer_id = 1 ORDER BY created_at DESC");
        let c = candidates(&one_way, &catalog());
        assert_eq!(keys(&c.candidates[0]), ["customer_id", "created_at"]);
        let mixed =
            parse("SELECT * FROM orders WHERE customer_id = 1 ORDER BY created_at DESC, total ASC");
        let c = candidates(&mixed, &catalog());
        assert_eq!(
            keys(&c.candidates[0]),
            ["customer_id", "created_at DESC", "total"]
        );
        let pk = parse("SELECT * FROM orders WHERE id = 5");
        assert!(candidates(&pk, &catalog()).candidates.is_empty());
    }

    #[test]
    fn postgresql_spelling_of_expression_and_partial_indexes_serves() {
        // How pg_get_indexdef / pg_get_expr write `lower(email)` and
        // `status = 'open'` on varchar columns.
        let with = |key: &str, predicate: &str| {
            let mut c = catalog();
            let t = c.table_mut("orders").unwrap();
            t.indexes.push(Index {
                name: "orders_lower_email".into(),
                keys: vec![IndexKey::Expression {
                    sql: key.into(),
                    descending: false,
                }],
                unique: false,
                primary: false,
                predicate: None,
            });
            t.indexes.push(Index {
                name: "orders_open".into(),
                keys: vec![column("customer_id", false)],
                unique: false,
                primary: false,
                predicate: Some(predicate.into()),
            });
            c
        };
        let as_written = with("lower(email)", "status = 'open'");
        let from_postgresql = with("lower((email)::text)", "((status)::text = 'open'::text)");
        let s = parse("SELECT id FROM orders WHERE lower(email) = 'a@b.c'");
        assert!(candidates(&s, &as_written).candidates.is_empty());
        assert!(
            candidates(&s, &from_postgresql).candidates.is_empty(),
            "{:#?}",
            candidates(&s, &from_postgresql)
        );
        let s = parse("SELECT id FROM orders WHERE customer_id = 3 AND status = 'open'");
        assert_eq!(
            candidates(&s, &from_postgresql),
            candidates(&s, &as_written)
        );
    }

    #[test]
    fn partial_predicates_quote_their_column() {
        let mut c = catalog();
        let t = c.table_mut("orders").unwrap();
        t.columns.push(Column {
            name: "archivedAt".into(),
            data_type: "timestamp".into(),
            nullable: true,
            distinct: None,
        });
        let s = parse(r#"SELECT id FROM orders WHERE customer_id = 3 AND "archivedAt" IS NULL"#);
        let c = candidates(&s, &c);
        let partial = c
            .candidates
            .iter()
            .find(|c| c.predicate.is_some())
            .expect("a partial candidate");
        assert_eq!(
            partial.predicate.as_deref(),
            Some(r#""archivedAt" IS NULL"#)
        );
    }

    #[test]
    fn expressions_partials_and_skipped_conditions() {
        let s = parse("SELECT id FROM orders WHERE lower(email) = 'a@b.c'");
        let c = candidates(&s, &catalog());
        assert_eq!(keys(&c.candidates[0]), ["lower(email)"]);
        assert!(c.skipped[0].contains("expression index"), "{:?}", c.skipped);
        let s = parse("SELECT id FROM orders WHERE customer_id = 3 AND shipped_at IS NULL");
        let c = candidates(&s, &catalog());
        let partial = c
            .candidates
            .iter()
            .find(|c| c.predicate.is_some())
            .expect("a partial candidate");
        assert_eq!(partial.predicate.as_deref(), Some("shipped_at IS NULL"));
        assert_eq!(keys(partial), ["customer_id"]);
        let s = parse("SELECT id FROM orders WHERE note LIKE '%x' OR CAST(total AS TEXT) = '3'");
        let c = candidates(&s, &catalog());
        assert!(c.candidates.is_empty(), "{c:#?}");
        let s = parse("SELECT id FROM orders WHERE note LIKE '%x' AND CAST(total AS TEXT) = '3'");
        let c = candidates(&s, &catalog());
        assert!(c.candidates.is_empty());
        assert_eq!(c.skipped.len(), 2, "{:?}", c.skipped);
    }
}
