//! The cost model's scan-vs-index call agrees with SQLite's planner.
//!
//! A web-app database (users, posts, comments, tags, post_tags, orders) with
//! secondary, composite, expression and partial indexes is built in a
//! temporary file and seeded with skewed data (a few authors write most
//! posts, most orders are `delivered`), `ANALYZE` records its statistics, and
//! the catalog is loaded from the file the way `--schema app.db` does. For
//! every statement of the suite, each table the planner reads is compared
//! with the model's access for it: a full pass (`SCAN`, even in index order)
//! or a search through an index (`SEARCH`).
//!
//! The connection runs with `PRAGMA case_sensitive_like = ON`: SQLite's LIKE
//! is case-insensitive by default and then never seeks a (binary-collated)
//! index; PostgreSQL likewise needs a `text_pattern_ops` index. The model
//! assumes the case-sensitive LIKE that can use an index.

use std::fmt::Write as _;

use rusqlite::Connection;
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::catalog::{Catalog, sqlite};
use sqlsift_analyzer::cost::estimate;
use sqlsift_analyzer::plan::explain_sqlite;

const SCHEMA: &str = "
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE INDEX ix_users_lower_name ON users (lower(name));
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    views INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX ix_posts_author_created ON posts (author_id, created_at);
CREATE INDEX ix_posts_title ON posts (title);
CREATE INDEX ix_posts_live_status ON posts (status) WHERE deleted_at IS NULL;
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_comments_post ON comments (post_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id),
    tag_id INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (post_id, tag_id)
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    total REAL NOT NULL,
    placed_at TEXT NOT NULL
);
CREATE INDEX ix_orders_user ON orders (user_id);
CREATE INDEX ix_orders_placed ON orders (placed_at);
";

/// 2,000 users; 20,000 posts, half of them by 20 authors; 60,000 comments;
/// 50 tags on 40,000 post_tags; 10,000 orders, 85% `delivered`.
const SEED: &str = "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO users SELECT i, 'user' || i || '@example.org', 'Name ' || i,
    char(65 + i % 20, 65 + i % 7), date('2020-01-01', '+' || (i % 1500) || ' days') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO posts SELECT i,
    CASE WHEN i % 2 = 0 THEN 1 + i % 20 ELSE 1 + (i * 7919) % 2000 END,
    'Post title ' || i, CASE i % 10 WHEN 0 THEN 'draft' WHEN 1 THEN 'review' ELSE 'published' END,
    (i * 31) % 5000, date('2021-01-01', '+' || (i % 1200) || ' days'),
    CASE WHEN i % 9 = 0 THEN '2025-01-01' END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
INSERT INTO comments SELECT i, 1 + (i * 13) % 20000, 1 + (i * 17) % 2000, 'Comment ' || i,
    date('2021-06-01', '+' || (i % 1000) || ' days') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
INSERT INTO tags SELECT i, 'tag' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
INSERT OR IGNORE INTO post_tags SELECT 1 + i % 20000, 1 + (i * 7) % 50 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO orders SELECT i, 1 + (i * 37) % 2000,
    CASE WHEN i % 20 < 17 THEN 'delivered' WHEN i % 20 < 19 THEN 'shipped' ELSE 'pending' END,
    (i % 500) + 0.99, date('2023-01-01', '+' || (i % 700) || ' days') FROM n;
ANALYZE;
";

/// Statements the model and the planner must agree on, by kind.
const AGREE: &[&str] = &[
    // Point and foreign-key lookups.
    "SELECT * FROM users WHERE id = ?",
    "SELECT * FROM users WHERE email = ?",
    "SELECT * FROM posts WHERE author_id = ?",
    "SELECT * FROM comments WHERE post_id = $1",
    "SELECT * FROM orders WHERE user_id = ?",
    "SELECT * FROM post_tags WHERE post_id = ? AND tag_id = ?",
    "SELECT * FROM tags WHERE name = 'tag7'",
    "SELECT * FROM comments WHERE user_id = ?",
    "SELECT * FROM posts WHERE id IN (1, 2, 3)",
    "SELECT * FROM posts WHERE author_id = 1 OR author_id = 2",
    // Ranges and composite keys.
    "SELECT * FROM posts WHERE author_id = ? AND created_at > ?",
    "SELECT * FROM posts WHERE created_at > ?",
    "SELECT * FROM orders WHERE placed_at BETWEEN '2024-01-01' AND '2024-01-07'",
    "SELECT * FROM orders WHERE total > 100",
    // LIKE.
    "SELECT * FROM posts WHERE title LIKE 'Post title 12%'",
    "SELECT * FROM posts WHERE title LIKE '%title 12'",
    // Functions on indexed columns, and an expression index.
    "SELECT * FROM users WHERE lower(email) = ?",
    "SELECT * FROM users WHERE lower(name) = ?",
    "SELECT * FROM posts WHERE substr(title, 1, 4) = 'Post'",
    // OR across columns, one of them unindexed.
    "SELECT * FROM posts WHERE author_id = ? OR views = ?",
    // Partial index.
    "SELECT * FROM posts WHERE status = 'draft' AND deleted_at IS NULL",
    "SELECT * FROM posts WHERE status = 'draft'",
    // ORDER BY … LIMIT, GROUP BY, DISTINCT.
    "SELECT * FROM posts WHERE author_id = ? ORDER BY created_at DESC LIMIT 10",
    "SELECT * FROM orders ORDER BY placed_at DESC LIMIT 20",
    "SELECT status, count(*) FROM orders GROUP BY status",
    "SELECT DISTINCT country FROM users",
    "SELECT author_id, count(*) FROM posts GROUP BY author_id",
    // Joins with indexed join columns.
    "SELECT u.name, p.title FROM users u JOIN posts p ON p.author_id = u.id WHERE u.email = ?",
    "SELECT p.title, c.body FROM posts p JOIN comments c ON c.post_id = p.id WHERE p.id = ?",
    "SELECT t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = ?",
    "SELECT o.total, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.placed_at > '2024-11-01'",
    "SELECT u.email FROM users u, orders o WHERE o.user_id = u.id AND o.id = ?",
    // Joins on an unindexed column.
    "SELECT p.title, c.body FROM posts p LEFT JOIN comments c ON c.user_id = p.author_id WHERE p.id = ?",
    "SELECT c.body, u.name FROM comments c JOIN users u ON u.id = c.user_id WHERE c.post_id = ?",
    // Subqueries.
    "SELECT * FROM posts WHERE author_id IN (SELECT id FROM users WHERE country = 'AB')",
    "SELECT p.id, (SELECT count(*) FROM comments c WHERE c.post_id = p.id) FROM posts p WHERE p.author_id = ?",
    "SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.status = 'pending')",
    "SELECT o.total, c.body FROM orders o JOIN comments c ON c.user_id = o.user_id \
     WHERE o.placed_at > '2024-11-01'",
    // CTEs and set operations.
    "WITH top AS (SELECT author_id, count(*) AS n FROM posts GROUP BY author_id ORDER BY n DESC LIMIT 5) \
     SELECT u.name FROM top JOIN users u ON u.id = top.author_id",
    "SELECT id FROM users WHERE email = ? UNION SELECT author_id FROM posts WHERE title = ?",
    // DML.
    "UPDATE posts SET views = views + 1 WHERE id = ?",
    "DELETE FROM comments WHERE user_id = ?",
    "UPDATE orders SET status = 'shipped' WHERE placed_at < ?",
];

/// Statements where SQLite does something the model does not: each with the
/// text of the plan row that shows the planner feature at work.
const PLANNER_FEATURES: &[(&str, &str)] = &[
    // Skip-scan: with `ANALYZE` showing few distinct author_id values, SQLite
    // seeks ix_posts_author_created once per author for a range on its second
    // key. The model only seeks an index through its leading key.
    (
        "SELECT author_id, count(*) FROM posts WHERE created_at > ? GROUP BY author_id",
        "ANY(author_id)",
    ),
    // OR-optimization: each branch of an OR across two indexed columns is
    // sought in its own index and the rowids merged. The model scans.
    (
        "SELECT * FROM posts WHERE author_id = ? OR title = ?",
        "MULTI-INDEX OR",
    ),
    // Automatic index: for a join on an unindexed column SQLite builds a
    // temporary index for the statement. The model scans the inner table
    // per outer row (its join term says so).
    (
        "SELECT u.email, c.body FROM users u JOIN comments c ON c.body = u.name",
        "AUTOMATIC",
    ),
];

fn database(dir: &tempfile::TempDir) -> (Connection, Catalog) {
    let path = dir.path().join("app.db");
    let conn = Connection::open(&path).expect("creates the database");
    conn.execute_batch(SCHEMA).expect("schema");
    conn.execute_batch(SEED).expect("seed");
    conn.execute_batch("PRAGMA case_sensitive_like = ON;")
        .expect("pragma");
    let catalog = sqlite::load(&path).expect("catalog loads");
    (conn, catalog)
}

/// (table reference, full scan?) pairs, sorted.
type Calls = Vec<(String, bool)>;

fn model_calls(sql: &str, catalog: &Catalog) -> Calls {
    let stmts = sqlparser::parser::Parser::parse_sql(&*Dialect::Sqlite.parser_dialect(), sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let cost = estimate(&stmts[0], Some(catalog));
    let mut calls: Calls = cost
        .accesses
        .iter()
        .map(|a| {
            (
                a.alias.clone().unwrap_or_else(|| a.table.clone()),
                a.is_scan(),
            )
        })
        .collect();
    calls.sort();
    calls
}

/// The planner's calls for base tables: a `SCAN top` of a CTE or subquery
/// the planner materialized is not a table access (the model costs those
/// as subqueries), so only names of catalog tables or of the model's table
/// references count.
fn planner_calls(
    conn: &Connection,
    sql: &str,
    catalog: &Catalog,
    model: &Calls,
) -> (Calls, Vec<String>) {
    let plan = explain_sqlite(conn, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut calls: Calls = plan
        .accesses
        .iter()
        .filter(|a| catalog.table(&a.table).is_some() || model.iter().any(|(n, _)| *n == a.table))
        .map(|a| (a.table.clone(), a.scan))
        .collect();
    calls.sort();
    (calls, plan.render())
}

#[test]
#[allow(clippy::print_stdout)] // the agreement count is the test's headline
fn scan_or_index_agrees_with_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (conn, catalog) = database(&dir);
    let mut agreed = 0;
    let mut report = String::new();
    for sql in AGREE {
        let model = model_calls(sql, &catalog);
        let (planner, plan) = planner_calls(&conn, sql, &catalog, &model);
        if model == planner && !planner.is_empty() {
            agreed += 1;
        } else {
            let _ = writeln!(
                report,
                "{sql}\n  model:   {model:?}\n  planner: {planner:?}\n  {}",
                plan.join("\n  ")
            );
        }
    }
    println!(
        "cost model and SQLite planner agree on {agreed} of {} statements",
        AGREE.len()
    );
    assert!(report.is_empty(), "disagreements:\n{report}");
    assert!(agreed >= 30);
}

#[test]
fn excluded_statements_really_use_the_planner_feature_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (conn, catalog) = database(&dir);
    for (sql, feature) in PLANNER_FEATURES {
        let plan = explain_sqlite(&conn, sql).expect("plans").render();
        assert!(
            plan.iter().any(|l| l.contains(feature)),
            "{sql}: no {feature} in\n{}",
            plan.join("\n")
        );
        let model = model_calls(sql, &catalog);
        assert!(model.iter().any(|(_, scan)| *scan), "{sql}: {model:?}");
    }
}
