//! Inline suppression: `-- sqlsift:ignore SQ001, select-star` or
//! `/* sqlsift:ignore SQ001 */` in the SQL silences those rules for that
//! statement; a bare `sqlsift:ignore` silences every rule. Only comments
//! count: the same words inside a string literal suppress nothing.

use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::lexer::{Kind, tokenize};

/// The marker that opens a suppression inside a comment.
const MARKER: &str = "sqlsift:ignore";

/// What `sql`'s comments ask to ignore: rule codes and names, lower-cased,
/// or `"all"` for a marker without a list. Comments are found by the
/// dialect's lexing rules (backslash escapes, `E'…'`, dollar quotes, `#`).
#[must_use]
pub fn suppressions(sql: &str, dialect: Dialect) -> Vec<String> {
    let mut out = Vec::new();
    for comment in comments(sql, dialect) {
        let mut rest = comment;
        while let Some(at) = rest.to_ascii_lowercase().find(MARKER) {
            rest = &rest[at + MARKER.len()..];
            // The list runs to the next marker (or the comment's end), or to
            // a `:` that opens a reason (`SQ001: the export needs them all`).
            let end = rest.to_ascii_lowercase().find(MARKER).unwrap_or(rest.len());
            let list = rest[..end].split_once(':').map_or(&rest[..end], |(l, _)| l);
            let mut names = list
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_ascii_lowercase);
            match names.next() {
                None => out.push("all".to_owned()),
                // `all` silences everything only when it is what the list
                // says, not a word of a reason written after the codes.
                Some(first) => {
                    out.push(first);
                    out.extend(names.filter(|n| n != "all"));
                }
            }
            rest = &rest[end..];
        }
    }
    out
}

/// The bodies of `sql`'s comments, as the dialect's lexer finds them.
fn comments(sql: &str, dialect: Dialect) -> Vec<&str> {
    tokenize(sql, dialect)
        .filter_map(|t| {
            let text = t.text(sql);
            match t.kind {
                Kind::LineComment => Some(text.strip_prefix("--").unwrap_or(&text[1..])),
                Kind::BlockComment => {
                    let body = &text[2..];
                    Some(body.strip_suffix("*/").unwrap_or(body))
                }
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_block_comments_list_codes_and_names() {
        assert_eq!(
            suppressions(
                "SELECT * FROM t -- sqlsift:ignore SQ001, Select-Star\n",
                Dialect::Generic
            ),
            ["sq001", "select-star"]
        );
        assert_eq!(
            suppressions(
                "/* sqlsift:ignore SQ010 */ SELECT 1 /*sqlsift:ignore sq002*/",
                Dialect::Generic
            ),
            ["sq010", "sq002"]
        );
    }

    #[test]
    fn bare_marker_means_all() {
        assert_eq!(
            suppressions("DELETE FROM t -- sqlsift:ignore", Dialect::Generic),
            ["all"]
        );
        assert_eq!(
            suppressions("DELETE FROM t /* sqlsift:ignore */", Dialect::Generic),
            ["all"]
        );
    }

    /// A reason after the codes, with or without a colon, silences
    /// nothing more: "all" in it is a word, not every rule.
    #[test]
    fn a_reason_after_the_list_is_not_rules() {
        let s = |sql| suppressions(sql, Dialect::Generic);
        assert_eq!(
            s("SELECT * FROM t -- sqlsift:ignore SQ001: the export needs all columns"),
            ["sq001"]
        );
        assert_eq!(
            s("SELECT * FROM t -- sqlsift:ignore SQ001 since we need all columns"),
            ["sq001", "since", "we", "need", "columns"]
        );
        assert_eq!(s("DELETE FROM t -- sqlsift:ignore all"), ["all"]);
    }

    /// A string's escapes follow the dialect: a backslash-escaped quote
    /// (MySQL, PostgreSQL `E'…'`) neither ends the string nor hides the
    /// comment after it, and a PostgreSQL dollar-quoted string is no comment.
    #[test]
    fn dialect_escapes_and_dollar_quotes() {
        assert_eq!(
            suppressions(
                "SELECT * FROM users WHERE name = 'it\\'s' -- sqlsift:ignore SQ001",
                Dialect::MySql
            ),
            ["sq001"]
        );
        assert_eq!(
            suppressions(
                "SELECT * FROM users WHERE name = E'it\\'s' -- sqlsift:ignore SQ001",
                Dialect::PostgreSql
            ),
            ["sq001"]
        );
        assert!(
            suppressions(
                "SELECT $$ -- sqlsift:ignore $$ AS note, * FROM users",
                Dialect::PostgreSql
            )
            .is_empty()
        );
    }

    #[test]
    fn strings_are_not_comments() {
        assert!(
            suppressions("SELECT '-- sqlsift:ignore SQ001' FROM t", Dialect::Generic).is_empty()
        );
        assert!(
            suppressions(
                "SELECT 'it''s /* sqlsift:ignore */' FROM t",
                Dialect::Generic
            )
            .is_empty()
        );
        assert!(suppressions("SELECT * FROM t", Dialect::Generic).is_empty());
    }
}
