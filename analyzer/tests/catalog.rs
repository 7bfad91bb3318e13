//! The catalog loaders read what the database really holds: each test builds
//! a real database (a SQLite file, a PostgreSQL database when
//! `SQLSIFT_PG_URL` names a server) or a real schema file, loads it, and
//! checks every field the cost model, rules and advisor rely on.

// A skipped PostgreSQL test says so on stdout.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use postgres::{Client, NoTls};
use rusqlite::Connection;
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::catalog::{
    self, Catalog, Index, IndexKey, Table, ddl, postgres as pg, sqlite,
};

fn col(name: &str, descending: bool) -> IndexKey {
    IndexKey::Column {
        name: name.into(),
        descending,
    }
}

fn expr(sql: &str, descending: bool) -> IndexKey {
    IndexKey::Expression {
        sql: sql.into(),
        descending,
    }
}

fn index<'a>(t: &'a Table, name: &str) -> &'a Index {
    t.indexes
        .iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no index {name} in {:?}", t.indexes))
}

// ---------------------------------------------------------------------------
// SQLite

const SQLITE_SCHEMA: &str = "
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    country VARCHAR(2),
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    published_at TIMESTAMP,
    deleted_at TIMESTAMP,
    title TEXT
);
CREATE TABLE tags (post_id INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (post_id, tag)) WITHOUT ROWID;
CREATE TABLE empty (a INTEGER, b TEXT);
CREATE VIEW recent AS SELECT * FROM posts;
CREATE INDEX posts_user_published ON posts (user_id, published_at DESC);
CREATE INDEX users_lower_email ON users (lower(email));
CREATE INDEX posts_live ON posts (published_at) WHERE deleted_at IS NULL;
";

/// 200 users over 10 countries, 1,000 posts over the users, a tag per post.
fn seed(conn: &Connection) {
    conn.execute_batch(SQLITE_SCHEMA).unwrap();
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
         INSERT INTO users SELECT i, 'u' || i || '@x.org', char(65 + i % 10, 65), '2026-01-01'
           FROM n WHERE i <= 200;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
         INSERT INTO posts SELECT i, 1 + i % 200, '2026-01-01', NULL, 't' FROM n;
         INSERT INTO tags SELECT id, 'x' FROM posts;",
    )
    .unwrap();
}

fn check_sqlite_structure(c: &Catalog) {
    let names: Vec<&str> = c.tables().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["empty", "posts", "tags", "users"],
        "views and sqlite_* left out"
    );

    let users = c.table("users").unwrap();
    let cols: Vec<(&str, &str, bool)> = users
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str(), c.nullable))
        .collect();
    assert_eq!(
        cols,
        [
            ("id", "INTEGER", false),
            ("email", "TEXT", false),
            ("country", "VARCHAR(2)", true),
            ("created_at", "TIMESTAMP", false)
        ]
    );
    // The rowid alias is an index lookup, though index_list does not list it.
    let rowid = index(users, "users.rowid");
    assert_eq!(rowid.keys, [col("id", false)]);
    assert!(rowid.unique && rowid.primary && rowid.predicate.is_none());
    let email = index(users, "sqlite_autoindex_users_1");
    assert_eq!(email.keys, [col("email", false)]);
    assert!(email.unique && !email.primary);
    let lower = index(users, "users_lower_email");
    assert_eq!(lower.keys, [expr("lower(email)", false)]);
    assert!(!lower.unique);

    let posts = c.table("posts").unwrap();
    let composite = index(posts, "posts_user_published");
    assert_eq!(
        composite.keys,
        [col("user_id", false), col("published_at", true)],
        "key columns only: not the rowid SQLite appends"
    );
    let live = index(posts, "posts_live");
    assert_eq!(live.keys, [col("published_at", false)]);
    assert_eq!(live.predicate.as_deref(), Some("deleted_at IS NULL"));
    assert_eq!(posts.indexes.len(), 3);

    let tags = c.table("tags").unwrap();
    assert_eq!(
        tags.indexes.len(),
        1,
        "WITHOUT ROWID: its key is the pk index"
    );
    let pk = &tags.indexes[0];
    assert!(pk.primary && pk.unique);
    assert_eq!(pk.keys, [col("post_id", false), col("tag", false)]);
}

#[test]
fn sqlite_without_stat1_counts_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    seed(&Connection::open(&path).unwrap());
    let c = sqlite::load(&path).unwrap();
    assert_eq!(c.source, path.display().to_string());
    check_sqlite_structure(&c);
    assert_eq!(c.table("users").unwrap().rows, Some(200.0));
    assert_eq!(c.table("posts").unwrap().rows, Some(1000.0));
    assert_eq!(c.table("empty").unwrap().rows, Some(0.0));
    assert!(
        c.tables()
            .all(|t| t.columns.iter().all(|c| c.distinct.is_none()))
    );
}

#[test]
fn sqlite_stat1_gives_rows_and_distinct_counts() {
    let conn = Connection::open_in_memory().unwrap();
    seed(&conn);
    conn.execute_batch("ANALYZE").unwrap();
    // Statistics, not a count, once ANALYZE has run: make them differ.
    conn.execute_batch("DELETE FROM posts WHERE id > 900")
        .unwrap();
    let c = sqlite::load_connection(&conn, "memory").unwrap();
    assert_eq!(c.source, "memory");
    check_sqlite_structure(&c);
    let posts = c.table("posts").unwrap();
    assert_eq!(posts.rows, Some(1000.0));
    assert_eq!(posts.column("user_id").unwrap().distinct, Some(200.0));
    assert_eq!(posts.column("title").unwrap().distinct, None);
    let users = c.table("users").unwrap();
    assert_eq!(users.rows, Some(200.0));
    assert_eq!(users.column("email").unwrap().distinct, Some(200.0));
    assert!((users.eq_selectivity("id") - 1.0 / 200.0).abs() < 1e-12);
}

#[test]
fn sqlite_rejects_a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "this is not a database, just some text long enough").unwrap();
    let err = sqlite::load(&path).unwrap_err();
    assert_eq!(err.origin, path.display().to_string());
    assert!(err.to_string().contains("notes.db"), "{err}");
    let missing = sqlite::load(&dir.path().join("missing.db")).unwrap_err();
    assert!(missing.to_string().contains("missing.db"), "{missing}");
    assert!(
        !dir.path().join("missing.db").exists(),
        "read-only: never creates"
    );
}

// ---------------------------------------------------------------------------
// PostgreSQL

const PG_SCHEMA: &str = "
CREATE SCHEMA shop;
CREATE TABLE shop.users (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    country varchar(2),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_uniq UNIQUE (email)
);
CREATE TABLE shop.posts (
    id serial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES shop.users (id),
    published_at timestamp,
    deleted_at timestamp,
    dropped int
);
ALTER TABLE shop.posts DROP COLUMN dropped;
CREATE INDEX posts_user_published ON shop.posts (user_id, published_at DESC) INCLUDE (deleted_at);
CREATE INDEX users_lower_email ON shop.users (lower(email));
CREATE INDEX posts_live ON shop.posts (published_at) WHERE deleted_at IS NULL;
CREATE TABLE public.never_analyzed (a int);
INSERT INTO shop.users (email, country)
  SELECT 'u' || i || '@x.org', chr(65 + i % 10) || 'X' FROM generate_series(1, 200) i;
INSERT INTO shop.posts (user_id, published_at)
  SELECT 1 + i % 200, timestamp '2026-01-01' + i * interval '1 hour' FROM generate_series(1, 1000) i;
ANALYZE shop.users;
ANALYZE shop.posts;
";

/// A database of its own (`CREATE DATABASE`, since the loader reads every
/// user schema), dropped when the guard goes, also when a test fails.
struct PgDb {
    admin: Client,
    name: String,
    url: String,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = self.admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// A fresh database holding `schema` on the server `SQLSIFT_PG_URL` names;
/// `None` (after saying so) when the variable is unset, unless `CI=true`.
fn pg_database(schema: &str) -> Option<PgDb> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let Ok(url) = std::env::var("SQLSIFT_PG_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "SQLSIFT_PG_URL is not set, and CI=true: the PostgreSQL catalog tests must run in CI \
             (e.g. SQLSIFT_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres)"
        );
        println!("skipped: SQLSIFT_PG_URL not set");
        return None;
    };
    let mut admin = Client::connect(&url, NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the server SQLSIFT_PG_URL names: {e}"));
    let name = format!(
        "sqlsift_cat_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    // One statement per call: DROP/CREATE DATABASE refuse a multi-statement batch.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let db = PgDb {
        url: with_database(&url, &name),
        admin,
        name,
    };
    Client::connect(&db.url, NoTls)
        .unwrap()
        .batch_execute(schema)
        .unwrap();
    Some(db)
}

/// `url` naming database `db` instead of its own.
fn with_database(url: &str, db: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    if query.is_empty() {
        format!("{base}/{db}")
    } else {
        format!("{base}/{db}?{query}")
    }
}

#[test]
fn postgres_catalog_reads_every_field() {
    let Some(db) = pg_database(PG_SCHEMA) else {
        return;
    };
    let c = pg::load(&db.url).unwrap();
    assert_eq!(c.source, db.url);
    let names: Vec<&str> = c.tables().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["never_analyzed", "posts", "users"]);

    let users = c.table("users").unwrap();
    let cols: Vec<(&str, &str, bool)> = users
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str(), c.nullable))
        .collect();
    assert_eq!(
        cols,
        [
            ("id", "bigint", false),
            ("email", "text", false),
            ("country", "character varying(2)", true),
            ("created_at", "timestamp with time zone", false)
        ]
    );
    assert_eq!(users.rows, Some(200.0));
    assert_eq!(users.column("email").unwrap().distinct, Some(200.0));
    assert_eq!(users.column("country").unwrap().distinct, Some(10.0));
    let pkey = index(users, "users_pkey");
    assert!(pkey.primary && pkey.unique && pkey.predicate.is_none());
    assert_eq!(pkey.keys, [col("id", false)]);
    let uniq = index(users, "users_email_uniq");
    assert!(uniq.unique && !uniq.primary);
    assert_eq!(uniq.keys, [col("email", false)]);
    let lower = index(users, "users_lower_email");
    assert_eq!(lower.keys, [expr("lower(email)", false)]);
    assert!(!lower.unique);

    let posts = c.table("posts").unwrap();
    assert!(
        posts.column("dropped").is_none(),
        "dropped columns left out"
    );
    assert_eq!(posts.columns.len(), 4);
    assert_eq!(posts.rows, Some(1000.0));
    assert_eq!(posts.column("user_id").unwrap().distinct, Some(200.0));
    let composite = index(posts, "posts_user_published");
    assert_eq!(
        composite.keys,
        [col("user_id", false), col("published_at", true)],
        "key columns only, not INCLUDE"
    );
    let live = index(posts, "posts_live");
    assert_eq!(live.keys, [col("published_at", false)]);
    assert_eq!(live.predicate.as_deref(), Some("deleted_at IS NULL"));
    assert_eq!(posts.indexes.len(), 3);

    let never = c.table("never_analyzed").unwrap();
    assert_eq!(never.rows, None, "never analyzed, no live tuples: unknown");
}

#[test]
fn postgres_connection_failure_names_url_without_password() {
    let Some(db) = pg_database("") else { return };
    let url = with_database(&db.url, "sqlsift_no_such_database");
    let err = pg::load(&url).unwrap_err();
    assert!(err.message.contains("sqlsift_no_such_database"), "{err}");
    let err = pg::load("postgresql://who:hunter2@127.0.0.1:1/app").unwrap_err();
    assert_eq!(err.origin, "postgresql://who:***@127.0.0.1:1/app");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

/// `pg_dump --schema-only` of a real database loads into the same catalog
/// structure the live loader reads (statistics aside).
#[test]
fn pg_dump_schema_loads_like_the_live_database() {
    let Some(db) = pg_database(PG_SCHEMA) else {
        return;
    };
    let Some(dump) = pg_dump(&db) else { return };
    let from_dump = catalog_from_ddl(&dump, "dump.sql");
    let live = pg::load(&db.url).unwrap();
    for t in live.tables() {
        let d = from_dump.table(&t.name).unwrap();
        assert_eq!(d.columns.len(), t.columns.len(), "{}", t.name);
        for (dc, lc) in d.columns.iter().zip(&t.columns) {
            assert_eq!((&dc.name, dc.nullable), (&lc.name, lc.nullable));
            assert_eq!(dc.data_type.to_lowercase(), lc.data_type.to_lowercase());
        }
        let sorted = |t: &Table| {
            let mut v = t.indexes.clone();
            v.sort_by(|a, b| a.name.cmp(&b.name));
            v
        };
        assert_eq!(sorted(d), sorted(t), "{}", t.name);
    }
}

/// `pg_dump --schema-only` output (or none, when pg_dump does not run here).
fn pg_dump(db: &PgDb) -> Option<String> {
    let out = std::process::Command::new("pg_dump")
        .args(["--schema-only", "--no-owner", &db.url])
        .output();
    let Some(out) = out.ok().filter(|o| o.status.success()) else {
        println!("skipped: pg_dump did not run");
        return None;
    };
    Some(String::from_utf8(out.stdout).unwrap())
}

/// What a real `pg_dump` writes for partitioned and inherited tables, enum and
/// domain types, identity and generated columns, exclusion constraints and
/// indexed materialized views loads too.
#[test]
fn pg_dump_of_less_common_ddl_loads() {
    let Some(db) = pg_database(
        "CREATE TYPE mood AS ENUM ('sad', 'ok');
         CREATE DOMAIN posint AS int CHECK (VALUE > 0);
         CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, at date NOT NULL,
             kind mood, n posint, tags text[], name text COLLATE \"C\",
             total numeric(10,2) GENERATED ALWAYS AS (n * 2) STORED,
             PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
         CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         CREATE INDEX events_at ON events (at DESC);
         CREATE TABLE parent (a int NOT NULL);
         CREATE TABLE child (b int) INHERITS (parent);
         CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;
         CREATE INDEX mv_x ON mv (x);
         CREATE TABLE t2 (id int, CONSTRAINT t2_excl EXCLUDE USING btree (id WITH =));",
    ) else {
        return;
    };
    let Some(dump) = pg_dump(&db) else { return };
    let c = catalog_from_ddl(&dump, "dump.sql");
    let events = c.table("events").unwrap();
    let cols: Vec<&str> = events.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(cols, ["id", "at", "kind", "n", "tags", "name", "total"]);
    assert!(events.unique_on(&["id", "at"]));
    assert_eq!(index(events, "events_at").keys, [col("at", true)]);
    let child: Vec<(&str, bool)> = c
        .table("child")
        .unwrap()
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.nullable))
        .collect();
    assert_eq!(child, [("a", false), ("b", true)]);
    assert!(c.table("mv").is_none(), "a materialized view is no table");
    assert!(c.table("t2").unwrap().indexes.is_empty());
}

// ---------------------------------------------------------------------------
// Schema files

fn catalog_from_ddl(sql: &str, origin: &str) -> Catalog {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(origin);
    std::fs::write(&path, sql).unwrap();
    catalog::load(path.to_str().unwrap(), &BTreeMap::new()).unwrap()
}

#[test]
fn pg_dump_fixture_loads() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pg_dump_schema.sql"
    );
    let c = catalog::load(path, &BTreeMap::new()).unwrap();
    let names: Vec<&str> = c.tables().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["posts", "users"]);
    let users = c.table("users").unwrap();
    assert!(users.rows.is_none(), "DDL has no statistics");
    assert_eq!(users.column("email").unwrap().data_type, "TEXT");
    assert!(!users.column("id").unwrap().nullable);
    assert!(index(users, "users_pkey").primary);
    assert_eq!(
        index(users, "users_lower_email").keys,
        [expr("lower(email)", false)]
    );
    let posts = c.table("posts").unwrap();
    assert_eq!(
        index(posts, "posts_user_published").keys,
        [col("user_id", false), col("published_at", true)]
    );
    assert_eq!(
        index(posts, "posts_live").predicate.as_deref(),
        Some("deleted_at IS NULL")
    );
}

#[test]
fn sqlite_dot_schema_loads_like_the_database() {
    let conn = Connection::open_in_memory().unwrap();
    seed(&conn);
    conn.execute_batch("ANALYZE").unwrap();
    let schema: Vec<String> = conn
        .prepare("SELECT sql || ';' FROM sqlite_schema WHERE sql IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let from_ddl = catalog_from_ddl(&schema.join("\n"), "schema.sql");
    // The rowid alias and automatic indexes carry SQLite's names only in the
    // database: compare what the DDL states.
    let db = sqlite::load_connection(&conn, "memory").unwrap();
    let names = |c: &Catalog| c.tables().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&from_ddl), names(&db));
    for t in db.tables() {
        let d = from_ddl.table(&t.name).unwrap();
        assert_eq!(d.columns.len(), t.columns.len());
        for i in t
            .indexes
            .iter()
            .filter(|i| !i.name.starts_with("sqlite_") && i.name != format!("{}.rowid", t.name))
        {
            assert_eq!(index(d, &i.name), i, "{}", t.name);
        }
        assert_eq!(d.indexes.len(), t.indexes.len(), "{}", t.name);
    }
}

#[test]
fn schema_file_parse_error_names_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.sql");
    std::fs::write(
        &path,
        "SET x = 1;\nINSERT INTO nowhere VALUES (1);\n\nCREATE TABLE ok (a int);\n\nCREATE TABLE broken (a int,, b);\n",
    )
    .unwrap();
    let err = catalog::load(path.to_str().unwrap(), &BTreeMap::new()).unwrap_err();
    assert_eq!(err.origin, path.display().to_string());
    assert!(err.message.starts_with("line 6: "), "{err}");
    let ok = ddl::load("CREATE TABLE ok (a int);", "x.sql", Dialect::Generic).unwrap();
    assert!(ok.table("ok").is_some());
}

// ---------------------------------------------------------------------------
// The dispatcher

#[test]
fn dispatch_by_kind_and_row_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.data");
    seed(&Connection::open(&db).unwrap());
    let rows = BTreeMap::from([("Posts".to_owned(), 5e6)]);
    let c = catalog::load(db.to_str().unwrap(), &rows).unwrap();
    assert_eq!(c.table("posts").unwrap().rows, Some(5e6), "toml rows win");
    assert_eq!(c.table("users").unwrap().rows, Some(200.0));

    let typo = BTreeMap::from([("postz".to_owned(), 1.0)]);
    let err = catalog::load(db.to_str().unwrap(), &typo).unwrap_err();
    assert!(err.message.contains("`postz`"), "{err}");

    let missing = dir.path().join("nope.sql");
    let err = catalog::load(missing.to_str().unwrap(), &BTreeMap::new()).unwrap_err();
    assert_eq!(err.message, "no such file");

    let other = dir.path().join("schema.txt");
    std::fs::write(&other, "CREATE TABLE t (a int);").unwrap();
    let err = catalog::load(other.to_str().unwrap(), &BTreeMap::new()).unwrap_err();
    assert!(err.message.contains("postgresql:// URL"), "{err}");
}

#[test]
fn dispatch_postgres_url() {
    let Some(db) = pg_database(PG_SCHEMA) else {
        return;
    };
    let rows = BTreeMap::from([("never_analyzed".to_owned(), 10.0)]);
    let c = catalog::load(&db.url, &rows).unwrap();
    assert_eq!(c.table("never_analyzed").unwrap().rows, Some(10.0));
    assert_eq!(c.table("users").unwrap().rows, Some(200.0));
}

// ---------------------------------------------------------------------------
// The ORM sample: its schema file and its database describe the same tables.

#[test]
fn orm_sample_schema_and_database_agree() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/orm");
    let none = BTreeMap::new();
    let db = catalog::load(&format!("{dir}/app.db"), &none).unwrap();
    let ddl = catalog::load(&format!("{dir}/schema.sql"), &none).unwrap();
    let names = |c: &Catalog| c.tables().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&db),
        ["authors", "book_tags", "books", "reviews", "tags"]
    );
    assert_eq!(names(&ddl), names(&db));
    // Index names differ (SQLite names its automatic ones): compare what they index.
    let shape = |t: &Table| {
        let mut v: Vec<_> = t
            .indexes
            .iter()
            .map(|i| (format!("{:?}", i.keys), i.unique, i.primary))
            .collect();
        v.sort();
        v
    };
    for t in db.tables() {
        let d = ddl.table(&t.name).unwrap();
        let cols = |t: &Table| {
            t.columns
                .iter()
                .map(|c| (c.name.clone(), c.data_type.clone(), c.nullable))
                .collect::<Vec<_>>()
        };
        assert_eq!(cols(d), cols(t), "{}", t.name);
        assert_eq!(shape(d), shape(t), "{}", t.name);
    }
    let books = db.table("books").unwrap();
    assert_eq!(books.rows, Some(20_000.0));
    assert!(books.is_indexed("author_id"));
    let per_author = books.column("author_id").unwrap().distinct.unwrap();
    assert!((1_000.0..=2_000.0).contains(&per_author), "{per_author}");
    assert!(ddl.tables().all(|t| t.rows.is_none()));
}
