//! Guesses an input's format from its name and first bytes.

use super::Format;

/// Detects the format of a file named `name` (without `.gz`) whose first
/// bytes (decompressed) are `head`.
///
/// # Errors
/// A sentence saying why no format fits.
pub fn detect(name: &str, head: &[u8]) -> Result<Format, String> {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 * 1024)]);
    let lines: Vec<&str> = text.lines().take(200).collect();
    let first = lines
        .iter()
        .find(|l| !l.trim().is_empty())
        .copied()
        .unwrap_or("");

    if first.starts_with('{') {
        return Ok(
            if first.contains("\"error_severity\"") || first.contains("\"backend_type\"") {
                Format::PgJson
            } else {
                Format::Jsonl
            },
        );
    }
    if lines.iter().any(|l| {
        l.starts_with("# Query_time:") || l.starts_with("# User@Host:") || l.starts_with("# Time:")
    }) {
        return Ok(Format::MysqlSlow);
    }
    // A MySQL log without slow-log headers (its banner is the same) is a general log.
    if lines.iter().any(|l| super::is_mysql_banner(l))
        || lines.iter().any(|l| is_general_query_line(l))
    {
        return Ok(Format::MysqlGeneral);
    }
    if looks_like_csvlog(first) {
        return Ok(Format::PgCsv);
    }
    if lines
        .iter()
        .any(|l| super::pg_stderr::split_severity(l).is_some())
    {
        return Ok(Format::PgStderr);
    }
    let ext = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    if ext.eq_ignore_ascii_case("sql") {
        return Ok(Format::Sql);
    }
    if ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("ndjson") {
        return Ok(Format::Jsonl);
    }
    if text.trim().is_empty() {
        // An empty file holds no statements in any format.
        return Ok(Format::Sql);
    }
    if crate::read::split_statements(&text, crate::Dialect::Generic)
        .first()
        .is_some_and(|(_, s)| starts_with_sql_keyword(s))
    {
        return Ok(Format::Sql);
    }
    Err(format!(
        "its first line `{}` looks like no log format sqlsift reads",
        first.chars().take(60).collect::<String>()
    ))
}

fn is_general_query_line(l: &str) -> bool {
    let Some((_, rest)) = l.split_once('\t') else {
        return false;
    };
    let rest = rest.trim_start();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && [
            "Query\t",
            "Connect\t",
            "Execute\t",
            "Quit",
            "Init DB\t",
            "Prepare\t",
        ]
        .iter()
        .any(|c| rest[digits..].trim_start().starts_with(c))
}

/// `2026-11-27 10:00:00.123 UTC,"user","db",4711,…`
fn looks_like_csvlog(first: &str) -> bool {
    let b = first.as_bytes();
    b.len() > 30
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && first.find(',').is_some_and(|c| (19..=40).contains(&c))
        && first.matches(',').count() >= 13
}

fn starts_with_sql_keyword(s: &str) -> bool {
    use crate::lexer::{Kind, tokenize};
    let Some(first) = tokenize(s, crate::Dialect::Generic).find(|t| {
        !matches!(
            t.kind,
            Kind::Whitespace | Kind::LineComment | Kind::BlockComment
        ) && t.text(s) != "("
    }) else {
        return false;
    };
    let word = first.text(s).to_ascii_lowercase();
    matches!(
        word.as_str(),
        "select"
            | "insert"
            | "update"
            | "delete"
            | "with"
            | "create"
            | "alter"
            | "drop"
            | "begin"
            | "commit"
            | "rollback"
            | "set"
            | "show"
            | "explain"
            | "replace"
            | "merge"
            | "values"
            | "truncate"
            | "grant"
            | "call"
            | "copy"
            | "start"
            | "use"
            | "pragma"
            | "analyze"
            | "vacuum"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format() {
        let cases = [
            (
                "a.log",
                "2026-11-27 10:00:00.123 UTC [1] LOG:  duration: 1 ms  statement: SELECT 1\n",
                Format::PgStderr,
            ),
            (
                "a.csv",
                "2026-11-27 10:00:00.123 UTC,\"u\",\"d\",1,\"h\",s,1,\"SELECT\",2026-11-27 10:00:00 UTC,3/1,0,LOG,00000,\"m\",,,,,,,,,\"\",\"client backend\",,0\n",
                Format::PgCsv,
            ),
            (
                "a.json",
                "{\"timestamp\":\"2026-11-27 10:00:00.123 UTC\",\"error_severity\":\"LOG\"}\n",
                Format::PgJson,
            ),
            ("a.jsonl", "{\"sql\":\"SELECT 1\"}\n", Format::Jsonl),
            (
                "slow.log",
                "# Time: 241127 10:00:00\n# User@Host: a[a] @ b []\n",
                Format::MysqlSlow,
            ),
            (
                "general.log",
                "241127 10:00:00\t     5 Query\tSELECT 1\n",
                Format::MysqlGeneral,
            ),
            ("q.sql", "SELECT 1;", Format::Sql),
            ("q.txt", "-- hi\nselect 1;", Format::Sql),
        ];
        for (name, head, want) in cases {
            assert_eq!(detect(name, head.as_bytes()), Ok(want), "{name}");
        }
        assert!(detect("x.bin", b"\x00\x01garbage").is_err());
    }
}
