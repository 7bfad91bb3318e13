//! End-to-end tests of `sqlsift lint` and `sqlsift rules`: findings at the
//! right `file:line`, catalog-aware rules with a SQLite or live PostgreSQL
//! schema, inline suppression, `[rules]` settings, exit codes.

#[path = "support/pg.rs"]
mod pg;

use std::collections::BTreeSet;

use assert_cmd::Command;
use pg::PgDb;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const QUERIES: &str = "samples/lint/queries.sql";

fn lint(dir: &str, args: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .current_dir(dir)
        .args(["lint", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert_ne!(code, 2, "{}", String::from_utf8_lossy(&out.stderr));
    (code, serde_json::from_slice(&out.stdout).unwrap())
}

/// `(line, rule)` of every finding.
fn found(r: &Value) -> BTreeSet<(u64, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let place = f["places"][0].as_str().unwrap();
            let line = place.rsplit_once(':').unwrap().1.parse().unwrap();
            (line, f["rule"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn set(items: &[(u64, &str)]) -> BTreeSet<(u64, String)> {
    items.iter().map(|(l, r)| (*l, (*r).to_owned())).collect()
}

/// What the sample file holds, seen with a catalog: `abs(author_id)` hides
/// an index, `NOT IN` is safe on a NOT NULL column, `rating * 2` is on an
/// unindexed column, and the suppressed `SELECT *` stays silent.
fn with_catalog() -> BTreeSet<(u64, String)> {
    set(&[
        (9, "SQ001"),
        (9, "SQ002"),
        (12, "SQ003"),
        (18, "SQ010"),
        (21, "SQ008"),
        (31, "SQ009"),
        (34, "SQ006"),
    ])
}

#[test]
fn sql_file_findings_at_their_lines_with_a_sqlite_schema() {
    let (code, r) = lint(ROOT, &[QUERIES, "--schema", "samples/orm/app.db"]);
    assert_eq!(code, 1, "warnings fail lint by default");
    assert_eq!(found(&r), with_catalog());
    assert_eq!(r["statements"], 10);
}

#[test]
fn without_a_schema_catalog_rules_fall_back_to_weaker_notes() {
    let (_, r) = lint(ROOT, &[QUERIES]);
    let got = found(&r);
    // No catalog: the function and arithmetic notes fire on any column (info),
    // and NOT IN cannot be known safe.
    for extra in [(12, "SQ003"), (15, "SQ015"), (24, "SQ005")] {
        assert!(
            got.contains(&(extra.0, extra.1.to_owned())),
            "{extra:?} in {got:?}"
        );
    }
    assert!(!got.iter().any(|(l, _)| *l == 27), "suppressed: {got:?}");
}

#[test]
fn settings_disable_rules_and_change_severities() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sqlsift.toml"),
        "[rules]\ndisable = [\"SQ001\", \"order-by-random\"]\nseverity = { SQ002 = \"info\", SQ010 = \"info\", SQ003 = \"info\" }\n",
    )
    .unwrap();
    let queries = format!("{ROOT}/{QUERIES}");
    let schema = format!("{ROOT}/samples/orm/app.db");
    let (_, r) = lint(
        dir.path().to_str().unwrap(),
        &[&queries, "--schema", &schema],
    );
    let rules: BTreeSet<String> = found(&r).into_iter().map(|(_, r)| r).collect();
    assert!(
        !rules.contains("SQ001") && !rules.contains("SQ009"),
        "{rules:?}"
    );
    let severity_of = |code: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == code)
            .map(|f| f["severity"].as_str().unwrap().to_owned())
    };
    assert_eq!(severity_of("SQ002").as_deref(), Some("info"));
    // Only the errors remain at or above the default gate.
    let (code, _) = lint(
        dir.path().to_str().unwrap(),
        &[&queries, "--schema", &schema, "--fail-on", "error"],
    );
    assert_eq!(code, 1);

    std::fs::write(
        dir.path().join("sqlsift.toml"),
        "[rules]\ndisable = [\"SQ999\"]\n",
    )
    .unwrap();
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .current_dir(dir.path())
        .args(["lint", &queries])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SQ999"));
}

#[test]
fn clean_sql_passes_and_captured_logs_lint_per_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.sql");
    std::fs::write(&clean, "SELECT id, title FROM books WHERE id = 1;\n").unwrap();
    let (code, r) = lint(ROOT, &[clean.to_str().unwrap()]);
    assert_eq!((code, r["findings"].as_array().unwrap().len()), (0, 0));

    // A captured log: one finding per distinct statement, every place listed.
    let (_, r) = lint(
        ROOT,
        &["samples/pg/stderr-duration.log", "--fail-on", "none"],
    );
    let star: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "SQ001")
        .collect();
    assert!(!star.is_empty());
    for f in star {
        assert_eq!(
            f["places"].as_array().unwrap().len() as u64,
            f["occurrences"].as_u64().unwrap().min(20)
        );
        assert!(
            f["places"][0]
                .as_str()
                .unwrap()
                .starts_with("samples/pg/stderr-duration.log:")
        );
    }
}

#[test]
fn rules_lists_every_rule_and_prints_one_rule_doc() {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .arg("rules")
        .output()
        .unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        list.lines().filter(|l| l.starts_with("SQ")).count(),
        sqlsift_rules::registry().len()
    );
    assert!(sqlsift_rules::registry().len() >= 25);
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .args(["rules", "deep-offset"])
        .output()
        .unwrap();
    let doc = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        doc,
        sqlsift_rules::render_doc(sqlsift_rules::lookup("SQ010").unwrap().meta())
    );
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .args(["rules", "SQ999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn live_postgresql_schema_gives_the_same_findings() {
    let Some(db) = PgDb::create("sqlsift_lint") else {
        return;
    };
    let mut c = db.connect();
    c.batch_execute(&std::fs::read_to_string(format!("{ROOT}/samples/orm/schema.sql")).unwrap())
        .unwrap();
    // Statistics tell the unbounded-select rule that tags is small, as app.db's do.
    c.batch_execute(
        "INSERT INTO tags SELECT g, 't' || g FROM generate_series(1, 50) g; ANALYZE tags;",
    )
    .unwrap();
    let (_, r) = lint(
        ROOT,
        &[QUERIES, "--schema", &db.url(), "--dialect", "postgresql"],
    );
    assert_eq!(found(&r), with_catalog());
}

/// Statements of one shape are checked with their own literals and their
/// own suppression comments: a harmless `OFFSET 20` or `LIKE 'ann%'` seen
/// first hides neither the deep offset nor the leading wildcard after it,
/// and an ignore comment on one statement silences only that statement.
#[test]
fn statements_sharing_a_shape_keep_their_own_literals_and_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shapes.sql");
    std::fs::write(
        &file,
        "SELECT id FROM orders ORDER BY id LIMIT 20 OFFSET 20;\n\
         SELECT id FROM orders ORDER BY id LIMIT 20 OFFSET 10000;\n\
         SELECT id FROM users WHERE name LIKE 'ann%';\n\
         SELECT id FROM users WHERE name LIKE '%ann';\n\
         SELECT id FROM orders WHERE coupon_id = 5;\n\
         SELECT id FROM orders WHERE coupon_id = NULL;\n\
         -- sqlsift:ignore SQ001\n\
         SELECT * FROM users WHERE id = 1;\n\
         SELECT * FROM users WHERE id = 2;\n\
         SELECT * FROM books WHERE id = 1;\n\
         SELECT * /* sqlsift:ignore SQ001 */ FROM books WHERE id = 2;\n\
         SELECT * FROM books WHERE id = 3;\n",
    )
    .unwrap();
    let (_, r) = lint(ROOT, &[file.to_str().unwrap(), "--fail-on", "none"]);
    assert_eq!(
        found(&r),
        set(&[
            (2, "SQ010"),
            (4, "SQ002"),
            (6, "SQ020"),
            (9, "SQ001"),
            (10, "SQ001")
        ])
    );
    // The books statements' findings are one, at the places not suppressed.
    let books: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "SQ001" && f["table"] == "books")
        .collect();
    assert_eq!(books.len(), 1, "{books:?}");
    let file = file.to_str().unwrap();
    assert_eq!(
        books[0]["places"],
        serde_json::json!([format!("{file}:10"), format!("{file}:12")])
    );
    assert_eq!(books[0]["occurrences"], 2);
}

/// A shape run with many literals (an ORM's `WHERE id = N` loop) is one
/// finding with every occurrence counted, past the variants checked apart.
#[test]
fn a_shape_with_many_literals_is_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("loop.sql");
    let sql = (0..200)
        .map(|i| format!("SELECT * FROM users WHERE id = {i};"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&file, sql).unwrap();
    let (_, r) = lint(ROOT, &[file.to_str().unwrap(), "--fail-on", "none"]);
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["occurrences"], 200);
    assert_eq!(r["distinct"], 1);
}
