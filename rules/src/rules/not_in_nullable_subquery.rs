//! SQ005 `not-in-nullable-subquery`: `NOT IN (SELECT …)` over a column that
//! can be NULL.

use sqlparser::ast::{Expr, InTarget, SelectItem};

use crate::ast::{ColumnRef, Scope, body_selects, predicates};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Severity, Violation};

declare_rule! {
    pub struct NotInNullableSubquery {
        code: "SQ005",
        name: "not-in-nullable-subquery",
        severity: Error,
        needs_catalog: true,
        summary: "NOT IN over a subquery that can return NULL matches no row at all",
        what: "Flags `x NOT IN (SELECT col …)`. With a catalog it fires (error) when `col` is nullable and stays silent when it is NOT NULL; without a catalog, or when the column cannot be resolved, it fires on every `NOT IN (subquery)` at severity warning.",
        why: "`x NOT IN (1, NULL)` is never true: it is `x <> 1 AND x <> NULL`, and the second comparison is unknown. One NULL in the subquery's result silently empties the whole query. `NOT EXISTS` has the intended meaning and plans as an anti-join.",
        bad: "SELECT id FROM users WHERE id NOT IN (SELECT manager_id FROM users)",
        good: "SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM users m WHERE m.manager_id = u.id)",
    }
}

impl Rule for NotInNullableSubquery {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        predicates(ctx.statement, |e, _| {
            let Expr::In {
                expr,
                target: InTarget::Subquery(q),
                negated: true,
                ..
            } = e
            else {
                return;
            };
            let selects = body_selects(&q.body);
            // The column the subquery returns, resolved inside it.
            let col = selects
                .first()
                .and_then(|sel| match sel.projection.as_slice() {
                    [SelectItem::UnnamedExpr(c) | SelectItem::ExprWithAlias { expr: c, .. }] => {
                        Scope::of_from(&sel.from).resolve(c, ctx.catalog)
                    }
                    _ => None,
                });
            let nullable = col.as_ref().and_then(|c| {
                let table = ctx.catalog?.table(c.table.as_deref()?)?;
                Some(table.column(&c.column)?.nullable)
            });
            let severity = match nullable {
                Some(false) => return,
                Some(true) => META.severity,
                None => Severity::Warning,
            };
            let what = col
                .as_ref()
                .map_or_else(|| "the subquery's column".to_owned(), ColumnRef::display);
            let known = if nullable.is_some() {
                "is nullable"
            } else {
                "may be NULL"
            };
            out.push(Violation::new(
                &META,
                format!("{expr} NOT IN (SELECT {what} …): {what} {known}, and one NULL makes NOT IN match no row"),
            )
            .severity(severity)
            .fix(format!("NOT EXISTS (SELECT 1 FROM … WHERE {what} = {expr}), or add WHERE {what} IS NOT NULL inside the subquery")).at(col.as_ref()));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{catalog, one, run};

    #[test]
    fn catalog_nullability_decides() {
        let cat = catalog();
        let v = one(&NotInNullableSubquery, META.bad, Some(&cat));
        assert_eq!(
            (v.severity, v.table.as_deref()),
            (Severity::Error, Some("users"))
        );
        assert_eq!(v.columns, ["manager_id"]);
        assert!(
            run(
                &NotInNullableSubquery,
                "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM orders)",
                Some(&cat)
            )
            .is_empty()
        );
    }

    #[test]
    fn without_catalog_every_not_in_subquery_warns() {
        let v = one(
            &NotInNullableSubquery,
            "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM orders)",
            None,
        );
        assert_eq!(v.severity, Severity::Warning);
        assert!(v.message.contains("orders.user_id"), "{}", v.message);
        assert!(run(&NotInNullableSubquery, "SELECT id FROM users WHERE id IN (SELECT user_id FROM orders) AND id NOT IN (1, 2)", None).is_empty());
    }
}
