//! The advice as a person reads it: plain text for a terminal, markdown for
//! a pull-request comment. (JSON is the [`Advice`] value itself, serialized.)
//! Both list the same things in the same order: indexes to create with the
//! statements they serve, their DDL for SQLite and PostgreSQL, before/after
//! plans and timings; what validation rejected; redundant and unused
//! existing indexes; conditions no index serves; partition advice.

use std::io::{self, Write};

use crate::advice::Advice;
use crate::index::{Recommendation, key_label};

fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.3} ms"))
}

/// Writes `advice` as text.
///
/// # Errors
/// Whatever writing to `out` fails with.
pub fn write_text(advice: &Advice, out: &mut impl Write) -> io::Result<()> {
    if advice.recommendations.is_empty() {
        writeln!(out, "No new index recommended.")?;
    }
    for (i, r) in advice.recommendations.iter().enumerate() {
        writeln!(
            out,
            "{}. {} on {} ({}) — saves ~{:.0} cost points ({} of the workload)",
            i + 1,
            r.name,
            r.table,
            keys_and_predicate(r),
            r.benefit,
            pct(r.share)
        )?;
        for why in &r.reasons {
            writeln!(out, "   - {why}")?;
        }
        writeln!(out, "   SQLite:     {};", r.sqlite_ddl)?;
        writeln!(out, "   PostgreSQL: {};", r.postgresql_ddl)?;
        if r.write_calls > 0 {
            writeln!(
                out,
                "   write cost: {} observed INSERT/UPDATE/DELETE call(s) on {} will also update this index",
                r.write_calls, r.table
            )?;
        }
        for v in &r.validation {
            writeln!(out, "   validated: {v}")?;
        }
        for s in &r.statements {
            writeln!(
                out,
                "   serves {} ({} calls, ~{:.1} points saved per call): {}",
                s.fingerprint,
                s.calls,
                s.saved,
                one_line(&s.sql)
            )?;
            if s.before_ms.is_some() {
                writeln!(out, "     run: {} → {}", ms(s.before_ms), ms(s.after_ms))?;
            }
            for (label, plan) in [("before", &s.plan_before), ("after", &s.plan_after)] {
                if !plan.is_empty() {
                    writeln!(out, "     plan {label}: {}", plan_line(plan))?;
                }
            }
        }
        writeln!(out)?;
    }
    section_text(
        out,
        "Rejected by validation",
        advice
            .rejected
            .iter()
            .map(|r| format!("{} on {}: {}", r.name, r.table, r.reason)),
    )?;
    section_text(
        out,
        "Redundant existing indexes",
        advice
            .redundant
            .iter()
            .map(|e| format!("{} on {}: {}", e.index, e.table, e.reason)),
    )?;
    section_text(
        out,
        "Unused existing indexes",
        advice
            .unused
            .iter()
            .map(|e| format!("{} on {}: {}", e.index, e.table, e.reason)),
    )?;
    section_text(
        out,
        "Already served by existing indexes",
        advice
            .already_served
            .iter()
            .map(|e| format!("{} on {}: {}", e.index, e.table, e.reason)),
    )?;
    section_text(
        out,
        "Conditions no index serves",
        advice
            .skipped
            .iter()
            .map(|n| format!("{}: {}", n.fingerprint, n.note)),
    )?;
    for p in &advice.partitions {
        writeln!(
            out,
            "Partition {} by {} ({} rows, {} of the workload, by {}; serves {})",
            p.table,
            p.column,
            p.rows,
            pct(p.share),
            p.granularity,
            p.statements.join(", ")
        )?;
        for d in &p.postgresql_ddl {
            writeln!(out, "   PostgreSQL: {d};")?;
        }
        for c in &p.index_changes {
            writeln!(out, "   index change: {c}")?;
        }
        for s in &p.sqlite_advice {
            writeln!(out, "   SQLite: {s}")?;
        }
        writeln!(out)?;
    }
    for v in &advice.validation {
        writeln!(out, "Validation: {v}")?;
    }
    Ok(())
}

fn section_text(
    out: &mut impl Write,
    title: &str,
    lines: impl Iterator<Item = String>,
) -> io::Result<()> {
    let lines: Vec<String> = lines.collect();
    if lines.is_empty() {
        return Ok(());
    }
    writeln!(out, "{title}:")?;
    for l in lines {
        writeln!(out, "  - {l}")?;
    }
    writeln!(out)
}

fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A rendered plan on one line: its rows after the `QUERY PLAN` header.
fn plan_line(plan: &[String]) -> String {
    plan.iter()
        .skip(1)
        .map(|l| l.trim_start_matches(['|', '`', '-', ' ']).to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes `advice` as markdown.
///
/// # Errors
/// Whatever writing to `out` fails with.
pub fn write_markdown(advice: &Advice, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "## Index advice\n")?;
    if advice.recommendations.is_empty() {
        writeln!(out, "No new index recommended.\n")?;
    } else {
        writeln!(
            out,
            "| # | index | table | keys | benefit | share | writes | statements |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|")?;
        for (i, r) in advice.recommendations.iter().enumerate() {
            let fps: Vec<&str> = r
                .statements
                .iter()
                .map(|s| s.fingerprint.as_str())
                .collect();
            writeln!(
                out,
                "| {} | `{}` | `{}` | {} | {:.0} | {} | {} | {} |",
                i + 1,
                r.name,
                r.table,
                keys_and_predicate(r),
                r.benefit,
                pct(r.share),
                r.write_calls,
                fps.join(", ")
            )?;
        }
        writeln!(out, "\n```sql\n-- SQLite")?;
        for r in &advice.recommendations {
            writeln!(out, "{};", r.sqlite_ddl)?;
        }
        writeln!(out, "-- PostgreSQL")?;
        for r in &advice.recommendations {
            writeln!(out, "{};", r.postgresql_ddl)?;
        }
        writeln!(out, "```\n")?;
    }
    let lists = [
        (
            "Rejected by validation",
            advice
                .rejected
                .iter()
                .map(|r| format!("`{}` on `{}`: {}", r.name, r.table, r.reason))
                .collect::<Vec<_>>(),
        ),
        (
            "Redundant existing indexes",
            advice
                .redundant
                .iter()
                .map(|e| format!("`{}` on `{}`: {}", e.index, e.table, e.reason))
                .collect(),
        ),
        (
            "Unused existing indexes",
            advice
                .unused
                .iter()
                .map(|e| format!("`{}` on `{}`: {}", e.index, e.table, e.reason))
                .collect(),
        ),
        (
            "Conditions no index serves",
            advice
                .skipped
                .iter()
                .map(|n| format!("`{}`: {}", n.fingerprint, n.note))
                .collect(),
        ),
        (
            "Partitioning",
            advice
                .partitions
                .iter()
                .map(|p| {
                    format!(
                        "`{}` by `{}` per {} ({} of the workload): `{}`",
                        p.table,
                        p.column,
                        p.granularity,
                        pct(p.share),
                        p.postgresql_ddl.first().map_or("", String::as_str)
                    )
                })
                .collect(),
        ),
        ("Validation", advice.validation.clone()),
    ];
    for (title, lines) in lists {
        if lines.is_empty() {
            continue;
        }
        writeln!(out, "### {title}\n")?;
        for l in lines {
            writeln!(out, "- {l}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// An index's key parts and, for a partial index, its `WHERE`.
fn keys_and_predicate(r: &Recommendation) -> String {
    let keys: Vec<String> = r.keys.iter().map(key_label).collect();
    match &r.predicate {
        Some(p) => format!("{} WHERE {p}", keys.join(", ")),
        None => keys.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::WorkStatement;
    use crate::index::candidates::tests::catalog;
    use crate::index::candidates::tests::parse;

    #[test]
    fn text_and_markdown_name_the_index_and_its_ddl() {
        let sql = "SELECT * FROM orders WHERE customer_id = 3";
        let ws = [WorkStatement {
            fingerprint: "00000000000000aa".into(),
            sql: sql.into(),
            params: Vec::new(),
            calls: 7,
            total_ms: 1.0,
            statement: parse(sql),
        }];
        let advice = crate::advise(&ws, &catalog(), &crate::Options::default()).unwrap();
        let mut text = Vec::new();
        write_text(&advice, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.starts_with("1. ix_orders_customer_id on orders (customer_id)"),
            "{text}"
        );
        assert!(text.contains("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_orders_customer_id"));
        assert!(text.contains("Validation: not validated on a planner"));
        let mut md = Vec::new();
        write_markdown(&advice, &mut md).unwrap();
        let md = String::from_utf8(md).unwrap();
        assert!(
            md.contains("| 1 | `ix_orders_customer_id` | `orders` | customer_id |"),
            "{md}"
        );
        assert!(md.contains("```sql\n-- SQLite\nCREATE INDEX IF NOT EXISTS ix_orders_customer_id ON orders (customer_id);"));
    }
}
