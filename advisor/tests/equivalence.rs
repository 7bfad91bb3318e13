//! Batched rewrites return what the loops they replace returned — tested,
//! not assumed.
//!
//! Each N+1 loop is fed through the analyzer as captured JSONL events (a
//! parent query, then one event per execution of the loop), the loop the
//! detector keeps is rewritten by `batch_loop`, and both the N original
//! statements (with their real bound parameters) and every form of the
//! rewrite run against a real database: SQLite in memory, and PostgreSQL
//! when `SQLSIFT_PG_URL` names a server. A rewrite must return the same
//! multiset of rows once the key columns it appends are dropped and, where it
//! appends the key, the same rows per key (in the same order when the
//! statement has an ORDER BY).

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use postgres::types::private::BytesMut;
use postgres::types::{FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls};
use rusqlite::types::{Value, ValueRef};
use sqlsift_advisor::{BatchForm, Rewrite, batch_loop, parent_subquery};
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::detect::{DetectConfig, FindingKind, LoopExample};
use sqlsift_analyzer::facts::ShapeFacts;
use sqlsift_analyzer::read::{Format, from_reader};
use sqlsift_analyzer::shapes::parse_shape;
use sqlsift_analyzer::workload::ingest_records;

// ---------------------------------------------------------------------------
// The schema both databases get.

/// Every key a test loops over is chosen against this data: several rows per
/// key, keys with no row, rows shared by several keys, distinct ratings per
/// book (so `ORDER BY rating` is total within a key) inserted out of order.
const SCHEMA: &str = r#"
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    title TEXT NOT NULL,
    year INTEGER NOT NULL
);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE book_tags (
    book_id INTEGER NOT NULL REFERENCES books (id),
    tag_id INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (book_id, tag_id)
);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    book_id INTEGER NOT NULL REFERENCES books (id),
    rating INTEGER NOT NULL
);
CREATE TABLE kv (a INTEGER NOT NULL, b TEXT NOT NULL, v TEXT NOT NULL, PRIMARY KEY (a, b));

INSERT INTO authors VALUES
    (1, 'Ursula'), (2, 'Octavia'), (3, 'Iain'), (4, 'Ann'), (5, 'Ted'),
    (6, 'Flann O''Brien'), (7, 'Say "hi"'), (8, 'C:\dir');
INSERT INTO books VALUES
    (1, 1, 'A Wizard of Earthsea', 1968), (2, 1, 'The Left Hand of Darkness', 1969),
    (3, 1, 'The Dispossessed', 1974), (4, 2, 'Kindred', 1979),
    (5, 2, 'Parable of the Sower', 1993), (6, 3, 'Consider Phlebas', 1987),
    (7, 3, 'The Player of Games', 1988), (8, 3, 'Use of Weapons', 1990),
    (9, 3, 'Excession', 1996), (10, 4, 'Ancillary Justice', 2013),
    (11, 6, 'The Third Policeman', 1967), (12, 6, 'At Swim-Two-Birds', 1939),
    (13, 7, 'Quoted', 2001), (14, 8, 'Escaped', 2002);
INSERT INTO tags VALUES (1, 'classic'), (2, 'sf'), (3, 'award'), (4, 'series'), (5, 'humour');
INSERT INTO book_tags VALUES
    (1, 1), (1, 2), (1, 4), (2, 2), (2, 3), (3, 2), (3, 3), (4, 1), (4, 3),
    (6, 2), (6, 4), (7, 2), (7, 4), (8, 2), (8, 4), (11, 1), (11, 5), (12, 5);
INSERT INTO reviews VALUES
    (1, 1, 3), (2, 1, 5), (3, 1, 4), (4, 2, 2), (5, 2, 4), (6, 3, 5),
    (7, 4, 1), (8, 4, 3), (9, 4, 5), (10, 4, 2), (11, 6, 4), (12, 6, 2),
    (13, 7, 5), (14, 7, 1), (15, 7, 3), (16, 11, 2);
INSERT INTO kv VALUES
    (1, 'x', '1x'), (1, 'y', '1y'), (2, 'x', '2x'), (2, 'y', '2y'),
    (3, 'x', '3x'), (3, 'y', '3y'), (4, 'x', '4x'), (5, 'z', '5z');
"#;

// ---------------------------------------------------------------------------
// Loops, the way the product sees them.

/// One executed statement of a loop, as the application sent it.
#[derive(Debug, Clone)]
struct Exec {
    sql: String,
    params: Vec<Option<String>>,
}

/// One execution of `sql` with `params` (`None` is SQL NULL).
fn exec(sql: &str, params: &[Option<&str>]) -> Exec {
    Exec {
        sql: sql.to_owned(),
        params: params.iter().map(|p| p.map(str::to_owned)).collect(),
    }
}

/// `sql` executed once per parameter list.
fn executions(sql: &str, params: &[&[&str]]) -> Vec<Exec> {
    params
        .iter()
        .map(|ps| exec(sql, &ps.iter().map(|p| Some(*p)).collect::<Vec<_>>()))
        .collect()
}

/// A loop as the detector reported it, with the executions behind it.
struct Detected {
    shape: String,
    facts: ShapeFacts,
    example: LoopExample,
    execs: Vec<Exec>,
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The JSONL line of one event of session `s1`, request `r1`.
fn jsonl_line(e: &Exec) -> String {
    let params: Vec<String> = e
        .params
        .iter()
        .map(|p| p.as_deref().map_or_else(|| "null".to_owned(), json_string))
        .collect();
    format!(
        r#"{{"sql":{},"params":[{}],"session":"s1","request":"r1"}}"#,
        json_string(&e.sql),
        params.join(",")
    )
}

/// Feeds `parent` then `execs` through the analyzer as JSONL events of
/// `dialect` and returns the one N+1 loop it finds.
fn detect(dialect: Dialect, parent: &str, execs: Vec<Exec>) -> Detected {
    let mut jsonl = jsonl_line(&exec(parent, &[]));
    jsonl.push('\n');
    for e in &execs {
        jsonl.push_str(&jsonl_line(e));
        jsonl.push('\n');
    }
    let records = from_reader(
        Format::Jsonl,
        "t.jsonl".into(),
        Box::new(std::io::Cursor::new(jsonl.into_bytes())),
    );
    let workload = ingest_records(records, dialect, DetectConfig::default());
    assert_eq!(workload.malformed, 0, "{:?}", workload.malformed_lines);
    let findings: Vec<_> = workload
        .detection
        .as_ref()
        .expect("detectors ran")
        .findings(&workload.digests)
        .into_iter()
        .filter(|f| f.kind == FindingKind::NPlusOne)
        .collect();
    assert_eq!(findings.len(), 1, "one N+1 loop: {findings:#?}");
    let finding = &findings[0];
    let digest = &workload.digests[&finding.fingerprint];
    let shape = digest.shape.to_string();
    let facts = ShapeFacts::of(&parse_shape(&shape, &digest.sample.sql, dialect))
        .unwrap_or_else(|| panic!("facts of `{shape}`"));
    let example = finding.example.clone().expect("the loop keeps an example");
    assert_eq!(
        example.iterations.len(),
        execs.len(),
        "every execution of the loop is a distinct iteration of the example"
    );
    Detected {
        shape,
        facts,
        example,
        execs,
    }
}

impl Detected {
    fn rewrites(&self) -> Vec<Rewrite> {
        batch_loop(&self.shape, &self.facts, &self.example)
            .unwrap_or_else(|why| panic!("`{}` not batched: {why}", self.shape))
    }

    /// Each execution's key tuple (the varying slots' values, unquoted).
    fn keys(&self) -> Vec<Vec<String>> {
        self.example
            .iterations
            .iter()
            .map(|it| {
                self.example
                    .varying_slots
                    .iter()
                    .map(|s| unquote(&it[*s as usize][0]))
                    .collect()
            })
            .collect()
    }
}

fn forms(rewrites: &[Rewrite]) -> Vec<BatchForm> {
    rewrites.iter().map(|r| r.form).collect()
}

// ---------------------------------------------------------------------------
// Values and rows.

/// A value to bind to a placeholder.
#[derive(Debug, Clone, PartialEq)]
enum Bind {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl Bind {
    /// A parameter as the application bound it: logged parameters are text.
    fn of_param(p: Option<&str>) -> Bind {
        p.map_or(Bind::Null, |s| Bind::Text(s.to_owned()))
    }

    /// A rewrite parameter, given as SQL literal text (`'it''s'`, `42`, `NULL`).
    fn of_literal(lit: &str) -> Bind {
        let lit = lit.trim();
        if lit.eq_ignore_ascii_case("null") {
            Bind::Null
        } else if lit.len() >= 2 && lit.starts_with('\'') && lit.ends_with('\'') {
            Bind::Text(lit[1..lit.len() - 1].replace("''", "'"))
        } else if let Ok(i) = lit.parse::<i64>() {
            Bind::Int(i)
        } else if let Ok(f) = lit.parse::<f64>() {
            Bind::Real(f)
        } else {
            panic!("cannot bind the SQL literal `{lit}`")
        }
    }
}

/// One row; each value rendered as an SQL literal (`8`, `2.5`, `'x'`, `NULL`),
/// so numbers and text stay apart.
type Row = Vec<String>;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A rendered value or SQL literal without its quotes, to match keys.
fn unquote(v: &str) -> String {
    if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        v[1..v.len() - 1].replace("''", "'")
    } else {
        v.to_owned()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02X}");
        out
    })
}

/// A database the statements run on.
trait Db {
    /// The rows `sql` returns with `params` bound, in the order returned.
    fn rows(&mut self, sql: &str, params: &[Bind]) -> Result<Vec<Row>, String>;
}

fn run(db: &mut dyn Db, sql: &str, params: &[Bind]) -> Vec<Row> {
    db.rows(sql, params)
        .unwrap_or_else(|e| panic!("`{sql}` with {params:?} failed: {e}"))
}

/// The rows of each execution of the loop.
fn loop_rows(db: &mut dyn Db, d: &Detected) -> Vec<Vec<Row>> {
    d.execs
        .iter()
        .map(|e| {
            let binds: Vec<Bind> = e
                .params
                .iter()
                .map(|p| Bind::of_param(p.as_deref()))
                .collect();
            run(db, &e.sql, &binds)
        })
        .collect()
}

/// The rows of every statement of a rewrite (key columns included), in order.
fn rewrite_rows(db: &mut dyn Db, rw: &Rewrite) -> Vec<Row> {
    if matches!(rw.form, BatchForm::LiteralIn | BatchForm::ParentSubquery) {
        assert!(
            rw.params.is_empty(),
            "{} has no parameters: {rw:?}",
            rw.form.name()
        );
    } else {
        assert_eq!(
            rw.params.len(),
            rw.statements.len(),
            "parameters per statement: {rw:?}"
        );
    }
    let mut rows = Vec::new();
    for (i, sql) in rw.statements.iter().enumerate() {
        let binds: Vec<Bind> = rw
            .params
            .get(i)
            .map(|ps| ps.iter().map(|p| Bind::of_literal(p)).collect())
            .unwrap_or_default();
        rows.extend(run(db, sql, &binds));
    }
    for r in &rows {
        assert!(r.len() > rw.added_columns, "row {r:?} of {rw:?}");
    }
    rows
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

/// Runs the loop and each rewrite on `db` and asserts they are equivalent:
/// the same multiset of rows (without the added key columns) and, when the
/// rewrite appends every key column, the same rows per key — in the same
/// order per key when the statement orders its rows.
fn assert_equivalent(db: &mut dyn Db, d: &Detected, rewrites: &[Rewrite]) {
    let per_exec = loop_rows(db, d);
    let expected = sorted(per_exec.concat());
    assert!(!expected.is_empty(), "the loop returns rows at all");
    let keys = d.keys();
    for rw in rewrites {
        let rows = rewrite_rows(db, rw);
        let ctx = format!(
            "{} rewrite {:#?} of `{}`",
            rw.form.name(),
            rw.statements,
            d.shape
        );
        let got = sorted(
            rows.iter()
                .map(|r| r[..r.len() - rw.added_columns].to_vec())
                .collect(),
        );
        assert_eq!(got, expected, "{ctx}: not the loop's multiset of rows");
        if rw.added_columns != d.example.varying_slots.len() {
            continue;
        }
        let mut by_key: BTreeMap<Vec<String>, Vec<Row>> = BTreeMap::new();
        for r in rows {
            let (values, key) = r.split_at(r.len() - rw.added_columns);
            by_key
                .entry(key.iter().map(|k| unquote(k)).collect())
                .or_default()
                .push(values.to_vec());
        }
        for (key, want) in keys.iter().zip(&per_exec) {
            let got = by_key.remove(key).unwrap_or_default();
            if d.facts.has_order_by {
                assert_eq!(&got, want, "{ctx}: rows of key {key:?}, in order");
            } else {
                assert_eq!(
                    sorted(got),
                    sorted(want.clone()),
                    "{ctx}: rows of key {key:?}"
                );
            }
        }
        assert!(
            by_key.is_empty(),
            "{ctx}: rows of keys the loop never asked for: {by_key:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// SQLite.

struct Lite(rusqlite::Connection);

fn sqlite() -> Lite {
    let conn = rusqlite::Connection::open_in_memory().expect("in-memory SQLite");
    conn.execute_batch(SCHEMA).expect("schema");
    Lite(conn)
}

fn render_sqlite(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => format!("{f:?}"),
        ValueRef::Text(t) => quote(&String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("X'{}'", hex(b)),
    }
}

impl Db for Lite {
    fn rows(&mut self, sql: &str, params: &[Bind]) -> Result<Vec<Row>, String> {
        let mut stmt = self.0.prepare(sql).map_err(|e| e.to_string())?;
        let columns = stmt.column_count();
        let values: Vec<Value> = params
            .iter()
            .map(|b| match b {
                Bind::Null => Value::Null,
                Bind::Int(i) => Value::Integer(*i),
                Bind::Real(f) => Value::Real(*f),
                Bind::Text(s) => Value::Text(s.clone()),
            })
            .collect();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(values))
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            let mut r = Vec::with_capacity(columns);
            for i in 0..columns {
                r.push(render_sqlite(row.get_ref(i).map_err(|e| e.to_string())?));
            }
            out.push(r);
        }
        Ok(out)
    }
}

/// Detects the SQLite loop `execs` (after a parent query), rewrites it, and
/// checks every form on a fresh database.
fn sqlite_case(sql_execs: Vec<Exec>) -> (Detected, Vec<Rewrite>) {
    let d = detect(
        Dialect::Sqlite,
        "SELECT id FROM books ORDER BY id",
        sql_execs,
    );
    let rw = d.rewrites();
    assert_eq!(forms(&rw), [BatchForm::LiteralIn, BatchForm::ParamIn]);
    assert_equivalent(&mut sqlite(), &d, &rw);
    (d, rw)
}

/// a) Foreign-key lookup, one author per book; key 99 has no row, and a NULL
/// key matches nothing either way.
#[test]
fn sqlite_fk_lookup() {
    let sql = "SELECT authors.id, authors.name FROM authors WHERE authors.id = ?";
    let mut execs = executions(sql, &[&["3"], &["1"], &["99"], &["6"], &["2"]]);
    execs.insert(3, exec(sql, &[None]));
    let (_, rw) = sqlite_case(execs);
    assert!(
        rw[0].statements[0].contains("IN ('3', '1', '99', NULL, '6', '2')"),
        "{rw:?}"
    );
    assert_eq!(rw[0].added_columns, 0, "authors.id is already selected");
}

/// a') The same lookup with the keys written into the statement, not bound.
#[test]
fn sqlite_fk_lookup_with_literal_keys() {
    let execs = [3, 1, 99, 6, 2, 8]
        .iter()
        .map(|k| {
            exec(
                &format!("SELECT authors.id, authors.name FROM authors WHERE authors.id = {k}"),
                &[],
            )
        })
        .collect();
    let (_, rw) = sqlite_case(execs);
    assert_eq!(rw[1].params, [["3", "1", "99", "6", "2", "8"]]);
}

/// b) Reverse foreign key: several books per author, none for author 5.
#[test]
fn sqlite_reverse_fk() {
    let (_, rw) = sqlite_case(executions(
        "SELECT books.id, books.title FROM books WHERE ? = books.author_id",
        &[&["1"], &["3"], &["5"], &["2"], &["6"], &["4"]],
    ));
    assert_eq!(rw[0].added_columns, 1, "{rw:?}");
}

/// c) Many-to-many: tags `sf` and `series` come back for several books, and
/// the multiset keeps every copy.
#[test]
fn sqlite_many_to_many() {
    let (d, rw) = sqlite_case(executions(
        "SELECT tags.id, tags.name FROM tags, book_tags WHERE ? = book_tags.book_id AND tags.id = book_tags.tag_id",
        &[&["1"], &["6"], &["7"], &["5"], &["8"], &["11"]],
    ));
    let rows = loop_rows(&mut sqlite(), &d).concat();
    let sf = rows.iter().filter(|r| r[1] == "'sf'").count();
    assert_eq!(sf, 4, "duplicates across keys are part of the test");
    assert_eq!(rw[1].added_columns, 1);
}

/// c') DISTINCT stays per key once the key is selected.
#[test]
fn sqlite_distinct_per_key() {
    sqlite_case(executions(
        "SELECT DISTINCT tags.name FROM tags, book_tags WHERE book_tags.book_id = ? AND tags.id = book_tags.tag_id",
        &[&["1"], &["6"], &["7"], &["4"], &["8"], &["11"]],
    ));
}

/// d) ORDER BY per key: the rewrite orders by the key first, so each key's
/// rows keep the loop's order (checked by `assert_equivalent`, since the
/// key column is appended and the shape has ORDER BY).
#[test]
fn sqlite_order_by_per_key() {
    let (d, rw) = sqlite_case(executions(
        "SELECT id, rating FROM reviews WHERE book_id = ? ORDER BY rating DESC",
        &[&["4"], &["1"], &["5"], &["7"], &["2"], &["6"]],
    ));
    assert!(d.facts.has_order_by);
    for r in &rw {
        assert_eq!(r.added_columns, 1);
        assert!(r.note.contains("original order"), "{}", r.note);
    }
}

/// e) One aggregate row per key: the rewrite groups by the key. A key with no
/// rows gives no row in the rewrite where the loop got `(0, NULL)`: the note
/// says so, and the divergence is exactly that row.
#[test]
fn sqlite_aggregate_per_key() {
    let sql = "SELECT count(*), avg(rating) FROM reviews WHERE book_id = ?";
    let (_, rw) = sqlite_case(executions(
        sql,
        &[&["1"], &["2"], &["4"], &["6"], &["7"], &["3"]],
    ));
    for r in &rw {
        assert!(r.statements[0].to_uppercase().contains("GROUP BY"), "{r:?}");
        assert!(
            r.note.contains("a key with no rows has no row"),
            "{}",
            r.note
        );
    }
    // Book 5 has no reviews.
    let d = detect(
        Dialect::Sqlite,
        "SELECT id FROM books",
        executions(sql, &[&["1"], &["2"], &["5"], &["6"], &["7"]]),
    );
    let db = &mut sqlite();
    let mut expected = loop_rows(db, &d).concat();
    let missing = vec!["0".to_owned(), "NULL".to_owned()];
    let at = expected
        .iter()
        .position(|r| *r == missing)
        .expect("count 0 of book 5");
    expected.remove(at);
    for r in d.rewrites() {
        let got: Vec<Row> = rewrite_rows(db, &r)
            .into_iter()
            .map(|mut row| {
                row.truncate(row.len() - r.added_columns);
                row
            })
            .collect();
        assert_eq!(sorted(got), sorted(expected.clone()), "{r:?}");
    }
}

/// An aggregate that already groups: the key goes first in GROUP BY and in
/// ORDER BY.
#[test]
fn sqlite_group_by_per_key() {
    sqlite_case(executions(
        "SELECT rating > 2, count(*) FROM reviews WHERE book_id = ? GROUP BY rating > 2 ORDER BY rating > 2",
        &[&["4"], &["1"], &["5"], &["7"], &["2"], &["6"]],
    ));
}

/// f) Composite key: `(a, b) IN ((…), …)`; (4, 'y') has no row.
#[test]
fn sqlite_composite_key() {
    let (d, rw) = sqlite_case(executions(
        "SELECT v FROM kv WHERE a = ? AND b = ?",
        &[
            &["1", "x"],
            &["2", "y"],
            &["3", "x"],
            &["4", "y"],
            &["5", "z"],
            &["1", "y"],
        ],
    ));
    assert_eq!(d.example.varying_slots, [0, 1]);
    assert_eq!(rw[0].added_columns, 2);
    assert!(rw[1].note.contains("row value"), "{}", rw[1].note);
}

/// g) A constant slot besides the key keeps its value in every form, as a
/// value or a parameter; so does a constant IN list.
#[test]
fn sqlite_constant_slots() {
    let (_, rw) = sqlite_case(executions(
        "SELECT id FROM books WHERE author_id = ? AND year > ?",
        &[
            &["1", "1970"],
            &["3", "1970"],
            &["5", "1970"],
            &["2", "1970"],
            &["6", "1970"],
        ],
    ));
    // Only the keys are parameters; the constant is written in.
    assert_eq!(rw[1].params, [["'1'", "'3'", "'5'", "'2'", "'6'"]]);
    assert!(
        rw[1].statements[0].contains("year > '1970'"),
        "{}",
        rw[1].statements[0]
    );
    sqlite_case(executions(
        "SELECT books.id, books.title FROM books WHERE books.author_id = ? AND books.year IN (1969, 1974, 1988, 1990)",
        &[&["1"], &["3"], &["5"], &["2"], &["6"]],
    ));
}

/// Keys that are strings with quotes and backslashes survive every form.
#[test]
fn sqlite_string_keys() {
    sqlite_case(executions(
        "SELECT authors.id FROM authors WHERE authors.name = ?",
        &[
            &["Ursula"],
            &["Flann O'Brien"],
            &["Say \"hi\""],
            &["C:\\dir"],
            &["Nobody"],
            &["Iain"],
        ],
    ));
}

/// h) A loop too long for one parameterized statement of the Generic dialect
/// (999 variables): the parameterized form is chunked, and the chunks
/// together return what the loop returned.
#[test]
fn sqlite_chunked_parameterized_rewrite() {
    let db = &mut sqlite();
    db.0.execute_batch(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, kind TEXT NOT NULL);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
         INSERT INTO events SELECT i, (i * 7) % 1300 + 1,
             CASE i % 3 WHEN 0 THEN 'click' WHEN 1 THEN 'view' ELSE 'noise' END FROM n;
         CREATE INDEX events_user ON events (user_id);",
    )
    .expect("events");
    // As many keys as an example keeps, more than one chunk takes.
    let keys: Vec<String> = (1..=LoopExample::MAX_ITERATIONS)
        .map(|k| k.to_string())
        .collect();
    let params: Vec<[&str; 2]> = keys.iter().map(|k| [k.as_str(), "noise"]).collect();
    let params: Vec<&[&str]> = params.iter().map(<[&str; 2]>::as_slice).collect();
    let d = detect(
        Dialect::Generic,
        "SELECT id FROM users",
        executions(
            "SELECT events.id, events.kind FROM events WHERE events.user_id = ? AND events.kind <> ?",
            &params,
        ),
    );
    let rw = d.rewrites();
    assert_eq!(forms(&rw), [BatchForm::LiteralIn, BatchForm::ParamIn]);
    assert_eq!(rw[0].statements.len(), 1);
    let chunks: Vec<usize> = rw[1].params.iter().map(Vec::len).collect();
    assert!(chunks.len() >= 2, "chunked: {chunks:?}");
    assert!(chunks.iter().all(|n| *n <= 999), "{chunks:?}");
    // Only keys are parameters; the constant is written into each chunk.
    assert_eq!(chunks.iter().sum::<usize>(), LoopExample::MAX_ITERATIONS);
    assert!(rw[1].statements.iter().all(|s| s.contains("<> 'noise'")));
    for (sql, ps) in rw[1].statements.iter().zip(&rw[1].params) {
        assert_eq!(sql.matches('?').count(), ps.len(), "placeholders of {sql}");
    }
    assert_equivalent(db, &d, &rw);
}

/// i) A per-key LIMIT cannot be batched: refused, saying why.
#[test]
fn sqlite_limit_is_refused() {
    let d = detect(
        Dialect::Sqlite,
        "SELECT id FROM books",
        executions(
            "SELECT id, rating FROM reviews WHERE book_id = ? LIMIT 2",
            &[&["1"], &["2"], &["4"], &["6"], &["7"]],
        ),
    );
    let why = batch_loop(&d.shape, &d.facts, &d.example).expect_err("LIMIT refused");
    assert!(why.contains("LIMIT"), "{why}");
}

/// Where batching would change the result, `batch_loop` must refuse; if it
/// rewrites, every form must be equivalent.
fn assert_refused_or_equivalent(db: &mut dyn Db, d: &Detected) {
    if let Ok(rw) = batch_loop(&d.shape, &d.facts, &d.example) {
        assert_equivalent(db, d, &rw);
    }
}

/// A key slot that varies only between the loop's middle executions is still
/// a key: `b` is `'x'` in the first, second and last executions only.
#[test]
fn sqlite_key_varying_only_mid_loop() {
    let d = detect(
        Dialect::Sqlite,
        "SELECT id FROM books",
        executions(
            "SELECT v FROM kv WHERE a = ? AND b = ?",
            &[
                &["1", "x"],
                &["2", "x"],
                &["3", "y"],
                &["4", "x"],
                &["5", "x"],
            ],
        ),
    );
    assert_refused_or_equivalent(&mut sqlite(), &d);
}

/// The key compared inside a subquery.
#[test]
fn sqlite_key_in_subquery() {
    let d = detect(
        Dialect::Sqlite,
        "SELECT id FROM tags",
        executions(
            "SELECT books.title FROM books WHERE books.id IN (SELECT book_tags.book_id FROM book_tags WHERE book_tags.tag_id = ?)",
            &[&["1"], &["2"], &["3"], &["4"], &["5"], &["6"]],
        ),
    );
    assert_refused_or_equivalent(&mut sqlite(), &d);
}

/// The key comparison under OR: the other branch's rows come back once per
/// key in the loop.
#[test]
fn sqlite_key_under_or() {
    let d = detect(
        Dialect::Sqlite,
        "SELECT id FROM authors",
        executions(
            "SELECT books.id, books.title FROM books WHERE books.author_id = ? OR books.year < 1950",
            &[&["1"], &["2"], &["3"], &["4"], &["5"]],
        ),
    );
    assert_refused_or_equivalent(&mut sqlite(), &d);
}

/// ORDER BY a select-list position.
#[test]
fn sqlite_order_by_position() {
    let d = detect(
        Dialect::Sqlite,
        "SELECT id FROM books",
        executions(
            "SELECT id, rating FROM reviews WHERE book_id = ? ORDER BY 2 DESC",
            &[&["4"], &["1"], &["5"], &["7"], &["2"], &["6"]],
        ),
    );
    assert_refused_or_equivalent(&mut sqlite(), &d);
}

/// A window function numbers the rows of one key.
#[test]
fn sqlite_window_function() {
    let d = detect(
        Dialect::Sqlite,
        "SELECT id FROM books",
        executions(
            "SELECT id, row_number() OVER (ORDER BY rating) FROM reviews WHERE book_id = ?",
            &[&["4"], &["1"], &["5"], &["7"], &["2"], &["6"]],
        ),
    );
    assert_refused_or_equivalent(&mut sqlite(), &d);
}

/// Grouping by an expression with a literal (`date_trunc('month', …)` in
/// real code): the select list and GROUP BY must stay the same expression.
#[test]
fn postgres_group_by_expression_with_literal() {
    let Some(mut pg) = postgres() else { return };
    let d = detect(
        Dialect::PostgreSql,
        "SELECT id FROM authors",
        executions(
            "SELECT substr(books.title, 1, 1), count(*) FROM books WHERE books.author_id = $1 GROUP BY substr(books.title, 1, 1)",
            &[&["1"], &["2"], &["3"], &["4"], &["6"]],
        ),
    );
    assert_refused_or_equivalent(&mut pg, &d);
}

/// A constant in the select list.
#[test]
fn postgres_constant_in_select_list() {
    let Some(mut pg) = postgres() else { return };
    let d = detect(
        Dialect::PostgreSql,
        "SELECT id FROM authors",
        executions(
            "SELECT 1 AS found, books.id FROM books WHERE books.author_id = $1",
            &[&["1"], &["2"], &["3"], &["4"], &["5"]],
        ),
    );
    assert_refused_or_equivalent(&mut pg, &d);
}

// ---------------------------------------------------------------------------
// PostgreSQL.

/// A connection whose `search_path` is a schema of its own, dropped (with
/// everything in it) when the guard goes, also when a test fails.
struct Pg {
    client: Client,
    schema: String,
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = self
            .client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
    }
}

/// The server `SQLSIFT_PG_URL` names, with a fresh schema holding [`SCHEMA`];
/// `None` (after saying so) when the variable is not set, unless `CI=true`.
#[allow(clippy::print_stdout)] // the skip must be visible in the test output
fn postgres() -> Option<Pg> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let Ok(url) = std::env::var("SQLSIFT_PG_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "SQLSIFT_PG_URL is not set, and CI=true: the PostgreSQL equivalence tests must run in CI \
             (e.g. SQLSIFT_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres)"
        );
        println!("skipped: SQLSIFT_PG_URL not set");
        return None;
    };
    let client = Client::connect(&url, NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the server SQLSIFT_PG_URL names: {e}"));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let schema = format!(
        "sqlsift_eq_{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut pg = Pg {
        client,
        schema: schema.clone(),
    };
    pg.client
        .batch_execute(&format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema}"
        ))
        .expect("schema");
    pg.client.batch_execute(SCHEMA).expect("tables");
    Some(pg)
}

/// A parameter sent in PostgreSQL's *text* format: the server parses it as
/// the type it inferred for the placeholder, as it does for a literal.
///
/// This is how the statements can run verbatim with real binding: the logged
/// parameters and the rewrite's literals are text, and binary-format binding
/// (the postgres crate's default) would need the Rust type of each inferred
/// SQL type — `&str` is refused for an `INTEGER` placeholder. Text format
/// needs none: `'8'` binds to `int4`, `'{"8","15"}'` to the `int4[]` of
/// `= ANY($1)`, `NULL` to NULL, whatever the column types.
#[derive(Debug)]
struct TextParam(Option<String>);

impl ToSql for TextParam {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match &self.0 {
            Some(s) => {
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            None => Ok(IsNull::Yes),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, _: &Type) -> postgres::types::Format {
        postgres::types::Format::Text
    }

    to_sql_checked!();
}

/// A result value of any type, rendered like SQLite's.
struct PgCell(String);

impl<'a> FromSql<'a> for PgCell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(PgCell(match ty.name() {
            "int2" => i16::from_sql(ty, raw)?.to_string(),
            "int4" => i32::from_sql(ty, raw)?.to_string(),
            "int8" => i64::from_sql(ty, raw)?.to_string(),
            "float4" => format!("{:?}", f64::from(f32::from_sql(ty, raw)?)),
            "float8" => format!("{:?}", f64::from_sql(ty, raw)?),
            "bool" => bool::from_sql(ty, raw)?.to_string().to_uppercase(),
            "text" | "varchar" | "bpchar" | "name" => quote(<&str>::from_sql(ty, raw)?),
            other => format!("{other}:{}", hex(raw)),
        }))
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(PgCell("NULL".into()))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

impl Db for Pg {
    fn rows(&mut self, sql: &str, params: &[Bind]) -> Result<Vec<Row>, String> {
        let stmt = self.client.prepare(sql).map_err(|e| format!("{e:?}"))?;
        let args: Vec<TextParam> = params
            .iter()
            .map(|b| {
                TextParam(match b {
                    Bind::Null => None,
                    Bind::Int(i) => Some(i.to_string()),
                    Bind::Real(f) => Some(f.to_string()),
                    Bind::Text(s) => Some(s.clone()),
                })
            })
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        let rows = self
            .client
            .query(&stmt, &refs)
            .map_err(|e| format!("{e:?}"))?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        row.try_get::<_, PgCell>(i)
                            .map(|c| c.0)
                            .map_err(|e| e.to_string())
                    })
                    .collect()
            })
            .collect()
    }
}

/// Detects the PostgreSQL loop `execs`, rewrites it and checks every form
/// (with `= ANY($1)` for a single key, whose parameter must be an array).
fn pg_case(execs: Vec<Exec>) -> Option<(Detected, Vec<Rewrite>)> {
    let mut pg = postgres()?;
    let d = detect(
        Dialect::PostgreSql,
        "SELECT id FROM books ORDER BY id",
        execs,
    );
    let rw = d.rewrites();
    if d.example.varying_slots.len() == 1 {
        assert_eq!(
            forms(&rw),
            [
                BatchForm::LiteralIn,
                BatchForm::ParamIn,
                BatchForm::AnyArray
            ]
        );
        let any = &rw[2];
        assert_eq!(any.statements.len(), 1);
        // The keys are one parameter (besides the constants), an array.
        let stmt = pg.client.prepare(&any.statements[0]).expect("prepares");
        let arrays: Vec<&Type> = stmt
            .params()
            .iter()
            .filter(|t| matches!(t.kind(), Kind::Array(_)))
            .collect();
        assert_eq!(arrays.len(), 1, "one array parameter: {:?}", stmt.params());
        assert_eq!(any.params[0].len(), stmt.params().len(), "{any:?}");
    } else {
        assert_eq!(forms(&rw), [BatchForm::LiteralIn, BatchForm::ParamIn]);
    }
    assert_equivalent(&mut pg, &d, &rw);
    Some((d, rw))
}

/// a) on PostgreSQL, with a key with no row and a NULL key.
#[test]
fn postgres_fk_lookup() {
    let sql = "SELECT authors.id, authors.name FROM authors WHERE authors.id = $1";
    let mut execs = executions(sql, &[&["3"], &["1"], &["99"], &["6"], &["2"]]);
    execs.insert(2, exec(sql, &[None]));
    if let Some((_, rw)) = pg_case(execs) {
        assert_eq!(rw[2].params, [[r#"'{"3","1",NULL,"99","6","2"}'"#]]);
    }
}

/// SQLAlchemy casts its parameters (`$1::INTEGER`): originals and rewrites
/// still run, the cast kept where the slot stays a single value.
#[test]
fn postgres_sqlalchemy_cast() {
    pg_case(executions(
        "SELECT books.id, books.title FROM books WHERE books.author_id = $1::INTEGER AND books.year > $2::INTEGER",
        &[
            &["1", "1960"],
            &["3", "1960"],
            &["5", "1960"],
            &["2", "1960"],
            &["6", "1960"],
        ],
    ));
}

/// b) on PostgreSQL.
#[test]
fn postgres_reverse_fk() {
    pg_case(executions(
        "SELECT books.id, books.title FROM books WHERE $1 = books.author_id",
        &[&["1"], &["3"], &["5"], &["2"], &["6"], &["4"]],
    ));
}

/// c) on PostgreSQL.
#[test]
fn postgres_many_to_many() {
    pg_case(executions(
        "SELECT tags.id, tags.name FROM tags, book_tags WHERE $1 = book_tags.book_id AND tags.id = book_tags.tag_id",
        &[&["1"], &["6"], &["7"], &["5"], &["8"], &["11"]],
    ));
}

/// f) on PostgreSQL: row values, no `= ANY`.
#[test]
fn postgres_composite_key() {
    pg_case(executions(
        "SELECT kv.v FROM kv WHERE kv.a = $1 AND kv.b = $2",
        &[
            &["1", "x"],
            &["2", "y"],
            &["3", "x"],
            &["4", "y"],
            &["5", "z"],
            &["1", "y"],
        ],
    ));
}

/// Quotes, double quotes and backslashes in keys: SQL literals and array
/// elements are escaped as PostgreSQL reads them.
#[test]
fn postgres_string_keys() {
    pg_case(executions(
        "SELECT authors.id FROM authors WHERE authors.name = $1",
        &[
            &["Ursula"],
            &["Flann O'Brien"],
            &["Say \"hi\""],
            &["C:\\dir"],
            &["Nobody"],
            &["Iain"],
        ],
    ));
}

/// Placeholders numbered out of text order (`$2` before `$1`).
#[test]
fn postgres_placeholders_out_of_order() {
    pg_case(executions(
        "SELECT books.id FROM books WHERE books.year > $2 AND books.author_id = $1",
        &[
            &["1", "1970"],
            &["3", "1970"],
            &["5", "1970"],
            &["2", "1970"],
            &["6", "1970"],
        ],
    ));
}

// ---------------------------------------------------------------------------
// The loop joined with its parent query (`key IN (SELECT … FROM parent)`)
// ---------------------------------------------------------------------------

/// A loop as an ORM runs it: the parent query, then one lookup per distinct
/// key of the parent's rows, in the order the parent returned them.
fn parent_loop(dialect: Dialect, parent: &str, sql: &str, keys: &[&str]) -> Detected {
    let params: Vec<[&str; 1]> = keys.iter().map(|k| [*k]).collect();
    let params: Vec<&[&str]> = params.iter().map(<[&str; 1]>::as_slice).collect();
    detect(dialect, parent, executions(sql, &params))
}

fn assert_parent_form_equivalent(db: &mut dyn Db, d: &Detected, want: &str) {
    let rw = parent_subquery(&d.shape, &d.facts, &d.example).expect("a parent form");
    assert_eq!(rw.form, BatchForm::ParentSubquery);
    assert!(rw.statements[0].contains(want), "{}", rw.statements[0]);
    assert_equivalent(db, d, &[rw]);
}

#[test]
fn sqlite_loops_joined_with_their_parent() {
    let mut db = sqlite();
    // Authors of the books after 1980, in book order, each once.
    let d = parent_loop(
        Dialect::Sqlite,
        "SELECT books.id, books.title, books.author_id FROM books WHERE books.year > 1980 ORDER BY books.id",
        "SELECT authors.id, authors.name FROM authors WHERE authors.id = ?",
        &["2", "3", "4", "7", "8"],
    );
    assert_parent_form_equivalent(
        &mut db,
        &d,
        "authors.id IN (SELECT books.author_id FROM books WHERE books.year > 1980)",
    );
    // Each author's books (a reverse foreign key), author 5 has none.
    let d = parent_loop(
        Dialect::Sqlite,
        "SELECT authors.id, authors.name FROM authors ORDER BY authors.id",
        "SELECT books.id, books.title FROM books WHERE ? = books.author_id",
        &["1", "2", "3", "4", "5", "6", "7", "8"],
    );
    assert_parent_form_equivalent(
        &mut db,
        &d,
        "books.author_id IN (SELECT authors.id FROM authors)",
    );
    // Tags of the books before 1975 (many-to-many), repeated tags kept.
    let d = parent_loop(
        Dialect::Sqlite,
        "SELECT books.id, books.title FROM books WHERE books.year < 1975 ORDER BY books.id",
        "SELECT tags.id, tags.name FROM tags, book_tags WHERE ? = book_tags.book_id AND tags.id = book_tags.tag_id",
        &["1", "2", "3", "11", "12"],
    );
    assert_parent_form_equivalent(
        &mut db,
        &d,
        "book_tags.book_id IN (SELECT books.id FROM books WHERE books.year < 1975)",
    );
}

#[test]
fn postgres_loop_joined_with_its_parent() {
    let Some(mut pg) = postgres() else { return };
    let d = parent_loop(
        Dialect::PostgreSql,
        "SELECT books.id, books.title, books.author_id FROM books WHERE books.year > $1 ORDER BY books.id",
        "SELECT authors.id, authors.name FROM authors WHERE authors.id = $1::INTEGER",
        &["2", "3", "4", "7", "8"],
    );
    // The parent ran with year > 1980: its parameter is written in.
    let mut d = d;
    d.example.parent = Some((
        "SELECT books.id, books.title, books.author_id FROM books WHERE books.year > $1 ORDER BY books.id".into(),
        vec![Some("1980".into())],
    ));
    assert_parent_form_equivalent(
        &mut pg,
        &d,
        "authors.id IN (SELECT books.author_id FROM books WHERE books.year > '1980')",
    );
}
