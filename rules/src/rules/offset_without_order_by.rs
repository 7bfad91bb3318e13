//! SQ024 `offset-without-order-by`: pages of an unordered result.

use crate::ast::{each_query, offset, order_by, query_tables};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct OffsetWithoutOrderBy {
        code: "SQ024",
        name: "offset-without-order-by",
        severity: Warning,
        needs_catalog: false,
        summary: "OFFSET without ORDER BY pages through rows in no defined order",
        what: "Flags a query with an OFFSET (or MySQL's `LIMIT o, n`) and no ORDER BY.",
        why: "Without ORDER BY the database may return rows in any order, and it changes with plans, parallel workers, updates and vacuum: pages overlap and rows are skipped, unpredictably.",
        bad: "SELECT id, total FROM orders LIMIT 20 OFFSET 40",
        good: "SELECT id, total FROM orders ORDER BY id LIMIT 20 OFFSET 40",
    }
}

impl Rule for OffsetWithoutOrderBy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        each_query(ctx.statement, |q| {
            if offset(q).is_none() || q.order_by.is_some() || !order_by(q).is_empty() {
                return;
            }
            let table = query_tables(q).into_iter().next();
            out.push(
                Violation::new(&META, format!("OFFSET without ORDER BY: pages of {} overlap and skip rows as the plan changes", table.as_deref().unwrap_or("the result")))
                    .fix("add ORDER BY on a unique key (e.g. ORDER BY id) before LIMIT/OFFSET")
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
    fn mysql_comma_form() {
        assert_eq!(
            run_in(
                &OffsetWithoutOrderBy,
                "SELECT id FROM orders LIMIT 40, 20",
                Dialect::MySql,
                None
            )
            .len(),
            1
        );
        assert!(
            run_in(
                &OffsetWithoutOrderBy,
                "SELECT id FROM orders LIMIT 20",
                Dialect::MySql,
                None
            )
            .is_empty()
        );
        assert_eq!(
            one(&OffsetWithoutOrderBy, META.bad, None).table.as_deref(),
            Some("orders")
        );
    }
}
