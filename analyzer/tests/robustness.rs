//! Robustness properties of the analyzer's public API: the lexer, the
//! normalizer, the statement splitter, the shape parser and every log reader
//! must never panic or hang, whatever bytes they are given, and must keep
//! their documented invariants (token coverage, literal spans, idempotent
//! shapes, line numbers inside the input).

use std::io::{self, BufRead, Read};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::Index;
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::lexer::tokenize;
use sqlsift_analyzer::normalize::{Fingerprint, Normalized, Normalizer, normalize};
use sqlsift_analyzer::read::{Format, Record, from_reader, split_statements};
use sqlsift_analyzer::shapes::parse_shape;

const DIALECTS: [Dialect; 4] = [
    Dialect::Generic,
    Dialect::PostgreSql,
    Dialect::MySql,
    Dialect::Sqlite,
];

const FORMATS: [Format; 7] = Format::ALL;

/// The stack std gives spawned threads (and tokio its workers): analysis
/// that runs off the main thread gets no more than this.
const THREAD_STACK: usize = 2 << 20;

/// Long enough for any input here even in a debug build on a loaded machine;
/// a reader still busy after it is taken to hang.
const DEADLINE: Duration = Duration::from_secs(20);

/// `cases` per property, unless `PROPTEST_CASES` asks for a longer hunt.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        // A hang costs a whole deadline per shrink step: bound the shrinking.
        max_shrink_time: 60_000,
        // Only the two test files may be added to the tree: no regression files.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Checks shared by the properties
// ---------------------------------------------------------------------------

/// Tokens are non-empty, contiguous, on char boundaries, and cover `src` exactly.
fn check_lexer(src: &str, dialect: Dialect) -> Result<(), TestCaseError> {
    let mut at = 0usize;
    let mut joined = String::with_capacity(src.len());
    for t in tokenize(src, dialect) {
        let (s, e) = (t.start as usize, t.end as usize);
        prop_assert_eq!(s, at, "gap or overlap before {:?} ({})", t, dialect);
        prop_assert!(s < e, "empty token {:?} ({})", t, dialect);
        prop_assert!(e <= src.len(), "token {:?} past the end ({})", t, dialect);
        prop_assert!(
            src.is_char_boundary(s) && src.is_char_boundary(e),
            "token {:?} splits a character ({})",
            t,
            dialect
        );
        joined.push_str(t.text(src));
        at = e;
    }
    prop_assert_eq!(at, src.len(), "tokens stop early ({})", dialect);
    prop_assert_eq!(joined.as_str(), src);
    Ok(())
}

/// Literal spans are non-empty, inside `sql`, on char boundaries, in order and
/// disjoint; the id is the documented hash of the shape.
fn check_normalized(sql: &str, n: &Normalized, dialect: Dialect) -> Result<(), TestCaseError> {
    let mut prev_end = 0usize;
    for lit in &n.literals {
        let (s, e) = (lit.start as usize, lit.end as usize);
        prop_assert!(s < e, "empty literal {:?} ({})", lit, dialect);
        prop_assert!(
            e <= sql.len(),
            "literal {:?} past the end ({})",
            lit,
            dialect
        );
        prop_assert!(
            sql.is_char_boundary(s) && sql.is_char_boundary(e),
            "literal {:?} splits a character ({})",
            lit,
            dialect
        );
        prop_assert!(
            s >= prev_end,
            "literal {:?} out of order or overlapping ({})",
            lit,
            dialect
        );
        prev_end = e;
    }
    prop_assert_eq!(n.id, Fingerprint::of_shape(&n.shape));
    Ok(())
}

/// Normalizing a shape again yields the same shape.
fn check_idempotent(n: &Normalized, dialect: Dialect) -> Result<(), TestCaseError> {
    let again = normalize(&n.shape, dialect);
    prop_assert_eq!(
        &again.shape,
        &n.shape,
        "normalizing the shape again changed it ({})",
        dialect
    );
    Ok(())
}

/// Statements are non-empty, trimmed, in order, and found at their offsets.
fn check_split(text: &str, dialect: Dialect) -> Result<(), TestCaseError> {
    let mut prev_end = 0usize;
    for (off, stmt) in split_statements(text, dialect) {
        prop_assert!(!stmt.is_empty(), "empty statement at {} ({})", off, dialect);
        prop_assert_eq!(stmt, stmt.trim(), "untrimmed statement ({})", dialect);
        prop_assert!(
            off >= prev_end,
            "statement at {} out of order ({})",
            off,
            dialect
        );
        prop_assert_eq!(
            text.get(off..off + stmt.len()),
            Some(stmt),
            "statement not at its offset {} ({})",
            off,
            dialect
        );
        prev_end = off + stmt.len();
    }
    Ok(())
}

/// Every check that needs no parser, in every dialect.
fn check_text(text: &str) -> Result<(), TestCaseError> {
    for dialect in DIALECTS {
        check_lexer(text, dialect)?;
        let n = normalize(text, dialect);
        check_normalized(text, &n, dialect)?;
        check_split(text, dialect)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Running readers under a deadline
// ---------------------------------------------------------------------------

/// Runs `f` on a thread of its own and fails if it panics or outlives [`DEADLINE`].
fn with_deadline<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = channel();
    std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(move || {
            let _ = tx.send(std::panic::catch_unwind(AssertUnwindSafe(f)));
        })
        .expect("spawn a worker thread");
    match rx.recv_timeout(DEADLINE) {
        Ok(Ok(v)) => v,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {DEADLINE:?} (a hang?)")
        }
        Err(RecvTimeoutError::Disconnected) => panic!("{what}: the worker thread died"),
    }
}

/// What a reader made of one input.
struct ReadSummary {
    events: usize,
    /// Line numbers of malformed records.
    malformed: Vec<u64>,
    /// Line numbers events say they were read from.
    origins: Vec<u64>,
}

fn read_all(format: Format, reader: Box<dyn BufRead + Send>) -> ReadSummary {
    let mut s = ReadSummary {
        events: 0,
        malformed: Vec::new(),
        origins: Vec::new(),
    };
    for r in from_reader(format, Arc::from("fuzz.log"), reader) {
        match r {
            Record::Event(e) => {
                s.events += 1;
                if let Some(o) = e.origin {
                    s.origins.push(o.line);
                }
            }
            Record::Malformed(m) => {
                assert_eq!(&*m.file, "fuzz.log");
                s.malformed.push(m.line);
            }
        }
    }
    s
}

/// Reads `bytes` as `format` under the deadline.
fn read_bytes(format: Format, bytes: &[u8]) -> ReadSummary {
    let owned = bytes.to_vec();
    with_deadline(&format!("{format} on {} bytes", bytes.len()), move || {
        read_all(format, Box::new(io::Cursor::new(owned)))
    })
}

/// Reads `bytes` in every format: no panic, no hang, every reported line
/// number between 1 and the number of lines + 1.
fn check_readers(bytes: &[u8]) -> Result<(), TestCaseError> {
    // Newlines + 1: a last line without its newline counts too.
    let lines = bytes.split(|&b| b == b'\n').count() as u64;
    for format in FORMATS {
        let s = read_bytes(format, bytes);
        for &line in s.malformed.iter().chain(&s.origins) {
            prop_assert!(
                (1..=lines + 1).contains(&line),
                "{}: line {} outside 1..={} (input {:?})",
                format,
                line,
                lines + 1,
                String::from_utf8_lossy(bytes)
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Pieces of SQL-ish text: real syntax, odd syntax and broken syntax.
#[rustfmt::skip]
const SQL_PIECES: &[&str] = &[
    // keywords
    "SELECT", "select", "FROM", "WHERE", "IN", "in", "VALUES", "VALUE", "values", "IS", "NOT",
    "NULL", "null", "TRUE", "FALSE", "AND", "OR", "ARRAY", "ASC", "DESC", "INSERT INTO",
    "UPDATE", "SET", "ORDER BY", "LIMIT", "OFFSET", "AS", "JOIN", "ON", "CASE", "WHEN", "THEN",
    "ELSE", "END", "DEFAULT", "UNION ALL", "WITH", "RETURNING", "ANY", "count(*)",
    // identifiers
    "t", "users", "id", "a.b", "e", "E", "n", "x", "u", "b", "naïve", "日本", "∑", "_x$1",
    // quoted identifiers (and unterminated ones)
    "\"Users\"", "\"a\"\"b\"", "`t`", "`a``b`", "[col]", "\"open", "`open", "[open",
    // numbers
    "0", "42", "-1", "+2.5", "1.5e3", "1e-3", ".5", "1.", "0x1F", "0b101", "1_000", "1e", "1abc",
    "1..2",
    // strings, escapes, prefixes, unterminated
    "'x'", "'it''s'", "'a\\'b'", "'C:\\'", "E'a\\'b'", "e'\\\\'", "N'x'", "X'1F'", "b'01'",
    "U&'d'", "\"dq\"", "'open", "'\\", "E'\\", "''", "'\n'",
    // dollar quotes
    "$$body$$", "$tag$ it's ; $$ $tag$", "$q$open", "$", "$$", "$a", "$1$",
    // comments
    "-- c\n", "--", "# c\n", "#", "/* c */", "/* /* n */ */", "/* open", "/*", "*/",
    "/*controller='x',action='y%20z'*/", "/*a='\\'b'*/",
    // placeholders
    "?", "$1", "$12", ":name", ":x", "%s", "%(x)s", "%(", "@p1", "@P2", "@var", "@@global.x",
    // punctuation and operators
    "(", ")", "[", "]", "{", "}", ",", ".", ";", "=", "<>", "!=", "<=", ">=", "<=>", "->", "->>",
    "#>", "#>>", "@>", "<@", "||", "&&", "-", "+", "*", "/", "%", "...", "..", "::", ":", ":=",
    "=>", "~", "!~", "^", "\\", "!", "&", "|", "<<", ">>",
    // whitespace
    " ", "\t", "\n", "\r\n", "\r", "\x0c", "\0",
];

/// One piece of SQL-ish text.
fn sql_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(SQL_PIECES).prop_map(str::to_owned),
        1 => "[a-zA-Z_][a-zA-Z0-9_$]{0,6}",
        1 => "[0-9]{1,4}",
        1 => "'[^']{0,4}'",
        1 => "\\PC{0,3}",
    ]
}

/// SQL-ish text: pieces joined by nothing, a space or a newline.
fn sqlish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (sql_piece(), prop::sample::select(&["", " ", " ", "\n"][..])),
        0..40,
    )
    .prop_map(|parts| parts.into_iter().map(|(p, sep)| p + sep).collect())
}

/// Few, mostly punctuation pieces, to be glued together: the spacing rules
/// of the shape meet the lexer's longest-match rules here.
#[rustfmt::skip]
const DENSE_PIECES: &[&str] = &[
    ".", "..", "...", ":", "::", ":=", "-", "+", "*", "/", "#", "@", "$", "=", "<", ">", "!", "|",
    "(", ")", "[", "]", ",", ";", "?", "$1", ":x", "%s", "%", "a", "e", "1", "1abc", "0x1", ".5",
    "'x'", "\"q\"", "`t`", "in", "values", "array", "is", "not", "null", "asc", "--", "/*", "*/",
];

fn dense() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(DENSE_PIECES);
    prop::collection::vec((piece, prop::sample::select(&["", " "][..])), 1..12)
        .prop_map(|parts| parts.into_iter().flat_map(|(p, sep)| [p, sep]).collect())
}

/// Ways a text's values may change: each char the first picks becomes the
/// second, where `@` is the char itself. Some keep the tokens and move the
/// offsets after them, some make other tokens (a quote that opens, a digit
/// that joins a word).
type ValueChange = (fn(char) -> bool, &'static str);
const VALUE_CHANGES: [ValueChange; 5] = [
    (|c| c.is_ascii_digit(), "@7"),
    (|c| c.is_ascii_digit(), "1.5e3"),
    (|c| c == '\'', "'q"),
    (|c| matches!(c, '\'' | '"'), "@\\@"),
    (|c| c == '1', ""),
];

fn change_values(text: &str, (pick, into): ValueChange) -> String {
    text.chars()
        .map(|c| {
            if pick(c) {
                into.replace('@', c.encode_utf8(&mut [0; 4]))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Arbitrary bytes, read as lossy UTF-8.
fn lossy_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..300)
        .prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// What the readers look for: line structure, quoting, and the markers of
/// every format.
#[rustfmt::skip]
const LOG_MARKERS: &[&str] = &[
    "\n", "\r\n", "\r", "\t", " ", "  ", "\"", "\"\"", ",", "'", "{", "}", "[", "]", ":", ";",
    "\\", "\\n", "$1", "\u{feff}", "\u{fffd}",
    // PostgreSQL stderr, csvlog, jsonlog
    "LOG:  ", "ERROR:  ", "DETAIL:  ", "STATEMENT:  ", "\tcontinued", "duration: 1.5 ms  ",
    "statement: SELECT 1", "execute <unnamed>: SELECT $1", "parameters: $1 = '8', $2 = NULL",
    "2026-11-27 10:00:00.123 UTC [42] ", "2026-11-27 10:00:00.123 UTC,\"u\",\"d\",42,",
    ",,,,,,,,,,",
    "{\"timestamp\":\"2026-11-27 10:00:00.123 UTC\",\"error_severity\":\"LOG\",\"message\":\"",
    "\"statement\":\"",
    // MySQL slow and general logs
    "# Time: 261127  2:41:48\n", "# User@Host: a[a] @  [127.0.0.1]\n",
    "# Query_time: 0.1  Lock_time: 0.0  Rows_sent: 1  Rows_examined: 2\n",
    "SET timestamp=1795747309;\n", "use db;\n", "261127  2:41:48\t", "\t\t   132 Query\t",
    "132 Connect\t", "132 Execute\t", "132 Quit\t",
    // JSONL
    "{\"sql\":\"SELECT 1\"", ",\"params\":[\"1\",null]", ",\"duration_ms\":1.5",
];

/// Bytes that look a little like log lines: arbitrary bytes mixed with
/// [`LOG_MARKERS`].
fn logish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let marker = prop::sample::select(LOG_MARKERS).prop_map(|s| s.as_bytes().to_vec());
    prop::collection::vec(
        prop_oneof![
            3 => marker,
            2 => prop::collection::vec(any::<u8>(), 1..8),
            1 => "[ -~]{1,12}".prop_map(String::into_bytes),
        ],
        0..60,
    )
    .prop_map(|chunks| chunks.concat())
}

// ---------------------------------------------------------------------------
// Valid log excerpts of every format, to mutate
// ---------------------------------------------------------------------------

const PG_STDERR: &str = "\
2026-11-27 02:35:44.586 UTC [8399] app@appdb LOG:  duration: 7.859 ms  statement: CREATE TABLE users (
\t    id serial PRIMARY KEY,
\t    email text NOT NULL
\t);
2026-11-27 02:35:45.198 UTC [8446] app@appdb LOG:  duration: 0.036 ms  execute <unnamed>: SELECT id, title FROM posts WHERE published ORDER BY id DESC LIMIT $1
2026-11-27 02:35:45.198 UTC [8446] app@appdb DETAIL:  parameters: $1 = '8'
2026-11-27 02:35:45.199 UTC [8446] app@appdb LOG:  duration: 0.200 ms  statement: SELECT name FROM users WHERE email = 'o''brien@example.com';
2026-11-27 02:35:44.723 UTC [8402] app@appdb ERROR:  division by zero
2026-11-27 02:35:44.723 UTC [8402] app@appdb STATEMENT:  SELECT 1 / 0 AS boom;
2026-11-27 02:35:51 UTC [8644]: [2-1] user=app,db=appdb,app=psql,client=127.0.0.1 LOG:  statement: SELECT 2;
";

const PG_CSV: &str = r#"2026-11-27 02:35:57.155 UTC,"app","appdb",8847,"127.0.0.1:58332",6b08ec8d.228f,3,"SELECT",2026-11-27 02:35:57 UTC,2/91,0,LOG,00000,"duration: 0.039 ms  execute <unnamed>: SELECT id, user_id, title FROM posts WHERE published ORDER BY id DESC LIMIT $1","parameters: $1 = '8'",,,,,,,,"","client backend",,0
2026-11-27 02:35:56.783 UTC,"app","appdb",8803,"127.0.0.1:58316",6b08ec8c.2263,33,"SELECT",2026-11-27 02:35:56 UTC,2/75,0,ERROR,42703,"column ""nonexistent_column"" does not exist",,,,,,"SELECT nonexistent_column FROM users WHERE id = 1;",8,,"psql","client backend",,0
2026-11-27 02:35:56.851 UTC,"app","appdb",8805,"127.0.0.1:58326",6b08ec8c.2265,1,"INSERT",2026-11-27 02:35:56 UTC,2/0,0,LOG,00000,"duration: 2.510 ms  statement: INSERT INTO posts (user_id, title)
VALUES (3, 'It''s a ""quoted"" title');",,,,,,,,,"psql","client backend",,0
"#;

const PG_JSON: &str = r#"{"timestamp":"2026-11-27 02:35:53.948 UTC","pid":8770,"session_id":"6b08ec89.2242","line_num":1,"session_start":"2026-11-27 02:35:53 UTC","txid":0,"error_severity":"LOG","message":"ending log output to stderr","backend_type":"postmaster","query_id":0}
{"timestamp":"2026-11-27 02:35:56.656 UTC","user":"app","dbname":"appdb","pid":8801,"remote_host":"127.0.0.1","session_id":"6b08ec8c.2261","line_num":1,"ps":"CREATE TABLE","vxid":"2/0","txid":0,"error_severity":"LOG","message":"duration: 7.223 ms  statement: CREATE TABLE users (\n    id serial PRIMARY KEY\n);","application_name":"psql","backend_type":"client backend","query_id":0}
{"timestamp":"2026-11-27 02:35:57.155 UTC","user":"app","dbname":"appdb","pid":8847,"session_id":"6b08ec8d.228f","line_num":3,"vxid":"2/91","error_severity":"LOG","message":"duration: 0.039 ms  execute <unnamed>: SELECT id FROM posts LIMIT $1","detail":"parameters: $1 = '8'","backend_type":"client backend"}
{"timestamp":"2026-11-27 02:35:56.783 UTC","user":"app","dbname":"appdb","pid":8803,"session_id":"6b08ec8c.2263","line_num":33,"vxid":"2/75","txid":0,"error_severity":"ERROR","state_code":"42703","message":"column \"nonexistent_column\" does not exist","statement":"SELECT nonexistent_column FROM users WHERE id = 1;","cursor_position":8,"backend_type":"client backend","query_id":0}
"#;

const MYSQL_SLOW: &str = "\
/usr/sbin/mariadbd, Version: 10.11.19-MariaDB-0+deb12u1 (Debian 12). started with:
Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock
Time\t\t    Id Command\tArgument
# Time: 261127  2:41:48
# User@Host: app[app] @  [127.0.0.1]
# Thread_id: 132  Schema: appdb  QC_hit: No
# Query_time: 0.003894  Lock_time: 0.000346  Rows_sent: 0  Rows_examined: 0
# Rows_affected: 0  Bytes_sent: 11
use `appdb`;
SET timestamp=1795747308;
CREATE TABLE users (
    id INT AUTO_INCREMENT PRIMARY KEY
) ENGINE=InnoDB;
# User@Host: app[app] @  [127.0.0.1]
# Thread_id: 133  Schema: appdb  QC_hit: No
# Query_time: 0.000083  Lock_time: 0.000000  Rows_sent: 1  Rows_examined: 0
SET timestamp=1795747309;
SELECT name FROM users WHERE email = 'o\\'brien' AND note = \"x;y\";
";

const MYSQL_GENERAL: &str = "\
/usr/sbin/mariadbd, Version: 10.11.19-MariaDB-0+deb12u1 (Debian 12). started with:
Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock
Time\t\t    Id Command\tArgument
261127  2:41:48\t   132 Connect\tapp@127.0.0.1 on appdb using TCP/IP
\t\t   132 Query\tCREATE TABLE users (
    id INT AUTO_INCREMENT PRIMARY KEY
) ENGINE=InnoDB
\t\t   132 Query\tINSERT INTO users (email, name) VALUES ('o.brien@example.com', 'Miles O''Brien')
261127  2:41:49\t   133 Prepare\tSELECT * FROM users WHERE id = ?
\t\t   133 Execute\tSELECT * FROM users WHERE id = 7
\t\t   133 Quit\t
";

const JSONL: &str = r#"{"ts":"2026-11-27T10:00:00.123456Z","sql":"SELECT * FROM messages WHERE session_id = $1","params":["42"],"duration_ms":0.41,"rows":3,"session":"pid:4711","request":"GET /sessions","db":"app","user":"web","source":"proxy"}
{"sql":"select * from t where id=2","duration_ms":3,"error":null,"txn":null}
{"sql":"INSERT INTO t VALUES ('a\"b', E'\\n')","params":[null,"x"]}
"#;

const SQL: &str = "\
\\connect app
SELECT ';' AS a; -- c;
/* x; */ SELECT 2;
CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;;
  ;
SELECT
  'a;
b'
  FROM t; SELECT 3
";

/// A valid excerpt of every format, with how many events it holds.
const SEEDS: [(Format, &str, usize); 7] = [
    (Format::PgStderr, PG_STDERR, 5),
    (Format::PgCsv, PG_CSV, 3),
    (Format::PgJson, PG_JSON, 3),
    (Format::MysqlSlow, MYSQL_SLOW, 2),
    (Format::MysqlGeneral, MYSQL_GENERAL, 3),
    (Format::Jsonl, JSONL, 3),
    (Format::Sql, SQL, 5),
];

/// One edit of a log excerpt.
#[derive(Debug, Clone)]
enum Mutation {
    /// Cut the input at a point.
    Truncate(Index),
    /// Insert bytes at a point.
    Insert(Index, Vec<u8>),
    /// Delete up to `len` bytes from a point.
    Delete(Index, usize),
    /// Copy a range of the input to another point.
    Splice(Index, usize, Index),
    /// Overwrite one byte.
    Flip(Index, u8),
    /// Glue in (part of) another format's excerpt.
    Foreign(usize, Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        (
            any::<Index>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..6),
                prop::sample::select(vec![
                    "\n", "\"", "'", "\t", ",", "\r", "{", "#", "/*", "$$", "\\", ";"
                ])
                .prop_map(|s| s.as_bytes().to_vec()),
            ]
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), 1..200usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), 1..200usize, any::<Index>())
            .prop_map(|(i, n, j)| Mutation::Splice(i, n, j)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (0..SEEDS.len(), any::<Index>(), any::<Index>())
            .prop_map(|(s, i, j)| Mutation::Foreign(s, i, j)),
    ]
}

fn apply(mut doc: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let at = |i: &Index, len: usize| i.index(len + 1);
        match m {
            Mutation::Truncate(i) => {
                let p = at(i, doc.len());
                doc.truncate(p);
            }
            Mutation::Insert(i, bytes) => {
                let p = at(i, doc.len());
                doc.splice(p..p, bytes.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let p = at(i, doc.len());
                let end = (p + n).min(doc.len());
                doc.drain(p..end);
            }
            Mutation::Splice(i, n, j) => {
                let p = at(i, doc.len());
                let end = (p + n).min(doc.len());
                let piece = doc[p..end].to_vec();
                let q = at(j, doc.len());
                doc.splice(q..q, piece);
            }
            Mutation::Flip(i, b) => {
                if !doc.is_empty() {
                    let p = i.index(doc.len());
                    doc[p] = *b;
                }
            }
            Mutation::Foreign(s, i, j) => {
                let other = SEEDS[*s].1.as_bytes();
                let from = at(i, other.len());
                let q = at(j, doc.len());
                doc.splice(q..q, other[from..].iter().copied());
            }
        }
    }
    doc
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn sqlish_text_lexes_normalizes_and_splits(text in sqlish()) {
        check_text(&text)?;
    }

    #[test]
    fn arbitrary_text_lexes_normalizes_and_splits(text in lossy_text()) {
        check_text(&text)?;
    }

    #[test]
    fn arbitrary_unicode_lexes_normalizes_and_splits(text in "\\PC{0,80}") {
        check_text(&text)?;
    }

    #[test]
    fn shapes_of_sqlish_text_are_idempotent(text in sqlish()) {
        for dialect in DIALECTS {
            check_idempotent(&normalize(&text, dialect), dialect)?;
        }
    }

    #[test]
    fn shapes_of_arbitrary_text_are_idempotent(text in lossy_text()) {
        for dialect in DIALECTS {
            check_idempotent(&normalize(&text, dialect), dialect)?;
        }
    }

    #[test]
    fn shapes_of_dense_punctuation_are_idempotent(text in dense()) {
        for dialect in DIALECTS {
            check_idempotent(&normalize(&text, dialect), dialect)?;
        }
    }

    /// A reused `Normalizer` (the hot path) gives what a fresh one gives.
    #[test]
    fn a_reused_normalizer_matches_a_fresh_one(texts in prop::collection::vec(sqlish(), 1..6)) {
        for dialect in DIALECTS {
            let mut reused = Normalizer::new(dialect);
            let mut out = Normalized::default();
            for text in &texts {
                reused.normalize_into(text, &mut out);
                prop_assert_eq!(&out, &normalize(text, dialect));
            }
        }
    }

    /// A statement shaped from the normalizer's cache (one that differs
    /// from an earlier one only in its values) gets what a fresh normalizer
    /// gives: its own literals, at their own places.
    #[test]
    fn shapes_taken_from_the_cache_match_a_fresh_normalizer(
        text in prop_oneof![sqlish(), dense()],
    ) {
        // Every digit gains a 7: numbers keep their kind and change length.
        let variant: String = text
            .chars()
            .flat_map(|c| [Some(c), c.is_ascii_digit().then_some('7')])
            .flatten()
            .collect();
        for dialect in DIALECTS {
            let mut reused = Normalizer::new(dialect);
            let mut out = Normalized::default();
            for t in [&text, &variant, &text] {
                reused.normalize_into(t, &mut out);
                prop_assert_eq!(&out, &normalize(t, dialect));
            }
        }
    }

    /// A text matched against a template of an earlier one (the rest of it
    /// the same byte for byte) gets what a fresh normalizer gives, whether
    /// its values changed length, kind or where they end.
    #[test]
    fn texts_matched_to_a_template_match_a_fresh_normalizer(
        text in prop_oneof![sqlish(), dense()],
        change in 0..VALUE_CHANGES.len(),
    ) {
        let variant = change_values(&text, VALUE_CHANGES[change]);
        for dialect in DIALECTS {
            let mut reused = Normalizer::new(dialect);
            let mut out = Normalized::default();
            for t in [&text, &text, &variant, &variant, &text] {
                reused.normalize_into(t, &mut out);
                prop_assert_eq!(&out, &normalize(t, dialect));
            }
        }
    }

    #[test]
    fn readers_survive_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check_readers(&bytes)?;
    }

    #[test]
    fn readers_survive_log_like_bytes(bytes in logish_bytes()) {
        check_readers(&bytes)?;
    }

    #[test]
    fn readers_survive_mutated_logs(
        seed in 0..SEEDS.len(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let doc = apply(SEEDS[seed].1.as_bytes().to_vec(), &mutations);
        check_readers(&doc)?;
    }
}

proptest! {
    // sqlparser is far slower than the lexer: fewer cases.
    #![proptest_config(config(256))]

    /// Any shape (and any sample) goes through the parser without a panic.
    #[test]
    fn parse_shape_takes_any_shape(text in sqlish()) {
        for dialect in DIALECTS {
            let n = normalize(&text, dialect);
            let _ = parse_shape(&n.shape, &text, dialect);
            let _ = parse_shape(&n.shape, "", dialect);
        }
    }
}

// ---------------------------------------------------------------------------
// Fixed cases
// ---------------------------------------------------------------------------

/// The excerpts the mutation test starts from are valid: they give events and
/// no malformed lines (otherwise that test would mostly exercise error paths).
#[test]
fn seed_logs_are_valid() {
    for (format, text, events) in SEEDS {
        let s = read_bytes(format, text.as_bytes());
        assert_eq!(
            s.malformed,
            Vec::<u64>::new(),
            "{format}: malformed lines in the seed"
        );
        assert_eq!(s.events, events, "{format}: events in the seed");
    }
}

/// `split_severity` (read/pg_stderr.rs) takes the byte after the last
/// non-alphanumeric character before `:  ` as the start of the severity word,
/// which splits a multi-byte character: `détail:  x` (or any invalid byte,
/// decoded as U+FFFD) panics with "byte index is not a char boundary".
/// Format detection calls it on the first 200 lines of every input too.
#[test]
fn pg_stderr_survives_non_ascii_before_a_severity() {
    for input in [
        &b"\x80LOG:  x\n"[..],
        "détail:  x\n".as_bytes(),
        "2026-11-27 10:00:00 UTC [1] «LOG:  statement: SELECT 1\n".as_bytes(),
        "2026-11-27 10:00:00 UTC [1] LOG:  statement: SELECT 'Größe:  1'\n".as_bytes(),
        // A no-break space (two bytes) before a `user@db` prefix; found by
        // `readers_survive_log_like_bytes` in CI.
        "\u{a0}@LOG:  \n".as_bytes(),
        "x\u{3000}app@db\u{a0}LOG:  statement: SELECT 1\n".as_bytes(),
    ] {
        read_bytes(Format::PgStderr, input);
    }
}

/// The normalizer's spacing glues some pieces together that then lex as
/// different tokens, so normalizing the shape again changes it (the module
/// doc of normalize.rs promises it does not). Found by exhaustive search
/// over 3-piece inputs; each line is (input, its shape, the shape's shape).
#[test]
fn normalize_is_idempotent_where_pieces_could_glue() {
    let cases = [
        // `ASC` is dropped by the emitter, after the look-aheads have seen it:
        // a trailing `;` is dropped only when last ("select ?;" -> "select ?"),
        "SELECT 1; ASC",
        // and a literal list with `ASC` in it is not collapsed
        // ("select * from t where x in (?,)" -> "… in (...)").
        "SELECT * FROM t WHERE x IN (1, asc)",
        // `.` is emitted without spaces, so `. ..` becomes the `...` token:
        // "a...b" -> "a ... b".
        "a . . . b",
        // `.` then a word starting with a digit (a MySQL identifier) lexes
        // as the word `.1x`: "select t.1x from t" -> "select t .1x from t".
        "select t . 1x from t",
        // `:` then `::` re-lexes as `::` then `:`: "a :::b" -> "a::: b".
        "a : :: b",
    ];
    let mut failures = Vec::new();
    for sql in cases {
        for dialect in DIALECTS {
            let n = normalize(sql, dialect);
            let again = normalize(&n.shape, dialect);
            if again.shape != n.shape {
                failures.push(format!(
                    "{dialect}: {sql:?} -> {:?} -> {:?}",
                    n.shape, again.shape
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "not idempotent:\n{}",
        failures.join("\n")
    );
}

/// `parse_prefix` (read/pg_stderr.rs) slices the prefix at `YYYY-MM-DD
/// HH:MM:SS` + 19 bytes without checking for a character boundary: a
/// damaged (or non-ASCII) timestamp panics with "byte index is not a char
/// boundary".
#[test]
fn pg_stderr_survives_non_ascii_in_a_timestamp() {
    for input in [
        "2026-11-27 02:35:4\u{fffd}4.586 UTC [8399] app@appdb LOG:  statement: SELECT 1\n",
        "2026-11-27 02:35:é UTC [1] LOG:  statement: SELECT 1\n",
    ] {
        read_bytes(Format::PgStderr, input.as_bytes());
    }
}

/// A slow-log entry that is only a `use db;` line (a log that starts with
/// it, or ends with it) becomes an event whose origin line is 0: its
/// `start_line` is set only by header and statement lines
/// (`MysqlSlow::line` in read/mysql_slow.rs).
#[test]
fn mysql_slow_use_only_entry_has_a_line() {
    for (input, line) in [("use db;\n", 1), ("SET timestamp=1;\nuse db;\n", 1)] {
        let s = read_bytes(Format::MysqlSlow, input.as_bytes());
        assert_eq!(s.origins, [line], "{input:?}");
    }
}

/// `split_statements` trims statements with `str::trim`, which strips
/// characters the lexer takes for code (U+000B, U+00A0 no-break space,
/// U+3000): such a "statement" comes back empty although the doc says empty
/// statements are left out. `sqlsift fingerprint` then prints the empty shape.
#[test]
fn split_statements_leaves_out_empty_statements() {
    for text in ["SELECT 1;\u{a0}", "\u{b}", "SELECT 1;\u{3000};SELECT 2"] {
        for dialect in DIALECTS {
            let parts = split_statements(text, dialect);
            assert!(
                parts.iter().all(|(_, s)| !s.is_empty()),
                "{dialect}: {text:?} -> {parts:?}"
            );
        }
    }
}

/// An input that fails mid-way ends the stream with a located error record.
#[test]
fn readers_report_read_errors() {
    struct Failing {
        head: io::Cursor<Vec<u8>>,
    }
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.head.read(buf)? {
                0 => Err(io::Error::other("disk on fire")),
                n => Ok(n),
            }
        }
    }
    for (format, text, _) in SEEDS {
        let s = with_deadline(&format!("{format} with a failing input"), move || {
            let failing = Failing {
                head: io::Cursor::new(text.as_bytes()[..text.len() / 2].to_vec()),
            };
            read_all(format, Box::new(io::BufReader::new(failing)))
        });
        assert!(
            !s.malformed.is_empty(),
            "{format}: the read error was not reported"
        );
        let lines = text[..text.len() / 2].matches('\n').count() as u64 + 1;
        for line in s.malformed {
            assert!((1..=lines + 1).contains(&line), "{format}: line {line}");
        }
    }
}

/// Runs `f` on a thread with [`THREAD_STACK`] of stack: a stack overflow there
/// aborts the whole test binary, which is still a (loud) failure.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(f)
        .expect("spawn a worker thread")
        .join()
        .expect("the worker thread panicked");
}

/// 10,000 levels of brackets: the lexer, normalizer and splitter are
/// iterative, and sqlparser's recursion limit stops the parser.
#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    const DEPTH: usize = 10_000;
    let open = "(".repeat(DEPTH);
    let close = ")".repeat(DEPTH);
    let inputs = vec![
        open.clone(),
        close.clone(),
        "[".repeat(DEPTH),
        format!("SELECT {open}1{close}"),
        format!("SELECT {open}1"),
        format!("SELECT * FROM t WHERE a IN {open}1, 2{close}"),
        format!("SELECT * FROM t WHERE a IN ({open}SELECT 1{close})"),
        format!("INSERT INTO t VALUES {open}1{close}, {open}2{close}"),
        format!("SELECT ARRAY{}1{}", "[".repeat(DEPTH), "]".repeat(DEPTH)),
        format!("SELECT {}1{}", "(SELECT ".repeat(DEPTH), ")".repeat(DEPTH)),
        format!("SELECT {}1", "NOT ".repeat(DEPTH)),
        format!("SELECT {}1", "- ".repeat(DEPTH)),
        format!("SELECT {}", "CASE WHEN a THEN ".repeat(DEPTH)),
        format!("SELECT 1 {}", "/* ".repeat(DEPTH)),
        format!("{} SELECT 1", "/*".repeat(DEPTH) + &"*/".repeat(DEPTH)),
    ];
    on_small_stack(move || {
        for sql in &inputs {
            for dialect in DIALECTS {
                check_lexer(sql, dialect).unwrap();
                let n = normalize(sql, dialect);
                check_normalized(sql, &n, dialect).unwrap();
                check_split(sql, dialect).unwrap();
                let _ = parse_shape(&n.shape, sql, dialect);
                let _ = parse_shape(&n.shape, "", dialect);
            }
        }
    });
}

/// Long flat chains (`a = 1 OR a = 2 OR …`, as ORMs generate) nest as deep in
/// sqlparser's AST as they are long; 10,000 terms parse, drop and are costed
/// fine. The cost model classifies a chain's conditions: the whole chain is
/// one condition of its table, whose text it printed from a copy made
/// without qualifiers, both recursive to the chain's length (2,000 terms
/// overflowed the main thread's 8 MiB in a debug build).
#[test]
fn long_operator_chains_parse_and_are_costed() {
    on_small_stack(|| {
        for sql in [
            format!(
                "SELECT * FROM t WHERE {}",
                vec!["a = 1"; 10_000].join(" OR ")
            ),
            // A branch that is no condition on `t` leaves the chain whole.
            format!(
                "SELECT * FROM t WHERE {} OR 1 = 1",
                vec!["a = 1"; 10_000].join(" OR ")
            ),
            format!(
                "SELECT * FROM t WHERE {} = 1",
                vec!["a"; 10_000].join(" + ")
            ),
            format!("SELECT {}", vec!["a"; 10_000].join(" + ")),
            vec!["SELECT a FROM t"; 2_000].join(" UNION ALL "),
        ] {
            for dialect in DIALECTS {
                let n = normalize(&sql, dialect);
                let p = parse_shape(&n.shape, &sql, dialect);
                let statements = p
                    .statements
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{dialect}: {e:?}"));
                for s in statements {
                    let _ = sqlsift_analyzer::cost::estimate(s, None);
                }
            }
        }
    });
}

/// The child half of [`very_long_operator_chains_do_not_overflow_the_stack`]:
/// does the work only when that test runs it in a process of its own.
#[test]
#[ignore = "run as a subprocess by very_long_operator_chains_do_not_overflow_the_stack"]
fn very_long_operator_chain_child() {
    if std::env::var_os("SQLSIFT_CHAIN_CHILD").is_none() {
        return;
    }
    on_small_stack(|| {
        let sql = format!(
            "SELECT * FROM t WHERE {}",
            vec!["a = 1"; 60_000].join(" OR ")
        );
        let n = normalize(&sql, Dialect::PostgreSql);
        let p = parse_shape(&n.shape, &sql, Dialect::PostgreSql);
        drop(p);
    });
}

/// A 60,000-term `OR` chain (≈ 600 kB of SQL). A stack overflow aborts the
/// process, so the work runs in a child process and this test reads its fate.
#[test]
fn very_long_operator_chains_do_not_overflow_the_stack() {
    let out = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "very_long_operator_chain_child",
            "--ignored",
            "--nocapture",
        ])
        .env("SQLSIFT_CHAIN_CHILD", "1")
        .output()
        .expect("run the child test");
    assert!(
        out.status.success(),
        "child failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// ProxySQL's tokenizer crash corpus (inputs a fuzzer found): every file's
/// whole text and each of its lines, in every dialect.
#[test]
#[allow(clippy::print_stderr)]
fn proxysql_crash_corpus() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/proxysql");
    if !dir.is_dir() {
        eprintln!(
            "skipped: ../shared not present ({} is missing)",
            dir.display()
        );
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("read the corpus directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).expect("read a corpus file");
            (
                p.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
        .collect();
    on_small_stack(move || {
        for (name, text) in &texts {
            for dialect in DIALECTS {
                let mut pieces = vec![text.as_str()];
                pieces.extend(text.lines());
                for piece in pieces {
                    let result = check_lexer(piece, dialect)
                        .and_then(|()| check_normalized(piece, &normalize(piece, dialect), dialect))
                        .and_then(|()| check_split(piece, dialect));
                    if let Err(e) = result {
                        panic!("{name}: {e}\ninput: {piece:?}");
                    }
                }
                let n = normalize(text, dialect);
                let _ = parse_shape(&n.shape, text, dialect);
            }
        }
    });
}
