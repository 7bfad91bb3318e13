//! The libsql adaptor (and a remote store's failure modes; its merge tests
//! are the store module's), through libsql's real remote client against an in-process Hrana-over-HTTP endpoint that executes on a
//! real SQLite file (no sqld server can be installed where these tests run).
#![cfg(feature = "libsql")]

#[path = "support/hrana.rs"]
mod hrana;

use hrana::Hrana;
use sqlsift_analyzer::adapt::libsql::RecordingConnection;
use sqlsift_analyzer::detect::FindingKind;
use sqlsift_analyzer::interceptor::{Interceptor, InterceptorConfig};
use sqlsift_analyzer::normalize::normalize;
use sqlsift_analyzer::store::{Store, StoreLocation, StoreOptions};
use sqlsift_analyzer::workload::Workload;
use sqlsift_analyzer::{Dialect, Fingerprint};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn remote(url: &str) -> libsql::Connection {
    libsql::Builder::new_remote(url.to_owned(), String::new())
        .build()
        .await
        .unwrap()
        .connect()
        .unwrap()
}

fn digest<'w>(w: &'w Workload, sql: &str) -> &'w sqlsift_analyzer::digest::Digest {
    let id: Fingerprint = normalize(sql, Dialect::Sqlite).id;
    w.digests
        .get(&id)
        .unwrap_or_else(|| panic!("no digest for {sql}"))
}

#[test]
fn the_adaptor_records_sql_values_rows_and_durations() {
    let dir = tempfile::tempdir().unwrap();
    let server = Hrana::start(&dir.path().join("app.db"));
    let interceptor = Interceptor::start(InterceptorConfig {
        dialect: Dialect::Sqlite,
        ..InterceptorConfig::default()
    })
    .unwrap();
    let rt = runtime();
    rt.block_on(async {
        let conn = RecordingConnection::new(remote(&server.url).await, interceptor.recorder());
        conn.execute(
            "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT, bio TEXT)",
            (),
        )
        .await
        .unwrap();
        let insert = conn
            .prepare("INSERT INTO authors (id, name, bio) VALUES (?1, ?2, ?3)")
            .await
            .unwrap();
        for id in 1..=8_i64 {
            let bio = if id == 3 {
                libsql::Value::Null
            } else {
                libsql::Value::Text(format!("bio {id}"))
            };
            let changed = insert
                .execute(libsql::params![id, format!("author {id}"), bio])
                .await
                .unwrap();
            assert_eq!(changed, 1);
            insert.reset();
        }
        let mut ids = Vec::new();
        let mut parent = conn
            .query("SELECT id FROM authors WHERE id <= ?1 ORDER BY id", [6])
            .await
            .unwrap();
        while let Some(row) = parent.next().await.unwrap() {
            ids.push(row.get::<i64>(0).unwrap());
        }
        assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
        for id in &ids {
            let mut rows = conn
                .query("SELECT name, bio FROM authors WHERE id = ?1", [*id])
                .await
                .unwrap();
            let row = rows.next().await.unwrap().unwrap();
            assert_eq!(row.get::<String>(0).unwrap(), format!("author {id}"));
            // Dropped before the end: still recorded, with the row read.
        }
        let changed = conn
            .execute("UPDATE authors SET bio = NULL WHERE id > ?1", [6])
            .await
            .unwrap();
        assert_eq!(changed, 2);
        let err = conn.execute("SELECT * FROM no_such_table", ()).await;
        assert!(err.is_err());
        // Not recorded: run on the wrapped connection directly.
        conn.inner()
            .execute("DELETE FROM authors WHERE id = 8", ())
            .await
            .unwrap();
        assert_eq!(interceptor.snapshot().unwrap().open_units, 1);
    });
    // The connection, its statements and its rows are gone: its session
    // ended, and its last unit was analysed without waiting for the shutdown.
    assert_eq!(interceptor.snapshot().unwrap().open_units, 0);
    let w = interceptor.shutdown().unwrap();
    assert_eq!(
        w.events, 18,
        "create, 8 inserts, the parent, 6 lookups, the update, the failure"
    );
    let inserts = digest(
        &w,
        "INSERT INTO authors (id, name, bio) VALUES (?1, ?2, ?3)",
    );
    assert_eq!((inserts.calls, inserts.rows), (8, 8), "rows changed");
    assert_eq!(
        inserts.sample.params.len(),
        3,
        "{:?}",
        inserts.sample.params
    );
    let parent = digest(&w, "SELECT id FROM authors WHERE id <= ?1 ORDER BY id");
    assert_eq!((parent.calls, parent.rows), (1, 6));
    assert_eq!(parent.sample.params, [Some("6".to_owned())]);
    let lookups = digest(&w, "SELECT name, bio FROM authors WHERE id = ?1");
    assert_eq!((lookups.calls, lookups.rows), (6, 6));
    // Each is an HTTP round trip: the time is real, not zero.
    assert!(lookups.min_ms.unwrap() > 0.0);
    let update = digest(&w, "UPDATE authors SET bio = NULL WHERE id > ?1");
    assert_eq!((update.calls, update.rows), (1, 2));
    let failed = digest(&w, "SELECT * FROM no_such_table");
    assert_eq!(failed.errors, 1);
    let findings = w.detection.as_ref().unwrap().findings(&w.digests);
    let n1 = findings
        .iter()
        .find(|f| f.kind == FindingKind::NPlusOne)
        .expect("the lookups, with their bound keys, are a loop");
    assert_eq!((n1.loop_size, n1.parent), (6, Some(parent.id)));
}

#[test]
fn the_adaptor_records_null_and_named_values() {
    let dir = tempfile::tempdir().unwrap();
    let server = Hrana::start(&dir.path().join("app.db"));
    let interceptor = Interceptor::start(InterceptorConfig::default()).unwrap();
    runtime().block_on(async {
        let conn = RecordingConnection::new(remote(&server.url).await, interceptor.recorder());
        conn.execute("CREATE TABLE t (a INTEGER, b TEXT)", ())
            .await
            .unwrap();
        conn.execute(
            "INSERT INTO t VALUES (:a, :b)",
            libsql::named_params! {":a": 7, ":b": libsql::Value::Null},
        )
        .await
        .unwrap();
    });
    let w = interceptor.shutdown().unwrap();
    let insert = digest(&w, "INSERT INTO t VALUES (:a, :b)");
    assert_eq!(insert.sample.params, [Some("7".to_owned()), None]);
}

#[test]
fn an_unreachable_server_is_an_error_not_a_panic() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let at = StoreLocation::with_token(&format!("http://127.0.0.1:{port}"), String::new());
    assert!(Store::open_at(&at, StoreOptions::default()).is_err());
}
