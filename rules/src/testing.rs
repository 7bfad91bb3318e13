//! Test helpers shared by the rule files: parsing, running one rule alone
//! (with or without the fixture catalog), and a catalog of three tables with
//! indexes, nullable columns and row counts that the examples refer to.

use sqlparser::ast::Statement;
use sqlparser::parser::Parser;
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::catalog::{Catalog, Column, Index, IndexKey, Table};

use crate::{Context, Rule, Violation};

pub fn parse(sql: &str, dialect: Dialect) -> Statement {
    let mut stmts = Parser::parse_sql(dialect.parser_dialect().as_ref(), sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(stmts.len(), 1, "{sql}");
    stmts.remove(0)
}

/// Runs `rule` alone on `sql` (PostgreSQL dialect).
pub fn run(rule: &dyn Rule, sql: &str, catalog: Option<&Catalog>) -> Vec<Violation> {
    run_in(rule, sql, Dialect::PostgreSql, catalog)
}

pub fn run_in(
    rule: &dyn Rule,
    sql: &str,
    dialect: Dialect,
    catalog: Option<&Catalog>,
) -> Vec<Violation> {
    let stmt = parse(sql, dialect);
    let ctx = Context {
        statement: &stmt,
        sql,
        dialect,
        catalog,
    };
    let mut out = Vec::new();
    rule.check(&ctx, &mut out);
    out
}

/// The one violation `rule` reports on `sql`.
pub fn one(rule: &dyn Rule, sql: &str, catalog: Option<&Catalog>) -> Violation {
    let mut found = run(rule, sql, catalog);
    assert_eq!(found.len(), 1, "{sql}: {found:?}");
    found.remove(0)
}

fn column(name: &str, data_type: &str, nullable: bool) -> Column {
    Column {
        name: name.into(),
        data_type: data_type.into(),
        nullable,
        distinct: None,
    }
}

fn index(name: &str, cols: &[&str], unique: bool) -> Index {
    Index {
        name: name.into(),
        keys: cols
            .iter()
            .map(|c| IndexKey::Column {
                name: (*c).into(),
                descending: false,
            })
            .collect(),
        unique,
        primary: name.ends_with("pkey"),
        predicate: None,
    }
}

/// users (200k rows), orders (5M rows), countries (250 rows).
pub fn catalog() -> Catalog {
    let mut c = Catalog::new("fixture");
    c.insert(Table {
        name: "users".into(),
        columns: vec![
            column("id", "integer", false),
            column("email", "text", false),
            column("name", "text", true),
            column("country_code", "char(2)", true),
            column("phone", "varchar(20)", true),
            column("manager_id", "integer", true),
            column("created_at", "timestamp", false),
        ],
        indexes: vec![
            index("users_pkey", &["id"], true),
            index("users_email", &["email"], true),
            index("users_phone", &["phone"], false),
            index("users_created_at", &["created_at"], false),
        ],
        rows: Some(200_000.0),
    });
    c.insert(Table {
        name: "orders".into(),
        columns: vec![
            column("id", "bigint", false),
            column("user_id", "integer", false),
            column("total", "numeric(10,2)", false),
            column("status", "varchar(16)", false),
            column("coupon_id", "integer", true),
            column("created_at", "timestamp", false),
        ],
        indexes: vec![
            index("orders_pkey", &["id"], true),
            index("orders_user_id", &["user_id"], false),
            index("orders_status", &["status"], false),
            index("orders_created_at", &["created_at"], false),
        ],
        rows: Some(5_000_000.0),
    });
    c.insert(Table {
        name: "countries".into(),
        columns: vec![
            column("code", "char(2)", false),
            column("name", "text", false),
        ],
        indexes: vec![index("countries_pkey", &["code"], true)],
        rows: Some(250.0),
    });
    c
}
