//! Reads the key parts and partial predicate of a parsed `CREATE INDEX` (or of
//! a constraint's column list). Both the schema-file loader and the SQLite
//! loader need it: SQLite's `PRAGMA index_xinfo` says a key part is an
//! expression but not which one, so the text comes from the index's own SQL.

use sqlparser::ast::{Expr, IndexColumn, OrderBySort, Statement};
use sqlparser::parser::Parser;

use super::IndexKey;
use crate::Dialect;

/// One key part: a plain (possibly qualified) column, or any other expression
/// as SQL text.
pub(crate) fn key(col: &IndexColumn) -> IndexKey {
    let descending = matches!(col.column.options.sort, Some(OrderBySort::Desc));
    match column_name(&col.column.expr) {
        Some(name) => IndexKey::Column {
            name: name.to_owned(),
            descending,
        },
        None => IndexKey::Expression {
            sql: col.column.expr.to_string(),
            descending,
        },
    }
}

/// The column an expression names: `col`, `t.col` or `(col)`.
fn column_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Identifier(id) => Some(&id.value),
        Expr::CompoundIdentifier(ids) => ids.last().map(|i| i.value.as_str()),
        Expr::Nested(inner) => column_name(inner),
        _ => None,
    }
}

/// A partial index's predicate as SQL text, without the parentheses
/// `pg_dump` wraps it in, so every loader spells it alike.
pub(crate) fn predicate(e: &Expr) -> String {
    match e {
        Expr::Nested(inner) => predicate(inner),
        other => other.to_string(),
    }
}

/// The key parts and predicate of `sql` if it parses as one `CREATE INDEX`.
pub(crate) fn parse(sql: &str, dialect: Dialect) -> Option<(Vec<IndexKey>, Option<String>)> {
    let mut stmts = Parser::parse_sql(&*dialect.parser_dialect(), sql).ok()?;
    match stmts.pop()? {
        Statement::CreateIndex(ci) if stmts.is_empty() => Some((
            ci.columns.iter().map(key).collect(),
            ci.predicate.as_ref().map(predicate),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_expressions_direction_and_predicate() {
        let (keys, pred) = parse(
            "CREATE INDEX i ON t (a, \"B\" DESC, lower(email), t.c ASC) WHERE (deleted_at IS NULL)",
            Dialect::Sqlite,
        )
        .unwrap();
        assert_eq!(
            keys,
            [
                IndexKey::Column {
                    name: "a".into(),
                    descending: false
                },
                IndexKey::Column {
                    name: "B".into(),
                    descending: true
                },
                IndexKey::Expression {
                    sql: "lower(email)".into(),
                    descending: false
                },
                IndexKey::Column {
                    name: "c".into(),
                    descending: false
                },
            ]
        );
        assert_eq!(pred.as_deref(), Some("deleted_at IS NULL"));
    }

    #[test]
    fn not_an_index_is_none() {
        assert!(parse("CREATE TABLE t (a int)", Dialect::Generic).is_none());
        assert!(parse("CREATE INDEX ON", Dialect::Generic).is_none());
    }
}
