//! Batchable inserts: the rows of a bulk load sent one single-row INSERT at a
//! time. One multi-row `VALUES` (or `COPY` in PostgreSQL) does it in one trip.

use super::{Finding, FindingKind, Severity, Tally, UnitView, short};
use crate::digest::Digest;
use crate::facts::StatementKind;
use crate::normalize::FingerprintMap;

#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct BatchInserts {
    loads: FingerprintMap<(Tally, Option<String>)>,
}

impl BatchInserts {
    pub fn unit(&mut self, view: &UnitView<'_>, min: usize) {
        for x in &view.repeated {
            let Some(facts) = x.facts.as_ref() else {
                continue;
            };
            if facts.kind != StatementKind::Insert || !facts.single_row_insert {
                continue;
            }
            let rows = x.positions.len() as u64;
            if x.positions.len() < min {
                continue;
            }
            let (tally, table) = self.loads.entry(x.fingerprint).or_default();
            tally.add(view.unit, rows, x.total_ms, rows - 1);
            if table.is_none() {
                table.clone_from(&facts.table);
            }
        }
    }

    pub fn merge(&mut self, other: BatchInserts) {
        for (fp, (t, table)) in other.loads {
            let mine = self.loads.entry(fp).or_default();
            mine.0.merge(t);
            if mine.1.is_none() {
                mine.1 = table;
            }
        }
    }

    pub fn findings(&self, digests: &FingerprintMap<Digest>) -> Vec<Finding> {
        self.loads
            .iter()
            .map(|(fp, (t, table))| {
                let d = digests.get(fp);
                let shape = d.map_or("?", |d| &d.shape);
                let copy = if d.is_some_and(|d| d.dialect == crate::Dialect::PostgreSql) {
                    " or COPY"
                } else {
                    ""
                };
                let severity = if t.largest >= 100 {
                    Severity::Warning
                } else {
                    Severity::Info
                };
                Finding {
                    table: table.clone(),
                    message: format!(
                        "Batchable insert: `{}` inserts one row at a time ({} rows in one unit at most); \
                         send the rows as one multi-row VALUES{copy} ({} round trips saved)",
                        short(shape),
                        t.largest,
                        t.saved
                    ),
                    ..t.finding(FindingKind::BatchableInsert, *fp, severity)
                }
            })
            .collect()
    }
}
