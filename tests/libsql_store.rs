//! End-to-end: `sqlsift ingest --store http://…` and `report --store http://…`
//! against a remote libSQL store — an in-process Hrana-over-HTTP endpoint
//! executing on a real SQLite file (no sqld server can be installed where
//! these tests run) — report what the same ingest into a local store does.
#![cfg(feature = "libsql")]

#[path = "../analyzer/tests/support/hrana.rs"]
mod hrana;

use assert_cmd::Command;
use serde_json::Value;

const CAPTURE: &str = "samples/orm/sqlite.jsonl";

fn sqlsift() -> Command {
    let mut cmd = Command::cargo_bin("sqlsift").unwrap();
    cmd.env_remove("SQLSIFT_LIBSQL_AUTH_TOKEN")
        .env_remove("LIBSQL_AUTH_TOKEN");
    cmd
}

fn report(store: &str) -> Value {
    let out = sqlsift()
        .args(["report", "--format", "json", "--store", store])
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
fn a_remote_store_reports_what_a_local_one_does() {
    let dir = tempfile::tempdir().unwrap();
    let server = hrana::Hrana::start(&dir.path().join("remote.db"));
    let local = dir.path().join("local.db").display().to_string();
    for store in [&server.url, &local] {
        sqlsift()
            .args(["ingest", CAPTURE, "--store", store])
            .assert()
            .success();
    }
    let (remote, local) = (report(&server.url), report(&local));
    assert!(remote["totals"]["events"].as_u64().unwrap() > 0);
    assert!(!remote["findings"].as_array().unwrap().is_empty());
    for key in ["totals", "fingerprints", "findings"] {
        assert_eq!(remote[key], local[key], "{key}");
    }
    assert!(server.requests() > 0, "the remote path was taken");
}

#[test]
fn the_auth_token_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let server = hrana::Hrana::start(&dir.path().join("remote.db"));
    sqlsift()
        .env("SQLSIFT_LIBSQL_AUTH_TOKEN", "s3cret")
        .args(["ingest", CAPTURE, "--store", &server.url])
        .assert()
        .success();
    assert_eq!(server.authorization().as_deref(), Some("Bearer s3cret"));
}

#[test]
fn a_remote_store_that_cannot_be_reached_is_exit_2() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    sqlsift()
        .args(["report", "--store", &format!("http://127.0.0.1:{port}")])
        .assert()
        .code(2);
}
