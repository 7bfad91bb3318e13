//! What the rusqlite adaptor costs the application's thread: primary-key
//! point queries on a file database with a 1M-row table, without the
//! adaptor, with it recording statement text only, and with it recording
//! bound values (`expanded_sql`), in interleaved rounds on one connection.
//!
//! Run: `cargo bench -p sqlsift-analyzer --bench rusqlite_overhead`
//! (the database is built once, at `$SQLSIFT_BENCH_DB` or in the system temp dir).

use std::error::Error;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use rusqlite::Connection;
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::adapt::rusqlite::{Capture, attach, detach};
use sqlsift_analyzer::interceptor::{Interceptor, InterceptorConfig};

const ROWS: i64 = 1_000_000;
const ROUNDS: usize = 15;
const QUERIES: u32 = 50_000;

fn database() -> Result<PathBuf, Box<dyn Error>> {
    let path = std::env::var_os("SQLSIFT_BENCH_DB").map_or_else(
        || std::env::temp_dir().join("sqlsift-bench-1m.db"),
        PathBuf::from,
    );
    let conn = Connection::open(&path)?;
    let rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'items'",
            [],
            |r| r.get(0),
        )
        .and_then(|n: i64| {
            if n == 0 {
                Ok(0)
            } else {
                conn.query_row("SELECT count(*) FROM items", [], |r| r.get(0))
            }
        })?;
    if rows != ROWS {
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS items;
             CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
             INSERT INTO items SELECT i, 'item ' || i, i * 0.01 FROM n;"
        ))?;
    }
    Ok(path)
}

/// Nanoseconds this thread has run on a CPU (Linux `schedstat`): unlike
/// wall time, not inflated while other processes or the interceptor's own
/// thread hold the cores.
fn on_cpu_ns() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Runs [`QUERIES`] point queries; wall and on-CPU nanoseconds per statement.
fn round(conn: &Connection, seed: &mut u64) -> Result<(f64, f64), Box<dyn Error>> {
    let mut stmt = conn.prepare_cached("SELECT name, price FROM items WHERE id = ?1")?;
    let cpu = on_cpu_ns();
    let start = Instant::now();
    let mut checksum = 0.0;
    for _ in 0..QUERIES {
        // A fixed LCG: every mode reads the same kind of spread of keys.
        *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let id = i64::try_from(*seed >> 44).unwrap_or(0) % ROWS + 1;
        checksum += stmt.query_row([id], |r| r.get::<_, f64>(1))?;
    }
    let elapsed = start.elapsed();
    let cpu = on_cpu_ns().zip(cpu).map_or(f64::NAN, |(b, a)| b - a);
    std::hint::black_box(checksum);
    let per = |ns: f64| ns / f64::from(QUERIES);
    Ok((per(elapsed.as_secs_f64() * 1e9), per(cpu)))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = database()?;
    let mut conn = Connection::open(&path)?;
    let interceptor = Interceptor::start(InterceptorConfig {
        capacity: 1 << 20,
        dialect: Dialect::Sqlite,
        ..InterceptorConfig::default()
    })?;
    let modes = [
        ("plain", None),
        ("text", Some(Capture::Text)),
        ("values", Some(Capture::Values)),
    ];
    let mut wall: Vec<Vec<f64>> = vec![Vec::new(); modes.len()];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); modes.len()];
    let mut seed = 42u64;
    // Warm the page cache and the statement cache before measuring.
    round(&conn, &mut seed)?;
    for r in 0..ROUNDS {
        // Rotate the order each round, so no mode always runs first.
        for k in 0..modes.len() {
            let m = (r + k) % modes.len();
            match modes[m].1 {
                Some(capture) => attach(&mut conn, interceptor.recorder(), capture)?,
                None => detach(&mut conn)?,
            }
            let (w, c) = round(&conn, &mut seed)?;
            wall[m].push(w);
            cpu[m].push(c);
        }
    }
    detach(&mut conn)?;
    let snapshot = interceptor.snapshot().ok_or("the interceptor stopped")?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{ROWS} rows, {ROUNDS} interleaved rounds x {QUERIES} point queries; medians per statement"
    )?;
    for (label, times) in [("wall", &mut wall), ("on-CPU", &mut cpu)] {
        writeln!(out, "{label} time of the application's thread:")?;
        let plain = median(&mut times[0]);
        for (m, (name, _)) in modes.iter().enumerate() {
            let ns = median(&mut times[m]);
            let added = ns - plain;
            writeln!(
                out,
                "  {name:<7} {ns:>8.0} ns   added {:>+6.3} us ({:>+5.1}%)",
                added / 1000.0,
                added * 100.0 / plain
            )?;
        }
    }
    writeln!(
        out,
        "  recorded {} events, dropped {}",
        snapshot.recorded, snapshot.dropped
    )?;
    Ok(())
}
