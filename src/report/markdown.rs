//! The Markdown report, written to be posted as a pull-request comment: the
//! gate's verdict first, then what to fix with its fix, then the costliest
//! statements; long lists fold into `<details>`.

use std::io::Write;

use super::{Finding, Report};

/// Longest shape shown in a table cell.
const SHAPE_WIDTH: usize = 100;

/// Writes `report` as GitHub-flavoured Markdown.
///
/// # Errors
/// When writing fails.
pub fn write_markdown(r: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(out, "## sqlsift report\n")?;
    if let Some(g) = &r.gate {
        match g.fail_on {
            Some(level) if g.failed => writeln!(
                out,
                "**Gate failed:** {} new finding(s) at or above `{level}`.\n",
                g.failing
            )?,
            Some(level) => writeln!(
                out,
                "**Gate passed:** no new finding at or above `{level}`.\n"
            )?,
            None => {}
        }
    }
    let t = &r.totals;
    let new = r.findings.iter().filter(|f| f.status == "new").count();
    writeln!(
        out,
        "| statements | fingerprints | total time | findings | new | fixed | malformed lines | unparsed |"
    )?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    writeln!(
        out,
        "| {} | {} | {:.1} ms | {} | {new} | {} | {} | {} |\n",
        t.events,
        t.fingerprints,
        t.total_ms,
        r.findings.len(),
        r.fixed.len(),
        t.malformed,
        t.unparsed
    )?;
    for note in t.gaps() {
        writeln!(out, "> **Note:** {note}\n")?;
    }
    if let Some(c) = &r.connections {
        writeln!(out, "### Connections\n")?;
        writeln!(
            out,
            "| sessions | most at once | connects/s | mean lifetime | idle in transaction | busy on average | pool size |"
        )?;
        writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|")?;
        writeln!(
            out,
            "| {} | {} | {:.1} | {} | {:.0} % | {:.2} | {} |\n",
            c.sessions,
            c.peak_open,
            c.connects_per_second,
            c.mean_lifetime_ms
                .map_or_else(|| "–".to_owned(), |ms| format!("{ms:.0} ms")),
            c.idle_in_transaction_share * 100.0,
            c.busy_connections,
            c.pool_size
                .map_or_else(|| "no pool needed".to_owned(), |n| n.to_string())
        )?;
    }
    for (kind, title) in super::KIND_TITLES {
        let list: Vec<&Finding> = r.findings.iter().filter(|f| f.kind == *kind).collect();
        if list.is_empty() {
            continue;
        }
        writeln!(out, "### {title} ({})\n", list.len())?;
        for f in list {
            write_finding(f, out)?;
        }
    }
    if !r.fixed.is_empty() {
        writeln!(out, "### Fixed since the baseline ({})\n", r.fixed.len())?;
        for f in &r.fixed {
            // A finding about no statement (`connection_pool`) has no shape:
            // its message says what it was, as in the text report.
            if f.fingerprint.is_empty() {
                writeln!(
                    out,
                    "- {}: {}",
                    f.kind,
                    escape(&clip(&f.message, SHAPE_WIDTH))
                )?;
            } else {
                writeln!(out, "- {} {}", f.kind, code(&clip(&f.shape, SHAPE_WIDTH)))?;
            }
        }
        writeln!(out)?;
    }
    if !r.fingerprints.is_empty() {
        writeln!(out, "### Costliest statements\n")?;
        writeln!(
            out,
            "| # | calls | total ms | mean ms | p95 ms | rows | statement |"
        )?;
        writeln!(out, "|---:|---:|---:|---:|---:|---:|---|")?;
        // Already cut to `--top` (10 by default for Markdown).
        for (i, f) in r.fingerprints.iter().enumerate() {
            writeln!(
                out,
                "| {} | {} | {:.1} | {} | {} | {} | {} |",
                i + 1,
                f.calls,
                f.total_ms,
                opt_ms(f.mean_ms),
                opt_ms(f.p95_ms),
                f.rows,
                cell(&code(&clip(&f.shape, SHAPE_WIDTH)))
            )?;
        }
        writeln!(out)?;
    }
    if t.malformed > 0 {
        writeln!(
            out,
            "<details><summary>{} malformed line(s)</summary>\n",
            t.malformed
        )?;
        for m in r.malformed_lines.iter().take(50) {
            writeln!(out, "- `{}:{}`: {}", m.file, m.line, m.reason)?;
        }
        writeln!(out, "\n</details>")?;
    }
    Ok(())
}

fn write_finding(f: &Finding, out: &mut impl Write) -> anyhow::Result<()> {
    let known = if f.status == "known" { " (known)" } else { "" };
    writeln!(out, "- **{}**{known} {}", f.severity, escape(&f.message))?;
    let Some(fix) = &f.fix else {
        return Ok(());
    };
    if fix.sql.is_empty() {
        writeln!(out, "  <br>Fix: {}", escape(&fix.note))?;
        return Ok(());
    }
    writeln!(out, "  <details><summary>Fix</summary>\n")?;
    writeln!(out, "  ```sql")?;
    for sql in &fix.sql {
        writeln!(out, "  {sql};")?;
    }
    writeln!(out, "  ```\n\n  {}\n  </details>", escape(&fix.note))?;
    Ok(())
}

/// `text` as an inline code span, fenced with more backticks than it holds.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A table cell: pipes would end the cell, newlines the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A message or note, whose code spans (shapes, names) sqlsift opened and
/// closed with single backticks, as Markdown: the spans re-fenced so that a
/// shape's own backtick-quoted identifiers (MySQL's) stay inside them, and
/// the text around them inert.
fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        s.push_str(&plain(&rest[..open]));
        let inside = &rest[open + 1..];
        if let Some(end) = span_end(inside) {
            s.push_str(&code(&inside[..end].replace('\n', " ")));
            rest = &inside[end + 1..];
        } else {
            s.push_str("\\`");
            rest = inside;
        }
    }
    s.push_str(&plain(rest));
    s
}

/// Where a code span opened just before `inside` closes: at a backtick
/// that is not one of a quoted identifier's (an even number of them before
/// it in the span, and no identifier character right after it).
fn span_end(inside: &str) -> Option<usize> {
    let b = inside.as_bytes();
    let mut quotes = 0;
    for (i, &c) in b.iter().enumerate() {
        if c != b'`' {
            continue;
        }
        let opens_a_name = b
            .get(i + 1)
            .is_some_and(|n| n.is_ascii_alphanumeric() || matches!(n, b'_' | b'`'));
        if quotes % 2 == 0 && !opens_a_name {
            return Some(i);
        }
        quotes += 1;
    }
    None
}

/// Text that Markdown must not read as markup or HTML.
fn plain(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => s.push(' '),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '*' | '_' | '[' | ']' | '#' | '|' | '`' => {
                s.push('\\');
                s.push(c);
            }
            _ => s.push(c),
        }
    }
    s
}

fn clip(s: &str, width: usize) -> String {
    match s.char_indices().nth(width) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("select 1"), "`select 1`");
        assert_eq!(code("select `a` from t"), "``select `a` from t``");
        assert_eq!(code("`a`"), "`` `a` ``");
    }

    #[test]
    fn fixed_findings_about_no_statement_show_their_message() {
        let mut r = crate::report::empty_report();
        let fixed = |kind: &str, fingerprint: &str, shape: &str, message: &str| {
            super::super::baseline::Fixed {
                kind: kind.into(),
                rule: None,
                fingerprint: fingerprint.into(),
                shape: shape.into(),
                message: message.into(),
                table: None,
                columns: Vec::new(),
            }
        };
        r.fixed = vec![
            fixed("connection_pool", "", "", "put a pool in front"),
            fixed("n_plus_one", "0f", "select * from t where id = ?", "a loop"),
        ];
        let mut out = Vec::new();
        write_markdown(&r, &mut out).unwrap();
        let md = String::from_utf8(out).unwrap();
        assert!(
            md.contains("- connection_pool: put a pool in front\n"),
            "{md}"
        );
        assert!(
            md.contains("- n_plus_one `select * from t where id = ?`\n"),
            "{md}"
        );
        assert!(!md.contains("``"), "{md}");
    }

    /// MySQL shapes quote names in backticks: the message's span around
    /// such a shape is fenced with two, so the names stay inside it.
    #[test]
    fn shapes_with_quoted_names_stay_one_code_span() {
        assert_eq!(
            escape(
                "N+1: `select `name` from `users` where `id` = ?` runs after `select * from `t``; 3 unit(s)"
            ),
            "N+1: ``select `name` from `users` where `id` = ?`` runs after `` select * from `t` ``; 3 unit(s)"
        );
        assert_eq!(escape("`a*b` and *c*"), "`a*b` and \\*c\\*");
        // A backtick that opens no span is shown, not taken for markup.
        assert_eq!(escape("it's ` odd"), "it's \\` odd");
    }

    #[test]
    fn markup_in_messages_is_inert() {
        assert_eq!(
            escape("a*b <script> [x]|y"),
            "a\\*b &lt;script&gt; \\[x\\]\\|y"
        );
        assert_eq!(cell("`a | b`"), "`a \\| b`");
    }
}
