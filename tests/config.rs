//! End-to-end tests of `sqlsift.toml`: it is found from the working
//! directory upwards, flags override it, and a bad file is a clear usage error.

use assert_cmd::Command;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn n_plus_one_sizes(dir: &std::path::Path, extra: &[&str]) -> Vec<u64> {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .current_dir(dir)
        .args(["report", "--format", "json"])
        .arg(format!("{ROOT}/samples/orm/sqlite.jsonl"))
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut sizes: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "n_plus_one")
        .map(|f| f["loop_size"].as_u64().unwrap())
        .collect();
    sizes.sort_unstable();
    sizes
}

#[test]
fn settings_are_found_upwards_and_flags_override_them() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("app/src");
    std::fs::create_dir_all(&nested).unwrap();
    assert_eq!(n_plus_one_sizes(&nested, &[]), [20, 20, 40]);

    std::fs::write(dir.path().join("sqlsift.toml"), "[detect]\nloop_min = 25\n").unwrap();
    assert_eq!(n_plus_one_sizes(&nested, &[]), [40]);
    assert_eq!(
        n_plus_one_sizes(&nested, &["--loop-min", "5"]),
        [20, 20, 40]
    );
}

/// Runs `report` with a settings file holding `toml`: it must be a usage
/// error naming the file. Returns what it printed.
fn settings_error(toml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custom.toml");
    std::fs::write(&path, toml).unwrap();
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .args(["report", "--config"])
        .arg(&path)
        .arg(format!("{ROOT}/samples/orm/sqlite.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("custom.toml"), "{err}");
    err
}

#[test]
fn a_bad_settings_file_is_a_usage_error_naming_file_and_line() {
    let err = settings_error("[detect]\nloop_min = 5\nloop_mni = 3\n");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("loop_mni"), "{err}");
}

#[test]
fn thresholds_decide_what_is_slow() {
    let slow = |dir: &std::path::Path| -> Vec<String> {
        let out = Command::cargo_bin("sqlsift")
            .unwrap()
            .current_dir(dir)
            .args(["report", "--format", "json"])
            .arg(format!("{ROOT}/samples/pg/stderr-duration.log"))
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "slow")
            .map(|f| f["message"].as_str().unwrap().to_owned())
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    assert!(
        slow(dir.path()).is_empty(),
        "nothing in the sample takes 100 ms"
    );
    std::fs::write(
        dir.path().join("sqlsift.toml"),
        "[thresholds]\nslow_ms = 5\n",
    )
    .unwrap();
    let found = slow(dir.path());
    assert!(!found.is_empty());
    for m in &found {
        let mean: f64 = m
            .strip_prefix("mean ")
            .and_then(|r| r.split(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{m}"));
        assert!(mean >= 5.0, "{m}");
    }
}

/// A rule `[rules]` does not know is a typo in the settings file: the error
/// names the file and the line, as for an unknown key.
#[test]
fn an_unknown_rule_names_the_settings_file_and_line() {
    let err = settings_error("fail_on = \"error\"\n\n[rules]\ndisable = [\"SQ999\"]\n");
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("SQ999"), "{err}");
}

/// `loop_min` under 2 in sqlsift.toml is refused as `--loop-min 1` is: with
/// it, a statement run twice with the same values in one unit made the N+1
/// detector read a second distinct iteration that does not exist (a panic).
#[test]
fn a_loop_min_under_two_is_a_usage_error() {
    for n in [0, 1] {
        let err = settings_error(&format!("[detect]\nloop_min = {n}\n"));
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("loop_min"), "{err}");
    }
}

/// `fail_on = "none"` in sqlsift.toml switches the gate off, as
/// `--fail-on none` does: lint (whose gate is otherwise `warning`) passes
/// with findings, and report's JSON has no gate.
#[test]
fn fail_on_none_in_the_settings_switches_the_gate_off() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sqlsift.toml"), "fail_on = \"none\"\n").unwrap();
    let run = |args: &[&str]| {
        Command::cargo_bin("sqlsift")
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let lint = run(&["lint", &format!("{ROOT}/samples/lint/queries.sql")]);
    let text = String::from_utf8_lossy(&lint.stdout);
    assert!(text.contains("SQ0"), "{text}");
    assert_eq!(lint.status.code(), Some(0), "{text}");
    let report = run(&[
        "report",
        "--format",
        "json",
        &format!("{ROOT}/samples/orm/sqlite.jsonl"),
    ]);
    assert_eq!(report.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert!(r["gate"].is_null(), "{}", r["gate"]);
    let err = settings_error("fail_on = \"loud\"\n");
    assert!(err.contains("line 1") && err.contains("or none"), "{err}");
}
