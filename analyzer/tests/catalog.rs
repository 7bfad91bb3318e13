//! The catalog loaders read what the database really holds: each test builds
//! a real database (a SQLite file, a PostgreSQL database when
//! `SQLSIFT_PG_URL` names a server) or a real schema file, loads it, and
//! checks every field the cost model, rules and advisor rely on.

use rusqlite::Connection;
use sqlsift_analyzer::catalog::{Catalog, Index, IndexKey, Table, sqlite};

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
