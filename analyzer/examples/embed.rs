//! An application embedding sqlsift: its rusqlite connection is traced by
//! the adaptor, it serves a "list posts with their authors" page the N+1 way,
//! and then asks the interceptor what it saw.
//!
//! Run: `cargo run -p sqlsift-analyzer --example embed`

use std::error::Error;
use std::io::Write;

use rusqlite::Connection;
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::adapt::rusqlite::{Capture, attach, detach};
use sqlsift_analyzer::interceptor::{Interceptor, InterceptorConfig};

fn main() -> Result<(), Box<dyn Error>> {
    // 1. Start the interceptor once, at application start-up.
    let interceptor = Interceptor::start(InterceptorConfig {
        dialect: Dialect::Sqlite,
        ..InterceptorConfig::default()
    })?;

    // 2. Open the application's connection and attach the adaptor to it.
    let mut conn = Connection::open_in_memory()?;
    conn.execute_batch(
        "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL, title TEXT NOT NULL);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
         INSERT INTO authors SELECT i, 'author ' || i FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
         INSERT INTO posts SELECT i, (i * 7) % 50 + 1, 'post ' || i FROM n;",
    )?;
    attach(&mut conn, interceptor.recorder(), Capture::Values)?;

    // 3. The application's code, unchanged: one query for the page, then one per row.
    let posts: Vec<(i64, i64, String)> = conn
        .prepare("SELECT id, author_id, title FROM posts ORDER BY id DESC LIMIT 20")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut page = Vec::new();
    for (_, author_id, title) in &posts {
        let author: String =
            conn.query_row("SELECT name FROM authors WHERE id = ?1", [author_id], |r| {
                r.get(0)
            })?;
        page.push(format!("{title} by {author}"));
    }

    // 4. Ask what the background pipeline saw so far (the application keeps
    //    running). The adaptor hands statements over in batches; detaching
    //    (or closing the connection) hands over the last one.
    detach(&mut conn)?;
    let snapshot = interceptor
        .snapshot()
        .ok_or("the interceptor's pipeline stopped")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "rendered {} posts", page.len())?;
    writeln!(
        out,
        "sqlsift saw {} statements ({} dropped), {} shapes:",
        snapshot.events,
        snapshot.dropped,
        snapshot.digests.len()
    )?;
    for d in &snapshot.digests {
        writeln!(
            out,
            "  {:>4} calls {:>9.3} ms  {}",
            d.calls, d.total_ms, d.shape
        )?;
    }
    writeln!(out, "findings:")?;
    for f in &snapshot.findings {
        writeln!(out, "  [{}] {}", f.severity.name(), f.message)?;
    }
    Ok(())
}
