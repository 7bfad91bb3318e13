//! `sqlsift advise`: index and partition advice for captured workloads,
//! validated against the database `--schema` names.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use sqlsift_advisor::{Options, advise, render, work_statements};
use sqlsift_analyzer::workload::ingest;

use crate::cli::{AdviseArgs, AdviseFormat};
use crate::config::Config;

pub fn run(args: &AdviseArgs, config: &Config) -> anyhow::Result<ExitCode> {
    super::check_inputs(&args.input.sources.inputs)?;
    let Some(source) = config.schema_source(args.schema.as_deref()) else {
        anyhow::bail!(
            "advise needs the database schema: pass --schema (a SQLite file, a postgresql:// URL \
             or a .sql file) or set [schema] source in sqlsift.toml"
        );
    };
    let catalog = sqlsift_analyzer::catalog::load(&source, &config.schema.rows)?;
    let opts = args.input.ingest_options(config);
    let workload = ingest(&args.input.sources.inputs, &opts, None)?;
    let statements = work_statements(&workload);
    let postgres = source.starts_with("postgres://") || source.starts_with("postgresql://");
    let options = Options {
        workload_complete: args.workload_complete,
        sqlite: (!postgres && crate::analysis::is_sqlite_file(Path::new(&source)))
            .then(|| PathBuf::from(&source)),
        run: !args.no_run,
        postgres: postgres.then(|| source.clone()),
        partition_rows: args.partition_rows,
    };
    let advice = advise(&statements, &catalog, &options)
        .with_context(|| format!("validating the advice against {}", catalog.source))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        AdviseFormat::Text => render::write_text(&advice, &mut out)?,
        AdviseFormat::Markdown => render::write_markdown(&advice, &mut out)?,
        AdviseFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &advice)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
