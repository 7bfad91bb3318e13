//! Duplicates: the same read with the same values repeated inside one unit —
//! answers a cache (or a variable) could give without a round trip.

use super::{Finding, FindingKind, Severity, Tally, UnitView, short};
use crate::digest::Digest;
use crate::facts::StatementKind;
use crate::normalize::FingerprintMap;

#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Duplicates {
    repeats: FingerprintMap<DupAgg>,
}

#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
struct DupAgg {
    tally: Tally,
    /// Executions a cache would have answered.
    hits: u64,
    columns: Vec<String>,
    table: Option<String>,
}

impl Duplicates {
    pub fn unit(&mut self, view: &UnitView<'_>) {
        for x in &view.repeated {
            let Some(facts) = x.facts.as_ref() else {
                continue;
            };
            if facts.kind != StatementKind::Select {
                continue;
            }
            let executions = x.positions.len() as u64;
            let hits = executions - x.distinct.len() as u64;
            if hits == 0 {
                continue;
            }
            let agg = self.repeats.entry(x.fingerprint).or_default();
            // Only the repeated executions count as time and round trips a cache saves.
            #[allow(clippy::cast_precision_loss)]
            let share = hits as f64 / executions as f64;
            agg.tally
                .add(view.unit, executions, x.total_ms * share, hits);
            agg.hits += hits;
            if agg.columns.is_empty() {
                agg.columns = facts.eq_slots.iter().map(|(_, c)| c.clone()).collect();
                agg.table.clone_from(&facts.table);
            }
        }
    }

    pub fn merge(&mut self, other: Duplicates) {
        for (fp, o) in other.repeats {
            let mine = self.repeats.entry(fp).or_default();
            mine.tally.merge(o.tally);
            mine.hits += o.hits;
            if mine.columns.is_empty() {
                mine.columns = o.columns;
                mine.table = o.table;
            }
        }
    }

    pub fn findings(&self, digests: &FingerprintMap<Digest>) -> Vec<Finding> {
        self.repeats
            .iter()
            .map(|(fp, agg)| {
                let t = &agg.tally;
                #[allow(clippy::cast_precision_loss)]
                let hit_rate = agg.hits as f64 / t.executions.max(1) as f64;
                let shape = digests.get(fp).map_or("?", |d| &d.shape);
                let severity = if agg.hits >= 10 {
                    Severity::Warning
                } else {
                    Severity::Info
                };
                Finding {
                    table: agg.table.clone(),
                    columns: agg.columns.clone(),
                    hit_rate: Some(hit_rate),
                    message: format!(
                        "Duplicate: `{}` repeats with the same values inside a unit; \
                         memoizing it per unit would answer {:.0}% of its {} executions ({} round trips)",
                        short(shape),
                        hit_rate * 100.0,
                        t.executions,
                        agg.hits
                    ),
                    ..t.finding(FindingKind::Duplicate, *fp, severity)
                }
            })
            .collect()
    }
}
