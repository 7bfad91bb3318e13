//! `sqlsift ingest`: digest inputs into a store file, merging with what it
//! holds, so that several ingests (and processes) add up to one workload that
//! `sqlsift report --store` renders.

use std::collections::VecDeque;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use sqlsift_analyzer::QueryEvent;
use sqlsift_analyzer::read::{self, Record};
use sqlsift_analyzer::store::{Store, StoreLocation, StoreOptions};
use sqlsift_analyzer::workload::{Workload, ingest};

use crate::cli::{IngestArgs, InputArgs};
use crate::config::Config;
use crate::progress;

pub fn run(args: &IngestArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let workload = read_inputs(&args.input, config)?;
    let at = location(&args.store);
    let mut store = Store::open_at(
        &at,
        StoreOptions {
            max_events: args.keep_events,
            ..StoreOptions::default()
        },
    )
    .with_context(|| format!("{at}: cannot open as a sqlsift store"))?;
    store
        .save(&workload)
        .with_context(|| format!("{at}: cannot save"))?;
    if args.keep_events > 0 {
        store
            .append_events(&last_events(&args.input, args.keep_events)?)
            .with_context(|| format!("{at}: cannot keep raw events"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The last `n` events of the inputs (a second pass: only when asked for).
fn last_events(input: &InputArgs, n: u64) -> anyhow::Result<Vec<QueryEvent>> {
    let cap = usize::try_from(n).unwrap_or(usize::MAX);
    let mut last = VecDeque::new();
    for path in &input.sources.inputs {
        let (_, records) = read::open(path, input.sources.input_format, None)?;
        for r in records {
            if let Record::Event(e) = r {
                if last.len() == cap {
                    last.pop_front();
                }
                last.push_back(e);
            }
        }
    }
    Ok(last.into())
}

/// Reads every input into one workload, with a progress bar for big ones.
pub fn read_inputs(input: &InputArgs, config: &Config) -> anyhow::Result<Workload> {
    super::check_inputs(&input.sources.inputs)?;
    let bar = progress::for_inputs(&input.sources.inputs);
    let opts = input.ingest_options(config);
    let callback = bar.as_ref().map(progress::callback);
    let workload = ingest(&input.sources.inputs, &opts, callback.as_ref())?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(workload)
}

/// `workload` merged into what the store at `path` (a file or a libSQL URL)
/// holds, when one is given.
pub fn with_store(workload: Workload, path: Option<&Path>) -> anyhow::Result<Workload> {
    let Some(path) = path else {
        return Ok(workload);
    };
    let at = location(path);
    // Reading a store never creates one: a mistyped name is an error, not an empty report.
    if let StoreLocation::File(file) = &at {
        if !file.is_file() {
            anyhow::bail!("{at}: no such store file");
        }
    }
    let mut stored = Store::open_at(&at, StoreOptions::default())
        .with_context(|| format!("{at}: cannot open as a sqlsift store"))?
        .load()
        .with_context(|| format!("{at}: cannot read"))?;
    stored.merge(workload);
    Ok(stored)
}

/// A `--store` argument: a file path, or a `libsql://`/`https://`/`http://` URL.
fn location(arg: &Path) -> StoreLocation {
    match arg.to_str() {
        Some(text) => StoreLocation::parse(text),
        None => StoreLocation::File(arg.to_owned()),
    }
}
