//! Precision and recall of the N+1 detector on a real ORM workload
//! (samples/orm: SQLAlchemy on SQLite and on PostgreSQL, with ground truth).
#![allow(clippy::print_stderr)]

use std::collections::BTreeSet;

use assert_cmd::Command;
use serde_json::Value;

fn report(input: &str) -> Value {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .args(["report", input, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The requests (units) a finding of `kind` names.
fn requests_with(report: &Value, kind: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in report["findings"].as_array().unwrap() {
        if f["kind"] != kind {
            continue;
        }
        for u in f["units"].as_array().unwrap() {
            // `request <route> on <session> #<n>`
            let name = u.as_str().unwrap();
            if let Some(rest) = name.strip_prefix("request ") {
                out.insert(rest.split(" on ").next().unwrap().to_owned());
            }
        }
    }
    out
}

/// The ground truth's verdict for a path in one capture.
fn expected(path: &Value, capture: &str) -> String {
    path["by_capture"][capture]["expect"]
        .as_str()
        .or_else(|| path["expect"].as_str())
        .unwrap()
        .to_owned()
}

fn check(capture: &str) {
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string("samples/orm/ground_truth.json").unwrap())
            .unwrap();
    let r = report(&format!("samples/orm/{capture}"));
    let flagged = requests_with(&r, "n_plus_one");
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for path in truth["paths"].as_array().unwrap() {
        let name = path["request"].as_str().unwrap();
        let expect = expected(path, capture);
        let is_loop = expect == "n_plus_one";
        match (is_loop, flagged.contains(name)) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => {}
        }
        if expect == "duplicate" {
            assert!(
                requests_with(&r, "duplicate").contains(name),
                "{capture}: duplicate read `{name}` not reported"
            );
        }
        if expect == "batchable_insert" {
            assert!(
                requests_with(&r, "batchable_insert").contains(name),
                "{capture}: bulk load `{name}` not reported as batchable"
            );
        }
        // Every loop the ground truth lists is reported with its key column.
        if is_loop {
            for l in path["loops"].as_array().unwrap() {
                let column = format!(
                    "{}.{}",
                    l["table"].as_str().unwrap(),
                    l["column"].as_str().unwrap()
                );
                let found = r["findings"].as_array().unwrap().iter().any(|f| {
                    f["kind"] == "n_plus_one"
                        && f["columns"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|c| c == column.as_str())
                        && f["units"].as_array().unwrap().iter().any(|u| {
                            u.as_str()
                                .unwrap()
                                .starts_with(&format!("request {name} on"))
                        })
                });
                assert!(
                    found,
                    "{capture}: loop on {column} in `{name}` not reported"
                );
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let (precision, recall) = (
        f64::from(tp) / f64::from((tp + fp).max(1)),
        f64::from(tp) / f64::from((tp + fn_).max(1)),
    );
    eprintln!(
        "{capture}: N+1 precision {precision:.2} recall {recall:.2} (tp {tp}, fp {fp}, fn {fn_})"
    );
    assert_eq!((fp, fn_), (0, 0), "{capture}: flagged {flagged:?}");
    assert!(tp >= 4);
}

#[test]
fn every_n_plus_one_found_and_no_fixed_path_flagged_on_sqlite() {
    check("sqlite.jsonl");
}

#[test]
fn every_n_plus_one_found_and_no_fixed_path_flagged_on_postgresql() {
    check("postgresql.log");
}

#[test]
fn every_loop_comes_with_a_batched_rewrite() {
    for capture in ["sqlite.jsonl", "postgresql.log"] {
        let r = report(&format!("samples/orm/{capture}"));
        let loops: Vec<&Value> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "n_plus_one")
            .collect();
        assert_eq!(loops.len(), 3, "{capture}");
        for f in loops {
            let column = f["columns"][0].as_str().unwrap();
            let sql = f["fix"]["sql"][0].as_str().unwrap();
            assert!(sql.contains(&format!("{column} IN (")), "{capture}: {sql}");
            let forms: Vec<&str> = f["rewrites"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["form"].as_str().unwrap())
                .collect();
            // Every loop of this workload iterates over its parent's keys.
            if capture == "postgresql.log" {
                assert_eq!(
                    forms,
                    [
                        "literal IN",
                        "parameterized IN",
                        "= ANY(array)",
                        "IN (parent query)"
                    ]
                );
            } else {
                assert_eq!(
                    forms,
                    ["literal IN", "parameterized IN", "IN (parent query)"]
                );
            }
        }
    }
}

#[test]
fn rewrite_command_prints_each_loop_and_redacted_reports_keep_no_values() {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .args(["rewrite", "samples/orm/postgresql.log"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("N+1 loop 3 of 3"), "{text}");
    assert!(text.contains("= ANY($1)"), "{text}");
    let redacted = Command::cargo_bin("sqlsift")
        .unwrap()
        .args([
            "report",
            "samples/orm/postgresql.log",
            "--format",
            "json",
            "--redact",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&redacted.stdout).unwrap();
    for f in r["findings"].as_array().unwrap() {
        for rw in f["rewrites"].as_array().unwrap() {
            assert_ne!(rw["form"], "literal IN");
            assert!(rw["params"].as_array().unwrap().is_empty());
        }
    }
}
