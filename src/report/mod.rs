//! The report: a workload turned into the versioned structure every output
//! format renders. Its JSON form is the contract in DESIGN.md ("Report JSON").

pub mod baseline;
pub mod gate;
mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

use serde::Serialize;
use sqlsift_advisor::{Advice, BatchForm, Rewrite, batch_loop, parent_subquery};
use sqlsift_analyzer::connections::ConnectionAdvice;
use sqlsift_analyzer::cost::Cost;
use sqlsift_analyzer::detect;
use sqlsift_analyzer::detect::Severity;
use sqlsift_analyzer::detect::slow::SlowConfig;
use sqlsift_analyzer::digest::Digest;
use sqlsift_analyzer::facts::ShapeFacts;
use sqlsift_analyzer::normalize::FingerprintMap;
use sqlsift_analyzer::normalize::normalize;
use sqlsift_analyzer::read::Malformed;
use sqlsift_analyzer::redact::redact_sql;
use sqlsift_analyzer::shapes::ShapeCache;
use sqlsift_analyzer::workload::Workload;
use sqlsift_rules::Linter;

pub use json::write_json;
pub use junit::write_junit;
pub use markdown::write_markdown;
pub use sarif::write_sarif;
pub use text::write_text;

/// Every finding kind, in the order reports list them, with its heading.
pub const KIND_TITLES: &[(&str, &str)] = &[
    ("n_plus_one", "N+1 loops"),
    ("duplicate", "Duplicate reads"),
    ("batchable_insert", "Batchable inserts"),
    ("slow", "Slow statements"),
    (
        "scan_ratio",
        "Statements reading far more rows than they return",
    ),
    ("index", "Index advice"),
    ("partition", "Partition advice"),
    ("connection_pool", "Connection pooling"),
    ("lint", "Lint findings"),
];

/// Whether the run could have found findings of `kind` at all: connection
/// pooling is judged only from a proxy's connection statistics.
pub fn checked(r: &Report, kind: &str) -> bool {
    kind != "connection_pool" || r.connections.is_some()
}

use crate::analysis::{Analysis, Schema, analyse};
use crate::cli::SortKey;

/// Bumped on any breaking change to the JSON shape.
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub totals: Totals,
    pub inputs: Vec<Input>,
    /// Ranked by the chosen sort key, cut to the requested top N.
    pub fingerprints: Vec<Fingerprint>,
    /// N+1 loops, duplicates and batchable inserts, most serious first.
    pub findings: Vec<Finding>,
    /// Located malformed lines (the first 1,000; `totals.malformed` counts all).
    pub malformed_lines: Vec<MalformedLine>,
    /// What the list is ranked by: total, calls, mean, p95 or rows.
    pub sort: &'static str,
    /// Findings of the baseline (`--baseline`) that this run no longer has.
    pub fixed: Vec<baseline::Fixed>,
    /// The CI gate's outcome, when the run has one (`--fail-on`).
    pub gate: Option<gate::Gate>,
    /// The index and partition advice in full (with `--schema`).
    pub advice: Option<Advice>,
    /// What the proxy saw of connections, and whether to pool them (only
    /// when the workload came through `sqlsift proxy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connections: Option<ConnectionAdvice>,
}

#[derive(Debug, Serialize)]
pub struct Totals {
    pub events: u64,
    pub fingerprints: u64,
    pub malformed: u64,
    /// Fingerprints whose shape sqlparser could not parse (still counted and listed).
    pub unparsed: u64,
    /// Events dropped by a full interceptor queue (0 for files).
    pub dropped: u64,
    /// Units of work closed at a memory bound rather than where their work
    /// ended (100,000 statements in one unit, or what all open units may
    /// hold together): a loop across such a cut is reported in parts.
    pub units_cut: u64,
    /// Sum of all timed executions, in milliseconds.
    pub total_ms: f64,
}

impl Totals {
    /// What the figures leave out, a sentence each, for the reports people
    /// read (JSON readers have the counts): statements the capture dropped, and
    /// units of work a memory bound cut, whose loops are reported in parts.
    pub fn gaps(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.dropped > 0 {
            notes.push(format!(
                "{} statements were dropped by the capture (its queue was full) and are not counted here",
                self.dropped
            ));
        }
        if self.units_cut > 0 {
            notes.push(format!(
                "{} units of work were cut at a memory bound (100,000 statements, or what open units may \
                 hold together): a loop across a cut is reported in parts",
                self.units_cut
            ));
        }
        notes
    }
}

#[derive(Debug, Serialize)]
pub struct Input {
    pub path: String,
    pub format: String,
    pub events: u64,
    pub malformed: u64,
}

#[derive(Debug, Serialize)]
pub struct Fingerprint {
    pub id: String,
    pub shape: String,
    pub dialect: String,
    pub calls: u64,
    pub errors: u64,
    pub rows: u64,
    pub rows_examined: u64,
    /// Duration figures are null when the input carried no durations.
    pub total_ms: f64,
    pub mean_ms: Option<f64>,
    pub min_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// Share of the workload's total time, 0–100.
    pub time_pct: f64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub sample: String,
    pub sample_params: Vec<Option<String>>,
    /// `file:line` the sample was read from.
    pub sample_origin: Option<String>,
    pub tables: Vec<String>,
    pub parsed: bool,
    pub parse_error: Option<String>,
    /// The cost model's estimate of one execution, every term with its reason
    /// (null when the statement could not be parsed).
    pub cost: Option<Cost>,
    /// SQLite's plan of the sample, when `--schema` is a SQLite database.
    pub plan: Option<Vec<String>>,
    /// Why SQLite could not plan the sample.
    pub plan_error: Option<String>,
}

/// One finding, in the report's JSON contract (DESIGN.md, "Report JSON").
#[derive(Debug, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    /// The lint rule's code, for lint findings.
    pub rule: Option<String>,
    /// The lint rule's kebab-case name, for lint findings.
    pub rule_name: Option<String>,
    pub severity: Severity,
    /// `new`, or `known` when the baseline (`--baseline`) already had it.
    pub status: &'static str,
    /// `file:line` of the statement's sample (where a file said where).
    pub origin: Option<String>,
    pub fingerprint: String,
    pub shape: String,
    pub table: Option<String>,
    pub columns: Vec<String>,
    /// Names of (the first 20) units of work it occurs in.
    pub units: Vec<String>,
    pub unit_count: u64,
    /// The largest loop (or repeat count) in one unit.
    pub loop_size: u64,
    pub executions: u64,
    pub total_ms: f64,
    pub round_trips_saved: u64,
    /// The statement that ran just before the loop, most often.
    pub parent: Option<Parent>,
    /// Duplicates: the share of executions a per-unit cache would answer.
    pub hit_rate: Option<f64>,
    pub message: String,
    pub fix: Option<Fix>,
    /// Every batched rewrite of an N+1 loop, by form.
    pub rewrites: Vec<RewriteOut>,
    /// Why an N+1 loop was not rewritten, when it was not.
    pub not_rewritten: Option<String>,
}

/// One form of a loop's batched rewrite.
#[derive(Debug, Serialize)]
pub struct RewriteOut {
    pub form: &'static str,
    pub statements: Vec<String>,
    /// Parameters of each statement, as SQL literals (empty for the literal form).
    pub params: Vec<Vec<String>>,
    /// Key columns appended to the select list.
    pub added_columns: usize,
    pub note: String,
}

#[derive(Debug, Serialize)]
pub struct Parent {
    pub fingerprint: String,
    pub shape: String,
}

/// A concrete fix: statements to run instead, and why it is safe.
#[derive(Debug, Serialize)]
pub struct Fix {
    pub sql: Vec<String>,
    pub note: String,
}

#[derive(Debug, Serialize)]
pub struct MalformedLine {
    pub file: String,
    pub line: u64,
    pub reason: String,
    pub excerpt: Option<String>,
}

/// How to build a report.
pub struct Options<'a> {
    pub sort: SortKey,
    /// `None` lists every fingerprint.
    pub top: Option<usize>,
    pub redact: bool,
    pub thresholds: SlowConfig,
    /// The database's catalog (and planner) from `--schema`.
    pub schema: Option<&'a Schema>,
    /// The lint rules `sqlsift.toml` enables.
    pub linter: &'a Linter,
    /// Index and partition advice (with `--schema`).
    pub advice: Option<&'a Advice>,
    /// Loops, duplicates and inserts found so far by a live pipeline
    /// (counting units still open), instead of the workload's closed units.
    pub unit_findings: Option<&'a [detect::Finding]>,
}

impl<'a> Options<'a> {
    /// Every fingerprint, by total time, unredacted, with `config`'s
    /// thresholds and no schema: what the console starts from.
    pub fn everything(config: &crate::config::Config, linter: &'a Linter) -> Self {
        Options {
            sort: SortKey::Total,
            top: None,
            redact: false,
            thresholds: config.thresholds,
            schema: None,
            linter,
            advice: None,
            unit_findings: None,
        }
    }
}

fn sort_value(d: &Digest, key: SortKey) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    match key {
        SortKey::Total => d.total_ms,
        SortKey::Calls => d.calls as f64,
        SortKey::Mean => d.mean_ms().unwrap_or(0.0),
        SortKey::P95 => d.quantile_ms(0.95).unwrap_or(0.0),
        SortKey::Rows => d.rows as f64,
    }
}

fn sort_name(key: SortKey) -> &'static str {
    match key {
        SortKey::Total => "total",
        SortKey::Calls => "calls",
        SortKey::Mean => "mean",
        SortKey::P95 => "p95",
        SortKey::Rows => "rows",
    }
}

/// The report of an empty workload with default settings, for tests to
/// fill with the findings they need.
#[cfg(test)]
pub(crate) fn empty_report() -> Report {
    let linter = sqlsift_rules::Linter::new(&sqlsift_rules::RulesConfig::default()).expect("rules");
    build(
        &Workload::default(),
        &Options::everything(&crate::config::Config::default(), &linter),
    )
}

/// Builds the report of `workload`.
#[must_use]
pub fn build(workload: &Workload, opts: &Options) -> Report {
    let mut shapes = ShapeCache::default();
    let mut digests: Vec<&Digest> = workload.digests.values().collect();
    // Every distinct shape is parsed once, so that `unparsed` counts them all.
    let parsed: Vec<_> = digests
        .iter()
        .map(|d| (d.id, shapes.get(d.id, &d.shape, &d.sample.sql, d.dialect)))
        .collect();
    let unparsed = parsed.iter().filter(|(_, p)| !p.is_parsed()).count() as u64;
    // `fold` from +0.0: `sum()` of nothing is -0.0, which prints as "-0.000".
    let total_ms = digests.iter().fold(0.0, |t, d| t + d.total_ms);
    digests.sort_by(|a, b| {
        sort_value(b, opts.sort)
            .total_cmp(&sort_value(a, opts.sort))
            .then(b.calls.cmp(&a.calls))
            .then(a.id.cmp(&b.id))
    });
    let keep = match opts.top {
        None | Some(0) => digests.len(),
        Some(n) => n.min(digests.len()),
    };
    // Every fingerprint is costed and linted (findings cover all of them);
    // the list shows the top ones.
    let mut analyses: FingerprintMap<Analysis> = digests
        .iter()
        .filter_map(|d| Some((d.id, analyse(d, opts.schema, opts.linter)?)))
        .collect();
    let mut findings: Vec<Finding> = detected(workload, opts)
        .iter()
        .map(|f| finding(f, &workload.digests, &mut shapes, opts.redact))
        .collect();
    findings.extend(lint_findings(&digests, &analyses));
    if let Some(advice) = opts.advice {
        findings.extend(advice_findings(advice, &workload.digests, opts.schema));
    }
    let connections = workload
        .connections
        .as_ref()
        .map(ConnectionAdvice::from_counts);
    findings.extend(connections.as_ref().and_then(connection_finding));
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.total_ms.total_cmp(&a.total_ms))
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    let fingerprints = digests[..keep]
        .iter()
        .map(|d| {
            fingerprint(
                d,
                shapes
                    .get(d.id, &d.shape, &d.sample.sql, d.dialect)
                    .as_ref(),
                analyses.remove(&d.id),
                total_ms,
                opts.redact,
            )
        })
        .collect();
    Report {
        version: VERSION,
        totals: Totals {
            events: workload.events,
            fingerprints: workload.digests.len() as u64,
            malformed: workload.malformed,
            unparsed,
            dropped: workload.dropped,
            units_cut: workload.units_cut,
            total_ms,
        },
        inputs: workload
            .inputs
            .iter()
            .map(|i| Input {
                path: i.path.clone(),
                format: i.format.to_string(),
                events: i.events,
                malformed: i.malformed,
            })
            .collect(),
        fingerprints,
        findings,
        malformed_lines: workload
            .malformed_lines
            .iter()
            .map(|m| malformed_line(m, opts.redact))
            .collect(),
        sort: sort_name(opts.sort),
        fixed: Vec::new(),
        gate: None,
        advice: opts.advice.cloned(),
        connections,
    }
}

/// Pooling advice as a finding, when the connection statistics call for a
/// pool: about the application's connections, not one statement, so it has
/// no fingerprint (its kind alone identifies it across runs).
fn connection_finding(advice: &ConnectionAdvice) -> Option<Finding> {
    advice.pool_size?;
    Some(plain_finding(
        "connection_pool",
        Severity::Warning,
        format!("{}: {}", advice.verdict(), advice.figures()),
        Some(Fix {
            sql: Vec::new(),
            note: advice.reasons.join("; "),
        }),
    ))
}

/// A finding with only what every kind has; the caller fills in the rest.
fn plain_finding(
    kind: &'static str,
    severity: Severity,
    message: String,
    fix: Option<Fix>,
) -> Finding {
    Finding {
        kind,
        rule: None,
        rule_name: None,
        severity,
        status: "new",
        origin: None,
        fingerprint: String::new(),
        shape: String::new(),
        table: None,
        columns: Vec::new(),
        units: Vec::new(),
        unit_count: 0,
        loop_size: 0,
        executions: 0,
        total_ms: 0.0,
        round_trips_saved: 0,
        parent: None,
        hit_rate: None,
        message,
        fix,
        rewrites: Vec::new(),
        not_rewritten: None,
    }
}

/// Advice at or above this share of the workload's estimated cost is a
/// warning; below it, information.
const ADVICE_WARNING_SHARE: f64 = 0.1;

/// Index and partition advice as findings: the DDL is the fix, in the
/// dialect of the database (`CREATE INDEX CONCURRENTLY` for PostgreSQL).
fn advice_findings(
    advice: &Advice,
    digests: &FingerprintMap<Digest>,
    schema: Option<&Schema>,
) -> Vec<Finding> {
    let postgres = schema.is_some_and(Schema::is_postgres)
        || digests
            .values()
            .any(|d| d.dialect == sqlsift_analyzer::Dialect::PostgreSql);
    let severity = |share: f64| {
        if share >= ADVICE_WARNING_SHARE {
            Severity::Warning
        } else {
            Severity::Info
        }
    };
    let about = |f: &mut Finding, fingerprint: Option<&String>| {
        let Some(d) = fingerprint.and_then(|fp| digests.values().find(|d| d.id.to_string() == *fp))
        else {
            return;
        };
        f.fingerprint = d.id.to_string();
        f.shape = d.shape.to_string();
        f.origin = origin_of(d);
    };
    let mut out = Vec::new();
    for r in &advice.recommendations {
        let calls: u64 = r.statements.iter().map(|s| s.calls).sum();
        let ddl = if postgres {
            &r.postgresql_ddl
        } else {
            &r.sqlite_ddl
        };
        let mut f = plain_finding(
            "index",
            severity(r.share),
            format!(
                "index {} on {}: serves {} statement(s) ({} calls), {:.0}% of the workload's estimated cost; {} observed write(s) would maintain it",
                r.name,
                r.table,
                r.statements.len(),
                calls,
                r.share * 100.0,
                r.write_calls
            ),
            Some(Fix {
                sql: vec![ddl.clone()],
                note: r
                    .reasons
                    .iter()
                    .chain(&r.validation)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
        );
        f.table = Some(r.table.clone());
        f.columns = r
            .keys
            .iter()
            .map(sqlsift_advisor::index::key_label)
            .collect();
        f.executions = calls;
        about(&mut f, r.statements.first().map(|s| &s.fingerprint));
        out.push(f);
    }
    for p in &advice.partitions {
        let (sql, note) = if postgres {
            (p.postgresql_ddl.clone(), p.index_changes.join("; "))
        } else {
            (Vec::new(), p.sqlite_advice.join("; "))
        };
        let mut f = plain_finding(
            "partition",
            severity(p.share),
            format!(
                "partition {} ({} rows) by {} per {}: its time-range statements are {:.0}% of the workload's estimated cost",
                p.table,
                sqlsift_analyzer::cost::fmt_rows(p.rows),
                p.column,
                p.granularity,
                p.share * 100.0
            ),
            Some(Fix { sql, note }),
        );
        f.table = Some(p.table.clone());
        f.columns = vec![p.column.clone()];
        about(&mut f, p.statements.first());
        out.push(f);
    }
    out
}

/// The lint rules' findings on every fingerprint, with its calls and time
/// (a problem in a hot statement matters more).
fn lint_findings(digests: &[&Digest], analyses: &FingerprintMap<Analysis>) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in digests {
        let Some(a) = analyses.get(&d.id) else {
            continue;
        };
        for v in &a.violations {
            out.push(Finding {
                kind: "lint",
                rule: Some(v.code.to_owned()),
                rule_name: Some(v.name.to_owned()),
                severity: v.severity,
                status: "new",
                origin: origin_of(d),
                fingerprint: d.id.to_string(),
                shape: d.shape.to_string(),
                table: v.table.clone(),
                columns: v.columns.clone(),
                units: Vec::new(),
                unit_count: 0,
                loop_size: 0,
                executions: d.calls,
                total_ms: d.total_ms,
                round_trips_saved: 0,
                parent: None,
                hit_rate: None,
                message: format!("{} {}: {}", v.code, v.name, v.message),
                fix: v.fix.as_ref().map(|note| Fix {
                    sql: Vec::new(),
                    note: note.clone(),
                }),
                rewrites: Vec::new(),
                not_rewritten: None,
            });
        }
    }
    out
}

/// Every detector's findings: per unit (loops, duplicates, inserts) and
/// over the whole workload (slow, scan ratio).
fn detected(workload: &Workload, opts: &Options<'_>) -> Vec<detect::Finding> {
    let mut all = match opts.unit_findings {
        Some(live) => live.to_vec(),
        None => workload
            .detection
            .as_ref()
            .map_or_else(Vec::new, |det| det.findings(&workload.digests)),
    };
    let thresholds = &opts.thresholds;
    all.extend(detect::slow::findings(&workload.digests, thresholds));
    all
}

fn fingerprint(
    d: &Digest,
    parsed: &sqlsift_analyzer::shapes::ParsedShape,
    analysis: Option<Analysis>,
    total_ms: f64,
    redact: bool,
) -> Fingerprint {
    let (sample, sample_params) = if redact {
        let norm = normalize(&d.sample.sql, d.dialect);
        (
            redact_sql(&d.sample.sql, &norm, d.dialect),
            d.sample
                .params
                .iter()
                .map(|p| p.as_ref().map(|_| "?".to_owned()))
                .collect(),
        )
    } else {
        (d.sample.sql.clone(), d.sample.params.clone())
    };
    Fingerprint {
        id: d.id.to_string(),
        shape: d.shape.to_string(),
        dialect: d.dialect.to_string(),
        calls: d.calls,
        errors: d.errors,
        rows: d.rows,
        rows_examined: d.rows_examined,
        total_ms: d.total_ms,
        mean_ms: d.mean_ms(),
        min_ms: d.min_ms,
        p50_ms: d.quantile_ms(0.5),
        p95_ms: d.quantile_ms(0.95),
        p99_ms: d.quantile_ms(0.99),
        max_ms: d.max_ms,
        time_pct: if total_ms > 0.0 {
            d.total_ms * 100.0 / total_ms
        } else {
            0.0
        },
        first_seen: d.first_seen.map(|t| t.to_string()),
        last_seen: d.last_seen.map(|t| t.to_string()),
        sample,
        sample_params,
        sample_origin: origin_of(d),
        tables: parsed.tables.clone(),
        parsed: parsed.is_parsed(),
        parse_error: parsed.statements.as_ref().err().cloned(),
        plan: analysis.as_ref().and_then(|a| a.plan.clone()),
        plan_error: analysis.as_ref().and_then(|a| a.plan_error.clone()),
        cost: analysis.map(|a| a.cost),
    }
}

/// `file:line` the digest's sample was read from.
fn origin_of(d: &Digest) -> Option<String> {
    d.sample
        .origin
        .as_ref()
        .map(|o| format!("{}:{}", o.file, o.line))
}

fn finding(
    f: &detect::Finding,
    digests: &FingerprintMap<Digest>,
    shapes: &mut ShapeCache,
    redact: bool,
) -> Finding {
    let shape_of = |fp| {
        digests
            .get(&fp)
            .map_or_else(String::new, |d| d.shape.to_string())
    };
    let (rewrites, not_rewritten) = match rewrites_of(f, digests, shapes) {
        Ok(r) => (r, None),
        Err(why) => (Vec::new(), why),
    };
    // Redacted output keeps only the parameterized forms: no literal values.
    let rewrites: Vec<RewriteOut> = rewrites
        .into_iter()
        .filter(|r| !redact || r.form != BatchForm::LiteralIn)
        .map(|r| RewriteOut {
            form: r.form.name(),
            statements: r.statements,
            params: if redact { Vec::new() } else { r.params },
            added_columns: r.added_columns,
            note: r.note,
        })
        .collect();
    let fix = fix_of(f, &rewrites, digests);
    Finding {
        kind: f.kind.name(),
        rule: None,
        rule_name: None,
        severity: f.severity,
        status: "new",
        origin: digests.get(&f.fingerprint).and_then(origin_of),
        fingerprint: f.fingerprint.to_string(),
        shape: shape_of(f.fingerprint),
        table: f.table.clone(),
        columns: f.columns.clone(),
        units: f.units.iter().map(ToString::to_string).collect(),
        unit_count: f.unit_count,
        loop_size: f.loop_size,
        executions: f.executions,
        total_ms: f.total_ms,
        round_trips_saved: f.round_trips_saved,
        parent: f.parent.map(|p| Parent {
            fingerprint: p.to_string(),
            shape: shape_of(p),
        }),
        hit_rate: f.hit_rate,
        message: f.message.clone(),
        fix,
        rewrites,
        not_rewritten,
    }
}

/// The batched rewrites of an N+1 finding (`Err(Some(why))` when refused).
fn rewrites_of(
    f: &detect::Finding,
    digests: &FingerprintMap<Digest>,
    shapes: &mut ShapeCache,
) -> Result<Vec<Rewrite>, Option<String>> {
    let (Some(example), Some(d)) = (&f.example, digests.get(&f.fingerprint)) else {
        return Err(None);
    };
    let parsed = shapes.get(d.id, &d.shape, &d.sample.sql, d.dialect);
    let facts = ShapeFacts::of(&parsed)
        .ok_or_else(|| Some("the statement could not be parsed".to_owned()))?;
    let mut rewrites = batch_loop(&d.shape, &facts, example).map_err(Some)?;
    // The JOIN with the parent query, where the parent visibly selects the keys.
    if let Ok(joined) = parent_subquery(&d.shape, &facts, example) {
        rewrites.push(joined);
    }
    Ok(rewrites)
}

/// The fix a finding's reader acts on.
fn fix_of(
    f: &detect::Finding,
    rewrites: &[RewriteOut],
    digests: &FingerprintMap<Digest>,
) -> Option<Fix> {
    match f.kind {
        detect::FindingKind::NPlusOne => {
            let first = rewrites.first()?;
            Some(Fix {
                sql: rewrites.iter().filter_map(|r| r.statements.first().cloned()).collect(),
                note: format!(
                    "{} ({})",
                    first.note,
                    rewrites.iter().map(|r| r.form).collect::<Vec<_>>().join(", then ")
                ),
            })
        }
        detect::FindingKind::Duplicate => Some(Fix {
            sql: Vec::new(),
            note: "keep the first result for the rest of the request (memoize by these values): \
                   the same query with the same values returns the same rows within one unit of work \
                   unless the unit itself writes them"
                .into(),
        }),
        detect::FindingKind::Slow | detect::FindingKind::ScanRatio => None,
        detect::FindingKind::BatchableInsert => {
            let copy = digests
                .get(&f.fingerprint)
                .is_some_and(|d| d.dialect == sqlsift_analyzer::Dialect::PostgreSql);
            Some(Fix {
                sql: Vec::new(),
                note: format!(
                    "send the rows together: one INSERT … VALUES (…), (…), … per batch (executemany with \
                     a multi-row rewrite in most drivers){}",
                    if copy { ", or COPY … FROM STDIN for large loads" } else { "" }
                ),
            })
        }
    }
}

fn malformed_line(m: &Malformed, redact: bool) -> MalformedLine {
    MalformedLine {
        file: m.file.to_string(),
        line: m.line,
        reason: m.reason.clone(),
        excerpt: if redact { None } else { m.excerpt.clone() },
    }
}
