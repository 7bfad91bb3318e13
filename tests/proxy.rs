//! `sqlsift proxy` end to end, against the PostgreSQL `SQLSIFT_PG_URL`
//! names: an application's N+1 loop through the proxy is in the exit
//! summary, the JSONL file and the store; an application connecting per
//! request is advised a pool, in the store's report too; Ctrl-C (SIGINT)
//! stops it cleanly. Skipped (saying so) when the variable is unset, unless
//! `CI=true`.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

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

/// A free port: bound, read, released.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `sqlsift proxy` relaying a free port to `upstream`, once it listens.
struct Proxy {
    port: u16,
    child: Child,
    stderr: BufReader<ChildStderr>,
}

impl Proxy {
    fn start(upstream: &str, args: &[&str]) -> Proxy {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sqlsift"))
            .args(["proxy", "--listen", &listen, "--upstream", upstream])
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        assert!(first.contains("listening on"), "{first}");
        Proxy {
            port,
            child,
            stderr,
        }
    }

    /// Ctrl-C (SIGINT), then the exit summary (stderr) and what it printed
    /// on stdout, once it has stopped cleanly.
    fn stop(mut self) -> (String, String) {
        let killed = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let (mut summary, mut out) = (String::new(), String::new());
        self.stderr.read_to_string(&mut summary).unwrap();
        let mut stdout = self.child.stdout.take().unwrap();
        stdout.read_to_string(&mut out).unwrap();
        assert!(self.child.wait().unwrap().success(), "{summary}");
        (summary, out)
    }
}

/// `sqlsift report --format json --store store`.
fn stored_report(store: &std::path::Path) -> serde_json::Value {
    let report = Command::new(env!("CARGO_BIN_EXE_sqlsift"))
        .args(["report", "--format", "json", "--store"])
        .arg(store)
        .output()
        .unwrap();
    serde_json::from_slice(&report.stdout).unwrap()
}

fn kinds(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn an_application_loop_through_the_proxy_is_summarized_logged_and_stored() {
    let Some(upstream) = upstream() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (jsonl, store) = (dir.path().join("events.jsonl"), dir.path().join("live.db"));
    let proxy = Proxy::start(
        &upstream,
        &[
            "--jsonl",
            jsonl.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
        ],
    );

    drop(n_plus_one_through(proxy.port));

    let (summary, _) = proxy.stop();
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

    let report = stored_report(&store);
    assert_eq!(report["totals"]["events"], 9);
    let kinds = kinds(&report);
    assert!(kinds.iter().any(|k| k == "n_plus_one"), "{kinds:?}");
    // One long session is no reason to pool.
    assert_eq!(report["connections"]["sessions"], 1);
    assert!(!kinds.iter().any(|k| k == "connection_pool"), "{kinds:?}");
}

/// Sessions of an application that connects for every request.
const PER_REQUEST: u64 = 30;

/// An application that connects for every request (connect, one SELECT,
/// disconnect) through `proxy --store`, over more than one store rotation:
/// the stored report counts each session once and advises a pool, as do
/// the exit summary and `--report-on-exit`.
#[test]
fn connections_per_request_are_stored_reported_and_advised_a_pool() {
    let Some(upstream) = upstream() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("conn.db");
    let proxy = Proxy::start(
        &upstream,
        &[
            "--store",
            store.to_str().unwrap(),
            "--flush-secs",
            "1",
            "--report-on-exit",
        ],
    );
    for _ in 0..PER_REQUEST {
        let mut client = Client::connect(
            &format!(
                "host=127.0.0.1 port={} user=postgres dbname=postgres",
                proxy.port
            ),
            NoTls,
        )
        .unwrap();
        client.simple_query("SELECT 1").unwrap();
        drop(client);
        // Spread over more than a second: a rotation falls among the sessions.
        std::thread::sleep(Duration::from_millis(40));
    }
    let (summary, out) = proxy.stop();
    assert!(
        summary.contains(&format!("connections: {PER_REQUEST} sessions")),
        "{summary}"
    );
    assert!(summary.contains("put a connection pool"), "{summary}");
    assert!(
        out.contains(&format!(
            "Connections (seen by the proxy): {PER_REQUEST} sessions"
        )) && out.contains("Connection pooling (1):"),
        "--report-on-exit: {out}"
    );

    let report = stored_report(&store);
    let c = &report["connections"];
    // Each rotation saved only its interval: merged, every session once.
    assert_eq!(c["sessions"], PER_REQUEST, "{c}");
    assert!(c["pool_size"].as_u64().is_some(), "{c}");
    assert!(c["mean_lifetime_ms"].as_f64().unwrap() < 1000.0, "{c}");
    let kinds = kinds(&report);
    assert!(kinds.iter().any(|k| k == "connection_pool"), "{kinds:?}");
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
    let port = free_port();
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
