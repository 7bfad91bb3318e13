//! Inline suppression: `-- sqlsift:ignore SQ001, select-star` or
//! `/* sqlsift:ignore SQ001 */` in the SQL silences those rules for that
//! statement; a bare `sqlsift:ignore` silences every rule. Only comments
//! count: the same words inside a string literal suppress nothing.

/// The marker that opens a suppression inside a comment.
const MARKER: &str = "sqlsift:ignore";

/// What `sql`'s comments ask to ignore: rule codes and names, lower-cased,
/// or `"all"` for a marker without a list.
#[must_use]
pub fn suppressions(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    for comment in comments(sql) {
        let mut rest = comment;
        while let Some(at) = rest.to_ascii_lowercase().find(MARKER) {
            rest = &rest[at + MARKER.len()..];
            // The list runs to the next marker (or the comment's end).
            let end = rest.to_ascii_lowercase().find(MARKER).unwrap_or(rest.len());
            let names: Vec<String> = rest[..end]
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_ascii_lowercase)
                .collect();
            if names.is_empty() {
                out.push("all".to_owned());
            } else {
                out.extend(names);
            }
            rest = &rest[end..];
        }
    }
    out
}

/// The bodies of `sql`'s comments, skipping string literals and quoted
/// identifiers (`'…'`, `"…"`, `` `…` ``, with doubled quotes as escapes).
fn comments(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == q {
                        if bytes.get(i + 1) == Some(&q) {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = sql[i..].find('\n').map_or(sql.len(), |n| i + n);
                out.push(&sql[i + 2..end]);
                i = end;
            }
            b'#' => {
                // MySQL's `#` line comment; harmless elsewhere, where `#`
                // outside a string is rare and never holds the marker.
                let end = sql[i..].find('\n').map_or(sql.len(), |n| i + n);
                out.push(&sql[i + 1..end]);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = sql[i + 2..].find("*/").map_or(sql.len(), |n| i + 2 + n);
                out.push(&sql[i + 2..end]);
                i = (end + 2).min(sql.len());
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_block_comments_list_codes_and_names() {
        assert_eq!(
            suppressions("SELECT * FROM t -- sqlsift:ignore SQ001, Select-Star\n"),
            ["sq001", "select-star"]
        );
        assert_eq!(
            suppressions("/* sqlsift:ignore SQ010 */ SELECT 1 /*sqlsift:ignore sq002*/"),
            ["sq010", "sq002"]
        );
    }

    #[test]
    fn bare_marker_means_all() {
        assert_eq!(suppressions("DELETE FROM t -- sqlsift:ignore"), ["all"]);
        assert_eq!(suppressions("DELETE FROM t /* sqlsift:ignore */"), ["all"]);
    }

    #[test]
    fn strings_are_not_comments() {
        assert!(suppressions("SELECT '-- sqlsift:ignore SQ001' FROM t").is_empty());
        assert!(suppressions("SELECT 'it''s /* sqlsift:ignore */' FROM t").is_empty());
        assert!(suppressions("SELECT * FROM t").is_empty());
    }
}
