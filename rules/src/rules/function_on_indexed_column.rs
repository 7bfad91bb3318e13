//! SQ003 `function-on-indexed-column`: a function or cast wraps a column
//! that a predicate compares with a value.

use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments};
use sqlsift_analyzer::catalog::IndexKey;

use crate::ast::{
    compared_with_value, function_name, has_aggregate, indexed_severity, is_column, predicates,
    strip,
};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct FunctionOnIndexedColumn {
        code: "SQ003",
        name: "function-on-indexed-column",
        severity: Warning,
        needs_catalog: true,
        summary: "A function or cast on an indexed column in a predicate disables the index",
        what: "Flags `f(column) <op> value`, `CAST(column AS …) <op> value`, `column::type <op> value` and `EXTRACT(… FROM column) <op> value` in WHERE, JOIN … ON and HAVING. With a catalog it fires only when an index leads with the column and no expression index covers the function; without a catalog it fires on any such column at severity info, since the column may not be indexed.",
        why: "An index stores the column's values, not `lower(column)` or `date(column)`: the database must compute the function for every row and cannot seek. The query scans the table however selective the filter is.",
        bad: "SELECT id FROM users WHERE lower(email) = 'ann@example.com'",
        good: "SELECT id FROM users WHERE email = 'ann@example.com'",
    }
}

/// The column `e` wraps in a function call, cast or EXTRACT, with the name
/// of the wrapper.
fn wrapped_column(e: &Expr) -> Option<(&Expr, String)> {
    match strip(e) {
        Expr::Cast { expr, .. } if is_column(expr) => Some((expr, "cast".to_owned())),
        Expr::Extract { expr, .. } if is_column(expr) => Some((expr, "extract".to_owned())),
        f @ Expr::Function(func) if !has_aggregate(f) && func.over.is_none() => {
            let FunctionArguments::List(list) = &func.args else {
                return None;
            };
            list.args.iter().find_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(c)) if is_column(c) => {
                    Some((c, function_name(func)))
                }
                _ => None,
            })
        }
        _ => None,
    }
}

impl Rule for FunctionOnIndexedColumn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        predicates(ctx.statement, |e, scope| {
            let Some(side) = compared_with_value(e) else {
                return;
            };
            let Some((col_expr, wrapper)) = wrapped_column(side) else {
                return;
            };
            let Some(col) = scope.resolve(col_expr, ctx.catalog) else {
                return;
            };
            let Some(severity) = indexed_severity(ctx, &META, &col) else {
                return;
            };
            // An expression index on the same function serves the predicate.
            let covered = ctx
                .catalog
                .zip(col.table.as_deref())
                .and_then(|(c, t)| c.table(t))
                .is_some_and(|t| {
                    t.indexes.iter().flat_map(|i| &i.keys).any(|k| match k {
                        IndexKey::Expression { sql, .. } => {
                            let sql = sql.to_ascii_lowercase();
                            sql.contains(&wrapper) && sql.contains(&col.column.to_ascii_lowercase())
                        }
                        IndexKey::Column { .. } => false,
                    })
                });
            if covered {
                return;
            }
            let name = col.display();
            out.push(
                Violation::new(&META, format!("{side} wraps {name} in {wrapper}(), so an index on {name} cannot be used for this filter"))
                    .severity(severity)
                    .fix(format!(
                        "compare the bare column with a transformed value (e.g. a range on {name} instead of date({name}) = …), or create an expression index on ({side})"
                    ))
                    .at(&col),
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;
    use crate::testing::{catalog, one, run};
    use sqlsift_analyzer::catalog::Index;

    #[test]
    fn catalog_decides_between_warning_and_silence() {
        let cat = catalog();
        let v = one(
            &FunctionOnIndexedColumn,
            "SELECT id FROM orders o WHERE o.created_at::date = '2026-01-01'",
            Some(&cat),
        );
        assert_eq!(
            (v.severity, v.table.as_deref()),
            (Severity::Warning, Some("orders"))
        );
        assert_eq!(v.columns, ["created_at"]);
        // users.name has no index: nothing is lost.
        assert!(
            run(
                &FunctionOnIndexedColumn,
                "SELECT id FROM users WHERE upper(name) = 'ANN'",
                Some(&cat)
            )
            .is_empty()
        );
        let mut with_expr = cat.clone();
        with_expr.table_mut("users").unwrap().indexes.push(Index {
            name: "users_lower_email".into(),
            keys: vec![IndexKey::Expression {
                sql: "lower(email)".into(),
                descending: false,
            }],
            ..Index::default()
        });
        assert!(run(&FunctionOnIndexedColumn, META.bad, Some(&with_expr)).is_empty());
    }

    #[test]
    fn without_catalog_any_wrapped_column_is_info() {
        let v = one(
            &FunctionOnIndexedColumn,
            "SELECT id FROM users WHERE EXTRACT(YEAR FROM created_at) BETWEEN 2020 AND 2022",
            None,
        );
        assert_eq!(v.severity, Severity::Info);
        assert!(
            run(
                &FunctionOnIndexedColumn,
                "SELECT id FROM users WHERE lower(email) = lower(name)",
                None
            )
            .is_empty()
        );
    }
}
