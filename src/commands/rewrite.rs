//! `sqlsift rewrite`: every N+1 loop with its batched rewrites, in full.

use std::io::Write;
use std::process::ExitCode;

use sqlsift_analyzer::workload::ingest;

use crate::cli::{OutputFormat, RewriteArgs};
use crate::config::Config;
use crate::report;

pub fn run(args: &RewriteArgs, config: &Config) -> anyhow::Result<ExitCode> {
    super::check_inputs(&args.input.sources.inputs)?;
    let opts = args.input.ingest_options(config);
    let workload = ingest(&args.input.sources.inputs, &opts, None)?;
    let linter = sqlsift_rules::Linter::new(&config.rules)?;
    let r = report::build(
        &workload,
        &report::Options {
            sort: crate::cli::SortKey::Total,
            top: Some(0),
            redact: false,
            thresholds: config.thresholds,
            schema: None,
            linter: &linter,
            advice: None,
            unit_findings: None,
        },
    );
    let loops: Vec<&report::Finding> = r
        .findings
        .iter()
        .filter(|f| f.kind == "n_plus_one")
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &loops)?;
            writeln!(out)?;
        }
        OutputFormat::Text => write_text(&loops, &mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_text(loops: &[&report::Finding], out: &mut impl Write) -> anyhow::Result<()> {
    if loops.is_empty() {
        writeln!(out, "No N+1 loops found.")?;
        return Ok(());
    }
    for (i, f) in loops.iter().enumerate() {
        writeln!(out, "N+1 loop {} of {}: {}", i + 1, loops.len(), f.shape)?;
        writeln!(
            out,
            "  fingerprint {}; {} executions in {} unit(s), at most {} in one; {:.3} ms",
            f.fingerprint, f.executions, f.unit_count, f.loop_size, f.total_ms
        )?;
        if let Some(p) = &f.parent {
            writeln!(out, "  after: {}", p.shape)?;
        }
        if let Some(why) = &f.not_rewritten {
            writeln!(out, "  not rewritten: {why}")?;
        }
        for rw in &f.rewrites {
            writeln!(out, "  {} ({} statement(s)):", rw.form, rw.statements.len())?;
            for (k, sql) in rw.statements.iter().enumerate() {
                writeln!(out, "    {sql};")?;
                if let Some(params) = rw.params.get(k).filter(|p| !p.is_empty()) {
                    writeln!(out, "    -- parameters: {}", params.join(", "))?;
                }
            }
            writeln!(out, "    -- {}", rw.note)?;
        }
        writeln!(out)?;
    }
    Ok(())
}
