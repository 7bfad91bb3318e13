//! End-to-end tests of `report --schema`: each fingerprint's cost is
//! estimated with the real catalog — a SQLite database (with the planner's
//! plan beside it), a schema `.sql` file with row counts from sqlsift.toml,
//! or a live PostgreSQL — and a bad schema is a clear usage error.

#[path = "support/pg.rs"]
mod pg;

use assert_cmd::Command;
use pg::PgDb;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn report(dir: &str, args: &[&str]) -> Value {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .current_dir(dir)
        .args(["report", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The reasons of a fingerprint's cost terms, by the start of its shape.
fn reasons(r: &Value, shape_prefix: &str) -> Vec<String> {
    let f = r["fingerprints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["shape"].as_str().unwrap().starts_with(shape_prefix))
        .unwrap_or_else(|| panic!("no fingerprint starts with {shape_prefix}"));
    f["cost"]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["reason"].as_str().unwrap().to_owned())
        .collect()
}

const BOOKS_BY_AUTHOR: &str = "select books.id, books.title, books.year, books.author_id from books where ? = books.author_id";
const ALL_BOOKS: &str =
    "select books.id, books.title, books.year, books.author_id from books order by books.id";

#[test]
fn sqlite_schema_costs_agree_with_the_planner_shown_beside_them() {
    let r = report(
        ROOT,
        &["samples/orm/sqlite.jsonl", "--schema", "samples/orm/app.db"],
    );
    let mut planned = 0;
    for f in r["fingerprints"].as_array().unwrap() {
        let Some(plan) = f["plan"].as_array() else {
            continue;
        };
        planned += 1;
        let plan: Vec<&str> = plan.iter().map(|l| l.as_str().unwrap()).collect();
        for access in f["cost"]["accesses"].as_array().unwrap() {
            let table = access["alias"]
                .as_str()
                .or(access["table"].as_str())
                .unwrap();
            let scan = access["method"]["kind"] == "scan";
            let line = plan
                .iter()
                .find(|l| {
                    l.contains(&format!("SCAN {table}")) || l.contains(&format!("SEARCH {table} "))
                })
                .unwrap_or_else(|| panic!("{table} not in the plan {plan:?}"));
            assert_eq!(
                line.contains("SCAN"),
                scan,
                "{} — model vs {line}",
                f["shape"]
            );
        }
    }
    assert!(planned >= 8, "only {planned} statements were planned");
    assert!(reasons(&r, ALL_BOOKS)[0].contains("full scan of books (20,000 rows)"));
    assert!(reasons(&r, BOOKS_BY_AUTHOR)[0].contains("ix_books_author_id"));
}

#[test]
fn a_schema_file_with_row_counts_from_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sqlsift.toml"),
        format!(
            "[schema]\nsource = \"{ROOT}/samples/orm/schema.sql\"\nrows = {{ books = 3000000 }}\n"
        ),
    )
    .unwrap();
    let r = report(
        dir.path().to_str().unwrap(),
        &[&format!("{ROOT}/samples/orm/sqlite.jsonl")],
    );
    assert!(
        reasons(&r, ALL_BOOKS)[0].contains("full scan of books (3,000,000 rows)"),
        "{:?}",
        reasons(&r, ALL_BOOKS)
    );
    assert!(
        r["fingerprints"][0]["plan"].is_null(),
        "no planner without a database"
    );
}

#[test]
fn without_a_schema_costs_say_what_they_assume() {
    let r = report(ROOT, &["samples/orm/sqlite.jsonl"]);
    let all = reasons(&r, ALL_BOOKS);
    assert!(
        all[0].contains("full scan of books") && all[0].contains("assumed"),
        "{all:?}"
    );
}

#[test]
fn a_bad_schema_is_a_usage_error_naming_it() {
    for bad in [
        "samples/orm/missing.db",
        "samples/orm/README.md",
        "postgresql://nobody:secret@127.0.0.1:1/x",
    ] {
        let out = Command::cargo_bin("sqlsift")
            .unwrap()
            .current_dir(ROOT)
            .args(["report", "samples/orm/sqlite.jsonl", "--schema", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("secret"), "the password leaks: {err}");
        let shown = bad.replace(":secret", "");
        assert!(err.contains(shown.split('@').next_back().unwrap()), "{err}");
    }
}

/// A schema statement too long to parse safely is a usage error naming its
/// line: a `CHECK` of a 100,000-term `OR` chain (900 kB) parsed into an AST
/// whose recursive drop overflowed the stack and aborted the process.
#[test]
fn a_huge_schema_statement_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        format!(
            "CREATE TABLE u (id int);\nCREATE TABLE t (a int CHECK ({}));\n",
            vec!["a = 1"; 100_000].join(" OR ")
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .current_dir(ROOT)
        .args(["report", "samples/orm/sqlite.jsonl", "--schema"])
        .arg(&schema)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}: {err}", out.status);
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn live_postgresql_schema_gives_real_row_counts_and_indexes() {
    let Some(db) = PgDb::create("sqlsift_schema") else {
        return;
    };
    let mut c = db.connect();
    let schema = std::fs::read_to_string(format!("{ROOT}/samples/orm/schema.sql")).unwrap();
    c.batch_execute(&schema).unwrap();
    c.batch_execute(
        "INSERT INTO authors SELECT g, 'a' || g, 'NZ' FROM generate_series(1, 500) g;
         INSERT INTO books SELECT g, 'b' || g, 2000, 1 + g % 500 FROM generate_series(1, 12000) g;
         ANALYZE;",
    )
    .unwrap();
    let r = report(ROOT, &["samples/orm/postgresql.log", "--schema", &db.url()]);
    let all = reasons(&r, ALL_BOOKS);
    assert!(
        all[0].contains("full scan of books (12,000 rows)"),
        "{all:?}"
    );
    let by_author = reasons(
        &r,
        "select books.id, books.title, books.year, books.author_id from books where ?::integer = books.author_id",
    );
    assert!(by_author[0].contains("ix_books_author_id"), "{by_author:?}");
    assert!(by_author[0].contains("of 12,000 rows"), "{by_author:?}");
}
