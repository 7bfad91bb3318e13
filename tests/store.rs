//! End-to-end: `sqlsift ingest --store` and `sqlsift report --store`. Two
//! halves of a capture ingested into one store report what the whole does.

use std::fmt::Write as _;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use sqlsift_analyzer::store::{Store, StoreOptions};

fn sqlsift() -> Command {
    Command::cargo_bin("sqlsift").unwrap()
}

/// Sessions `range` of a workload: per session a parent query, an N+1 loop,
/// a repeated read and a write — JSONL, as a capture would give.
fn capture(range: std::ops::Range<u32>) -> String {
    let mut out = String::new();
    for s in range {
        let line = |out: &mut String, sql: String, ms: f64, rows: u32| {
            writeln!(
                out,
                r#"{{"sql":"{sql}","session":"pid:{s}","duration_ms":{ms},"rows":{rows}}}"#
            )
            .unwrap();
        };
        line(
            &mut out,
            format!("SELECT id FROM posts WHERE user_id = {s}"),
            1.25,
            7,
        );
        for k in 0..7 {
            let ms = f64::from((s * 7 + k) % 13) * 0.11 + 0.05;
            line(
                &mut out,
                format!("SELECT * FROM comments WHERE post_id = {}", s * 100 + k),
                ms,
                3,
            );
        }
        for _ in 0..3 {
            line(
                &mut out,
                "SELECT value FROM settings WHERE name = 'theme'".into(),
                0.2,
                1,
            );
        }
        line(
            &mut out,
            format!("UPDATE users SET seen_at = now() WHERE id = {s}"),
            2.5,
            1,
        );
    }
    out
}

/// The output of `sqlsift report --format FORMAT` plus `args`.
fn rendered(format: &str, args: &[&str]) -> String {
    let out = sqlsift()
        .args(["report", "--format", format])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn report(args: &[&str]) -> Value {
    serde_json::from_str(&rendered("json", args)).unwrap()
}

/// What must agree: totals, per-fingerprint counts and times, findings.
fn figures(r: &Value) -> Value {
    let mut fps: Vec<Value> = r["fingerprints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let micros = |k: &str| f[k].as_f64().map(|ms| (ms * 1000.0).round());
            serde_json::json!([
                f["id"],
                f["calls"],
                f["errors"],
                f["rows"],
                micros("total_ms"),
                micros("p50_ms"),
                micros("p95_ms"),
                micros("max_ms"),
                f["sample"]
            ])
        })
        .collect();
    fps.sort_by_key(ToString::to_string);
    let mut findings: Vec<Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            serde_json::json!([
                f["kind"],
                f["severity"],
                f["fingerprint"],
                f["unit_count"],
                f["executions"],
                f["loop_size"],
                f["round_trips_saved"],
                f["rewrites"]
            ])
        })
        .collect();
    findings.sort_by_key(ToString::to_string);
    let t = &r["totals"];
    serde_json::json!({"events": t["events"], "fingerprints": t["fingerprints"],
                       "dropped": t["dropped"], "list": fps, "findings": findings})
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn two_ingests_into_one_store_report_what_the_whole_capture_does() {
    let dir = tempfile::tempdir().unwrap();
    let whole = write(dir.path(), "whole.jsonl", &capture(0..40));
    let first = write(dir.path(), "first.jsonl", &capture(0..17));
    let second = write(dir.path(), "second.jsonl", &capture(17..40));
    let store = dir.path().join("workload.db").display().to_string();
    for half in [&first, &second] {
        sqlsift()
            .args(["ingest", half, "--store", &store])
            .assert()
            .success();
    }
    let stored = report(&["--store", &store]);
    let direct = report(&[&whole]);
    assert_eq!(figures(&stored), figures(&direct));
    assert_eq!(stored["totals"]["events"], 480);
    let kinds: Vec<&str> = stored["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"n_plus_one") && kinds.contains(&"duplicate"),
        "{kinds:?}"
    );
    // Both ingests are listed as inputs.
    assert_eq!(stored["inputs"].as_array().unwrap().len(), 2);

    // A store and inputs together: the inputs are added to what it holds.
    let both = report(&["--store", &store, &whole]);
    assert_eq!(both["totals"]["events"], 960);
}

#[test]
fn ingest_keeps_the_newest_raw_events_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "first.jsonl", &capture(0..2));
    let second = write(dir.path(), "second.jsonl", &capture(2..3));
    let store = dir.path().join("raw.db");
    let path = store.display().to_string();
    sqlsift()
        .args(["ingest", &first, "--store", &path])
        .assert()
        .success();
    for input in [&first, &second] {
        sqlsift()
            .args(["ingest", input, "--store", &path, "--keep-events", "5"])
            .assert()
            .success();
    }
    let kept = Store::open(&store, StoreOptions::default())
        .unwrap()
        .events()
        .unwrap();
    let sql: Vec<&str> = kept.iter().map(|e| e.sql.as_str()).collect();
    let newest: Vec<String> = capture(2..3)
        .lines()
        .skip(7)
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["sql"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(sql, newest, "the last 5 events of the last ingest");
}

#[test]
fn a_file_that_is_not_a_store_is_an_error_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let junk = write(dir.path(), "junk.db", &"not sqlite ".repeat(500));
    sqlsift()
        .args(["report", "--store", &junk])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot open as a sqlsift store"));
}

#[test]
fn a_missing_store_is_an_error_not_an_empty_report() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    sqlsift()
        .args(["report", "--store", &missing.display().to_string()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no such store file"));
    assert!(!missing.exists());
}

#[test]
fn report_needs_inputs_or_a_store() {
    sqlsift().arg("report").assert().code(2);
}

#[path = "support/proxy_store.rs"]
mod proxy_store;

/// A proxy's store carries its connection statistics to every report
/// format: the `connections` object, and a `connection_pool` finding when
/// the application opens a connection per request. A file's report has
/// neither (no passing JUnit case for a check it could not make).
#[test]
fn a_proxy_store_reports_its_connections_and_advises_a_pool() {
    let (dir, store) = proxy_store::connection_per_request_in_a_temp_dir();
    let store = store.display().to_string();

    let r = report(&["--store", &store]);
    let c = &r["connections"];
    assert_eq!(c["sessions"], 30, "two saved intervals add up: {c}");
    assert_eq!(
        (c["peak_open"].as_u64(), c["pool_size"].as_u64()),
        (Some(2), Some(2))
    );
    assert!((c["connects_per_second"].as_f64().unwrap() - 5.0).abs() < 1e-9);
    assert!((c["mean_lifetime_ms"].as_f64().unwrap() - 5.0).abs() < 1e-9);
    for key in ["idle_in_transaction_share", "busy_connections", "reasons"] {
        assert!(!c[key].is_null(), "{key}: {c}");
    }
    let pool: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "connection_pool")
        .collect();
    assert_eq!(pool.len(), 1, "{r}");
    assert_eq!(pool[0]["severity"], "warning");
    assert_eq!(pool[0]["fingerprint"], "");
    let message = pool[0]["message"].as_str().unwrap();
    assert!(
        message.contains("start with 2 server connections"),
        "{message}"
    );
    let note = pool[0]["fix"]["note"].as_str().unwrap();
    assert!(note.contains("opens a connection per request"), "{note}");

    let text = rendered("text", &["--store", &store]);
    assert!(
        text.contains(
            "Connections (seen by the proxy): 30 sessions, 2 at most at once, 5.0 connects/s"
        ),
        "{text}"
    );
    assert!(text.contains("Connection pooling (1):"), "{text}");
    let markdown = rendered("markdown", &["--store", &store]);
    assert!(markdown.contains("### Connections"), "{markdown}");
    assert!(
        markdown.contains("| 30 | 2 | 5.0 | 5 ms | 0 % |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("### Connection pooling (1)"),
        "{markdown}"
    );
    let junit = rendered("junit", &["--store", &store]);
    assert!(
        junit.contains("classname=\"sqlsift.connection_pool\" name=\"Connection pooling\""),
        "{junit}"
    );

    let file = write(dir.path(), "plain.jsonl", &capture(0..2));
    let plain = report(&[&file]);
    assert!(plain.get("connections").is_none(), "{plain}");
    assert!(!rendered("junit", &[&file]).contains("connection_pool"));
    assert!(!rendered("text", &[&file]).contains("Connections"));
}
