//! SQ025 `limit-without-order-by`: "the first n rows" of an unordered result.

use sqlparser::ast::{SelectItem, Statement};

use crate::ast::{body_selects, has_aggregate, integer, limit, offset, order_by, query_tables};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct LimitWithoutOrderBy {
        code: "SQ025",
        name: "limit-without-order-by",
        severity: Info,
        needs_catalog: false,
        summary: "LIMIT n without ORDER BY returns an arbitrary n rows",
        what: "Flags a top-level query with a LIMIT other than 1, no OFFSET (see `offset-without-order-by`), no ORDER BY and no aggregate. `LIMIT 1` is left alone: it usually asks whether any row matches.",
        why: "Which rows come back depends on the plan and on physical row order, both of which change: the same request shows different rows from one day to the next, and tests that pass locally fail in production.",
        bad: "SELECT id, total FROM orders WHERE user_id = $1 LIMIT 10",
        good: "SELECT id, total FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 10",
    }
}

impl Rule for LimitWithoutOrderBy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        let Statement::Query(q) = ctx.statement else {
            return;
        };
        let Some(n) = limit(q) else { return };
        if integer(n) == Some(1)
            || offset(q).is_some()
            || q.order_by.is_some()
            || !order_by(q).is_empty()
        {
            return;
        }
        let aggregated = body_selects(&q.body).iter().any(|s| {
            s.projection.iter().any(|i| matches!(i, SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } if has_aggregate(e)))
        });
        if aggregated {
            return;
        }
        let table = query_tables(q).into_iter().next();
        out.push(
            Violation::new(&META, format!("LIMIT {n} without ORDER BY returns whichever {n} rows of {} the plan meets first", table.as_deref().unwrap_or("the result")))
                .fix("add the ORDER BY that defines which rows you want (e.g. ORDER BY created_at DESC, id)")
                .table(table),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run;

    #[test]
    fn limit_one_aggregates_and_subqueries_are_fine() {
        for sql in [
            "SELECT id FROM orders WHERE user_id = $1 LIMIT 1",
            "SELECT count(*) FROM orders LIMIT 10",
            "SELECT id FROM users WHERE id IN (SELECT user_id FROM orders LIMIT 10) ORDER BY id",
        ] {
            assert!(run(&LimitWithoutOrderBy, sql, None).is_empty(), "{sql}");
        }
        assert_eq!(
            run(&LimitWithoutOrderBy, "SELECT id FROM orders LIMIT $1", None).len(),
            1
        );
    }
}
