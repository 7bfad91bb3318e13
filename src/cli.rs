//! Command-line arguments (clap derive), validated before any work starts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::read::Format;

use crate::config::Config;

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

    /// Settings file to use instead of the nearest sqlsift.toml (searched from
    /// the current directory upwards).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    /// Check statements against the lint rules: .sql files or captured workloads.
    #[command(after_help = LINT_HELP)]
    Lint(LintArgs),
    /// List the lint rules, or print one rule's documentation.
    Rules(RulesArgs),
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
    /// Recommend indexes (validated on the real planner) and partitioning for a workload.
    #[command(
        after_help = "Every index is checked what-if on SQLite's planner when --schema is a SQLite database (and timed on a copy when it holds data); with a postgresql:// URL, HypoPG checks it when the extension is installed. DDL is given for SQLite and PostgreSQL (CREATE INDEX CONCURRENTLY)."
    )]
    Advise(AdviseArgs),
    /// Inspect captured workloads in a terminal console: top queries, stream, N+1, advice.
    #[command(after_help = TUI_HELP)]
    Tui(TuiArgs),
    /// Relay PostgreSQL clients to the server and analyse every statement live.
    #[command(after_help = PROXY_HELP)]
    Proxy(ProxyArgs),
}

const PROXY_HELP: &str = "\
Point the application's DATABASE_URL at --listen. Bytes are relayed unchanged (authentication
included: trust, md5, SCRAM); each statement is timed in microseconds from its request to its
CommandComplete. Ctrl-C stops, prints statements, dropped events, findings and connection advice.";

#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Address to accept clients on.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:6432")]
    pub listen: String,

    /// The PostgreSQL server to relay to.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:5432")]
    pub upstream: String,

    /// Merge the captured workload into this store file (created if missing),
    /// every --flush-secs and on exit.
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,

    /// Seconds between saves to --store.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub flush_secs: u64,

    /// Append every executed statement to this file as a JSONL event.
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,

    /// Print the text report of the whole capture on exit.
    #[arg(long)]
    pub report_on_exit: bool,

    /// Show the live console (`sqlsift tui`'s views, fed once a second) while
    /// relaying; quitting it stops the proxy. Log lines wait until it closes.
    #[arg(long)]
    pub tui: bool,

    /// Forward SSLRequest to the server and relay TLS untouched, direct TLS
    /// (sslnegotiation=direct) too; such sessions are not analysed. By default the
    /// proxy declines TLS and clients continue in plaintext.
    #[arg(long)]
    pub tls_passthrough: bool,

    /// Client connections served at once; more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,

    /// Relay threads. One keeps every connection's wake-ups on one core, which
    /// is fastest where clients and server share a few cores (bench/README.md);
    /// raise it on a dedicated many-core host.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: u16,
}

const LINT_HELP: &str = "\
Each distinct statement is checked once and its findings are listed at every place it occurs.
Rules are configured in sqlsift.toml ([rules] enable, disable, severity) and silenced per
statement with a comment: -- sqlsift:ignore SQ001, select-star

Exit codes:
  0  no finding at or above the gate (default: warning)
  1  findings at or above the gate
  2  sqlsift could not do its job (bad arguments, unreadable input)";

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub sources: Sources,

    /// The database the statements run against (SQLite file, postgresql:// URL or
    /// schema .sql file): rules about indexes, nullability and types need it.
    #[arg(long, value_name = "DB|URL|FILE.sql")]
    pub schema: Option<String>,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    /// Exit with 1 when a finding is at or above this severity (`none`: never)
    /// [default: sqlsift.toml's fail_on, else warning].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_gate)]
    pub fail_on: Option<Gate>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule's code (SQ001) or name (select-star); all rules when absent.
    pub rule: Option<String>,
}

/// Which inputs to read, and how.
#[derive(Debug, Args)]
pub struct Sources {
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
}

/// How inputs are read into a workload.
#[derive(Debug, Args)]
pub struct InputArgs {
    #[command(flatten)]
    pub sources: Sources,

    /// Executions of one query with differing values in one unit of work that
    /// make an N+1 loop [default: 5, or sqlsift.toml's detect.loop_min].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    pub loop_min: Option<u32>,

    /// Milliseconds of silence after a statement's end that end a session's unit
    /// of work, when no request tag or transaction groups it [default: 100, or
    /// detect.idle_gap_ms].
    #[arg(long, value_name = "MS")]
    pub idle_gap_ms: Option<f64>,
}

impl InputArgs {
    /// How to ingest the inputs: their format and dialect, and the detector
    /// settings.
    pub fn ingest_options(&self, config: &Config) -> sqlsift_analyzer::workload::IngestOptions {
        sqlsift_analyzer::workload::IngestOptions {
            format: self.sources.input_format,
            dialect: self.sources.dialect,
            detect: self.detect_config(config),
        }
    }

    /// The detector settings these arguments ask for: flags first, then
    /// `sqlsift.toml`, then the defaults.
    pub fn detect_config(&self, config: &Config) -> sqlsift_analyzer::detect::DetectConfig {
        let defaults = sqlsift_analyzer::detect::DetectConfig::default();
        let loop_min = self
            .loop_min
            .or(config.detect.loop_min)
            .map_or(defaults.loop_min, |n| n as usize);
        sqlsift_analyzer::detect::DetectConfig {
            loop_min,
            insert_min: loop_min,
            units: sqlsift_analyzer::units::UnitConfig {
                idle_gap_ms: self
                    .idle_gap_ms
                    .or(config.detect.idle_gap_ms)
                    .unwrap_or(defaults.units.idle_gap_ms),
                ..defaults.units
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
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,

    /// How many fingerprints to list (0 = all). Default: 20 for text, all for json.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// What to rank fingerprints by.
    #[arg(long, value_enum, default_value_t = SortKey::Total)]
    pub sort: SortKey,

    /// Replace literal values in samples and parameters (captured SQL carries personal data).
    #[arg(long)]
    pub redact: bool,

    /// Exit with 1 when a new finding is at or above this severity (`none`: never)
    /// [default: sqlsift.toml's fail_on, else none].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_gate)]
    pub fail_on: Option<Gate>,

    /// The database the statements run against, for costs with real row counts
    /// and indexes: a SQLite file (whose planner is shown beside each estimate),
    /// a postgresql:// URL, or a schema .sql file [default: sqlsift.toml's
    /// [schema] source].
    #[arg(long, value_name = "DB|URL|FILE.sql")]
    pub schema: Option<String>,

    /// A previous `--format json` report: its findings are known and do not fail
    /// the gate; new ones do; the ones it had and this run has not are listed as fixed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Report the workload a store holds (`sqlsift ingest --store`), merged with any inputs:
    /// a file, or a libSQL URL (`libsql://`, `https://`, `http://`; token from SQLSIFT_LIBSQL_AUTH_TOKEN).
    #[arg(long, value_name = "FILE|URL")]
    pub store: Option<PathBuf>,
}

/// The `--fail-on` choice: a severity, or `none` to switch the gate off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Off,
    At(sqlsift_analyzer::detect::Severity),
}

impl Gate {
    /// The severity at which the gate fails a run, if it is on.
    pub fn severity(self) -> Option<sqlsift_analyzer::detect::Severity> {
        match self {
            Gate::Off => None,
            Gate::At(s) => Some(s),
        }
    }
}

/// A `--fail-on` value, or `fail_on` in sqlsift.toml.
pub(crate) fn parse_gate(s: &str) -> Result<Gate, String> {
    if s.eq_ignore_ascii_case("none") {
        Ok(Gate::Off)
    } else {
        s.parse().map(Gate::At).map_err(|e| format!("{e}, or none"))
    }
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The store to merge into: a file (created if missing), or a libSQL URL
    /// (`libsql://`, `https://`, `http://`; token from SQLSIFT_LIBSQL_AUTH_TOKEN; needs the `libsql` feature).
    #[arg(long, value_name = "FILE|URL")]
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

#[derive(Debug, Args)]
pub struct AdviseArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The database the statements run against: a SQLite file, a postgresql:// URL
    /// or a schema .sql file [default: sqlsift.toml's schema.source].
    #[arg(long, value_name = "DB|URL|FILE")]
    pub schema: Option<String>,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = AdviseFormat::Text)]
    pub format: AdviseFormat,

    /// The inputs hold every statement the application runs: report existing
    /// indexes none of them uses.
    #[arg(long)]
    pub workload_complete: bool,

    /// Do not time the affected statements on a copy of a SQLite database with data.
    #[arg(long)]
    pub no_run: bool,

    /// Tables at or above this many rows are considered for partitioning.
    #[arg(long, value_name = "ROWS", default_value_t = 1_000_000.0)]
    pub partition_rows: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdviseFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For a person at a terminal.
    Text,
    /// The versioned report (README, "Report JSON").
    Json,
    /// A pull-request comment.
    Markdown,
    /// JUnit XML: a failure per finding the gate fails on.
    Junit,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
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

const TUI_HELP: &str = "\
Keys: Tab or 1-5 switch view (Top, Stream, N+1, Advice, Detail), j/k or arrows move,
Enter opens the detail, Esc goes back, s sorts, / filters, p pauses, y copies the SQL
or DDL (to the clipboard through wl-copy/xclip/xsel/pbcopy, else to ./sqlsift-copied.sql),
? shows the keys, q quits.";

#[derive(Debug, Args)]
pub struct TuiArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The database the statements run against (SQLite file, postgresql:// URL or
    /// schema .sql file): costs with real row counts, SQLite plans and index advice
    /// [default: sqlsift.toml's [schema] source].
    #[arg(long, value_name = "DB|URL|FILE.sql")]
    pub schema: Option<String>,

    /// Keep reading the inputs as they grow (a live log), refreshing the console.
    #[arg(long)]
    pub follow: bool,

    /// Seconds between checks for new input with --follow.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 1.0,
        requires = "follow"
    )]
    pub interval: f64,
}
