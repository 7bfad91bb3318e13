//! End-to-end tests of the `sqlsift` binary on the captured workloads in
//! `samples/`: what a person or a CI job sees (text and JSON reports, exit
//! codes, error messages), and that every capture format of one workload
//! tells the same story.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::normalize::{LiteralKind, normalize};

/// The workspace root: samples are named relative to it, as a user would.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One PostgreSQL workload, captured in all five log set-ups.
const PG_CAPTURES: [&str; 5] = [
    "samples/pg/stderr-duration.log",
    "samples/pg/stderr-statement-all.log",
    "samples/pg/postgresql.csv",
    "samples/pg/postgresql.json",
    "samples/pg/stderr-statement-only.log",
];

/// One MySQL workload, captured in the slow and the general log.
const MYSQL_CAPTURES: [&str; 2] = ["samples/mysql/slow.log", "samples/mysql/general.log"];

const FORMAT_NAMES: [&str; 7] = [
    "pg-stderr",
    "pg-csv",
    "pg-json",
    "mysql-slow",
    "mysql-general",
    "jsonl",
    "sql",
];

/// `sqlsift`, run from the workspace root.
fn sqlsift() -> Command {
    let mut cmd = Command::cargo_bin("sqlsift").expect("the sqlsift binary");
    cmd.current_dir(ROOT);
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).expect("UTF-8 output")
}

/// `sqlsift report --format json <args>`, parsed.
fn report_json(args: &[&str]) -> Value {
    let out = stdout_of(
        sqlsift()
            .arg("report")
            .args(args)
            .args(["--format", "json"]),
    );
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("report JSON does not parse: {e}\n{out}"))
}

fn fingerprints(report: &Value) -> &Vec<Value> {
    report["fingerprints"]
        .as_array()
        .expect("a fingerprints array")
}

fn ids(report: &Value) -> BTreeSet<String> {
    fingerprints(report)
        .iter()
        .map(|f| f["id"].as_str().expect("an id").to_owned())
        .collect()
}

fn events(report: &Value) -> u64 {
    report["totals"]["events"].as_u64().expect("totals.events")
}

fn is_fingerprint_id(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `1234567` as the text report writes it: `1,234,567`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Statements PostgreSQL's jsonlog records as run: `statement:` and
/// `execute …:` messages (with or without a duration; not `parse`/`bind`),
/// plus failed statements (an `ERROR` with the statement attached).
fn executed_statements_in_pg_jsonlog(path: &str) -> u64 {
    let text = std::fs::read_to_string(Path::new(ROOT).join(path)).expect("read the jsonlog");
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("a jsonlog record");
        let message = v["message"].as_str().unwrap_or("");
        let rest = match message.strip_prefix("duration: ") {
            Some(r) => r.split_once(" ms  ").map_or("", |(_, r)| r),
            None => message,
        };
        let ran = rest.starts_with("statement: ")
            || (rest.starts_with("execute ") && rest.contains(": "));
        let failed = v["error_severity"] == "ERROR" && v["statement"].is_string();
        n += u64::from(ran || failed);
    }
    n
}

// ---------------------------------------------------------------------------
// report: text
// ---------------------------------------------------------------------------

#[test]
fn text_report_lists_totals_and_top_fingerprints() {
    let json = report_json(&["samples/pg/stderr-duration.log"]);
    let text = stdout_of(sqlsift().args(["report", "samples/pg/stderr-duration.log"]));
    let mut lines = text.lines();

    let totals = lines.next().expect("a totals line");
    let want = format!(
        "{} events, {} fingerprints, ",
        thousands(events(&json)),
        thousands(fingerprints(&json).len() as u64)
    );
    assert!(
        totals.starts_with(&want),
        "totals line: {totals:?}, want {want:?}…"
    );
    assert!(
        totals.contains(" ms total; 0 malformed lines, "),
        "{totals:?}"
    );
    assert!(
        lines.next().is_some_and(
            |l| l.contains("samples/pg/stderr-duration.log") && l.contains("pg-stderr")
        ),
        "{text}"
    );

    // The default text report shows the top 20 by total time, in JSON's order.
    assert!(
        text.contains("Top 20 fingerprints by total time:"),
        "{text}"
    );
    let header = text
        .lines()
        .find(|l| l.trim_start().starts_with("#  id"))
        .expect("a table header");
    for column in ["calls", "total ms", "mean ms", "p95 ms", "rows", "shape"] {
        assert!(header.contains(column), "header {header:?} lacks {column}");
    }
    let rows: Vec<(usize, &str)> = text
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let rank = words.next()?.parse().ok()?;
            let id = words.next().filter(|id| is_fingerprint_id(id))?;
            Some((rank, id))
        })
        .collect();
    let want_ids: Vec<&str> = fingerprints(&json)
        .iter()
        .take(20)
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(rows.len(), want_ids.len(), "{text}");
    for (i, (rank, id)) in rows.iter().enumerate() {
        assert_eq!(*rank, i + 1);
        assert_eq!(*id, want_ids[i], "row {rank}");
    }
}

#[test]
fn text_report_top_n() {
    let text = stdout_of(sqlsift().args(["report", "--top", "3", "samples/mysql/slow.log"]));
    assert!(text.contains("Top 3 fingerprints by total time:"), "{text}");
    // Table rows: a rank, then the fingerprint id.
    let rows = text
        .lines()
        .filter(|l| {
            let mut words = l.split_whitespace();
            words.next().is_some_and(|w| w.parse::<u32>().is_ok())
                && words.next().is_some_and(is_fingerprint_id)
        })
        .count();
    assert_eq!(rows, 3, "{text}");
}

/// `--top N` decides how many statements the Markdown report lists, as it
/// does for text and JSON (10 when not given).
#[test]
fn markdown_report_top_n() {
    let rows = |args: &[&str]| {
        let md = stdout_of(
            sqlsift()
                .args(["report", "--format", "markdown", "samples/mysql/slow.log"])
                .args(args),
        );
        md.split("### Costliest statements")
            .nth(1)
            .unwrap_or_else(|| panic!("{md}"))
            .lines()
            .filter(|l| l.starts_with("| ") && l[2..].starts_with(|c: char| c.is_ascii_digit()))
            .count()
    };
    assert_eq!(rows(&[]), 10);
    assert_eq!(rows(&["--top", "3"]), 3);
    assert_eq!(rows(&["--top", "15"]), 15);
    let all = report_json(&["samples/mysql/slow.log"])["totals"]["fingerprints"]
        .as_u64()
        .unwrap();
    assert_eq!(rows(&["--top", "0"]) as u64, all);
}

// ---------------------------------------------------------------------------
// report: JSON
// ---------------------------------------------------------------------------

#[test]
fn json_report_is_version_1_and_self_consistent() {
    let r = report_json(&["samples/pg/stderr-duration.log"]);
    assert_eq!(r["version"], 1);
    for key in [
        "events",
        "fingerprints",
        "malformed",
        "unparsed",
        "dropped",
        "units_cut",
    ] {
        assert!(r["totals"][key].is_u64(), "totals.{key}: {}", r["totals"]);
    }
    assert!(r["findings"].is_array());
    let fps = fingerprints(&r);
    assert!(!fps.is_empty());
    // JSON lists every fingerprint; their calls add up to the events.
    assert_eq!(r["totals"]["fingerprints"].as_u64(), Some(fps.len() as u64));
    let calls: u64 = fps.iter().map(|f| f["calls"].as_u64().unwrap()).sum();
    assert_eq!(calls, events(&r));
    assert_eq!(r["inputs"][0]["events"].as_u64(), Some(events(&r)));
    assert_eq!(r["inputs"][0]["format"], "pg-stderr");
    assert_eq!(r["totals"]["malformed"], 0);
    for f in fps {
        let id = f["id"].as_str().unwrap();
        assert!(is_fingerprint_id(id), "{id}");
        for key in ["shape", "sample"] {
            assert!(f[key].is_string(), "{id}: {key}");
        }
        for key in ["calls", "errors", "rows"] {
            assert!(f[key].is_u64(), "{id}: {key}");
        }
        assert!(f["total_ms"].is_f64(), "{id}: total_ms = {}", f["total_ms"]);
        // Null when none of the fingerprint's events carried a duration (failed statements).
        for key in ["mean_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms"] {
            assert!(
                f[key].is_f64() || f[key].is_null(),
                "{id}: {key} = {}",
                f[key]
            );
        }
        assert!(f["tables"].is_array(), "{id}: tables");
    }
}

#[test]
fn json_events_match_the_statements_in_the_log() {
    // Counted independently of sqlsift, from the structured jsonlog.
    let want = executed_statements_in_pg_jsonlog("samples/pg/postgresql.json");
    assert!(want > 0);
    assert_eq!(events(&report_json(&["samples/pg/postgresql.json"])), want);
    // One `# Query_time:` header per statement in the slow log.
    let slow = std::fs::read_to_string(Path::new(ROOT).join("samples/mysql/slow.log")).unwrap();
    let want = slow
        .lines()
        .filter(|l| l.starts_with("# Query_time:"))
        .count() as u64;
    assert!(want > 0);
    assert_eq!(events(&report_json(&["samples/mysql/slow.log"])), want);
}

/// The same workload captured five ways yields the same events and fingerprints.
#[test]
fn every_postgresql_capture_gives_the_same_fingerprints() {
    let reports: Vec<Value> = PG_CAPTURES.iter().map(|p| report_json(&[p])).collect();
    let (first, rest) = reports.split_first().unwrap();
    assert!(events(first) > 0);
    for (path, r) in PG_CAPTURES[1..].iter().zip(rest) {
        assert_eq!(events(r), events(first), "{path}: totals.events");
        assert_eq!(ids(r), ids(first), "{path}: fingerprint ids");
        assert_eq!(r["totals"]["malformed"], 0, "{path}");
    }
    let formats: Vec<&str> = reports
        .iter()
        .map(|r| r["inputs"][0]["format"].as_str().unwrap())
        .collect();
    assert_eq!(
        formats,
        ["pg-stderr", "pg-stderr", "pg-csv", "pg-json", "pg-stderr"]
    );
}

#[test]
fn both_mysql_captures_give_the_same_fingerprints() {
    let slow = report_json(&[MYSQL_CAPTURES[0]]);
    let general = report_json(&[MYSQL_CAPTURES[1]]);
    assert!(events(&slow) > 0);
    assert_eq!(events(&general), events(&slow));
    assert_eq!(ids(&general), ids(&slow));
    assert_eq!(slow["inputs"][0]["format"], "mysql-slow");
    assert_eq!(general["inputs"][0]["format"], "mysql-general");
}

#[test]
fn json_sorts_by_total_time_or_calls() {
    for (sort, key) in [("total", "total_ms"), ("calls", "calls")] {
        let r = report_json(&["--sort", sort, "samples/pg/stderr-duration.log"]);
        assert_eq!(r["sort"], sort);
        let values: Vec<f64> = fingerprints(&r)
            .iter()
            .map(|f| f[key].as_f64().unwrap())
            .collect();
        assert!(values.len() > 3);
        assert!(
            values.windows(2).all(|w| w[0] >= w[1]),
            "--sort {sort}: {key} not descending: {values:?}"
        );
        assert!(
            values[0] > values[values.len() - 1],
            "--sort {sort}: all equal"
        );
    }
}

#[test]
fn json_top_n() {
    let all = report_json(&["samples/pg/postgresql.csv"]);
    let top = report_json(&["--top", "3", "samples/pg/postgresql.csv"]);
    assert_eq!(fingerprints(&top).len(), 3);
    assert_eq!(fingerprints(&top)[..], fingerprints(&all)[..3]);
    // Totals still count the whole workload.
    assert_eq!(top["totals"], all["totals"]);
}

#[test]
fn several_inputs_merge() {
    let one = report_json(&["samples/mysql/slow.log"]);
    let two = report_json(&["samples/mysql/slow.log", "samples/mysql/general.log"]);
    assert_eq!(events(&two), 2 * events(&one));
    assert_eq!(ids(&two), ids(&one));
    assert_eq!(two["inputs"].as_array().map(Vec::len), Some(2));
}

// ---------------------------------------------------------------------------
// report --redact
// ---------------------------------------------------------------------------

#[test]
fn redact_removes_literal_values() {
    let path = "samples/pg/stderr-duration.log";
    let plain = report_json(&[path]);
    let redacted = report_json(&["--redact", path]);
    assert_eq!(ids(&plain), ids(&redacted));

    // A sample that carries a quoted value without --redact…
    let literal = "'o.brien@example.com'";
    let with_literal = fingerprints(&plain)
        .iter()
        .find(|f| f["sample"].as_str().unwrap().contains(literal))
        .unwrap_or_else(|| panic!("no sample of {path} contains {literal}"));
    let id = &with_literal["id"];
    // …no longer does with it.
    let same = fingerprints(&redacted)
        .iter()
        .find(|f| &f["id"] == id)
        .unwrap();
    let sample = same["sample"].as_str().unwrap();
    assert!(!sample.contains("o.brien"), "{sample}");
    assert!(sample.contains('?'), "{sample}");
    // And no e-mail address from the workload is left anywhere.
    assert!(
        serde_json::to_string(&plain)
            .unwrap()
            .contains("@example.com")
    );
    assert!(
        !serde_json::to_string(&redacted)
            .unwrap()
            .contains("@example.com")
    );
}

/// Redacted samples hold no literal values (only placeholders), keep their
/// fingerprint, and their parameters are all `?` or null.
#[test]
fn redacted_samples_keep_their_shape_and_hide_values() {
    for path in PG_CAPTURES.iter().chain(&MYSQL_CAPTURES) {
        let r = report_json(&["--redact", path]);
        let mut params = 0;
        for f in fingerprints(&r) {
            let id = f["id"].as_str().unwrap();
            let sample = f["sample"].as_str().unwrap();
            let dialect: Dialect = f["dialect"].as_str().unwrap().parse().unwrap();
            let n = normalize(sample, dialect);
            let values: Vec<&str> = n
                .literals
                .iter()
                .filter(|l| l.kind != LiteralKind::Placeholder)
                .map(|l| l.text(sample))
                .collect();
            assert!(
                values.is_empty(),
                "{path} {id}: values left in {sample:?}: {values:?}"
            );
            assert_eq!(
                n.id.to_string(),
                id,
                "{path}: redaction changed the shape of {sample:?}"
            );
            for p in f["sample_params"].as_array().unwrap() {
                assert!(p.is_null() || p == "?", "{path} {id}: parameter {p}");
                params += 1;
            }
        }
        if path.contains("duration") {
            assert!(params > 0, "{path}: no sample parameters to check");
        }
    }
}

// ---------------------------------------------------------------------------
// Inputs: gzip, --input-format, errors
// ---------------------------------------------------------------------------

#[test]
fn gzip_input_gives_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    for path in [
        "samples/pg/stderr-duration.log",
        "samples/pg/postgresql.csv",
    ] {
        let name = Path::new(path).file_name().unwrap().to_str().unwrap();
        let gz = dir.path().join(format!("{name}.gz"));
        let out = std::process::Command::new("gzip")
            .arg("-c")
            .arg(Path::new(ROOT).join(path))
            .output()
            .expect("run gzip");
        assert!(out.status.success(), "gzip failed");
        assert_eq!(&out.stdout[..2], [0x1f, 0x8b]);
        std::fs::write(&gz, &out.stdout).unwrap();

        let plain = report_json(&[path]);
        let packed = report_json(&[gz.to_str().unwrap()]);
        assert_eq!(packed["totals"], plain["totals"], "{path}");
        assert_eq!(ids(&packed), ids(&plain), "{path}");
        assert_eq!(
            packed["inputs"][0]["format"], plain["inputs"][0]["format"],
            "{path}"
        );
    }
}

#[test]
fn input_format_overrides_detection() {
    let dir = tempfile::tempdir().unwrap();
    // Not recognisably anything: detection gives up, --input-format sql reads it.
    let odd = dir.path().join("queries.txt");
    std::fs::write(
        &odd,
        "frobnicate the widgets;\nSELECT * FROM t WHERE id = 7;\n",
    )
    .unwrap();
    let odd = odd.to_str().unwrap();
    sqlsift()
        .args(["report", odd])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot tell the format"));
    let r = report_json(&["--input-format", "sql", odd]);
    assert_eq!(r["inputs"][0]["format"], "sql");
    assert_eq!(events(&r), 2);

    // Forcing a format on a file detected as another one reads it that way.
    let auto = report_json(&["samples/pg/stderr-duration.log"]);
    let forced = report_json(&[
        "--input-format",
        "pg-stderr",
        "samples/pg/stderr-duration.log",
    ]);
    assert_eq!(forced["totals"], auto["totals"]);
    let wrong = report_json(&["--input-format", "jsonl", "samples/pg/postgresql.json"]);
    assert_eq!(wrong["inputs"][0]["format"], "jsonl");
    assert_ne!(
        wrong["totals"],
        report_json(&["samples/pg/postgresql.json"])["totals"]
    );
}

#[test]
fn bad_input_format_is_a_usage_error_listing_the_formats() {
    let assert = sqlsift()
        .args([
            "report",
            "--input-format",
            "nginx",
            "samples/pg/postgresql.csv",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty());
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("nginx"), "{stderr}");
    for name in FORMAT_NAMES {
        assert!(stderr.contains(name), "{name} not listed in: {stderr}");
    }
}

#[test]
fn missing_input_exits_2_naming_the_path() {
    sqlsift()
        .args(["report", "samples/pg/no-such-file.log"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("samples/pg/no-such-file.log"));
}

#[test]
fn garbage_input_is_undetected_or_reported_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.bin");
    std::fs::write(
        &path,
        b"\x00\x01\x02 not a log\n\xff\xfe\x80 junk line two\n\x1b[31m third\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();

    sqlsift().args(["report", path]).assert().code(2).stderr(
        predicate::str::contains("cannot tell the format").and(predicate::str::contains(path)),
    );

    // Forced: read, with every bad line located as file:line.
    let text = stdout_of(sqlsift().args(["report", "--input-format", "jsonl", path]));
    for line in 1..=3 {
        assert!(
            text.contains(&format!("{path}:{line}: ")),
            "line {line} not reported:\n{text}"
        );
    }
    let r = report_json(&["--input-format", "jsonl", path]);
    assert_eq!(events(&r), 0);
    assert_eq!(r["totals"]["malformed"], 3);
    let lines: Vec<u64> = r["malformed_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["file"], path);
            m["line"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(lines, [1, 2, 3]);
}

// ---------------------------------------------------------------------------
// fingerprint
// ---------------------------------------------------------------------------

#[test]
fn fingerprint_prints_id_and_shape() {
    sqlsift()
        .args(["fingerprint", "SELECT * FROM t WHERE id = 42"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"\A[0-9a-f]{16}  select \* from t where id = \?\n\z")
                .unwrap(),
        );
}

#[test]
fn fingerprint_reads_statements_from_stdin() {
    let out = stdout_of(
        sqlsift()
            .arg("fingerprint")
            .write_stdin("SELECT * FROM t WHERE id = 1;\nselect *\n  from t where id=2;\n"),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for line in &lines {
        let (id, shape) = line.split_once("  ").unwrap();
        assert!(is_fingerprint_id(id), "{line}");
        assert_eq!(shape, "select * from t where id = ?");
    }
    // Same shape, same id; and the id of `fingerprint <sql>` too.
    assert_eq!(lines[0], lines[1]);
    let single = stdout_of(sqlsift().args(["fingerprint", "SELECT * FROM t WHERE id = 1"]));
    assert_eq!(single.trim_end(), lines[0]);
}

#[test]
fn fingerprint_json_lines_parse() {
    let out = stdout_of(sqlsift().args([
        "fingerprint",
        "--json",
        "SELECT * FROM t WHERE id = 42 AND name = 'x' /*controller='users'*/; SELECT 1",
    ]));
    let docs: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(docs.len(), 2);
    assert!(is_fingerprint_id(docs[0]["id"].as_str().unwrap()));
    assert_eq!(
        docs[0]["shape"],
        "select * from t where id = ? and name = ?"
    );
    assert_eq!(docs[0]["literals"], serde_json::json!(["42", "'x'"]));
    assert_eq!(docs[0]["tags"], serde_json::json!({"controller": "users"}));
    assert_eq!(docs[1]["shape"], "select ?");
    // The id is the one the text output shows.
    let text = stdout_of(sqlsift().args([
        "fingerprint",
        "SELECT * FROM t WHERE id = 42 AND name = 'x'",
    ]));
    assert!(text.starts_with(docs[0]["id"].as_str().unwrap()), "{text}");
}

#[test]
fn fingerprint_dialect_changes_lexing() {
    // MySQL reads "x" as a string; everywhere else it names a column.
    let mysql = stdout_of(sqlsift().args([
        "fingerprint",
        "--dialect",
        "mysql",
        r#"SELECT * FROM t WHERE a = "x""#,
    ]));
    assert!(
        mysql.ends_with("  select * from t where a = ?\n"),
        "{mysql}"
    );
    let pg = stdout_of(sqlsift().args([
        "fingerprint",
        "--dialect",
        "postgresql",
        r#"SELECT * FROM t WHERE a = "x""#,
    ]));
    assert!(pg.ends_with("  select * from t where a = \"x\"\n"), "{pg}");
    sqlsift()
        .args(["fingerprint", "--dialect", "oracle", "SELECT 1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("postgresql"));
}

#[test]
fn fingerprint_without_sql_exits_2() {
    sqlsift()
        .arg("fingerprint")
        .write_stdin("  -- only a comment\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no SQL statement"));
}

// ---------------------------------------------------------------------------
// Help, exit codes, pipes
// ---------------------------------------------------------------------------

#[test]
fn help_documents_exit_codes() {
    for args in [&["--help"][..], &["report", "--help"]] {
        sqlsift()
            .args(args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Exit codes").and(predicate::str::contains("2  ")));
    }
    sqlsift().args(["report", "--help"]).assert().stdout(
        predicate::str::contains("--input-format").and(predicate::str::contains("--redact")),
    );
}

#[test]
fn no_arguments_is_a_usage_error() {
    sqlsift().assert().code(2);
    sqlsift().arg("report").assert().code(2);
}

/// `sqlsift … | head` closing the pipe early is not an error.
#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.sql");
    // About 1 MB of output: far more than a pipe buffer holds.
    std::fs::write(&input, "SELECT * FROM t WHERE id = 1;\n".repeat(25_000)).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sqlsift"))
        .arg("fingerprint")
        .stdin(std::fs::File::open(&input).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close our end of the pipe before the child writes much.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------
// Bugs found by these tests (fixed; kept as regressions)
// ---------------------------------------------------------------------------

/// Format detection runs `pg_stderr::split_severity` on the first lines of
/// every input; a non-ASCII letter right before `:  ` makes it slice inside
/// the character, and `sqlsift report` panics (exit 101) on a plain .sql file.
#[test]
fn report_survives_non_ascii_before_a_double_space() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sql");
    std::fs::write(&path, "-- Größe:  in bytes\nSELECT 1;\n").unwrap();
    sqlsift()
        .args(["report", path.to_str().unwrap()])
        .assert()
        .success();
}

/// `split_statements` trims with `str::trim`, which strips U+00A0 although
/// the lexer takes it for code: a trailing no-break space is printed as a
/// second statement with an empty shape.
#[test]
fn fingerprint_ignores_a_trailing_no_break_space() {
    let out = stdout_of(
        sqlsift()
            .arg("fingerprint")
            .write_stdin("SELECT 1;\u{a0}\n"),
    );
    assert_eq!(out.lines().count(), 1, "{out:?}");
}

/// With no timed event, the total is the sum of nothing, which `f64::sum`
/// makes `-0.0`: the text report says "-0.000 ms total" (src/report/mod.rs, `build`).
#[test]
fn empty_report_total_is_not_negative() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sql");
    std::fs::write(&path, "").unwrap();
    let text = stdout_of(sqlsift().args(["report", path.to_str().unwrap()]));
    assert!(!text.contains("-0"), "{text}");
    let r = report_json(&[path.to_str().unwrap()]);
    assert!(
        r["totals"]["total_ms"].as_f64().unwrap().is_sign_positive(),
        "{}",
        r["totals"]
    );
}

/// Row counts are summed per statement: two events of `u64::MAX` rows each
/// overflowed the sum (a panic in a debug build) instead of saturating.
#[test]
fn huge_row_counts_do_not_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let line = format!(
        "{{\"sql\":\"SELECT 1\",\"rows\":{max},\"rows_examined\":{max}}}\n",
        max = u64::MAX
    );
    std::fs::write(&path, line.repeat(2)).unwrap();
    let report = report_json(&[path.to_str().unwrap()]);
    assert_eq!(report["fingerprints"][0]["rows"], u64::MAX, "{report}");
}

/// A 2,000-term `OR` chain (18 kB of SQL, well under the parse limit) is
/// costed: classifying it copied and printed the whole chain recursively,
/// which overflowed the stack and aborted the process.
#[test]
fn a_long_or_chain_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("or.sql");
    let sql = format!(
        "SELECT * FROM t WHERE {};\n",
        vec!["a = 1"; 2_000].join(" OR ")
    );
    std::fs::write(&path, sql).unwrap();
    stdout_of(sqlsift().arg("report").arg(&path));
}

/// What `sqlsift events` writes, `report` reads back: a slow log's bogus
/// `SET timestamp` (year 318,857) was written as a time no reader takes, so
/// the JSONL's line came back malformed.
#[test]
fn events_with_a_bogus_timestamp_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("slow.log");
    std::fs::write(
        &log,
        "# Query_time: 0.003894  Lock_time: 0  Rows_sent: 1  Rows_examined: 1\n\
         SET timestamp=10000000000000;\nSELECT 1;\n",
    )
    .unwrap();
    let jsonl = stdout_of(
        sqlsift()
            .args(["events", "--input-format", "mysql-slow"])
            .arg(&log),
    );
    assert_eq!(jsonl.lines().count(), 1, "{jsonl}");
    let path = dir.path().join("events.jsonl");
    std::fs::write(&path, jsonl).unwrap();
    let r = report_json(&[path.to_str().unwrap()]);
    assert_eq!(
        (events(&r), r["totals"]["malformed"].as_u64()),
        (1, Some(0))
    );
}
