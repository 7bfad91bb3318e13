//! SQ017 `having-without-aggregate`: a HAVING condition that belongs in WHERE.

use sqlparser::ast::{Expr, SelectItem};

use crate::ast::{Scope, each_select, has_aggregate, shallow};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct HavingWithoutAggregate {
        code: "SQ017",
        name: "having-without-aggregate",
        severity: Warning,
        needs_catalog: false,
        summary: "HAVING without an aggregate filters after grouping what WHERE could filter before",
        what: "Flags a HAVING clause that calls no aggregate and refers to no select-list alias (MySQL lets HAVING name an aggregate's alias).",
        why: "HAVING runs after every row has been read and grouped; the same condition in WHERE removes rows before grouping and can use an index. Some planners move it for you, many do not.",
        bad: "SELECT status, count(*) FROM orders GROUP BY status HAVING status <> 'cancelled'",
        good: "SELECT status, count(*) FROM orders WHERE status <> 'cancelled' GROUP BY status",
    }
}

impl Rule for HavingWithoutAggregate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        each_select(ctx.statement, |sel| {
            let Some(having) = &sel.having else { return };
            if has_aggregate(having) {
                return;
            }
            let aliases: Vec<String> = sel
                .projection
                .iter()
                .filter_map(|i| match i {
                    SelectItem::ExprWithAlias { alias, .. } => {
                        Some(alias.value.to_ascii_lowercase())
                    }
                    _ => None,
                })
                .collect();
            let mut uses_alias = false;
            shallow(having, |e| {
                if let Expr::Identifier(id) = e {
                    uses_alias |= aliases.contains(&id.value.to_ascii_lowercase());
                }
            });
            if uses_alias {
                return;
            }
            let table = Scope::of_from(&sel.from)
                .tables
                .first()
                .map(|t| t.name.clone());
            out.push(
                Violation::new(&META, format!("HAVING {having} uses no aggregate: it filters {} after grouping instead of before", table.as_deref().unwrap_or("the rows")))
                    .fix(format!("move `{having}` from HAVING to WHERE"))
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
    fn aggregates_and_aliases_belong_in_having() {
        let v = one(&HavingWithoutAggregate, META.bad, None);
        assert_eq!(
            v.fix.as_deref(),
            Some("move `status <> 'cancelled'` from HAVING to WHERE")
        );
        assert!(
            run_in(
                &HavingWithoutAggregate,
                "SELECT user_id, count(*) AS n FROM orders GROUP BY user_id HAVING n > 5",
                Dialect::MySql,
                None
            )
            .is_empty()
        );
        assert!(
            run_in(
                &HavingWithoutAggregate,
                "SELECT user_id FROM orders GROUP BY user_id HAVING sum(total) > 5",
                Dialect::MySql,
                None
            )
            .is_empty()
        );
    }

    /// Statistical, bitwise, JSON and ordered-set aggregates are aggregates:
    /// their HAVING conditions cannot move to WHERE.
    #[test]
    fn every_common_aggregate_counts() {
        for having in [
            "stddev_pop(total) > 10",
            "var_samp(total) > 1",
            "bit_or(coupon_id) <> 0",
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY total) > 100",
            "json_object_agg(status, total) IS NOT NULL",
            "count_if(total > 10) > 1",
        ] {
            let sql = format!("SELECT user_id FROM orders GROUP BY user_id HAVING {having}");
            assert_eq!(
                run_in(&HavingWithoutAggregate, &sql, Dialect::PostgreSql, None),
                [],
                "{sql}"
            );
        }
        assert_eq!(
            run_in(
                &HavingWithoutAggregate,
                "SELECT user_id FROM orders GROUP BY user_id HAVING std(total) > 1 AND json_arrayagg(id) IS NOT NULL",
                Dialect::MySql,
                None
            ),
            []
        );
    }
}
