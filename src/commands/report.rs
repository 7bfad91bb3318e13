//! `sqlsift report`: digest captured workloads into a ranked report.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{OutputFormat, ReportArgs};
use crate::report;

pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let workload = super::ingest::read_inputs(&args.input)?;
    let workload = super::ingest::with_store(workload, args.store.as_deref())?;
    let top = match (args.top, args.format) {
        (Some(n), _) => Some(n),
        (None, OutputFormat::Text) => Some(20),
        (None, OutputFormat::Json) => None,
    };
    let r = report::build(
        &workload,
        &report::Options {
            sort: args.sort,
            top,
            redact: args.redact,
        },
    );
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        OutputFormat::Text => report::write_text(&r, &mut out)?,
        OutputFormat::Json => report::write_json(&r, &mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
