//! The public API end to end: a default `Linter` over typical ORM-generated
//! statements reports nothing, and over a statement with several problems
//! reports each rule once, in code order, honouring suppressions.

use sqlparser::parser::Parser;
use sqlsift_analyzer::Dialect;
use sqlsift_rules::{Context, Linter, RulesConfig, Violation};

fn lint(sql: &str, dialect: Dialect) -> Vec<Violation> {
    let stmts = Parser::parse_sql(dialect.parser_dialect().as_ref(), sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let linter = Linter::new(&RulesConfig::default()).expect("default config");
    stmts
        .iter()
        .flat_map(|statement| {
            linter.check(&Context {
                statement,
                sql,
                dialect,
                catalog: None,
            })
        })
        .collect()
}

#[test]
fn ordinary_application_queries_are_clean() {
    let clean = [
        (
            r#"SELECT "users"."id", "users"."email" FROM "users" WHERE "users"."id" = $1 LIMIT 1"#,
            Dialect::PostgreSql,
        ),
        (
            "SELECT o.id, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = $1 ORDER BY o.created_at DESC LIMIT 20",
            Dialect::PostgreSql,
        ),
        (
            "SELECT `books`.`id`, `books`.`title` FROM `books` WHERE `books`.`author_id` IN (1, 2, 3)",
            Dialect::MySql,
        ),
        (
            "INSERT INTO sessions (id, user_id, expires_at) VALUES (?, ?, ?)",
            Dialect::Sqlite,
        ),
        (
            "UPDATE users SET last_seen = now() WHERE id = $1",
            Dialect::PostgreSql,
        ),
        (
            "DELETE FROM sessions WHERE expires_at < now()",
            Dialect::PostgreSql,
        ),
        (
            "SELECT count(*) FROM orders WHERE user_id = $1",
            Dialect::PostgreSql,
        ),
        (
            "SELECT status, count(*) FROM orders WHERE created_at >= $1 GROUP BY status ORDER BY status",
            Dialect::PostgreSql,
        ),
        (
            "SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)",
            Dialect::PostgreSql,
        ),
        (
            "SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
            Dialect::PostgreSql,
        ),
        (
            "SELECT id FROM users WHERE deleted_at IS NULL AND name LIKE 'An%' ORDER BY id LIMIT 50 OFFSET 100",
            Dialect::PostgreSql,
        ),
    ];
    for (sql, dialect) in clean {
        assert_eq!(lint(sql, dialect), [], "{sql}");
    }
}

#[test]
fn each_problem_reports_once_in_code_order() {
    let sql = "SELECT * FROM users WHERE email LIKE '%@x.com' AND manager_id = NULL ORDER BY 1 LIMIT 20 OFFSET 5000";
    let codes: Vec<&str> = lint(sql, Dialect::PostgreSql)
        .iter()
        .map(|v| v.code)
        .collect();
    assert_eq!(codes, ["SQ001", "SQ002", "SQ010", "SQ020", "SQ022"]);
    let quiet = format!("{sql} -- sqlsift:ignore SQ001, deep-offset, null-comparison");
    let codes: Vec<&str> = lint(&quiet, Dialect::PostgreSql)
        .iter()
        .map(|v| v.code)
        .collect();
    assert_eq!(codes, ["SQ002", "SQ022"]);
}
