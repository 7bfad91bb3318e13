//! SQ009 `order-by-random`: `ORDER BY RANDOM()` to pick random rows.

use sqlparser::ast::Expr;

use crate::ast::{each_query, function_name, order_by, query_tables, strip};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct OrderByRandom {
        code: "SQ009",
        name: "order-by-random",
        severity: Warning,
        needs_catalog: false,
        summary: "ORDER BY RANDOM() reads and sorts every row to return a few",
        what: "Flags `ORDER BY RANDOM()`, `RAND()` and `NEWID()`.",
        why: "A random sort key cannot come from an index: the database reads every candidate row, gives each a random number and sorts them all, even for `LIMIT 1`. The cost grows with the table.",
        bad: "SELECT id, name FROM users ORDER BY random() LIMIT 5",
        good: "SELECT id, name FROM users WHERE id >= $1 ORDER BY id LIMIT 5",
    }
}

impl Rule for OrderByRandom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        each_query(ctx.statement, |q| {
            let random = order_by(q).iter().find_map(|o| match strip(&o.expr) {
                Expr::Function(f)
                    if matches!(function_name(f).as_str(), "random" | "rand" | "newid") =>
                {
                    Some(&o.expr)
                }
                _ => None,
            });
            let Some(random) = random else { return };
            let table = query_tables(q).into_iter().next();
            let name = table.clone().unwrap_or_else(|| "the rows".to_owned());
            let fix = match ctx.dialect {
                sqlsift_analyzer::Dialect::PostgreSql => format!("pick random keys in the application (WHERE id >= <random id> ORDER BY id LIMIT n), or sample with {name} TABLESAMPLE SYSTEM (1)"),
                _ => "pick random keys in the application (WHERE id >= <random id between min and max> ORDER BY id LIMIT n)".to_owned(),
            };
            out.push(
                Violation::new(
                    &META,
                    format!("ORDER BY {random} sorts every row of {name} to return a few"),
                )
                .fix(fix)
                .table(table),
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run_in};
    use sqlsift_analyzer::Dialect;

    #[test]
    fn mysql_rand_fires_and_plain_order_does_not() {
        let v = run_in(
            &OrderByRandom,
            "SELECT id FROM orders ORDER BY RAND() LIMIT 1",
            Dialect::MySql,
            None,
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].table.as_deref(), Some("orders"));
        assert!(
            one(&OrderByRandom, META.bad, None)
                .fix
                .unwrap()
                .contains("TABLESAMPLE")
        );
        assert!(
            run_in(
                &OrderByRandom,
                "SELECT id FROM orders ORDER BY created_at",
                Dialect::MySql,
                None
            )
            .is_empty()
        );
    }
}
