//! Command-line arguments (clap derive), validated before any work starts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::read::Format;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  findings at or above the gate (--fail-on)
  2  sqlsift could not do its job (bad arguments, unreadable input)";

/// sqlsift watches the SQL an application executes and tells you what to fix.
#[derive(Debug, Parser)]
#[command(name = "sqlsift", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Digest captured workloads: the costliest statement shapes, with totals.
    #[command(after_help = EXIT_CODES)]
    Report(ReportArgs),
    /// Print each N+1 loop found in captured inputs with its batched rewrites.
    #[command(
        after_help = "Every form is printed in full: the loop's own values written in, the parameterized IN (chunked to the dialect's bound-variable limit) and, for PostgreSQL, = ANY($1). Loops that cannot be batched without changing results say why."
    )]
    Rewrite(RewriteArgs),
    /// Convert captured inputs into sqlsift's canonical JSONL events, one per line.
    #[command(
        after_help = "Malformed lines are listed on stderr with file:line; the JSONL format is documented in samples/README.md."
    )]
    Events(EventsArgs),
    /// Print the normalized shape and fingerprint id of SQL statements.
    #[command(
        after_help = "Reads the statements from standard input when no SQL is given, one result per statement."
    )]
    Fingerprint(FingerprintArgs),
    /// Digest captured workloads into a store file, merged with what it already holds.
    #[command(
        after_help = "The store is a SQLite file (WAL): several ingests and processes may write it; `sqlsift report --store FILE` reads it."
    )]
    Ingest(IngestArgs),
}

/// How inputs are read.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Log files or captures to read (PostgreSQL stderr/csv/json logs, MySQL slow or
    /// general logs, sqlsift JSONL, .sql files; any of them gzip-compressed).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Input format, instead of detecting it per file.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub input_format: Option<Format>,

    /// SQL dialect to lex and parse with, instead of the input format's own.
    #[arg(long, value_parser = parse_dialect)]
    pub dialect: Option<Dialect>,

    /// Executions of one query with differing values in one unit of work that make an N+1 loop.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..))]
    pub loop_min: u32,

    /// Milliseconds of silence that end a session's unit of work (when no request tag or transaction groups it).
    #[arg(long, value_name = "MS", default_value_t = 100.0)]
    pub idle_gap_ms: f64,
}

impl InputArgs {
    /// The detector settings these arguments ask for.
    pub fn detect_config(&self) -> sqlsift_analyzer::detect::DetectConfig {
        sqlsift_analyzer::detect::DetectConfig {
            loop_min: self.loop_min as usize,
            insert_min: self.loop_min as usize,
            units: sqlsift_analyzer::units::UnitConfig {
                idle_gap_ms: self.idle_gap_ms,
            },
        }
    }
}

#[derive(Debug, Args)]
// Inputs are optional when a store holds the workload.
#[command(mut_arg("inputs", |a| a.required(false).required_unless_present("store")))]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    /// How many fingerprints to list (0 = all). Default: 20 for text, all for json.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// What to rank fingerprints by.
    #[arg(long, value_enum, default_value_t = SortKey::Total)]
    pub sort: SortKey,

    /// Replace literal values in samples and parameters (captured SQL carries personal data).
    #[arg(long)]
    pub redact: bool,

    /// Report the workload a store file holds (`sqlsift ingest --store`), merged with any inputs.
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The store file to merge into (created if missing).
    #[arg(long, value_name = "FILE")]
    pub store: PathBuf,

    /// Also keep the last N raw events in the store (the newest N over all ingests).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_events: u64,
}

#[derive(Debug, Args)]
pub struct RewriteArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Replace literal values in statements and parameters.
    #[arg(long)]
    pub redact: bool,
}

#[derive(Debug, Args)]
pub struct FingerprintArgs {
    /// The SQL to fingerprint; standard input when absent.
    pub sql: Option<String>,

    /// SQL dialect whose lexing rules apply.
    #[arg(long, value_parser = parse_dialect, default_value = "generic")]
    pub dialect: Dialect,

    /// Print JSON lines ({"id", "shape", "literals", "tags"}) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    /// Total execution time.
    Total,
    /// Number of executions.
    Calls,
    /// Mean execution time.
    Mean,
    /// 95th-percentile execution time.
    P95,
    /// Rows returned or affected.
    Rows,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn parse_dialect(s: &str) -> Result<Dialect, String> {
    s.parse()
}
