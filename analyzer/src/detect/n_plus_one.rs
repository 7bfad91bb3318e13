//! N+1: inside one unit, a shape executed again and again with differing
//! values — one query per row of a parent result. Not flagged: prefetch
//! batches (the varying value is an `IN` list), loops below the threshold,
//! repeats with identical values (duplicates), and non-SELECT statements
//! (bulk inserts are batchable inserts).

use super::{Executions, Finding, FindingKind, LoopExample, Severity, Tally, UnitView, short};
use crate::digest::Digest;
use crate::facts::StatementKind;
use crate::normalize::{Fingerprint, FingerprintMap, Normalizer};
use crate::values::SlotValues;

#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct NPlusOne {
    loops: FingerprintMap<LoopAgg>,
}

#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
struct LoopAgg {
    tally: Tally,
    /// How often each statement ran just before the loop.
    parents: FingerprintMap<u64>,
    columns: Vec<String>,
    /// The shape's first table, for loops whose key column is unqualified.
    table: Option<String>,
    example: Option<LoopExample>,
}

/// Slots whose values differ between the distinct iterations.
fn varying_slots(iterations: &[Vec<SlotValues>]) -> Vec<u32> {
    let Some(first) = iterations.first() else {
        return Vec::new();
    };
    (0..first.len())
        .filter(|&s| iterations.iter().any(|v| v.get(s) != first.get(s)))
        .filter_map(|s| u32::try_from(s).ok())
        .collect()
}

impl NPlusOne {
    /// Finds the loops of one unit.
    pub fn unit(&mut self, view: &UnitView<'_>, min: usize, normalizer: &mut Normalizer) {
        // A loop has at least two distinct iterations, whatever `min` says:
        // the probe below reads the second.
        let is_loop = |x: &Executions| {
            x.distinct.len() >= min.max(2)
                && x.facts
                    .as_ref()
                    .is_some_and(|f| f.kind == StatementKind::Select)
        };
        let loop_fps: Vec<Fingerprint> = view
            .repeated
            .iter()
            .filter(|x| is_loop(x))
            .map(|x| x.fingerprint)
            .collect();
        for x in view.repeated.iter().filter(|x| is_loop(x)) {
            let Some(facts) = x.facts.as_ref() else {
                continue;
            };
            // Which slots vary, from a few iterations: all of them are read
            // only when this loop becomes the kept example.
            let probe: Vec<Vec<SlotValues>> = [0, 1, x.distinct.len() - 1]
                .iter()
                .map(|&k| view.slot_values(x.distinct[k].1, normalizer))
                .collect();
            let varying = varying_slots(&probe);
            // An ORM prefetch batch varies its IN list, not a key.
            if varying.is_empty() || varying.iter().any(|s| facts.in_list_slots.contains(s)) {
                continue;
            }
            let columns: Vec<String> = varying
                .iter()
                .filter_map(|s| facts.column_of(*s).map(str::to_owned))
                .collect();
            // The parent: the last statement before the loop that is not a loop itself.
            let parent_entry = view.unit.entries[..x.positions[0]]
                .iter()
                .rev()
                .find(|e| !loop_fps.contains(&e.fingerprint));
            let parent = parent_entry.map(|e| e.fingerprint);
            let executions = x.positions.len() as u64;
            let agg = self.loops.entry(x.fingerprint).or_default();
            agg.tally
                .add(view.unit, executions, x.total_ms, executions - 1);
            if let Some(p) = parent {
                *agg.parents.entry(p).or_default() += 1;
            }
            if agg.columns.is_empty() {
                agg.columns = columns;
            }
            if agg.table.is_none() {
                agg.table.clone_from(&facts.table);
            }
            let kept = x.distinct.len().min(LoopExample::MAX_ITERATIONS);
            let bigger = agg
                .example
                .as_ref()
                .is_none_or(|e| e.iterations.len() < kept);
            if bigger {
                let iterations: Vec<Vec<SlotValues>> = x.distinct[..kept]
                    .iter()
                    .map(|&(_, position, _)| view.slot_values(position, normalizer))
                    .collect();
                // The probe saw three iterations; all of them tell every varying slot.
                let varying = varying_slots(&iterations);
                agg.columns = varying
                    .iter()
                    .filter_map(|s| facts.column_of(*s).map(str::to_owned))
                    .collect();
                let first = &view.unit.entries[x.positions[0]];
                agg.example = Some(LoopExample {
                    unit: view.unit.name(),
                    dialect: view.dialect,
                    sample_sql: first.sql.clone(),
                    sample_params: first.params.clone(),
                    varying_slots: varying,
                    iterations,
                    distinct: x.distinct.len() as u64,
                    parent: parent_entry.map(|e| (e.sql.clone(), e.params.clone())),
                });
            }
        }
    }

    pub fn merge(&mut self, other: NPlusOne) {
        for (fp, o) in other.loops {
            let mine = self.loops.entry(fp).or_default();
            mine.tally.merge(o.tally);
            for (p, n) in o.parents {
                *mine.parents.entry(p).or_default() += n;
            }
            if mine.columns.is_empty() {
                mine.columns = o.columns;
            }
            if mine.table.is_none() {
                mine.table = o.table;
            }
            let theirs_bigger = match (&mine.example, &o.example) {
                (None, Some(_)) => true,
                (Some(a), Some(b)) => b.iterations.len() > a.iterations.len(),
                _ => false,
            };
            if theirs_bigger {
                mine.example = o.example;
            }
        }
    }

    pub fn findings(&self, digests: &FingerprintMap<Digest>) -> Vec<Finding> {
        let mut out = Vec::new();
        for (fp, agg) in &self.loops {
            let shape = digests.get(fp).map_or("?", |d| &d.shape);
            let parent = agg
                .parents
                .iter()
                .max_by_key(|(p, n)| (**n, std::cmp::Reverse(**p)))
                .map(|(p, _)| *p);
            let t = &agg.tally;
            let severity = if t.largest >= 50 || t.total_ms >= 1000.0 {
                Severity::Error
            } else {
                Severity::Warning
            };
            let keys = if agg.columns.is_empty() {
                "its parameters".to_owned()
            } else {
                agg.columns.join(", ")
            };
            // "Once per row" only where a statement before it gave the rows.
            let (runs, after) = match parent.and_then(|p| digests.get(&p)) {
                Some(d) => ("once per row", format!(" after `{}`", short(&d.shape))),
                None => ("in a loop", String::new()),
            };
            let message = format!(
                "N+1: `{}` runs {runs} ({} times in one unit at most, varying {keys}){after}; \
                 {} unit(s), {} round trips saved by one batched query per unit",
                short(shape),
                t.largest,
                t.unit_count,
                t.saved
            );
            out.push(Finding {
                table: table_of_columns(&agg.columns).or_else(|| agg.table.clone()),
                columns: agg.columns.clone(),
                parent,
                message,
                example: agg.example.clone(),
                ..t.finding(FindingKind::NPlusOne, *fp, severity)
            });
        }
        out
    }
}

/// The table a qualified key column names (`authors.id` → `authors`).
fn table_of_columns(columns: &[String]) -> Option<String> {
    columns
        .first()
        .and_then(|c| c.rsplit_once('.'))
        .map(|(t, _)| t.to_owned())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::detect::DetectConfig;
    use crate::workload::{Aggregator, Stager};
    use crate::{Dialect, QueryEvent};

    #[test]
    fn a_long_loop_keeps_its_first_iterations_and_counts_them_all() {
        let mut stager = Stager::new(Dialect::Generic);
        let mut aggregator = Aggregator::new(Dialect::Generic, DetectConfig::default());
        let n = LoopExample::MAX_ITERATIONS + 500;
        for i in 0..n {
            let e = QueryEvent {
                session: Some(Arc::from("s")),
                ..QueryEvent::new(format!("SELECT * FROM authors WHERE id = {i}"))
            };
            let (marks, shape) = stager.stage(&e);
            aggregator.add(e, &marks, shape.as_deref());
        }
        let w = aggregator.finish();
        let findings = w.detection.unwrap().findings(&w.digests);
        let example = findings[0].example.as_ref().unwrap();
        assert_eq!(findings[0].loop_size, n as u64);
        // No statement before the loop gave it rows: it is not "once per row".
        assert!(
            findings[0]
                .message
                .starts_with("N+1: `select * from authors where id = ?` runs in a loop ("),
            "{}",
            findings[0].message
        );
        assert_eq!(example.iterations.len(), LoopExample::MAX_ITERATIONS);
        assert_eq!(example.distinct_iterations(), n as u64);
        assert_eq!(example.iterations[999], [["999"]]);
    }
}
