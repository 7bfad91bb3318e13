//! End to end: `sqlsift tui` in an 80×24 tmux pane on the ORM sample — a
//! new user reaches the N+1 loop and its rewrite in two keys, copies it, and
//! quits with the terminal restored; `--follow` shows what a log gains.

#[path = "support/tmux.rs"]
mod tmux;

use std::path::{Path, PathBuf};

use tmux::Pane;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/orm/sqlite.jsonl")
}

/// The shell command running the console on `args`, then saying how it exited.
/// No display variables: `y` must fall back to the file, wherever this runs.
fn console(args: &str) -> String {
    format!(
        "env -u DISPLAY -u WAYLAND_DISPLAY '{}' tui {args}; echo sqlsift-exit=$?; sleep 60",
        env!("CARGO_BIN_EXE_sqlsift")
    )
}

#[test]
fn reaches_the_n_plus_one_rewrite_copies_it_and_quits_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(pane) = Pane::start(
        &console(&format!("'{}'", sample().display())),
        dir.path(),
        80,
        24,
    ) else {
        return;
    };
    pane.wait_for("the Top view", |s| s.contains("Top queries by total"));
    pane.send("3");
    let loops = pane.wait_for("the N+1 view", |s| s.contains("N+1 loops & duplicates"));
    assert!(loops.contains("parent: select books.id"), "{loops}");
    pane.send("Enter");
    let detail = pane.wait_for("the loop's detail", |s| {
        s.contains("Rewrite: literal IN") && s.contains("IN (")
    });
    assert!(detail.contains("round trips saved"), "{detail}");
    assert!(detail.lines().count() <= 24, "{detail}");
    pane.send("y");
    pane.wait_for("the copy's status line", |s| s.contains("copied"));
    let copied = std::fs::read_to_string(dir.path().join("sqlsift-copied.sql")).expect("copy file");
    assert!(copied.starts_with("SELECT tags.id, tags.name"), "{copied}");
    assert!(copied.contains(" IN ("), "{copied}");
    pane.send("Escape");
    pane.wait_for("the N+1 view again", |s| {
        s.contains("N+1 loops & duplicates")
    });
    pane.send("q");
    let after = pane.wait_for("the exit", |s| s.contains("sqlsift-exit="));
    assert!(after.contains("sqlsift-exit=0"), "{after}");
    // Out of the alternate screen: the console's frame is gone.
    assert!(!after.contains("1 Top"), "{after}");
}

#[test]
fn follow_shows_statements_appended_to_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(sample()).expect("sample");
    let lines: Vec<&str> = text.lines().collect();
    let log = dir.path().join("app.jsonl");
    std::fs::write(&log, lines[..100].join("\n") + "\n").expect("write log");
    let Some(pane) = Pane::start(
        &console("--follow --interval 0.2 app.jsonl"),
        dir.path(),
        80,
        24,
    ) else {
        return;
    };
    pane.wait_for("the first 100 events", |s| s.contains("· 100 events"));
    std::fs::write(&log, lines.join("\n") + "\n").expect("grow log");
    let grown = pane.wait_for("all the events", |s| {
        s.contains(&format!("· {} events", lines.len()))
    });
    assert!(grown.contains("Top queries"), "{grown}");
    pane.send("2");
    let stream = pane.wait_for("the stream", |s| s.contains("Live stream"));
    // The newest statement of the log is first.
    let last: serde_json::Value = serde_json::from_str(lines[lines.len() - 1]).expect("json");
    let newest = last["sql"].as_str().expect("sql");
    let head: String = newest.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        stream.contains(&head[..head.len().min(40)]),
        "{newest} not first in\n{stream}"
    );
    pane.send("q");
    pane.wait_for("the exit", |s| s.contains("sqlsift-exit=0"));
}

/// An interval too long for a `Duration` is refused up front like a
/// negative one: the follower converted it with `Duration::from_secs_f64`,
/// which panics past about 1.8e19 seconds.
#[test]
fn an_interval_too_long_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(pane) = Pane::start(
        &console(&format!(
            "--follow --interval 1e20 '{}' 2>&1",
            sample().display()
        )),
        dir.path(),
        80,
        24,
    ) else {
        return;
    };
    let shown = pane.wait_for("the exit", |s| s.contains("sqlsift-exit="));
    assert!(shown.contains("sqlsift-exit=2"), "{shown}");
    assert!(shown.contains("--interval"), "{shown}");
}

#[test]
fn without_a_terminal_it_says_to_use_report() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sqlsift"))
        .arg("tui")
        .arg(sample())
        .stdout(std::process::Stdio::piped())
        .output()
        .expect("run sqlsift");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs a terminal"), "{err}");
}
