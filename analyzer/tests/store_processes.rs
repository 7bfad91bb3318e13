//! The store under several writer processes, and a writer killed mid-write.
//!
//! Writers are this test binary run again as a child (`writer_child`, which
//! does nothing unless `SQLSIFT_STORE_WRITER` tells it what to write): real
//! processes, each with its own SQLite connection, as `sqlsift ingest` runs
//! are in practice.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::detect::{DetectConfig, FindingKind};
use sqlsift_analyzer::read::{Format, from_reader};
use sqlsift_analyzer::store::{Store, StoreOptions};
use sqlsift_analyzer::workload::{Workload, ingest_records};

/// `<store path>|<saves, 0 = until killed>|<session tag>`.
const WRITER: &str = "SQLSIFT_STORE_WRITER";

/// Distinct fingerprints in one batch: enough that a save takes a while to be killed in.
const SHAPES: u32 = 1500;

/// One batch: a statement of each of [`SHAPES`] shapes, and an N+1 loop of 6.
fn batch(tag: &str) -> Workload {
    let mut jsonl = String::new();
    for j in 0..SHAPES {
        writeln!(
            jsonl,
            "{{\"sql\":\"SELECT c{j} FROM wide WHERE id = {j}\",\"session\":\"{tag}-a\",\"duration_ms\":0.5,\"rows\":1}}"
        )

        .unwrap();
    }
    for k in 0..6 {
        writeln!(
            jsonl,
            "{{\"sql\":\"SELECT * FROM items WHERE order_id = {k}\",\"session\":\"{tag}-b\",\"duration_ms\":0.25,\"rows\":2}}"
        )

        .unwrap();
    }
    let records = from_reader(
        Format::Jsonl,
        "batch.jsonl".into(),
        Box::new(std::io::Cursor::new(jsonl.into_bytes())),
    );
    ingest_records(records, Dialect::Generic, DetectConfig::default())
}

const EVENTS_PER_BATCH: u64 = SHAPES as u64 + 6;

/// A child process's body: saves batches, announcing each commit on stdout.
#[test]
fn writer_child() {
    let Ok(role) = std::env::var(WRITER) else {
        return;
    };
    let mut parts = role.split('|');
    let (Some(path), Some(saves), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("bad {WRITER}: {role}");
    };
    let saves: u64 = saves.parse().unwrap();
    let workload = batch(tag);
    let mut store = Store::open(Path::new(path), StoreOptions::default()).unwrap();
    let mut out = std::io::stdout().lock();
    let mut n = 0;
    while saves == 0 || n < saves {
        store.save(&workload).unwrap();
        n += 1;
        writeln!(out, "saved {n}").unwrap();
        out.flush().unwrap();
    }
}

fn spawn_writer(path: &Path, saves: u64, tag: &str, stdout: Stdio) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "writer_child", "--nocapture", "--test-threads=1"])
        .env(WRITER, format!("{}|{saves}|{tag}", path.display()))
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// The batches a loaded store holds, checking that it holds whole batches only.
fn whole_batches(store: &Store) -> u64 {
    let w = store.load().unwrap();
    assert_eq!(
        w.events % EVENTS_PER_BATCH,
        0,
        "{} events: a batch half saved",
        w.events
    );
    let batches = w.events / EVENTS_PER_BATCH;
    assert_eq!(
        w.digests.len(),
        if batches == 0 { 0 } else { SHAPES as usize + 1 }
    );
    for d in w.digests.values() {
        let per_batch = if d.shape.contains("items") { 6 } else { 1 };
        assert_eq!(d.calls, batches * per_batch, "{}", d.shape);
    }
    if batches > 0 {
        let findings = w.detection.as_ref().unwrap().findings(&w.digests);
        let n1 = findings
            .iter()
            .find(|f| f.kind == FindingKind::NPlusOne)
            .unwrap();
        assert_eq!(n1.unit_count, batches);
    }
    batches
}

#[test]
fn writers_in_two_processes_queue_and_every_save_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let mut writers = [
        spawn_writer(&path, 6, "p1", Stdio::null()),
        spawn_writer(&path, 6, "p2", Stdio::null()),
    ];
    // A reader alongside them sees whole batches only, never a save half done.
    let reader = Store::open(&path, StoreOptions::default()).unwrap();
    let mut seen = 0;
    while writers.iter_mut().any(|w| w.try_wait().unwrap().is_none()) {
        let now = whole_batches(&reader);
        assert!(now >= seen, "saves never go backwards");
        seen = now;
    }
    for w in &mut writers {
        assert!(w.wait().unwrap().success());
    }
    assert_eq!(whole_batches(&reader), 12);
}

#[test]
fn a_writer_killed_mid_save_loses_only_that_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.db");
    let mut child = spawn_writer(&path, 0, "k", Stdio::piped());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut announced = 0u64;
    while announced < 4 {
        let line = lines.next().unwrap().unwrap();
        if let Some(n) = line.strip_prefix("saved ") {
            announced = n.parse().unwrap();
        }
    }
    // The writer saves back to back: it is inside its next transaction now, or about to be.
    child.kill().unwrap();
    child.wait().unwrap();
    for line in lines {
        if let Some(n) = line.unwrap().strip_prefix("saved ") {
            announced = n.parse().unwrap();
        }
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    let store = Store::open(&path, StoreOptions::default()).unwrap();
    let batches = whole_batches(&store);
    // Every announced save is there; at most one more committed before its announcement.
    assert!(
        batches == announced || batches == announced + 1,
        "{batches} batches stored, {announced} announced"
    );
}
