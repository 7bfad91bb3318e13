//! SQ027 `group-by-without-aggregate`: GROUP BY used as DISTINCT (or an
//! aggregate forgotten).

use sqlparser::ast::{GroupByExpr, SelectItem};

use crate::ast::{Scope, each_select, has_aggregate};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct GroupByWithoutAggregate {
        code: "SQ027",
        name: "group-by-without-aggregate",
        severity: Info,
        needs_catalog: false,
        summary: "GROUP BY with no aggregate is a DISTINCT in disguise, or a forgotten aggregate",
        what: "Flags a SELECT with GROUP BY whose select list and HAVING call no aggregate.",
        why: "It returns the distinct groups and nothing else: DISTINCT says that plainly. Often an aggregate was meant; in MySQL without ONLY_FULL_GROUP_BY, selecting other columns then returns values from an arbitrary row of each group.",
        bad: "SELECT user_id FROM orders WHERE status = 'paid' GROUP BY user_id",
        good: "SELECT DISTINCT user_id FROM orders WHERE status = 'paid'",
    }
}

impl Rule for GroupByWithoutAggregate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        each_select(ctx.statement, |sel| {
            let GroupByExpr::Expressions(keys, _) = &sel.group_by else {
                return;
            };
            if keys.is_empty() || sel.having.as_ref().is_some_and(has_aggregate) {
                return;
            }
            let aggregated = sel.projection.iter().any(|i| match i {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    has_aggregate(e)
                }
                _ => false,
            });
            if aggregated {
                return;
            }
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            let table = Scope::of_from(&sel.from)
                .tables
                .first()
                .map(|t| t.name.clone());
            out.push(
                Violation::new(&META, format!("GROUP BY {} computes no aggregate: it only deduplicates", keys.join(", ")))
                    .fix("write SELECT DISTINCT instead, or add the aggregate (count, sum, max…) that was meant")
                    .table(table),
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run;

    #[test]
    fn aggregates_in_select_or_having_are_fine() {
        assert!(
            run(
                &GroupByWithoutAggregate,
                "SELECT user_id, max(total) FROM orders GROUP BY user_id",
                None
            )
            .is_empty()
        );
        assert!(
            run(
                &GroupByWithoutAggregate,
                "SELECT user_id FROM orders GROUP BY user_id HAVING count(*) > 2",
                None
            )
            .is_empty()
        );
        assert_eq!(
            run(
                &GroupByWithoutAggregate,
                "SELECT user_id, status FROM orders GROUP BY user_id, status",
                None
            )
            .len(),
            1
        );
    }
}
