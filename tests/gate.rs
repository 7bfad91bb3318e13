//! End-to-end tests of the CI gate: `--fail-on`, `fail_on` and `[ignore]` in
//! sqlsift.toml, and `--baseline` (known findings pass, new ones fail, fixed
//! ones are listed). Exit codes as DESIGN.md says: 0 clean, 1 gate, 2 error.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn sample() -> String {
    format!("{ROOT}/samples/orm/sqlite.jsonl")
}

/// Runs `report` in `dir` and returns the exit code and the JSON report.
fn report(dir: &Path, input: &str, extra: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .current_dir(dir)
        .args(["report", "--format", "json", input])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert_ne!(code, 2, "{}", String::from_utf8_lossy(&out.stderr));
    (code, serde_json::from_slice(&out.stdout).unwrap())
}

/// The sample without one request's statements: its N+1 loop is gone.
fn without_request(dir: &Path, request: &str) -> String {
    let text = std::fs::read_to_string(sample()).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains(&format!("\"request\": \"{request}\"")))
        .collect();
    assert!(kept.len() < text.lines().count());
    let path = dir.join(format!("without-{request}.jsonl"));
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    path.to_string_lossy().into_owned()
}

fn statuses(r: &Value) -> Vec<(String, String)> {
    statuses_by(r, "kind", None)
}

/// Each finding's `key` and status, of findings of `kind` (or all).
fn statuses_by(r: &Value, key: &str, kind: Option<&str>) -> Vec<(String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| kind.is_none_or(|k| f["kind"] == k))
        .map(|f| {
            (
                f[key].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn fail_on_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let (code, r) = report(dir.path(), &sample(), &[]);
    assert_eq!(code, 0, "no gate unless asked for");
    assert!(r["gate"]["fail_on"].is_null());
    let (code, r) = report(dir.path(), &sample(), &["--fail-on", "warning"]);
    assert_eq!(code, 1);
    assert_eq!(r["gate"]["failing"], 3, "three N+1 loops are warnings");
    let (code, _) = report(dir.path(), &sample(), &["--fail-on", "error"]);
    assert_eq!(code, 0);

    std::fs::write(dir.path().join("sqlsift.toml"), "fail_on = \"info\"\n").unwrap();
    let (code, r) = report(dir.path(), &sample(), &[]);
    // Three loops, two batchable inserts, a duplicate, three unbounded reads (info).
    assert_eq!((code, r["gate"]["failing"].as_u64()), (1, Some(9)));
    let (code, _) = report(dir.path(), &sample(), &["--fail-on", "none"]);
    assert_eq!(code, 0, "the flag overrides the file");
}

#[test]
fn a_baseline_fails_only_new_findings_and_lists_fixed_ones() {
    let dir = tempfile::tempdir().unwrap();
    // Yesterday's run had no reverse-FK loop; today's adds it.
    let old = without_request(dir.path(), "n1_reverse_fk");
    let (_, before) = report(dir.path(), &old, &[]);
    let base = dir.path().join("base.json");
    std::fs::write(&base, before.to_string()).unwrap();
    let base = base.to_string_lossy().into_owned();

    let (code, r) = report(
        dir.path(),
        &sample(),
        &["--fail-on", "warning", "--baseline", &base],
    );
    assert_eq!(code, 1);
    assert_eq!(r["gate"]["failing"], 1);
    let new: Vec<_> = statuses(&r)
        .into_iter()
        .filter(|(_, s)| s == "new")
        .collect();
    assert_eq!(new, [("n_plus_one".to_owned(), "new".to_owned())]);

    // Against itself, everything is known and nothing fails.
    let (code, r) = report(
        dir.path(),
        &old,
        &["--fail-on", "info", "--baseline", &base],
    );
    assert_eq!(code, 0);
    assert!(statuses(&r).iter().all(|(_, s)| s == "known"));
    assert_eq!(r["fixed"].as_array().unwrap().len(), 0);

    // Going back to yesterday's code fixes the reverse-FK loop: listed as fixed.
    let full = dir.path().join("full.json");
    let (_, now) = report(dir.path(), &sample(), &[]);
    std::fs::write(&full, now.to_string()).unwrap();
    let (code, r) = report(
        dir.path(),
        &old,
        &["--fail-on", "info", "--baseline", &full.to_string_lossy()],
    );
    assert_eq!(code, 0);
    let fixed = r["fixed"].as_array().unwrap();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0]["kind"], "n_plus_one");
    let books = now["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["table"] == "books")
        .unwrap();
    assert_eq!(fixed[0]["fingerprint"], books["fingerprint"]);
}

#[test]
fn ignored_tables_and_kinds_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sqlsift.toml"),
        "fail_on = \"warning\"\n[ignore]\ntables = [\"book_tags\", \"AUTHORS\"]\nrules = [\"batchable_insert\", \"unbounded-select\"]\n",
    )
    .unwrap();
    let (code, r) = report(dir.path(), &sample(), &[]);
    let tables: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["table"].as_str().unwrap()))
        .collect();
    assert_eq!(tables, [("n_plus_one", "books")]);
    assert_eq!(code, 1);
}

#[test]
fn a_bad_baseline_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("old.json");
    std::fs::write(&bad, "{\"version\": 1,\n \"findings\": [{]}").unwrap();
    for path in [bad.clone(), dir.path().join("missing.json")] {
        let out = Command::cargo_bin("sqlsift")
            .unwrap()
            .args(["report", &sample(), "--baseline"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&*path.to_string_lossy()), "{err}");
    }
}

#[path = "support/proxy_store.rs"]
mod proxy_store;

/// The pooling advice is a warning like any other to the gate, and a
/// baseline knows it by its kind although its figures change between runs.
#[test]
fn the_pool_finding_fails_a_warning_gate_until_a_baseline_knows_it() {
    let (dir, store) = proxy_store::connection_per_request_in_a_temp_dir();
    let store = store.to_string_lossy().into_owned();
    let (code, r) = report(dir.path(), "--store", &[&store, "--fail-on", "warning"]);
    assert_eq!((code, r["gate"]["failing"].as_u64()), (1, Some(1)));
    let (code, _) = report(dir.path(), "--store", &[&store, "--fail-on", "error"]);
    assert_eq!(code, 0);

    let base = dir.path().join("base.json");
    std::fs::write(&base, r.to_string()).unwrap();
    // The proxy saves more: other figures, the same finding.
    proxy_store::connection_per_request(std::path::Path::new(&store), 20);
    let base = base.to_string_lossy().into_owned();
    let args = [&store, "--fail-on", "warning", "--baseline", &base];
    let (code, r) = report(dir.path(), "--store", &args);
    assert_eq!(r["connections"]["sessions"], 70);
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        statuses(&r),
        [("connection_pool".to_owned(), "known".to_owned())]
    );

    // Ignored by kind like any finding.
    std::fs::write(
        dir.path().join("sqlsift.toml"),
        "[ignore]\nrules = [\"connection_pool\"]\n",
    )
    .unwrap();
    let (code, r) = report(dir.path(), "--store", &[&store, "--fail-on", "warning"]);
    assert_eq!((code, r["findings"].as_array().map(Vec::len)), (0, Some(0)));
}

/// Without `--fail-on` or `fail_on` there is no gate, and the JSON says so
/// with `"gate": null` (README, "Report JSON").
#[test]
fn without_a_gate_the_json_gate_is_null() {
    let dir = tempfile::tempdir().unwrap();
    let (code, r) = report(dir.path(), &sample(), &[]);
    assert_eq!(code, 0);
    assert!(r["gate"].is_null(), "{}", r["gate"]);
    let (_, r) = report(dir.path(), &sample(), &["--fail-on", "warning"]);
    assert_eq!(r["gate"]["fail_on"], "warning");
}

/// A schema with two tables of a million rows and no index but their keys.
fn index_advice_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("schema.sql"),
        "CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER, y INTEGER);\n\
         CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER, z INTEGER);\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sqlsift.toml"),
        "[schema]\nsource = \"schema.sql\"\nrows = { a = 1000000, b = 1000000 }\n",
    )
    .unwrap();
    dir
}

fn write_events(dir: &Path, name: &str, sql: &[&str]) -> String {
    let lines: Vec<String> = sql
        .iter()
        .map(|s| serde_json::json!({"sql": s, "duration_ms": 1.0}).to_string())
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path.to_string_lossy().into_owned()
}

fn index_findings(r: &Value) -> Vec<(String, String)> {
    statuses_by(r, "table", Some("index"))
}

/// An index finding is the index (its table and keys), not the first of the
/// statements it serves: a new statement served by a known index leaves it
/// known, and a new index for a statement that already had one is new.
#[test]
fn index_advice_is_known_by_its_table_and_keys() {
    let dir = index_advice_dir();
    let base = dir.path().join("base.json");
    let base_arg = base.to_string_lossy().into_owned();
    let gate = ["--fail-on", "warning", "--baseline", base_arg.as_str()];

    // Main's workload wants ix_a_x; the pull request adds another statement
    // that the same index serves (and whose fingerprint sorts first).
    let old = write_events(
        dir.path(),
        "old.jsonl",
        &["SELECT count(*) FROM a WHERE x = 5"],
    );
    let (_, before) = report(dir.path(), &old, &[]);
    assert_eq!(index_findings(&before), [("a".into(), "new".into())]);
    std::fs::write(&base, before.to_string()).unwrap();
    let new = write_events(
        dir.path(),
        "new.jsonl",
        &[
            "SELECT count(*) FROM a WHERE x = 5",
            "SELECT id FROM a WHERE x = 6",
        ],
    );
    let (code, r) = report(dir.path(), &new, &gate);
    assert_eq!(index_findings(&r), [("a".into(), "known".into())], "{r}");
    assert_eq!(
        r["fixed"].as_array().map(Vec::len),
        Some(0),
        "{}",
        r["fixed"]
    );
    assert_eq!(code, 0);

    // Main's schema had an index on b(z), so only a(x) was advised for this
    // statement; the pull request's migration drops it: ix_b_z is new.
    let one = dir.path().join("one-index.sql");
    std::fs::write(
        &one,
        "CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER, y INTEGER);\n\
         CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER, z INTEGER);\n\
         CREATE INDEX b_z ON b (z);\n",
    )
    .unwrap();
    let union = write_events(
        dir.path(),
        "union.jsonl",
        &["SELECT id FROM a WHERE x = 5 UNION ALL SELECT id FROM b WHERE z = 3"],
    );
    let (_, before) = report(dir.path(), &union, &["--schema", &one.to_string_lossy()]);
    assert_eq!(index_findings(&before), [("a".into(), "new".into())]);
    std::fs::write(&base, before.to_string()).unwrap();
    let (code, r) = report(dir.path(), &union, &gate);
    let mut found = index_findings(&r);
    found.sort();
    assert_eq!(
        found,
        [("a".into(), "known".into()), ("b".into(), "new".into())],
        "{r}"
    );
    assert_eq!(code, 1);
}
