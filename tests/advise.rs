//! `sqlsift advise` end to end on the ORM sample: against the sample's own
//! database (whose foreign keys are indexed) it proposes nothing and, told
//! the workload is complete, names the index only INSERTs maintain; against
//! a copy without the foreign-key index that the N+1 loop over
//! `books.author_id` hits, it proposes that index, validated by the SQLite
//! planner and by running the loop's statement on a copy.

use assert_cmd::Command;
use serde_json::Value;

fn advise(schema: &str, extra: &[&str]) -> Value {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .args([
            "advise",
            "samples/orm/sqlite.jsonl",
            "--schema",
            schema,
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn indexed_sample_needs_nothing_and_unused_index_is_named() {
    let a = advise("samples/orm/app.db", &["--workload-complete"]);
    assert_eq!(a["recommendations"].as_array().unwrap().len(), 0, "{a:#}");
    let unused: Vec<&str> = a["unused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["index"].as_str().unwrap())
        .collect();
    assert_eq!(unused, ["ix_reviews_book_id"], "{a:#}");
}

#[test]
fn missing_foreign_key_index_is_proposed_and_validated() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    std::fs::copy("samples/orm/app.db", &db).unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("DROP INDEX ix_books_author_id")
        .unwrap();
    let a = advise(db.to_str().unwrap(), &[]);
    let recs = a["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 1, "{a:#}");
    let r = &recs[0];
    assert_eq!(r["table"], "books");
    assert_eq!(r["keys"][0]["name"], "author_id");
    assert!(
        r["name"]
            .as_str()
            .unwrap()
            .starts_with("ix_books_author_id")
    );
    let served = r["statements"].as_array().unwrap();
    assert!(
        served
            .iter()
            .any(|s| s["sql"].as_str().unwrap().contains("? = books.author_id"))
    );
    for s in served {
        let after = s["plan_after"].as_array().unwrap();
        assert!(
            after
                .iter()
                .any(|l| l.as_str().unwrap().contains(r["name"].as_str().unwrap())),
            "{s:#}"
        );
        assert!(s["before_ms"].as_f64().unwrap() > s["after_ms"].as_f64().unwrap());
    }
    let text = Command::cargo_bin("sqlsift")
        .unwrap()
        .args([
            "advise",
            "samples/orm/sqlite.jsonl",
            "--schema",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_books_author_id"),
        "{text}"
    );
}

#[test]
fn schema_is_required() {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .current_dir(std::env::temp_dir())
        .args([
            "advise",
            concat!(env!("CARGO_MANIFEST_DIR"), "/samples/orm/sqlite.jsonl"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--schema"));
}

/// `sqlsift report <input> --format json --schema <schema>`: exit code and report.
fn report(input: &str, schema: &std::path::Path) -> (Option<i32>, Option<Value>) {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .args(["report", input, "--format", "json", "--schema"])
        .arg(schema)
        .output()
        .unwrap();
    (out.status.code(), serde_json::from_slice(&out.stdout).ok())
}

/// `report --schema` carries the advice as findings whose fix is the DDL in
/// the database's dialect, and the full advice under `advice`.
#[test]
fn report_includes_index_advice_with_ddl_for_the_schema_dialect() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    std::fs::copy("samples/orm/app.db", &db).unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("DROP INDEX ix_books_author_id")
        .unwrap();
    let (code, r) = report("samples/orm/sqlite.jsonl", &db);
    assert_eq!(code, Some(0));
    let r = r.unwrap();
    let index: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "index")
        .collect();
    assert_eq!(index.len(), 1, "{:#}", r["findings"]);
    let ddl = index[0]["fix"]["sql"][0].as_str().unwrap();
    assert!(
        ddl.starts_with("CREATE INDEX IF NOT EXISTS ix_books_author_id"),
        "{ddl}"
    );
    assert_eq!(index[0]["table"], "books");
    assert_eq!(
        r["advice"]["recommendations"][0]["sqlite_ddl"]
            .as_str()
            .unwrap(),
        ddl
    );
    // The same workload against the schema file, read as PostgreSQL's.
    let schema_file = dir.path().join("schema.sql");
    let (code, _) = report("samples/orm/postgresql.log", &schema_file);
    assert_eq!(code, Some(2), "a missing schema file is a usage error");
    let schema = std::fs::read_to_string("samples/orm/schema.sql")
        .unwrap()
        .replace("CREATE INDEX ix_books_author_id ON books (author_id);", "");
    std::fs::write(&schema_file, schema).unwrap();
    let (_, r) = report("samples/orm/postgresql.log", &schema_file);
    let r = r.unwrap();
    let ddl: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "index")
        .map(|f| f["fix"]["sql"][0].as_str().unwrap())
        .collect();
    assert!(
        ddl.iter()
            .any(|d| d.starts_with("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_books_author_id")),
        "{ddl:?}"
    );
}
