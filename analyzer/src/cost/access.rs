//! The access-path decision for one table: which index, if any, its
//! conditions can use, how many rows that reads, and — when the answer is a
//! full scan — why. It is the one place this is decided, so the index
//! advisor asks the same question the cost model does.
//!
//! An index is usable when its leading key parts are matched by equalities
//! (`=`, `IN`, `IS NULL`, an `OR` of equalities on one column), optionally
//! followed by one range on the next key part; a key part that is an
//! expression (`lower(email)`) is matched by a condition on the same
//! expression. A partial index is usable only when the query's conditions
//! include every condition of the index's `WHERE`. Among usable indexes the
//! one reading the fewest rows wins, and it is used only when it is cheaper
//! than reading the whole table.

use std::cmp::Ordering;

use super::predicates::{
    KeyRef, PredKind, Predicate, kind_columns, normalize_sql, partial_conjuncts,
};
use super::{ASSUMED_ROWS, POINTS_PER_PROBE, POINTS_PER_ROW, RANGE_FRACTION, TermKind, fmt_rows};
use crate::catalog::{Index, IndexKey, Table, fold};

/// The index a table access uses.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexUse {
    pub name: String,
    /// The key parts the conditions match, in index order.
    pub columns: Vec<String>,
    /// How many leading key parts are matched by equality.
    pub equalities: usize,
    /// Whether the next key part is matched by a range.
    pub range: bool,
    /// Index descents: one per combination of `IN` values.
    pub probes: f64,
}

/// The decision for one table.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessChoice {
    /// `None` for a full scan.
    pub index: Option<IndexUse>,
    /// Estimated rows read per execution.
    pub rows: f64,
    /// The term kind the access contributes: scan, lookup, range, or the
    /// scan kind that names what defeated an index.
    pub kind: TermKind,
    /// Why, for a person (`no index leads with author_id`).
    pub why: String,
}

impl AccessChoice {
    /// Points of one execution of this access.
    #[must_use]
    pub fn points(&self) -> f64 {
        let probes = self.index.as_ref().map_or(0.0, |i| i.probes);
        probes * POINTS_PER_PROBE + self.rows * POINTS_PER_ROW
    }
}

/// Chooses how `table` is read given the conditions `preds` that apply to
/// it (its own, and join conditions whose other side is already known).
#[must_use]
pub fn choose_access(table: &Table, preds: &[Predicate]) -> AccessChoice {
    let total = table.rows.unwrap_or(ASSUMED_ROWS);
    let texts: Vec<&str> = preds.iter().map(|p| p.sql.as_str()).collect();
    let mut best: Option<(IndexUse, f64)> = None;
    for index in &table.indexes {
        if !partial_implied(index, &texts) {
            continue;
        }
        let Some((usage, rows)) = match_index(table, index, preds, total) else {
            continue;
        };
        let better = best.as_ref().is_none_or(|(b, r)| match rows.total_cmp(r) {
            Ordering::Less => true,
            Ordering::Equal => usage.equalities > b.equalities,
            Ordering::Greater => false,
        });
        if better {
            best = Some((usage, rows));
        }
    }
    let scan_points = total * POINTS_PER_ROW;
    if let Some((usage, rows)) = best {
        let points = usage.probes * POINTS_PER_PROBE + rows * POINTS_PER_ROW;
        if points < scan_points {
            let kind = if usage.range {
                TermKind::IndexRange
            } else {
                TermKind::IndexLookup
            };
            let why = format!(
                "index {} on ({}) reads ~{} of {} rows",
                usage.name,
                usage.columns.join(", "),
                fmt_rows(rows),
                fmt_rows(total)
            );
            return AccessChoice {
                index: Some(usage),
                rows,
                kind,
                why,
            };
        }
        let why = format!(
            "index {} would read ~{} of {} rows, no cheaper than scanning",
            usage.name,
            fmt_rows(rows),
            fmt_rows(total)
        );
        return AccessChoice {
            index: None,
            rows: total,
            kind: TermKind::FullScan,
            why,
        };
    }
    let (kind, why) = scan_reason(table, preds);
    AccessChoice {
        index: None,
        rows: total,
        kind,
        why,
    }
}

/// Whether a partial index's `WHERE` is implied by the query's conditions.
fn partial_implied(index: &Index, texts: &[&str]) -> bool {
    index.predicate.as_deref().is_none_or(|p| {
        partial_conjuncts(p)
            .iter()
            .all(|c| texts.contains(&c.as_str()))
    })
}

fn key_matches(index_key: &IndexKey, key: &KeyRef) -> bool {
    match (index_key, key) {
        (IndexKey::Column { name, .. }, KeyRef::Column(c)) => fold(name) == *c,
        (IndexKey::Expression { sql, .. }, KeyRef::Expression { sql: q, .. }) => {
            normalize_sql(sql) == *q
        }
        _ => false,
    }
}

fn key_label(k: &IndexKey) -> String {
    match k {
        IndexKey::Column { name, .. } => fold(name),
        IndexKey::Expression { sql, .. } => sql.clone(),
    }
}

/// How much of `index` the conditions match, and the rows it then reads.
fn match_index(
    table: &Table,
    index: &Index,
    preds: &[Predicate],
    total: f64,
) -> Option<(IndexUse, f64)> {
    let mut usage = IndexUse {
        name: index.name.clone(),
        columns: Vec::new(),
        equalities: 0,
        range: false,
        probes: 1.0,
    };
    let mut selectivity = 1.0;
    let mut all_values = 1.0;
    for key in &index.keys {
        let eq = preds.iter().find_map(|p| match &p.kind {
            PredKind::Eq { key: k, values } if key_matches(key, k) => Some((k, *values)),
            _ => None,
        });
        if let Some((k, values)) = eq {
            let one = match k {
                KeyRef::Column(c) => table.eq_selectivity(c),
                KeyRef::Expression { .. } => crate::catalog::DEFAULT_EQ_SELECTIVITY,
            };
            selectivity *= (one * values).min(1.0);
            all_values *= values;
            usage.probes *= values;
            usage.equalities += 1;
            usage.columns.push(key_label(key));
            continue;
        }
        let range = preds.iter().find_map(|p| match &p.kind {
            PredKind::Range { key: k, bounds } if key_matches(key, k) => Some(*bounds),
            _ => None,
        });
        if let Some(bounds) = range {
            selectivity *= RANGE_FRACTION.powi(i32::from(bounds));
            usage.range = true;
            usage.columns.push(key_label(key));
        }
        break;
    }
    if usage.columns.is_empty() {
        return None;
    }
    let full_unique = index.unique && !usage.range && usage.equalities == index.keys.len();
    let rows = if full_unique {
        all_values
    } else {
        (total * selectivity).max(1.0)
    };
    Some((usage, rows))
}

/// Why no index serves `preds`, and the term kind that says so.
fn scan_reason(table: &Table, preds: &[Predicate]) -> (TermKind, String) {
    let leads = |col: &str| {
        table
            .indexes_leading_with(col)
            .next()
            .map(|i| i.name.clone())
    };
    for p in preds {
        match &p.kind {
            PredKind::Eq {
                key: KeyRef::Expression { sql, columns },
                ..
            }
            | PredKind::Range {
                key: KeyRef::Expression { sql, columns },
                ..
            } => {
                if let Some((col, ix)) = columns.iter().find_map(|c| leads(c).map(|i| (c, i))) {
                    return (
                        TermKind::FunctionOnIndexedColumn,
                        format!("{sql} hides {col} from index {ix}"),
                    );
                }
            }
            PredKind::LeadingWildcard { column } => {
                if let Some(ix) = leads(column) {
                    return (
                        TermKind::LeadingWildcardLike,
                        format!("LIKE with a leading wildcard cannot seek index {ix} on {column}"),
                    );
                }
            }
            _ => {}
        }
    }
    let mut wanted: Vec<String> = Vec::new();
    for p in preds {
        if let PredKind::Or { columns } = &p.kind {
            return (
                TermKind::FullScan,
                format!(
                    "OR across {}: no one index serves every branch",
                    columns.join(", ")
                ),
            );
        }
        for c in kind_columns(&p.kind) {
            if !wanted.contains(&c) {
                wanted.push(c);
            }
        }
    }
    if wanted.is_empty() {
        return (
            TermKind::FullScan,
            "no condition an index could serve".into(),
        );
    }
    let partial = wanted.iter().find_map(|c| {
        table
            .indexes_leading_with(c)
            .find(|i| i.predicate.is_some())
            .map(|i| (c, i))
    });
    if let Some((c, i)) = partial {
        return (
            TermKind::FullScan,
            format!(
                "index {} on {c} is partial (WHERE {}) and the query does not imply it",
                i.name,
                i.predicate.as_deref().unwrap_or_default()
            ),
        );
    }
    (
        TermKind::FullScan,
        format!("no index leads with {}", wanted.join(" or ")),
    )
}
