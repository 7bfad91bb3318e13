//! The terminal report: totals, the ranked fingerprints, and what could not be read.

use std::io::Write;

use super::Report;

/// Longest shape shown in the table; the JSON report has the full text.
const SHAPE_WIDTH: usize = 72;
/// Malformed lines and unparsed shapes listed before "… and N more".
const LIST_MAX: usize = 10;

/// Writes `report` for a person at a terminal.
///
/// # Errors
/// When writing fails.
pub fn write_text(r: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    let t = &r.totals;
    writeln!(
        out,
        "{} events, {} fingerprints, {} ms total; {} malformed lines, {} unparsed shapes",
        thousands(t.events),
        thousands(t.fingerprints),
        ms(Some(t.total_ms)),
        thousands(t.malformed),
        thousands(t.unparsed),
    )?;
    for i in &r.inputs {
        writeln!(
            out,
            "  {}  ({}, {} events, {} malformed)",
            i.path,
            i.format,
            thousands(i.events),
            thousands(i.malformed)
        )?;
    }
    for note in t.gaps() {
        writeln!(out, "  note: {note}")?;
    }
    writeln!(out)?;
    if r.fingerprints.is_empty() {
        writeln!(out, "No statements found.")?;
    } else {
        writeln!(
            out,
            "Top {} fingerprints by {}:",
            r.fingerprints.len(),
            match r.sort {
                "total" => "total time",
                "p95" => "p95 time",
                "mean" => "mean time",
                other => other,
            }
        )?;
        writeln!(
            out,
            "{:>3}  {:<16}  {:>9}  {:>11}  {:>5}  {:>9}  {:>9}  {:>9}  {:>9}  shape",
            "#", "id", "calls", "total ms", "%", "mean ms", "p95 ms", "rows", "cost"
        )?;
        for (n, f) in r.fingerprints.iter().enumerate() {
            writeln!(
                out,
                "{:>3}  {:<16}  {:>9}  {:>11}  {:>5.1}  {:>9}  {:>9}  {:>9}  {:>9}  {}{}",
                n + 1,
                f.id,
                thousands(f.calls),
                ms(Some(f.total_ms)),
                f.time_pct,
                ms(f.mean_ms),
                ms(f.p95_ms),
                thousands(f.rows),
                f.cost
                    .as_ref()
                    .map_or_else(|| "–".to_owned(), |c| points(c.total)),
                clip(&f.shape, SHAPE_WIDTH),
                if f.errors > 0 {
                    format!("  [{} errors]", thousands(f.errors))
                } else {
                    String::new()
                },
            )?;
        }
    }
    write_costliest(r, out)?;
    if let Some(c) = &r.connections {
        writeln!(out, "\nConnections (seen by the proxy): {}", c.figures())?;
        writeln!(out, "  advice: {}", c.verdict())?;
    }
    write_findings(r, out)?;
    if !r.fixed.is_empty() {
        writeln!(out, "\nFixed since the baseline ({}):", r.fixed.len())?;
        for f in &r.fixed {
            if f.fingerprint.is_empty() {
                writeln!(out, "  - {}: {}", f.kind, clip(&f.message, SHAPE_WIDTH))?;
            } else {
                writeln!(
                    out,
                    "  - {} {}: {}",
                    f.kind,
                    f.fingerprint,
                    clip(&f.shape, SHAPE_WIDTH)
                )?;
            }
        }
    }
    let unparsed: Vec<_> = r.fingerprints.iter().filter(|f| !f.parsed).collect();
    if !unparsed.is_empty() {
        writeln!(
            out,
            "\nShapes sqlparser could not parse (counted, but not analysed further):"
        )?;
        for f in unparsed.iter().take(LIST_MAX) {
            let why = f.parse_error.as_deref().unwrap_or("");
            writeln!(
                out,
                "  {}  {}\n      {}",
                f.id,
                clip(&f.shape, SHAPE_WIDTH),
                why
            )?;
        }
        if unparsed.len() > LIST_MAX {
            writeln!(
                out,
                "  … and {} more (see --format json)",
                unparsed.len() - LIST_MAX
            )?;
        }
    }
    if t.malformed > 0 {
        writeln!(out, "\nMalformed lines ({}):", thousands(t.malformed))?;
        for m in r.malformed_lines.iter().take(LIST_MAX) {
            write!(out, "  {}:{}: {}", m.file, m.line, m.reason)?;
            match &m.excerpt {
                Some(x) => writeln!(out, ": {x}")?,
                None => writeln!(out)?,
            }
        }
        if t.malformed > LIST_MAX as u64 {
            writeln!(
                out,
                "  … and {} more (see --format json)",
                thousands(t.malformed - LIST_MAX as u64)
            )?;
        }
    }
    if let Some(g) = &r.gate {
        match g.fail_on {
            Some(level) if g.failed => writeln!(
                out,
                "\nGate failed: {} new finding(s) at or above {level}.",
                g.failing
            )?,
            Some(level) => writeln!(out, "\nGate passed: no new finding at or above {level}.")?,
            None => {}
        }
    }
    Ok(())
}

/// Findings grouped by kind, each with where it occurs and its fix.
fn write_findings(r: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    for (kind, title) in super::KIND_TITLES {
        let list: Vec<_> = r.findings.iter().filter(|f| f.kind == *kind).collect();
        if list.is_empty() {
            continue;
        }
        writeln!(out, "\n{title} ({}):", list.len())?;
        for f in list {
            let known = if f.status == "known" { " (known)" } else { "" };
            writeln!(out, "  - [{}]{known} {}", f.severity, f.message)?;
            let mut units: Vec<String> = f.units.iter().take(3).cloned().collect();
            if f.unit_count > 3 {
                units.push(format!("… {} in all", f.unit_count));
            }
            if units.is_empty() {
                // Findings about no one statement (connection pooling) have no fingerprint.
                if !f.fingerprint.is_empty() {
                    writeln!(out, "      fingerprint {}", f.fingerprint)?;
                }
            } else {
                writeln!(
                    out,
                    "      fingerprint {}, in: {}",
                    f.fingerprint,
                    units.join("; ")
                )?;
            }
            if let Some(fix) = &f.fix {
                for sql in fix.sql.iter().take(4) {
                    writeln!(out, "      fix: {}", clip(sql, 160))?;
                }
                writeln!(out, "      why: {}", fix.note)?;
            }
        }
    }
    Ok(())
}

/// Statements with a cost breakdown worth reading: the listed fingerprints
/// with the highest estimated cost per execution.
const COSTLIEST: usize = 5;

/// The listed statements the cost model ranks highest, each term with its
/// reason, and SQLite's plan beside the estimate when `--schema` gave one.
fn write_costliest(r: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    let mut costed: Vec<_> = r
        .fingerprints
        .iter()
        .filter_map(|f| Some((f, f.cost.as_ref().filter(|c| c.total > 0.0)?)))
        .collect();
    if costed.is_empty() {
        return Ok(());
    }
    costed.sort_by(|a, b| b.1.total.total_cmp(&a.1.total));
    writeln!(
        out,
        "\nHighest estimated cost per execution (of the listed statements):"
    )?;
    for (f, cost) in costed.iter().take(COSTLIEST) {
        writeln!(
            out,
            "  {}  cost {}  {}",
            f.id,
            points(cost.total),
            clip(&f.shape, SHAPE_WIDTH)
        )?;
        for t in &cost.terms {
            writeln!(out, "      {:>9}  {}", points(t.points), t.reason)?;
        }
        if let Some(plan) = &f.plan {
            writeln!(out, "      SQLite plan:")?;
            for line in plan.iter().filter(|l| *l != "QUERY PLAN") {
                writeln!(out, "        {line}")?;
            }
        }
    }
    Ok(())
}

/// Cost points, rounded to what a person compares.
fn points(p: f64) -> String {
    if p >= 100.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        thousands(p.round() as u64)
    } else {
        format!("{p:.1}")
    }
}

fn clip(s: &str, width: usize) -> String {
    match s.char_indices().nth(width) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn ms(v: Option<f64>) -> String {
    match v {
        None => "-".to_owned(),
        Some(v) if v >= 1000.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.3}"),
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(ms(Some(0.1234)), "0.123");
        assert_eq!(ms(Some(12.34)), "12.3");
        assert_eq!(ms(None), "-");
        assert_eq!(clip("abcdef", 3), "abc…");
    }

    /// Statements the capture dropped and units a memory bound cut are
    /// said in the text and counted in the JSON, not left for a reader to
    /// guess from loops that look shorter than they were.
    #[test]
    fn what_the_figures_leave_out_is_said() {
        let linter =
            sqlsift_rules::Linter::new(&sqlsift_rules::RulesConfig::default()).expect("rules");
        let config = crate::config::Config::default();
        let opts = crate::report::Options::everything(&config, &linter);
        let text = |w: &sqlsift_analyzer::workload::Workload| {
            let mut out = Vec::new();
            write_text(&crate::report::build(w, &opts), &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let whole = sqlsift_analyzer::workload::Workload::default();
        assert!(!text(&whole).contains("note:"), "{}", text(&whole));
        let gappy = sqlsift_analyzer::workload::Workload {
            dropped: 7,
            units_cut: 3,
            ..Default::default()
        };
        let t = text(&gappy);
        assert!(t.contains("note: 7 statements were dropped"), "{t}");
        assert!(t.contains("note: 3 units of work were cut"), "{t}");
        let json = serde_json::to_value(crate::report::build(&gappy, &opts)).unwrap();
        assert_eq!(json["totals"]["units_cut"], 3);
        assert_eq!(json["totals"]["dropped"], 7);
    }
}
