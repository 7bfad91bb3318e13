//! The index advisor on real databases: every index it keeps is one the
//! SQLite planner uses (checked again here, independently, after applying
//! its DDL to a copy); an index the planner ignores, or one that makes a
//! statement slower when run, is dropped; its DDL applies cleanly on SQLite
//! and on PostgreSQL (with the partition DDL), and HypoPG's verdict matches
//! the PostgreSQL planner's. PostgreSQL tests need `SQLSIFT_PG_URL`; without
//! it they skip with a note, except under `CI=true`, where they fail.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use postgres::{Client, NoTls};
use rusqlite::Connection;
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;
use sqlsift_advisor::index::{Recommendation, Served, WorkStatement};
use sqlsift_advisor::whatif;
use sqlsift_advisor::{Options, advise};
use sqlsift_analyzer::catalog::{self, Catalog, IndexKey};
use sqlsift_analyzer::plan::explain_sqlite;

const SCHEMA: &str = "
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, country TEXT NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    shipped_at TIMESTAMP,
    total INTEGER NOT NULL,
    note TEXT
);
";

/// 5,000 customers, 100,000 orders with skew (a few statuses, most shipped).
const DATA: &str = "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO customers SELECT i, 'C' || i || '@Example.com', CASE i % 50 WHEN 0 THEN 'NZ' ELSE 'US' END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO orders SELECT i, 1 + (i * 7919) % 5000,
    CASE WHEN i % 100 = 0 THEN 'open' WHEN i % 10 = 0 THEN 'cancelled' ELSE 'done' END,
    datetime('2025-01-01', '+' || (i / 100) || ' hours'),
    CASE WHEN i % 100 = 0 THEN NULL ELSE datetime('2025-01-02', '+' || (i / 100) || ' hours') END,
    i % 997, NULL FROM n;
ANALYZE;
";

/// (sql, params, calls): the application's statements.
const WORKLOAD: &[(&str, &[&str], u64)] = &[
    ("SELECT * FROM orders WHERE customer_id = ?", &["42"], 500),
    (
        "SELECT id, total FROM orders WHERE status = 'open' AND created_at >= '2026-01-01' ORDER BY created_at",
        &[],
        40,
    ),
    (
        "SELECT id FROM customers WHERE lower(email) = ?",
        &["c42@example.com"],
        200,
    ),
    (
        "SELECT id FROM orders WHERE status = ? AND shipped_at IS NULL",
        &["open"],
        30,
    ),
    (
        "SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.country = 'NZ'",
        &[],
        10,
    ),
    (
        "INSERT INTO orders (customer_id, status, created_at, total) VALUES (?, 'open', ?, 3)",
        &["1", "2026-01-01"],
        300,
    ),
];

fn seeded(dir: &Path) -> PathBuf {
    let path = dir.join("shop.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    conn.execute_batch(DATA).unwrap();
    path
}

fn statements() -> Vec<WorkStatement> {
    WORKLOAD
        .iter()
        .enumerate()
        .map(|(i, (sql, params, calls))| WorkStatement {
            fingerprint: format!("{i:016x}"),
            sql: (*sql).to_owned(),
            params: params.iter().map(|p| Some((*p).to_owned())).collect(),
            calls: *calls,
            total_ms: 0.0,
            statement: Parser::parse_sql(&SQLiteDialect {}, sql).unwrap().remove(0),
        })
        .collect()
}

fn advice_on(path: &Path) -> (Catalog, sqlsift_advisor::Advice) {
    let catalog = catalog::sqlite::load(path).unwrap();
    let opts = Options {
        sqlite: Some(path.to_owned()),
        ..Options::default()
    };
    let advice = advise(&statements(), &catalog, &opts).unwrap();
    (catalog, advice)
}

#[test]
fn every_kept_index_is_used_by_the_planner_after_applying_its_ddl() {
    let dir = tempfile::tempdir().unwrap();
    let path = seeded(dir.path());
    let (_, advice) = advice_on(&path);
    let recs = &advice.recommendations;
    assert!(recs.len() >= 3, "{advice:#?}");
    let copy = dir.path().join("applied.db");
    std::fs::copy(&path, &copy).unwrap();
    let conn = Connection::open(&copy).unwrap();
    for r in recs {
        conn.execute_batch(&r.sqlite_ddl)
            .unwrap_or_else(|e| panic!("{}: {e}", r.sqlite_ddl));
    }
    conn.execute_batch("ANALYZE").unwrap();
    for r in recs {
        let used = r.statements.iter().any(|s| {
            explain_sqlite(&conn, &s.sql)
                .unwrap()
                .accesses
                .iter()
                .any(|a| a.index.as_deref() == Some(r.name.as_str()))
        });
        assert!(used, "{} is not used by the planner: {r:#?}", r.name);
        assert!(r.statements.iter().all(|s| !s.plan_after.is_empty()));
        assert!(r.validation.iter().any(|v| v.contains("SQLite planner")));
    }
    let has = |k: &str| {
        recs.iter().any(|r| {
            r.keys.iter().any(|key| match key {
                IndexKey::Column { name, .. } | IndexKey::Expression { sql: name, .. } => name == k,
            })
        })
    };
    assert!(has("customer_id"), "the foreign key the lookups use");
    assert!(
        has("lower(email)"),
        "an expression index for lower(email) = ?"
    );
    let orders = recs.iter().find(|r| r.table == "orders").unwrap();
    assert_eq!(orders.write_calls, 300, "the INSERTs maintain it");
}

fn handmade(table: &str, keys: &[&str], sql: &str) -> Recommendation {
    let keys: Vec<IndexKey> = keys
        .iter()
        .map(|k| IndexKey::Column {
            name: (*k).to_owned(),
            descending: false,
        })
        .collect();
    let name = format!("ix_test_{}", keys.len());
    Recommendation {
        sqlite_ddl: sqlsift_advisor::index::ddl::create_index(
            &name,
            table,
            &keys,
            None,
            sqlsift_analyzer::Dialect::Sqlite,
        ),
        postgresql_ddl: String::new(),
        name,
        table: table.to_owned(),
        keys,
        predicate: None,
        reasons: Vec::new(),
        statements: vec![Served {
            fingerprint: "0".repeat(16),
            sql: sql.to_owned(),
            params: Vec::new(),
            calls: 1,
            saved: 1.0,
            plan_before: Vec::new(),
            plan_after: Vec::new(),
            before_ms: None,
            after_ms: None,
        }],
        benefit: 1.0,
        share: 0.0,
        write_calls: 0,
        validation: Vec::new(),
    }
}

#[test]
fn an_index_the_planner_ignores_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = seeded(dir.path());
    let conn = Connection::open(&path).unwrap();
    // The rowid lookup beats any index on a three-valued column.
    let ignored = handmade(
        "orders",
        &["status"],
        "SELECT * FROM orders WHERE id = 5 AND status = 'open'",
    );
    let used = handmade(
        "orders",
        &["customer_id", "total"],
        "SELECT total FROM orders WHERE customer_id = 9",
    );
    let (kept, rejected) = whatif::sqlite::validate(&conn, vec![ignored, used]).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].name, "ix_test_2");
    assert!(
        kept[0].statements[0]
            .plan_after
            .iter()
            .any(|l| l.contains("ix_test_2"))
    );
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].name, "ix_test_1");
    assert!(
        rejected[0].reason.contains("does not use it"),
        "{rejected:?}"
    );
}

#[test]
fn an_index_that_makes_a_statement_slower_when_run_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("skew.db");
    let conn = Connection::open(&path).unwrap();
    // An index on `k` lets the planner skip the sort, but the rows that
    // match are the ones with the highest `k`: reading in `k` order visits
    // nearly every row at random before finding them, where a scan reads
    // them in order and sorts five.
    conn.execute_batch(
        "CREATE TABLE big (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, flag INTEGER NOT NULL, pad TEXT NOT NULL);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
         INSERT INTO big SELECT i, (i * 7919) % 200003, 1, hex(randomblob(60)) FROM n;
         UPDATE big SET flag = 0 WHERE k > 199990;",
    )
    .unwrap();
    drop(conn);
    let slow = handmade(
        "big",
        &["k"],
        "SELECT id, pad FROM big WHERE flag = 0 ORDER BY k LIMIT 5",
    );
    let (kept, rejected) = whatif::run::validate(&path, vec![slow]).unwrap();
    assert!(kept.is_empty(), "{kept:#?}");
    assert!(rejected[0].reason.contains("slower"), "{rejected:?}");
}

/// A client on the server `SQLSIFT_PG_URL` names, and the URL; `None`
/// (after saying so) when the variable is not set, unless `CI=true`.
#[allow(clippy::print_stdout)] // the skip must be visible in the test output
fn postgres() -> Option<(Client, String)> {
    let Ok(url) = std::env::var("SQLSIFT_PG_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "SQLSIFT_PG_URL is not set, and CI=true: the PostgreSQL what-if tests must run in CI \
             (e.g. SQLSIFT_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres)"
        );
        println!("skipped: SQLSIFT_PG_URL not set");
        return None;
    };
    let client = Client::connect(&url, NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the server SQLSIFT_PG_URL names: {e}"));
    Some((client, url))
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[test]
fn index_and_partition_ddl_apply_on_postgresql() {
    let Some((mut client, _)) = postgres() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = seeded(dir.path());
    let (mut catalog, advice) = advice_on(&path);
    let schema = unique("sqlsift_advise");
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema}"
        ))
        .unwrap();
    client.batch_execute(SCHEMA).unwrap();
    let result = (|| -> Result<(), String> {
        for r in &advice.recommendations {
            client
                .batch_execute(&r.postgresql_ddl)
                .map_err(|e| format!("{}: {e}", r.postgresql_ddl))?;
        }
        catalog.table_mut("orders").unwrap().rows = Some(2_000_000.0);
        let parts = sqlsift_advisor::partition::advise(&statements(), &catalog, 1_000_000.0);
        let p = parts.first().ok_or("no partition advice for orders")?;
        for ddl in &p.postgresql_ddl {
            client
                .batch_execute(ddl)
                .map_err(|e| format!("{ddl}: {e}"))?;
        }
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent \
                 WHERE c.relname = 'orders_partitioned' \
                 AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)",
                &[&schema],
            )
            .map_err(|e| e.to_string())?
            .get(0);
        if n < 4 {
            return Err(format!("{n} partitions"));
        }
        Ok(())
    })();
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
    result.unwrap();
}

#[test]
fn hypopg_keeps_what_the_postgresql_planner_uses() {
    let Some((mut client, url)) = postgres() else {
        return;
    };
    let db = unique("sqlsift_hypopg");
    client
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    let db_url = match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{db}"),
        None => panic!("SQLSIFT_PG_URL has no database path: {url}"),
    };
    let result = std::panic::catch_unwind(|| {
        let mut c = Client::connect(&db_url, NoTls).unwrap();
        if let Err(e) = c.batch_execute("CREATE EXTENSION hypopg") {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "HypoPG is not installed and CI=true: {e}"
            );
            #[allow(clippy::print_stdout)]
            {
                println!("skipped: HypoPG not available ({e})");
            }
            return;
        }
        c.batch_execute(SCHEMA).unwrap();
        c.batch_execute(
            "INSERT INTO customers SELECT i, 'c' || i, 'US' FROM generate_series(1, 5000) i;
             INSERT INTO orders SELECT i, 1 + i % 5000, CASE WHEN i % 2 = 0 THEN 'done' ELSE 'open' END,
                 now(), NULL, i % 997, NULL FROM generate_series(1, 100000) i;
             ANALYZE",
        )
        .unwrap();
        let mut used = handmade(
            "orders",
            &["customer_id"],
            "SELECT * FROM orders WHERE customer_id = $1",
        );
        used.statements[0].params = vec![Some("42".into())];
        let ignored = handmade(
            "orders",
            &["status"],
            "SELECT * FROM orders WHERE status = 'open'",
        );
        let (kept, rejected, note) =
            whatif::hypopg::validate(&db_url, vec![used, ignored]).unwrap();
        assert!(note.contains("HypoPG"));
        assert_eq!(kept.len(), 1, "{kept:#?}");
        assert_eq!(kept[0].keys.len(), 1);
        assert!(kept[0].validation[0].contains("HypoPG"));
        assert_eq!(rejected.len(), 1);
        assert!(rejected[0].reason.contains("HypoPG"));
    });
    client
        .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .unwrap();
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

#[test]
fn hypopg_is_never_installed_by_the_advisor() {
    let Some((mut client, url)) = postgres() else {
        return;
    };
    let db = unique("sqlsift_nohypo");
    client
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    let db_url = match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{db}"),
        None => panic!("SQLSIFT_PG_URL has no database path: {url}"),
    };
    let rec = handmade("orders", &["customer_id"], "SELECT 1");
    let result = whatif::hypopg::validate(&db_url, vec![rec]);
    let installed: bool = Client::connect(&db_url, NoTls)
        .unwrap()
        .query_one(
            "SELECT count(*) > 0 FROM pg_extension WHERE extname = 'hypopg'",
            &[],
        )
        .unwrap()
        .get(0);
    client
        .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .unwrap();
    assert!(
        matches!(result, Err(whatif::WhatIfError::NoHypoPg)),
        "{result:?}"
    );
    assert!(!installed);
}

/// A table and columns named with capitals and reserved words, with a
/// unique expression index, a partial unique index and a partial index.
const AWKWARD: &str = r#"
CREATE TABLE "Events" (
    id INTEGER PRIMARY KEY,
    "accountId" INTEGER NOT NULL,
    "order" INTEGER,
    email TEXT,
    "createdAt" TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX events_lower_email ON "Events" (lower(email));
CREATE UNIQUE INDEX events_account_live ON "Events" ("accountId") WHERE deleted_at IS NULL;
CREATE INDEX events_order_live ON "Events" ("order" DESC) WHERE deleted_at IS NULL;
CREATE TABLE "user" (id INTEGER PRIMARY KEY, "group" INTEGER, "archivedAt" TIMESTAMP);
"#;

#[test]
fn ddl_for_awkward_names_applies_on_postgresql() {
    let Some((mut client, _)) = postgres() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.sql");
    std::fs::write(&file, AWKWARD).unwrap();
    let mut rows = std::collections::BTreeMap::new();
    rows.insert("Events".to_owned(), 5_000_000.0);
    rows.insert("user".to_owned(), 2_000_000.0);
    let catalog = catalog::load(file.to_str().unwrap(), &rows).unwrap();
    let work: Vec<WorkStatement> = [
        r#"SELECT * FROM "Events" WHERE "accountId" = 7 AND "createdAt" > '2026-01-01'"#,
        r#"SELECT id FROM "user" WHERE "group" = 3"#,
        r#"SELECT id FROM "user" WHERE "archivedAt" IS NULL"#,
    ]
    .iter()
    .enumerate()
    .map(|(i, sql)| WorkStatement {
        fingerprint: format!("{i:016x}"),
        sql: (*sql).to_owned(),
        params: Vec::new(),
        calls: 100,
        total_ms: 0.0,
        statement: Parser::parse_sql(&SQLiteDialect {}, sql).unwrap().remove(0),
    })
    .collect();
    let opts = Options {
        partition_rows: 1_000_000.0,
        ..Options::default()
    };
    let advice = advise(&work, &catalog, &opts).unwrap();
    let schema = unique("sqlsift_awkward");
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema}"
        ))
        .unwrap();
    client.batch_execute(AWKWARD).unwrap();
    let result = (|| -> Result<(), String> {
        let mut ddl: Vec<String> = advice
            .recommendations
            .iter()
            .map(|r| r.postgresql_ddl.clone())
            .collect();
        if ddl.len() < 2 {
            return Err(format!("{} index recommendations: {ddl:?}", ddl.len()));
        }
        let p = advice
            .partitions
            .first()
            .ok_or("no partition advice for Events")?;
        ddl.extend(p.postgresql_ddl.iter().cloned());
        for d in &ddl {
            client.batch_execute(d).map_err(|e| format!("{d}: {e:?}"))?;
        }
        // The partial unique index stays partial on the partitioned table.
        let partial: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
                 WHERE c.relname = 'Events_partitioned' AND i.indisunique AND i.indpred IS NOT NULL \
                 AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)",
                &[&schema],
            )
            .map_err(|e| e.to_string())?
            .get(0);
        if partial != 1 {
            return Err(format!(
                "{partial} partial unique indexes on Events_partitioned"
            ));
        }
        Ok(())
    })();
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
    result.unwrap();
}
