//! SQ019 `correlated-subquery-in-select`: a subquery in the select list that
//! runs once per result row.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, SelectItem, visit_expressions};

use crate::ast::{Scope, each_select, query_tables, shallow};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct CorrelatedSubqueryInSelect {
        code: "SQ019",
        name: "correlated-subquery-in-select",
        severity: Warning,
        needs_catalog: false,
        summary: "A correlated subquery in the select list runs once per row; join or use LATERAL",
        what: "Flags a scalar subquery in the select list that refers to a table of the outer query by its name or alias (unqualified references are not attributed, so they do not fire).",
        why: "The subquery is an N+1 inside the database: it executes once for every row of the outer query. A join with a grouped derived table (or LATERAL) computes all the values in one pass.",
        bad: "SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) AS orders FROM users u",
        good: "SELECT u.id, count(o.id) AS orders FROM users u LEFT JOIN orders o ON o.user_id = u.id GROUP BY u.id",
    }
}

impl Rule for CorrelatedSubqueryInSelect {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        each_select(ctx.statement, |sel| {
            let outer = Scope::of_from(&sel.from);
            for item in &sel.projection {
                let (SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) = item
                else {
                    continue;
                };
                shallow(e, |x| {
                    let Expr::Subquery(q) = x else { return };
                    // Qualifiers the subquery's own FROM clauses define.
                    let mut inner = Scope::default();
                    each_select(q.as_ref(), |s| {
                        inner.tables.extend(Scope::of_from(&s.from).tables);
                    });
                    let mut correlated = None;
                    let _ = visit_expressions(q.as_ref(), |y| {
                        if let Expr::CompoundIdentifier(parts) = y
                            && parts.len() >= 2
                            && inner.table_for(&parts[parts.len() - 2].value).is_none()
                            && let Some(t) = outer.table_for(&parts[parts.len() - 2].value)
                        {
                            correlated = Some(t.name.clone());
                            return ControlFlow::Break(());
                        }
                        ControlFlow::Continue(())
                    });
                    let Some(outer_table) = correlated else {
                        return;
                    };
                    let sub = query_tables(q)
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| "a table".to_owned());
                    out.push(
                        Violation::new(&META, format!("the subquery on {sub} in the select list runs once for every row of {outer_table}"))
                            .fix(format!("LEFT JOIN (SELECT <key>, <aggregate> FROM {sub} GROUP BY <key>) ON <key> = {outer_table}.<key>, or a LEFT JOIN LATERAL"))
                            .table(Some(sub)),
                    );
                });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run};

    #[test]
    fn names_both_tables() {
        let v = one(&CorrelatedSubqueryInSelect, META.bad, None);
        assert_eq!(
            v.message,
            "the subquery on orders in the select list runs once for every row of users"
        );
    }

    #[test]
    fn uncorrelated_and_where_subqueries_are_fine() {
        assert!(
            run(
                &CorrelatedSubqueryInSelect,
                "SELECT u.id, (SELECT max(o.total) FROM orders o) FROM users u",
                None
            )
            .is_empty()
        );
        assert!(
            run(
                &CorrelatedSubqueryInSelect,
                "SELECT u.id FROM users u WHERE u.id = (SELECT max(o.user_id) FROM orders o)",
                None
            )
            .is_empty()
        );
    }
}
