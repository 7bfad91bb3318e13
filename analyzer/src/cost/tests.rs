use super::*;
use crate::Dialect;
use crate::catalog::{Column, Index, IndexKey, Table};

fn col(name: &str, distinct: Option<f64>) -> Column {
    Column {
        name: name.into(),
        data_type: "integer".into(),
        nullable: true,
        distinct,
    }
}

fn index(name: &str, keys: &[&str], unique: bool) -> Index {
    Index {
        name: name.into(),
        keys: keys
            .iter()
            .map(|k| {
                if k.contains('(') {
                    IndexKey::Expression {
                        sql: (*k).into(),
                        descending: false,
                    }
                } else {
                    IndexKey::Column {
                        name: (*k).into(),
                        descending: false,
                    }
                }
            })
            .collect(),
        unique,
        primary: unique && keys == ["id"],
        predicate: None,
    }
}

/// users (1,000 rows), posts (20,000), comments (100,000, its post_id not
/// indexed), events (1,000,000), tiny (100).
fn catalog() -> Catalog {
    let mut c = Catalog::new("test");
    c.insert(Table {
        name: "users".into(),
        columns: vec![
            col("id", None),
            col("email", None),
            col("country", Some(50.0)),
        ],
        indexes: vec![
            index("users_pkey", &["id"], true),
            index("ix_users_email", &["email"], true),
            index("ix_users_lower_email", &["lower(email)"], false),
        ],
        rows: Some(1_000.0),
    });
    let mut draft = index("ix_posts_draft", &["status"], false);
    draft.predicate = Some("deleted_at IS NULL".into());
    c.insert(Table {
        name: "posts".into(),
        columns: vec![
            col("id", None),
            col("author_id", Some(1_000.0)),
            col("created_at", None),
            col("title", None),
            col("status", Some(4.0)),
            col("deleted_at", None),
        ],
        indexes: vec![
            index("posts_pkey", &["id"], true),
            index(
                "ix_posts_author_created",
                &["author_id", "created_at"],
                false,
            ),
            index("ix_posts_title", &["title"], false),
            draft,
        ],
        rows: Some(20_000.0),
    });
    c.insert(Table {
        name: "comments".into(),
        columns: vec![col("id", None), col("post_id", None), col("body", None)],
        indexes: vec![index("comments_pkey", &["id"], true)],
        rows: Some(100_000.0),
    });
    for (name, rows) in [("events", 1_000_000.0), ("tiny", 100.0)] {
        c.insert(Table {
            name: name.into(),
            columns: vec![col("id", None), col("kind", None)],
            indexes: vec![index(&format!("{name}_pkey"), &["id"], true)],
            rows: Some(rows),
        });
    }
    c
}

fn cost_of(sql: &str, catalog: Option<&Catalog>) -> Cost {
    let stmts = sqlparser::parser::Parser::parse_sql(&*Dialect::PostgreSql.parser_dialect(), sql)
        .expect("parses");
    estimate(&stmts[0], catalog)
}

fn with_catalog(sql: &str) -> Cost {
    cost_of(sql, Some(&catalog()))
}

fn kinds(c: &Cost) -> Vec<TermKind> {
    c.terms.iter().map(|t| t.kind).collect()
}

fn term(c: &Cost, kind: TermKind) -> &Term {
    c.terms
        .iter()
        .find(|t| t.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} term in {:#?}", c.terms))
}

#[test]
fn terms_sum_to_the_total_and_always_say_why() {
    let c = with_catalog(
        "SELECT DISTINCT p.author_id, count(*) FROM posts p JOIN comments c ON c.post_id = p.id \
         WHERE p.status = 'x' GROUP BY p.author_id ORDER BY 2 DESC",
    );
    let sum: f64 = c.terms.iter().map(|t| t.points).sum();
    assert!((sum - c.total).abs() < 1e-6);
    assert!(c.terms.iter().all(|t| !t.reason.is_empty()));
    for k in [
        TermKind::Join,
        TermKind::GroupBy,
        TermKind::Distinct,
        TermKind::OrderBy,
    ] {
        assert!(kinds(&c).contains(&k), "{k:?} in {:#?}", c.terms);
    }
}

#[test]
fn an_indexed_lookup_is_far_cheaper_than_a_scan_of_a_big_table() {
    let lookup = with_catalog("SELECT * FROM events WHERE id = $1");
    let scan = with_catalog("SELECT * FROM events WHERE kind = $1");
    let small_scan = with_catalog("SELECT * FROM tiny WHERE kind = $1");
    assert_eq!(kinds(&lookup), [TermKind::IndexLookup]);
    assert!(!lookup.accesses[0].is_scan());
    assert!(lookup.total < 5.0, "{lookup:#?}");
    assert!(scan.total > 1_000.0 * small_scan.total, "{scan:#?}");
    let reason = &term(&scan, TermKind::FullScan).reason;
    assert!(
        reason.contains("1,000,000 rows") && reason.contains("no index leads with kind"),
        "{reason}"
    );
}

#[test]
fn a_function_on_an_indexed_column_forces_a_scan_unless_an_expression_index_matches() {
    let hidden = with_catalog("SELECT * FROM posts WHERE upper(title) = $1");
    let t = term(&hidden, TermKind::FunctionOnIndexedColumn);
    assert!(
        t.reason
            .contains("upper(title) hides title from index ix_posts_title"),
        "{}",
        t.reason
    );
    assert!(hidden.accesses[0].is_scan());
    let served = with_catalog("SELECT * FROM users WHERE lower(users.email) = $1");
    assert_eq!(
        served.accesses[0].method,
        AccessMethod::Index {
            name: "ix_users_lower_email".into(),
            columns: vec!["lower(email)".into()]
        }
    );
}

#[test]
fn leading_wildcards_or_across_columns_and_ranges() {
    let like = with_catalog("SELECT * FROM posts WHERE title LIKE '%rust%'");
    assert!(like.accesses[0].is_scan());
    assert!(
        term(&like, TermKind::LeadingWildcardLike)
            .reason
            .contains("ix_posts_title")
    );
    let prefix = with_catalog("SELECT * FROM posts WHERE title LIKE 'rust%'");
    assert_eq!(kinds(&prefix), [TermKind::IndexRange]);
    let or = with_catalog("SELECT * FROM posts WHERE author_id = 1 OR title = 'x'");
    assert!(or.accesses[0].is_scan());
    assert!(
        term(&or, TermKind::FullScan)
            .reason
            .contains("OR across author_id, title")
    );
    let same = with_catalog("SELECT * FROM posts WHERE author_id = 1 OR author_id = 2");
    assert!(!same.accesses[0].is_scan());
    // Equality on the leading key, then a range on the next one.
    let range = with_catalog(
        "SELECT * FROM posts WHERE author_id = $1 AND created_at > $2 ORDER BY created_at LIMIT 10",
    );
    assert_eq!(kinds(&range), [TermKind::IndexRange], "{range:#?}");
    assert_eq!(
        range.accesses[0].method,
        AccessMethod::Index {
            name: "ix_posts_author_created".into(),
            columns: vec!["author_id".into(), "created_at".into()]
        }
    );
    // 20,000 × 1/1,000 × 1/4 rows.
    assert!((range.accesses[0].rows - 5.0).abs() < 1e-9);
    // The second key alone cannot be sought.
    let second = with_catalog("SELECT * FROM posts WHERE created_at > $1");
    assert!(second.accesses[0].is_scan());
}

#[test]
fn order_by_is_free_only_when_the_index_delivers_the_order() {
    let served =
        with_catalog("SELECT * FROM posts WHERE author_id = $1 ORDER BY created_at DESC LIMIT 10");
    assert!(!kinds(&served).contains(&TermKind::OrderBy), "{served:#?}");
    let sorted = with_catalog("SELECT * FROM posts WHERE author_id = $1 ORDER BY title");
    assert!(kinds(&sorted).contains(&TermKind::OrderBy));
}

#[test]
fn partial_indexes_need_their_condition_in_the_query() {
    let implied = with_catalog("SELECT * FROM posts WHERE status = $1 AND deleted_at IS NULL");
    assert!(matches!(
        &implied.accesses[0].method,
        AccessMethod::Index { name, .. } if name == "ix_posts_draft"
    ));
    let not = with_catalog("SELECT * FROM posts WHERE status = $1");
    assert!(not.accesses[0].is_scan());
    assert!(term(&not, TermKind::FullScan).reason.contains("partial"));
}

#[test]
fn joins_probe_the_inner_index_or_scan_it_per_outer_row() {
    let indexed = with_catalog(
        "SELECT u.email, p.title FROM users u JOIN posts p ON p.author_id = u.id WHERE u.email = $1",
    );
    assert_eq!(indexed.accesses.len(), 2);
    assert!(
        indexed.accesses.iter().all(|a| !a.is_scan()),
        "{indexed:#?}"
    );
    // LEFT JOIN keeps comments inner: with no index on post_id, each of
    // the ~20 posts scans all 100,000 comments.
    let unindexed = with_catalog(
        "SELECT p.title, c.body FROM posts p LEFT JOIN comments c ON c.post_id = p.id WHERE p.author_id = $1",
    );
    let join = term(&unindexed, TermKind::Join);
    assert!(
        join.reason.contains("comments is scanned for each of ~20"),
        "{}",
        join.reason
    );
    assert!(unindexed.total > 100.0 * indexed.total);
    // An inner join reads the big table once instead, and probes posts.
    let reordered = with_catalog(
        "SELECT p.title, c.body FROM posts p JOIN comments c ON c.post_id = p.id WHERE p.author_id = $1",
    );
    assert_eq!(reordered.accesses[0].table, "comments");
    assert!(reordered.accesses[0].is_scan() && !reordered.accesses[1].is_scan());
    assert!(reordered.total < unindexed.total);
}

#[test]
fn a_missing_join_condition_is_a_cartesian_product() {
    let c = with_catalog("SELECT * FROM users, tiny WHERE users.id = 1");
    let t = term(&c, TermKind::CartesianProduct);
    assert!(t.reason.contains("users and tiny"), "{}", t.reason);
}

#[test]
fn correlated_subqueries_cost_once_per_outer_row() {
    let correlated = with_catalog(
        "SELECT p.id, (SELECT count(*) FROM comments c WHERE c.post_id = p.id) FROM posts p",
    );
    let t = term(&correlated, TermKind::CorrelatedSubquery);
    assert!((t.rows.unwrap_or_default() - 20_000.0).abs() < 1e-6);
    let once = with_catalog(
        "SELECT * FROM posts WHERE author_id IN (SELECT id FROM users WHERE country = 'NZ')",
    );
    assert!(kinds(&once).contains(&TermKind::Subquery));
    assert!(!kinds(&once).contains(&TermKind::CorrelatedSubquery));
    assert!(correlated.total > 1_000.0 * once.total);
}

#[test]
fn without_a_catalog_tables_are_assumed_and_the_reason_says_so() {
    let fk = cost_of("SELECT * FROM orders WHERE customer_id = $1", None);
    assert!(
        (fk.total - 100.0).abs() < 1e-9,
        "the audit's flat +100: {fk:#?}"
    );
    let reason = &term(&fk, TermKind::FullScan).reason;
    assert!(
        reason.contains("1,000 rows, assumed: no catalog"),
        "{reason}"
    );
    let pk = cost_of("SELECT * FROM orders WHERE id = $1", None);
    assert_eq!(kinds(&pk), [TermKind::IndexLookup]);
}

#[test]
fn dml_ctes_unions_and_other_statements() {
    let update = with_catalog("UPDATE posts SET title = 'x' WHERE author_id = $1");
    assert_eq!(kinds(&update), [TermKind::IndexLookup]);
    let delete = with_catalog("DELETE FROM comments WHERE post_id = $1");
    assert_eq!(kinds(&delete), [TermKind::FullScan]);
    let insert = with_catalog("INSERT INTO tiny (id, kind) SELECT id, kind FROM events");
    assert_eq!(insert.accesses.len(), 1);
    assert!(insert.total >= 100_000.0);
    assert!(
        with_catalog("INSERT INTO tiny VALUES (1, 2)")
            .terms
            .is_empty()
    );
    let cte = with_catalog(
        "WITH recent AS (SELECT * FROM posts WHERE author_id = $1) SELECT * FROM recent",
    );
    assert_eq!(cte.accesses.len(), 1, "the CTE is not a table: {cte:#?}");
    let union = with_catalog("SELECT id FROM users UNION SELECT id FROM tiny");
    assert!(kinds(&union).contains(&TermKind::Distinct));
    let other = with_catalog("CREATE TABLE x (id int)");
    assert!(other.terms.is_empty() && other.total == 0.0);
}
