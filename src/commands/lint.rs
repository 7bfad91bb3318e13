//! `sqlsift lint`: the lint rules over `.sql` files or captured workloads.
//! Each distinct statement is checked once: statements of one fingerprint
//! are told apart by their literals (`OFFSET 20` and `OFFSET 10000` share a
//! shape, not a finding) and by their `sqlsift:ignore` comments, up to 64
//! variants of a fingerprint. A finding
//! is reported at every place it occurs (the first 20), and equal findings
//! of one fingerprint are one finding.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;
use sqlsift_analyzer::detect::Severity;
use sqlsift_analyzer::read::{self, Record};
use sqlsift_analyzer::shapes::parse_sql;
use sqlsift_analyzer::{Dialect, Normalizer};
use sqlsift_rules::{Context, Linter, suppressions};

use crate::analysis::Schema;
use crate::cli::{Gate, LintArgs, OutputFormat};
use crate::config::Config;

/// Places listed per finding; the count says how many there were.
const MAX_PLACES: usize = 20;
/// Statements of one fingerprint with differing literals checked apart;
/// the rest share one check, so that a log of a million `WHERE id = N` is
/// not parsed a million times.
const MAX_VARIANTS: usize = 64;

/// The JSON lint report.
#[derive(Debug, Default, Serialize)]
struct LintReport {
    version: u32,
    /// Statements read, and how many distinct ones were checked.
    statements: u64,
    distinct: u64,
    findings: Vec<LintFinding>,
    /// Statements sqlparser could not parse: not checked.
    unparsed: Vec<Unparsed>,
    malformed: u64,
    malformed_lines: Vec<String>,
}

#[derive(Debug, Serialize)]
struct LintFinding {
    rule: &'static str,
    rule_name: &'static str,
    severity: Severity,
    message: String,
    fix: Option<String>,
    table: Option<String>,
    columns: Vec<String>,
    fingerprint: String,
    sql: String,
    /// `file:line` of each occurrence (the first 20).
    places: Vec<String>,
    occurrences: u64,
}

#[derive(Debug, Serialize)]
struct Unparsed {
    place: String,
    error: String,
}

pub fn run(args: &LintArgs, config: &Config) -> anyhow::Result<ExitCode> {
    super::check_inputs(&args.sources.inputs)?;
    let linter = Linter::new(&config.rules)?;
    let schema = Schema::load(args.schema.as_deref(), config)?;
    let mut report = LintReport {
        version: 1,
        ..LintReport::default()
    };
    // Statement key (see [`statement_key`]) → indexes into report.findings
    // of its violations.
    let mut seen: HashMap<(u64, u64), Vec<usize>> = HashMap::new();
    // Fingerprint → what its statements found so far.
    let mut shapes: HashMap<u64, Shape> = HashMap::new();
    // Fingerprints sqlparser could not parse.
    let mut unparsed: HashSet<u64> = HashSet::new();
    for path in &args.sources.inputs {
        let (format, records) = read::open(path, args.sources.input_format, None)?;
        let dialect = args.sources.dialect.unwrap_or(format.dialect());
        let mut normalizer = Normalizer::new(dialect);
        for record in records {
            let event = match record {
                Record::Event(e) => e,
                Record::Malformed(m) => {
                    report.malformed += 1;
                    if report.malformed_lines.len() < 1000 {
                        report.malformed_lines.push(m.to_string());
                    }
                    continue;
                }
            };
            report.statements += 1;
            let place = event.origin.as_ref().map_or_else(
                || path.display().to_string(),
                |o| format!("{}:{}", o.file, o.line),
            );
            let shape_of = normalizer.normalize(&event.sql);
            let id = shape_of.id;
            let variants = shapes.get(&id.0).map_or(0, |s| s.variants);
            let key = if variants < MAX_VARIANTS {
                (id.0, statement_key(&event.sql, &shape_of, dialect))
            } else {
                (id.0, 0)
            };
            if let Some(found) = seen.get(&key) {
                for &i in found {
                    report.findings[i].add_place(&place);
                }
                continue;
            }
            let shape = shapes.entry(id.0).or_insert_with(|| {
                report.distinct += 1;
                Shape::default()
            });
            shape.variants += 1;
            let statements = match parse_sql(&event.sql, dialect) {
                Ok(s) => s,
                Err(error) => {
                    if unparsed.insert(id.0) {
                        report.unparsed.push(Unparsed { place, error });
                    }
                    seen.insert(key, Vec::new());
                    continue;
                }
            };
            let mut found: Vec<usize> = Vec::new();
            for statement in &statements {
                let ctx = Context {
                    statement,
                    sql: &event.sql,
                    dialect,
                    catalog: schema.as_ref().map(|s| &s.catalog),
                };
                for v in linter.check(&ctx) {
                    // The same finding from another statement of this shape
                    // (other literals that do not matter to the rule).
                    let same = shape.findings.iter().copied().find(|&i| {
                        let f = &report.findings[i];
                        f.rule == v.code
                            && f.severity == v.severity
                            && f.message == v.message
                            && f.fix == v.fix
                            && f.table == v.table
                            && f.columns == v.columns
                    });
                    if let Some(i) = same {
                        if !found.contains(&i) {
                            report.findings[i].add_place(&place);
                            found.push(i);
                        }
                        continue;
                    }
                    found.push(report.findings.len());
                    shape.findings.push(report.findings.len());
                    report.findings.push(LintFinding {
                        rule: v.code,
                        rule_name: v.name,
                        severity: v.severity,
                        message: v.message,
                        fix: v.fix,
                        table: v.table,
                        columns: v.columns,
                        fingerprint: id.to_string(),
                        sql: event.sql.clone(),
                        places: vec![place.clone()],
                        occurrences: 1,
                    });
                }
            }
            seen.insert(key, found);
        }
    }
    let fail_on = args
        .fail_on
        .or(config.fail_on)
        .unwrap_or(Gate::At(Severity::Warning))
        .severity();
    let failing = fail_on.map_or(0, |g| {
        report.findings.iter().filter(|f| f.severity >= g).count()
    });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        OutputFormat::Text => write_text(&report, fail_on, failing, &mut out)?,
    }
    out.flush()?;
    Ok(if failing > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The statements of one fingerprint checked so far.
#[derive(Default)]
struct Shape {
    /// Indexes into the report's findings of theirs.
    findings: Vec<usize>,
    /// How many were checked apart (up to [`MAX_VARIANTS`]).
    variants: usize,
}

impl LintFinding {
    /// One more occurrence, at `place`.
    fn add_place(&mut self, place: &str) {
        self.occurrences += 1;
        if self.places.len() < MAX_PLACES {
            self.places.push(place.to_owned());
        }
    }
}

/// What, besides its fingerprint, decides a statement's findings: its
/// literals (rules look at `OFFSET 10000`, `LIKE '%x'`, `= NULL`, the length
/// of an IN list) and the rules its comments ignore.
fn statement_key(sql: &str, normalized: &sqlsift_analyzer::Normalized, dialect: Dialect) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for literal in &normalized.literals {
        literal.text(sql).hash(&mut h);
    }
    normalized.literals.len().hash(&mut h);
    suppressions(sql, dialect).hash(&mut h);
    h.finish()
}

fn write_text(
    r: &LintReport,
    fail_on: Option<Severity>,
    failing: usize,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    for f in &r.findings {
        let more = if f.occurrences > 1 {
            format!(" (and {} more)", f.occurrences - 1)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{}: {} {} [{}] {}{more}",
            f.places[0], f.rule, f.rule_name, f.severity, f.message
        )?;
        if let Some(fix) = &f.fix {
            writeln!(out, "    fix: {fix}")?;
        }
    }
    for u in &r.unparsed {
        writeln!(
            out,
            "{}: not checked: sqlparser cannot parse it: {}",
            u.place, u.error
        )?;
    }
    for m in r.malformed_lines.iter().take(10) {
        writeln!(out, "{m}")?;
    }
    let count = |s| r.findings.iter().filter(|f| f.severity == s).count();
    writeln!(
        out,
        "\n{} finding(s) ({} error, {} warning, {} info) in {} statement(s), {} distinct; {} not parsed; {} malformed line(s)",
        r.findings.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        r.statements,
        r.distinct,
        r.unparsed.len(),
        r.malformed
    )?;
    if let Some(level) = fail_on {
        if failing > 0 {
            writeln!(out, "{failing} finding(s) at or above {level}: failing.")?;
        }
    }
    Ok(())
}
