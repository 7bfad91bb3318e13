//! `sqlsift proxy --tui`: the console beside the proxy, fed live. Once a
//! second the pipeline's snapshot (digests, and findings counting units of
//! work still open) becomes a report and then the console's model; the
//! Stream view shows the newest statements the taps recorded; the Advice
//! view opens with the connection advice.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use sqlsift_analyzer::QueryEvent;
use sqlsift_analyzer::detect::Finding;
use sqlsift_analyzer::digest::Digest;
use sqlsift_analyzer::interceptor::Snapshot as PipelineSnapshot;
use sqlsift_analyzer::normalize::FingerprintMap;
use sqlsift_analyzer::workload::Workload;
use sqlsift_proxy::ConnectionAdvice;
use sqlsift_rules::Linter;
use sqlsift_tui::Snapshot;
use sqlsift_tui::model::{AdviceRow, Severity, StreamRow};

use crate::commands::tui::snapshot::convert;
use crate::config::Config;
use crate::report;

/// Statements the Stream view keeps.
const STREAM_ROWS: usize = 500;

/// What the console shows beyond the current pipeline: the newest
/// statements, and what earlier pipelines (rotated out by `--store`) saw.
#[derive(Default)]
pub struct Live {
    recent: Mutex<VecDeque<StreamRow>>,
    past: Mutex<Past>,
}

/// Digests and findings of pipelines already rotated out.
#[derive(Default)]
struct Past {
    digests: FingerprintMap<Digest>,
    findings: Vec<Finding>,
    events: u64,
    dropped: u64,
    units_cut: u64,
}

impl Live {
    /// Keeps `event` for the Stream view (called by the taps' sink).
    pub fn push(&self, event: &QueryEvent) {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.len() == STREAM_ROWS {
            recent.pop_front();
        }
        recent.push_back(StreamRow {
            ts: event.ts.map(|t| t.to_string()),
            duration_ms: event.duration_ms,
            sql: event.sql.clone(),
        });
    }

    /// Folds in the workload of a pipeline rotated out by `--store`.
    pub fn retire(&self, workload: &Workload) {
        let mut past = self.past.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(d) = &workload.detection {
            past.findings.extend(d.findings(&workload.digests));
        }
        for (id, d) in &workload.digests {
            match past.digests.get_mut(id) {
                Some(mine) => mine.merge(d),
                None => {
                    past.digests.insert(*id, d.clone());
                }
            }
        }
        past.events += workload.events;
        past.dropped += workload.dropped;
        past.units_cut += workload.units_cut;
    }

    /// The console's model of everything seen so far, with the connection
    /// advice first in the Advice view.
    pub fn snapshot(
        &self,
        now: PipelineSnapshot,
        source: &str,
        connections: &ConnectionAdvice,
        config: &Config,
        linter: &Linter,
    ) -> Snapshot {
        let past = self.past.lock().unwrap_or_else(PoisonError::into_inner);
        let mut workload = Workload {
            digests: past.digests.clone(),
            events: past.events + now.events,
            dropped: past.dropped + now.dropped,
            units_cut: past.units_cut + now.units_cut,
            ..Workload::default()
        };
        for d in now.digests {
            match workload.digests.get_mut(&d.id) {
                Some(mine) => mine.merge(&d),
                None => {
                    workload.digests.insert(d.id, d);
                }
            }
        }
        let mut findings = past.findings.clone();
        findings.extend(now.findings);
        drop(past);
        let mut r = report::build(
            &workload,
            &report::Options {
                unit_findings: Some(&findings),
                ..report::Options::everything(config, linter)
            },
        );
        config.ignore.apply(&mut r);
        let stream = self
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect();
        let mut snapshot = convert(&r, source.to_owned(), stream, None, true);
        snapshot.advice.insert(0, connection_row(connections));
        snapshot
    }
}

/// The connection advice as a row of the Advice view: a warning when it
/// recommends a pool.
fn connection_row(advice: &ConnectionAdvice) -> AdviceRow {
    AdviceRow {
        kind: "connections".into(),
        severity: if advice.pool_size.is_some() {
            Severity::Warning
        } else {
            Severity::Info
        },
        message: advice.verdict(),
        note: Some(
            std::iter::once(format!("connections: {}", advice.figures()))
                .chain(advice.reasons.iter().map(|r| format!("  - {r}")))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ..AdviceRow::default()
    }
}

#[cfg(test)]
mod tests {
    use sqlsift_analyzer::interceptor::{Interceptor, InterceptorConfig};

    use super::*;

    /// A live N+1 loop, in a unit still open, reaches the console's N+1
    /// view with its rewrite; the stream keeps the newest statements.
    #[test]
    fn open_loops_and_the_stream_reach_the_console() {
        let interceptor = Interceptor::start(InterceptorConfig {
            dialect: sqlsift_analyzer::Dialect::PostgreSql,
            ..InterceptorConfig::default()
        })
        .unwrap();
        let live = Live::default();
        let session: std::sync::Arc<str> = "proxy:1".into();
        let mut events = vec![QueryEvent::new("SELECT id FROM posts ORDER BY id LIMIT 8")];
        for k in 1..=8 {
            events.push(QueryEvent::new(format!(
                "SELECT name FROM users WHERE id = {k}"
            )));
        }
        for mut e in events {
            e.session = Some(session.clone());
            e.duration_ms = Some(0.2);
            live.push(&e);
            interceptor.record(e);
        }
        let linter = Linter::new(&sqlsift_rules::RulesConfig::default()).unwrap();
        let traffic = sqlsift_proxy::Traffic::default();
        traffic.opened();
        let connections = ConnectionAdvice::from_counts(&traffic.counts());
        let s = live.snapshot(
            interceptor.snapshot().unwrap(),
            "proxy",
            &connections,
            &Config::default(),
            &linter,
        );
        assert_eq!(s.advice[0].kind, "connections");
        assert!(
            s.advice[0].message.contains("no pool needed"),
            "{:?}",
            s.advice[0]
        );
        assert!(
            s.advice[0]
                .note
                .as_deref()
                .unwrap()
                .starts_with("connections: 1 sessions")
        );
        assert_eq!(s.totals.events, 9);
        assert_eq!(s.stream.len(), 9);
        assert!(s.stream.last().unwrap().sql.ends_with("id = 8"));
        let l = s.loops.iter().find(|l| l.kind == "N+1").expect("the loop");
        assert_eq!(l.size, 8);
        assert!(
            l.rewrites.iter().any(|(_, sql)| sql.contains("IN (")),
            "{l:?}"
        );
    }
}
