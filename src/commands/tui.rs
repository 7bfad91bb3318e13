//! `sqlsift tui`: the console over captured workloads.
//!
//! Replay builds the report once (`report::build`, as `sqlsift report` does)
//! and converts it into the console's plain [`Snapshot`]. `--follow` re-reads
//! the inputs whenever one of them changes (size or modification time) and
//! sends the console a fresh snapshot. Re-reading whole files rather than
//! feeding only the appended bytes is deliberate: units of work, loops and
//! multi-line log entries span the boundary of any chunk, and a log may be
//! truncated or rotated — a full re-read always equals `sqlsift report` on
//! the file at that moment. Its cost is one read per change, at most one per
//! `--interval`.

pub(super) mod snapshot;

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use sqlsift_advisor::Advice;
use sqlsift_analyzer::read::{self, Record};
use sqlsift_analyzer::workload::{Workload, ingest};
use sqlsift_rules::Linter;
use sqlsift_tui::Snapshot;
use sqlsift_tui::model::StreamRow;

use crate::analysis::Schema;
use crate::cli::TuiArgs;
use crate::config::Config;
use crate::report;

/// Statements the Live stream keeps.
const STREAM_ROWS: usize = 500;

pub fn run(args: &TuiArgs, config: &Config) -> anyhow::Result<ExitCode> {
    super::check_inputs(&args.input.sources.inputs)?;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!("the console needs a terminal: for a file or a pipe use `sqlsift report`");
    }
    // The follower makes a `Duration` of it, which cannot hold every float.
    if !(args.interval > 0.0 && Duration::try_from_secs_f64(args.interval).is_ok()) {
        anyhow::bail!("--interval must be a positive number of seconds");
    }
    let first = Builder::new(args, config)?.snapshot(args, config)?;
    let (tx, rx) = channel();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        if args.follow {
            let stop = &stop;
            // The follower has its own schema connection and rules: they are
            // not shareable between threads.
            scope.spawn(move || follow(args, config, &tx, stop));
        }
        let shown = sqlsift_tui::run_console(first, &rx);
        stop.store(true, Ordering::Relaxed);
        shown.context("the console stopped")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// What turns the inputs into a snapshot: the schema, the lint rules and
/// where index advice is validated.
struct Builder {
    schema: Option<Schema>,
    linter: Linter,
}

impl Builder {
    fn new(args: &TuiArgs, config: &Config) -> anyhow::Result<Builder> {
        Ok(Builder {
            schema: Schema::load(args.schema.as_deref(), config)?,
            linter: Linter::new(&config.rules)?,
        })
    }

    /// The inputs as they are now, as the console shows them.
    fn snapshot(&self, args: &TuiArgs, config: &Config) -> anyhow::Result<Snapshot> {
        let opts = args.input.ingest_options(config);
        let workload = ingest(&args.input.sources.inputs, &opts, None)?;
        let mut r = report::build(
            &workload,
            // The Advice view lists the advisor's output itself: no `advice` here.
            &report::Options {
                schema: self.schema.as_ref(),
                ..report::Options::everything(config, &self.linter)
            },
        );
        config.ignore.apply(&mut r);
        let advice = self.advice(&workload);
        let names: Vec<String> = args
            .input
            .sources
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        Ok(snapshot::convert(
            &r,
            names.join(", "),
            stream(&args.input.sources.inputs, args.input.sources.input_format)?,
            advice.as_ref(),
            self.postgres(),
        ))
    }

    fn postgres(&self) -> bool {
        self.schema.as_ref().is_some_and(Schema::is_postgres)
    }

    /// Index and partition advice, validated on the planner (not timed:
    /// the console should open at once), when a schema is given.
    fn advice(&self, workload: &Workload) -> Option<Result<Advice, String>> {
        let schema = self.schema.as_ref()?;
        Some(schema.advise(workload).map_err(|e| format!("{e:#}")))
    }
}

/// The newest statements of the inputs, oldest first.
fn stream(inputs: &[PathBuf], format: Option<read::Format>) -> anyhow::Result<Vec<StreamRow>> {
    let mut last = VecDeque::with_capacity(STREAM_ROWS);
    for path in inputs {
        let (_, records) = read::open(path, format, None)?;
        for r in records {
            if let Record::Event(e) = r {
                if last.len() == STREAM_ROWS {
                    last.pop_front();
                }
                last.push_back(StreamRow {
                    ts: e.ts.map(|t| t.to_string()),
                    duration_ms: e.duration_ms,
                    sql: e.sql,
                });
            }
        }
    }
    Ok(last.into())
}

/// What tells that an input changed: its size and modification time.
fn stamps(inputs: &[PathBuf]) -> Vec<Option<(u64, Option<SystemTime>)>> {
    inputs
        .iter()
        .map(|p| {
            std::fs::metadata(p)
                .ok()
                .map(|m| (m.len(), m.modified().ok()))
        })
        .collect()
}

/// Sends a fresh snapshot each time the inputs change, until `stop`.
fn follow(args: &TuiArgs, config: &Config, tx: &Sender<Snapshot>, stop: &AtomicBool) {
    let Ok(builder) = Builder::new(args, config) else {
        return;
    };
    let interval = Duration::from_secs_f64(args.interval);
    let mut seen = stamps(&args.input.sources.inputs);
    let mut checked = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        // Short sleeps, so that quitting is not held up by the interval.
        std::thread::sleep(Duration::from_millis(50).min(interval));
        if checked.elapsed() < interval {
            continue;
        }
        checked = Instant::now();
        let now = stamps(&args.input.sources.inputs);
        if now == seen {
            continue;
        }
        // A file caught mid-rewrite may fail to read: the next change retries.
        if let Ok(s) = builder.snapshot(args, config) {
            seen = now;
            if tx.send(s).is_err() {
                return;
            }
        }
    }
}
