//! `sqlsift report`: digest captured workloads into a ranked report.

use std::io::Write;
use std::process::ExitCode;

use crate::analysis::Schema;
use crate::cli::{Gate, ReportArgs, ReportFormat};
use crate::config::Config;
use crate::report;

pub fn run(args: &ReportArgs, config: &Config) -> anyhow::Result<ExitCode> {
    // Settings, schema and baseline first, so that a bad one fails before the work.
    let schema = Schema::load(args.schema.as_deref(), config)?;
    let linter = sqlsift_rules::Linter::new(&config.rules)?;
    let baseline = args
        .baseline
        .as_deref()
        .map(report::baseline::Baseline::read)
        .transpose()?;
    let workload = super::ingest::read_inputs(&args.input, config)?;
    let workload = super::ingest::with_store(workload, args.store.as_deref())?;
    let advice = schema.as_ref().map(|s| s.advise(&workload)).transpose()?;
    let top = match (args.top, args.format) {
        (Some(n), _) => Some(n),
        (None, ReportFormat::Text) => Some(20),
        (None, ReportFormat::Markdown) => Some(10),
        (None, ReportFormat::Json | ReportFormat::Junit | ReportFormat::Sarif) => None,
    };
    let mut r = report::build(
        &workload,
        &report::Options {
            sort: args.sort,
            top,
            redact: args.redact,
            thresholds: config.thresholds,
            schema: schema.as_ref(),
            linter: &linter,
            advice: advice.as_ref(),
            unit_findings: None,
        },
    );
    config.ignore.apply(&mut r);
    if let Some(b) = &baseline {
        b.apply(&mut r);
    }
    let fail_on = args.fail_on.or(config.fail_on).and_then(Gate::severity);
    let failed = report::gate::judge(&mut r, fail_on);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        ReportFormat::Text => report::write_text(&r, &mut out)?,
        ReportFormat::Json => report::write_json(&r, &mut out)?,
        ReportFormat::Markdown => report::write_markdown(&r, &mut out)?,
        ReportFormat::Junit => report::write_junit(&r, &mut out)?,
        ReportFormat::Sarif => report::write_sarif(&r, &mut out)?,
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
