//! Plain `.sql` files: statements separated by `;`, split with the lexer so a
//! `;` inside a string, comment or dollar-quoted body never splits.

use super::Record;
use super::lines::{LineFormat, Lines};
use crate::Dialect;
use crate::event::{Origin, QueryEvent};
use crate::lexer::{Kind, byte_set, is_space, tokenize};

#[derive(Default)]
pub struct SqlFile {
    /// Text of the statement being collected (may span lines).
    buf: String,
    /// Line number of `buf`'s first line.
    buf_line: u64,
    ready: std::collections::VecDeque<Record>,
}

/// Splits `text` into statements (without their `;`), each with the byte
/// offset where it starts. Empty and comment-only statements are left out.
#[must_use]
pub fn split_statements(text: &str, dialect: Dialect) -> Vec<(usize, &str)> {
    // Most texts a driver sends as a query are one statement, with or
    // without a final `;`: found without lexing them.
    if let Some(end) = single_statement_end(text) {
        return if has_code(&text[..end], dialect) {
            vec![trimmed(text, 0, end)]
        } else {
            Vec::new()
        };
    }
    split_lexed(text, dialect)
}

/// [`split_statements`] without the glance: every statement found by lexing.
fn split_lexed(text: &str, dialect: Dialect) -> Vec<(usize, &str)> {
    let (mut out, rest) = split_terminated(text, dialect);
    if has_code(&text[rest..], dialect) {
        out.push(trimmed(text, rest, text.len()));
    }
    out
}

/// Where the one statement of `text` ends, when a glance can tell that it
/// holds just one: no `;`, or a single `;` as its last non-space character
/// with no comment, dollar quote or odd quote count before it that could
/// hide it (then it ends the statement). `None` means "lex it".
fn single_statement_end(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let Some(semi) = memchr::memchr(b';', b) else {
        return Some(text.len());
    };
    if !text[semi + 1..].trim_matches(is_space).is_empty() {
        return None;
    }
    // Most statements hold none of the bytes that matter ([`GLANCED`]),
    // which memchr's vector search tells (a loop byte by byte cost more
    // than the rest of splitting); from the first that does, one pass:
    // quote parities, and anything that opens a comment or a dollar quote.
    let body = &b[..semi];
    let Some(first) = [
        memchr::memchr3(b'\'', b'"', b'`', body),
        memchr::memchr3(b'$', b'#', b'-', body),
        memchr::memchr(b'*', body),
    ]
    .into_iter()
    .flatten()
    .min() else {
        return Some(semi);
    };
    let mut odd = [false; 3];
    for (i, &c) in body.iter().enumerate().skip(first) {
        if !GLANCED[usize::from(c)] {
            continue;
        }
        let prev = if i > 0 { b[i - 1] } else { 0 };
        match c {
            b'\'' => odd[0] = !odd[0],
            b'"' => odd[1] = !odd[1],
            b'`' => odd[2] = !odd[2],
            b'$' | b'#' => return None,
            b'-' if prev == b'-' => return None,
            b'*' if prev == b'/' => return None,
            _ => {}
        }
    }
    (odd == [false; 3]).then_some(semi)
}

/// The bytes [`single_statement_end`] looks at.
const GLANCED: [bool; 256] = byte_set(b"'\"`$#-*");

/// The statements of `text` that a `;` ends, and the offset just past the last `;`.
///
/// A `;` inside a SQL-standard routine body (`CREATE [OR REPLACE]
/// FUNCTION|PROCEDURE … BEGIN ATOMIC … END`) ends no statement: the
/// server parses the body as part of the `CREATE`. It is found as psql
/// finds it: `BEGIN` (and, inside one, `CASE`) outside parentheses opens a
/// block that `END` closes.
fn split_terminated(text: &str, dialect: Dialect) -> (Vec<(usize, &str)>, usize) {
    let mut out = Vec::new();
    let mut start = 0;
    let mut code = false;
    let mut head = Head::Start;
    let (mut parens, mut blocks) = (0_usize, 0_usize);
    for t in tokenize(text, dialect) {
        match t.kind {
            Kind::Punct if t.text(text) == ";" && blocks == 0 => {
                if code {
                    out.push(trimmed(text, start, t.start as usize));
                }
                start = t.end as usize;
                code = false;
                (head, parens) = (Head::Start, 0);
            }
            Kind::Whitespace | Kind::LineComment | Kind::BlockComment => {}
            Kind::Word => {
                code = true;
                let is = |w: &str| t.text(text).eq_ignore_ascii_case(w);
                head = head.then(is);
                if head == Head::Routine && parens == 0 {
                    if is("begin") || (is("case") && blocks > 0) {
                        blocks += 1;
                    } else if is("end") {
                        blocks = blocks.saturating_sub(1);
                    }
                }
            }
            Kind::Punct if t.text(text) == "(" => {
                code = true;
                parens += 1;
            }
            Kind::Punct if t.text(text) == ")" => {
                code = true;
                parens = parens.saturating_sub(1);
            }
            _ => code = true,
        }
    }
    (out, start)
}

/// How far a statement's first words tell whether it creates a routine
/// (`CREATE [OR REPLACE] FUNCTION|PROCEDURE`), whose body may hold `;`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    Start,
    Create,
    CreateOr,
    CreateOrReplace,
    Routine,
    /// Another statement.
    Other,
}

impl Head {
    /// The state after the next word, which `is` compares (ignoring case).
    fn then(self, is: impl Fn(&str) -> bool) -> Head {
        match self {
            Head::Start if is("create") => Head::Create,
            Head::Create if is("or") => Head::CreateOr,
            Head::CreateOr if is("replace") => Head::CreateOrReplace,
            Head::Create | Head::CreateOrReplace if is("function") || is("procedure") => {
                Head::Routine
            }
            Head::Routine => Head::Routine,
            _ => Head::Other,
        }
    }
}

fn has_code(text: &str, dialect: Dialect) -> bool {
    // A word first is code, whatever follows: no need to lex.
    let first = text.bytes().find(|b| !b.is_ascii_whitespace());
    first.is_some_and(|b| b.is_ascii_alphabetic()) || code_start(text, dialect).is_some()
}

/// Offset of the first token of `text` that is neither whitespace nor a comment.
fn code_start(text: &str, dialect: Dialect) -> Option<usize> {
    tokenize(text, dialect)
        .find(|t| {
            !matches!(
                t.kind,
                Kind::Whitespace | Kind::LineComment | Kind::BlockComment
            )
        })
        .map(|t| t.start as usize)
}

/// `text[from..to]` without the whitespace the lexer skips, with its new start offset.
fn trimmed(text: &str, from: usize, to: usize) -> (usize, &str) {
    let s = &text[from..to];
    let graphic = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    if graphic(s.as_bytes().first()) && graphic(s.as_bytes().last()) {
        return (from, s);
    }
    let lead = s.len() - s.trim_start_matches(is_space).len();
    (from + lead, s.trim_matches(is_space))
}

impl SqlFile {
    /// Moves the statements of `buf` that a `;` ends to `ready`; with `all`,
    /// the unterminated rest too.
    fn drain(&mut self, all: bool, src: &Lines) {
        let (parts, rest) = if all {
            (
                split_statements(&self.buf, Dialect::Generic),
                self.buf.len(),
            )
        } else {
            split_terminated(&self.buf, Dialect::Generic)
        };
        for (off, sql) in parts {
            // The statement keeps its leading comments (`-- sqlsift:ignore …`
            // applies to it), but its line is that of its first code token.
            let code = off + code_start(sql, Dialect::Generic).unwrap_or(0);
            let line = self.buf_line + self.buf[..code].matches('\n').count() as u64;
            self.ready.push_back(Record::Event(QueryEvent {
                sql: sql.to_owned(),
                source: Some(std::sync::Arc::from("sql")),
                origin: Some(Origin {
                    file: src.file.clone(),
                    line,
                }),
                ..QueryEvent::default()
            }));
        }
        self.buf_line += self.buf[..rest].matches('\n').count() as u64;
        self.buf.drain(..rest);
    }
}

impl LineFormat for SqlFile {
    fn line(&mut self, no: u64, line: &str, src: &Lines) -> Option<Record> {
        // psql meta-commands (`\connect db`) are not SQL.
        if self.buf.trim().is_empty() && line.starts_with('\\') {
            self.buf.clear();
            return None;
        }
        if self.buf.is_empty() {
            self.buf_line = no;
        }
        self.buf.push_str(line);
        self.buf.push('\n');
        // A statement can only end on a line with a `;`.
        if line.contains(';') {
            self.drain(false, src);
        }
        None
    }

    fn end(&mut self, src: &Lines) -> Option<Record> {
        self.drain(true, src);
        None
    }

    fn ready(&mut self) -> Option<Record> {
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{Format, test_util::read};

    /// The statements' texts, without their offsets.
    fn texts(text: &str, dialect: Dialect) -> Vec<&str> {
        split_statements(text, dialect)
            .into_iter()
            .map(|p| p.1)
            .collect()
    }

    #[test]
    fn splits_around_strings_comments_and_dollar_quotes() {
        let text = "SELECT ';' AS a; -- c;\n/* x; */ SELECT 2;\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;;\n  ;\nSELECT 3";
        assert_eq!(
            texts(text, Dialect::Generic),
            [
                "SELECT ';' AS a",
                "-- c;\n/* x; */ SELECT 2",
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                "SELECT 3"
            ]
        );
    }

    /// A SQL-standard routine body holds `;`s that end no statement (as
    /// psql splits it); a transaction's `BEGIN` opens no block.
    #[test]
    fn a_begin_atomic_routine_body_is_part_of_its_statement() {
        let text = "BEGIN; SELECT 1; COMMIT;\n\
            CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql\n\
            BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END; SELECT (a); END;\n\
            create procedure p() begin atomic insert into t values (1); end;\n\
            SELECT 2";
        assert_eq!(
            texts(text, Dialect::PostgreSql),
            [
                "BEGIN",
                "SELECT 1",
                "COMMIT",
                "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql\n\
                 BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END; SELECT (a); END",
                "create procedure p() begin atomic insert into t values (1); end",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn a_text_without_semicolons_is_one_statement_or_none() {
        let split = |t| split_statements(t, Dialect::PostgreSql);
        assert_eq!(split("  SELECT 1 -- c\n"), [(2, "SELECT 1 -- c")]);
        assert_eq!(split("SELECT 'a' || $$b$$"), [(0, "SELECT 'a' || $$b$$")]);
        assert!(split(" -- only a comment\n/* and another */ ").is_empty());
        assert!(split("").is_empty());
        assert_eq!(split("SELECT 1 ;  \n"), [(0, "SELECT 1")]);
        assert!(split(" ; ").is_empty());
    }

    #[test]
    fn a_final_semicolon_a_comment_or_string_may_hide_is_lexed() {
        let split = |t| split_statements(t, Dialect::PostgreSql);
        assert_eq!(split("SELECT 1 -- why;"), [(0, "SELECT 1 -- why;")]);
        assert_eq!(split("SELECT 'it''s';"), [(0, "SELECT 'it''s'")]);
        assert_eq!(split("SELECT $$a$$;"), [(0, "SELECT $$a$$")]);
        assert_eq!(
            split("SELECT 1; SELECT 2"),
            [(0, "SELECT 1"), (10, "SELECT 2")]
        );
        assert_eq!(split("SELECT 'a;"), [(0, "SELECT 'a;")]);
    }

    #[test]
    fn the_glance_splits_as_the_lexer_does() {
        let texts = [
            "SELECT abalance FROM pgbench_accounts WHERE aid = 12345;",
            "SELECT 1",
            "  SELECT 1 ;\n",
            "\u{a0}SELECT 1;",
            "\u{b}SELECT 1;",
            "SELECT 'a;' || 'b';",
            "SELECT 'a' ; SELECT 'b'",
            "SELECT \"a;b\" FROM t;",
            "SELECT `a` FROM t;",
            "SELECT a - -1, b / 2 FROM t -- c\n;",
            "SELECT 1 /* ; */;",
            "SELECT 1 # c;",
            "SELECT 1 -- why;",
            "SELECT 1 /* why;",
            "SELECT 'a;",
            "SELECT \"a;",
            "SELECT `a;",
            "SELECT $$a;",
            "SELECT $1, $$x$$;",
            "SELECT 'it''s';",
            "-- only;",
            "/* x */ SELECT 1;",
            "(SELECT 1) UNION (SELECT 2);",
            ";",
            "  ",
            "SELECT 1;;",
            "SELECT 'é';",
        ];
        for dialect in [
            Dialect::Generic,
            Dialect::PostgreSql,
            Dialect::MySql,
            Dialect::Sqlite,
        ] {
            for text in texts {
                assert_eq!(
                    split_statements(text, dialect),
                    split_lexed(text, dialect),
                    "{text:?} in {dialect:?}"
                );
            }
        }
    }

    #[test]
    fn file_reader_reports_start_lines() {
        let text = "\\connect app\nSELECT 1;\n\nSELECT\n  'a;\nb'\n  FROM t; SELECT 3;\nINSERT INTO t VALUES ($$;$$);\n-- why\n/* and\n how */ SELECT 4";
        let (ev, bad) = read(Format::Sql, text);
        assert!(bad.is_empty());
        let got: Vec<_> = ev
            .iter()
            .map(|e| (e.origin.as_ref().unwrap().line, e.sql.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "SELECT 1"),
                (4, "SELECT\n  'a;\nb'\n  FROM t"),
                (7, "SELECT 3"),
                (8, "INSERT INTO t VALUES ($$;$$)"),
                (11, "-- why\n/* and\n how */ SELECT 4")
            ]
        );
    }
}
