//! The console's input: plain data that any source converts into.
//!
//! The console knows nothing of the analyzer's types: the `sqlsift` binary
//! converts its report into a [`Snapshot`] for a replayed file, and a live
//! source (the proxy, an interceptor) converts its own snapshots the same way.
//! Keeping the model plain keeps the console testable with hand-made data.

/// Everything the console shows at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Where the data comes from (file names, a proxy address), for the header.
    pub source: String,
    /// Workload totals for the header line.
    pub totals: Totals,
    /// One row per fingerprint.
    pub queries: Vec<QueryRow>,
    /// N+1 loops, duplicate reads and batchable inserts.
    pub loops: Vec<LoopRow>,
    /// Indexes, partitions, rewrites, slow statements and lint findings.
    pub advice: Vec<AdviceRow>,
    /// The newest statements, oldest first (the view shows the newest on top).
    pub stream: Vec<StreamRow>,
}

/// Workload totals.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub events: u64,
    pub fingerprints: u64,
    /// Sum of all timed executions, in milliseconds.
    pub total_ms: f64,
    /// Lines the readers could not use.
    pub malformed: u64,
    /// Events a live source dropped rather than slow traffic down.
    pub dropped: u64,
    /// Units of work closed at a memory bound: their loops show in parts.
    pub units_cut: u64,
}

/// One statement shape and its digest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryRow {
    /// The fingerprint id (16 hex digits): the key other rows refer to.
    pub id: String,
    /// The normalized SQL.
    pub shape: String,
    /// One real execution, literals included.
    pub sample: String,
    pub calls: u64,
    pub total_ms: f64,
    /// Duration figures are `None` when the source carried no durations.
    pub mean_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub rows: u64,
    /// The cost model's estimate of one execution.
    pub cost: Option<f64>,
    /// Why it costs that: (points, reason), one per cause.
    pub cost_terms: Vec<(f64, String)>,
    /// The planner's plan of the sample, one line each.
    pub plan: Vec<String>,
    /// Short markers of what was found on it (`N+1`, `dup`, `slow`, `lint`…).
    pub flags: Vec<String>,
    /// Latency distribution as (label, milliseconds), e.g. min, p50 … max.
    pub latency: Vec<(String, f64)>,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    #[default]
    Info,
    Warning,
    Error,
}

impl Severity {
    /// The lower-case name reports use.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A statement repeated inside one unit of work: an N+1 loop, a duplicate
/// read or a batchable insert.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoopRow {
    /// `N+1`, `dup` or `insert`.
    pub kind: String,
    /// The repeated statement's fingerprint id.
    pub fingerprint: String,
    /// Its normalized SQL.
    pub shape: String,
    /// The statement that ran just before the loop.
    pub parent: Option<String>,
    /// The largest loop in one unit.
    pub size: u64,
    /// Units of work it occurs in.
    pub units: u64,
    pub total_ms: f64,
    pub round_trips_saved: u64,
    /// What the detector says, in one line.
    pub message: String,
    /// Batched rewrites as (form, SQL).
    pub rewrites: Vec<(String, String)>,
    /// Advice when there is no rewrite (why not, or what to do instead).
    pub note: Option<String>,
}

/// One piece of advice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdviceRow {
    /// `index`, `partition`, `rewrite`, `slow`, `scan`, `lint` …
    pub kind: String,
    pub severity: Severity,
    pub message: String,
    /// The fingerprint it is about, when it is about one.
    pub fingerprint: Option<String>,
    /// Statements to run: the DDL or rewrite, ready to copy.
    pub sql: Vec<String>,
    /// Why the fix is safe, or how to apply it.
    pub note: Option<String>,
}

/// One executed statement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamRow {
    /// When it ran, as the source wrote it.
    pub ts: Option<String>,
    pub duration_ms: Option<f64>,
    pub sql: String,
}
