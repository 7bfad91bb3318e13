//! `sqlsift proxy` end to end, against the PostgreSQL `SQLSIFT_PG_URL`
//! names: an application's N+1 loop through the proxy is in the exit
//! summary, the JSONL file and the store; Ctrl-C (SIGINT) stops it cleanly.
//! Skipped (saying so) when the variable is unset, unless `CI=true`.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use postgres::{Client, NoTls};

/// `host:port` of the server; `None` (after saying so) when unset, unless `CI=true`.
#[allow(clippy::print_stdout)] // the skip must be visible in the test output
fn upstream() -> Option<String> {
    let Ok(url) = std::env::var("SQLSIFT_PG_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "SQLSIFT_PG_URL is not set, and CI=true: the proxy tests must run in CI"
        );
        println!("skipped: SQLSIFT_PG_URL not set");
        return None;
    };
    let config: postgres::Config = url.parse().expect("SQLSIFT_PG_URL is not a PostgreSQL URL");
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    Some(format!(
        "{host}:{}",
        config.get_ports().first().copied().unwrap_or(5432)
    ))
}

/// An application's N+1 loop through the proxy on `port`: 8 parents, then
/// one lookup per parent (9 statements). The connection is handed back open.
fn n_plus_one_through(port: u16) -> Client {
    let mut client = Client::connect(
        &format!("host=127.0.0.1 port={port} user=postgres dbname=postgres"),
        NoTls,
    )
    .unwrap();
    let parents = client
        .query("SELECT oid FROM pg_class ORDER BY oid LIMIT 8", &[])
        .unwrap();
    for row in &parents {
        let oid: postgres::types::Oid = row.get(0);
        client
            .query("SELECT relname FROM pg_class WHERE oid = $1", &[&oid])
            .unwrap();
    }
    client
}

#[test]
fn an_application_loop_through_the_proxy_is_summarized_logged_and_stored() {
    let Some(upstream) = upstream() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (jsonl, store) = (dir.path().join("events.jsonl"), dir.path().join("live.db"));
    // A free port: bound, read, released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sqlsift"))
        .args(["proxy", "--listen", &listen, "--upstream", &upstream])
        .arg("--jsonl")
        .arg(&jsonl)
        .arg("--store")
        .arg(&store)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("listening on"), "{first}");

    drop(n_plus_one_through(port));

    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut summary = String::new();
    stderr.read_to_string(&mut summary).unwrap();
    assert!(child.wait().unwrap().success(), "{summary}");
    assert!(
        summary.contains("9 statements analysed, 0 dropped"),
        "{summary}"
    );
    assert!(summary.contains("N+1"), "{summary}");
    assert!(summary.contains("connections: 1 sessions"), "{summary}");

    let lines = std::fs::read_to_string(&jsonl).unwrap();
    assert_eq!(lines.lines().count(), 9);
    let last: serde_json::Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    assert_eq!(last["source"], "proxy");
    assert_eq!(last["params"].as_array().map(Vec::len), Some(1));

    let report = Command::new(env!("CARGO_BIN_EXE_sqlsift"))
        .args(["report", "--format", "json", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["totals"]["events"], 9);
    let kinds: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(kinds.iter().any(|k| k == "n_plus_one"), "{kinds:?}");
}

#[path = "support/tmux.rs"]
mod tmux;

/// `proxy --tui`: the console beside the live proxy shows an application's
/// N+1 loop (in a connection still open) and its rewrite in a few keys on
/// an 80×24 terminal; quitting the console stops the proxy cleanly and
/// prints the log lines it held back.
#[test]
fn the_live_console_reaches_a_loop_and_its_rewrite() {
    let Some(upstream) = upstream() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cmd = format!(
        "'{}' proxy --listen 127.0.0.1:{port} --upstream {upstream} --tui; echo sqlsift-exit=$?; sleep 60",
        env!("CARGO_BIN_EXE_sqlsift")
    );
    let Some(pane) = tmux::Pane::start(&cmd, dir.path(), 80, 24) else {
        return;
    };
    pane.wait_for("the console", |s| s.contains("Top"));
    let client = n_plus_one_through(port);
    // The connection stays open: the loop's unit of work is still open too.
    pane.wait_for("the statements", |s| s.contains("relname"));
    pane.send("3");
    pane.wait_for("the loop", |s| s.contains("N+1") && s.contains("relname"));
    pane.send("Enter");
    pane.wait_for("the rewrite", |s| s.contains("IN ("));
    pane.send("Escape");
    pane.send("4");
    pane.wait_for("the connection advice", |s| {
        s.contains("connections: 1 sessions") && s.contains("no pool needed")
    });
    pane.send("q");
    let after = pane.wait_for("the exit", |s| s.contains("sqlsift-exit="));
    assert!(after.contains("sqlsift-exit=0"), "{after}");
    assert!(after.contains("listening on"), "the held-back log: {after}");
    assert!(after.contains("9 statements analysed"), "{after}");
    drop(client);
}
