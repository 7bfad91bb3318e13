//! `sqlsift ingest`: digest inputs into a store file, merging with what it
//! holds, so that several ingests (and processes) add up to one workload that
//! `sqlsift report --store` renders.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use sqlsift_analyzer::store::{Store, StoreOptions};
use sqlsift_analyzer::workload::{IngestOptions, Workload, ingest};

use crate::cli::{IngestArgs, InputArgs};
use crate::progress;

pub fn run(args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let workload = read_inputs(&args.input)?;
    let mut store = open(&args.store)?;
    store
        .save(&workload)
        .with_context(|| format!("{}: cannot save", args.store.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// Reads every input into one workload, with a progress bar for big ones.
pub fn read_inputs(input: &InputArgs) -> anyhow::Result<Workload> {
    super::check_inputs(&input.inputs)?;
    let bar = progress::for_inputs(&input.inputs);
    let opts = IngestOptions {
        format: input.input_format,
        dialect: input.dialect,
        detect: input.detect_config(),
    };
    let callback = bar.as_ref().map(progress::callback);
    let workload = ingest(&input.inputs, &opts, callback.as_ref())?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(workload)
}

/// `workload` merged into what the store at `path` holds, when one is given.
pub fn with_store(workload: Workload, path: Option<&Path>) -> anyhow::Result<Workload> {
    let Some(path) = path else {
        return Ok(workload);
    };
    let mut stored = open(path)?
        .load()
        .with_context(|| format!("{}: cannot read", path.display()))?;
    stored.merge(workload);
    Ok(stored)
}

fn open(path: &Path) -> anyhow::Result<Store> {
    Store::open(path, StoreOptions::default())
        .with_context(|| format!("{}: cannot open as a sqlsift store", path.display()))
}
