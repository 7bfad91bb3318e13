//! SQ015 `arithmetic-on-column`: a predicate computes on a column instead of
//! on the value it is compared with.

use sqlparser::ast::{BinaryOperator, Expr};

use crate::ast::{compared_with_value, indexed_severity, is_column, is_value, predicates, strip};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct ArithmeticOnColumn {
        code: "SQ015",
        name: "arithmetic-on-column",
        severity: Warning,
        needs_catalog: true,
        summary: "Arithmetic on a column in a predicate hides it from its index; move it to the value side",
        what: "Flags `column <+ - * /> value <op> value` in WHERE, JOIN … ON and HAVING, e.g. `price * 2 > ?` or `created_at + interval '1 day' < now()`. With a catalog it fires only when an index leads with the column; without one it fires at severity info.",
        why: "The index holds `created_at`, not `created_at + 30 days`: the database must compute the expression for every row and compare, a full scan. The same condition written on the value side is computed once and seeks the index.",
        bad: "SELECT id FROM orders WHERE created_at + interval '30 days' < now()",
        good: "SELECT id FROM orders WHERE created_at < now() - interval '30 days'",
    }
}

/// The operator that undoes `op` on the other side of a comparison.
fn inverse(op: &BinaryOperator) -> Option<&'static str> {
    Some(match op {
        BinaryOperator::Plus => "-",
        BinaryOperator::Minus => "+",
        BinaryOperator::Multiply => "/",
        BinaryOperator::Divide => "*",
        _ => return None,
    })
}

impl Rule for ArithmeticOnColumn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        predicates(ctx.statement, |e, scope| {
            let Some(side) = compared_with_value(e) else {
                return;
            };
            let Expr::BinaryOp { left, op, right } = strip(side) else {
                return;
            };
            let Some(inv) = inverse(op) else { return };
            // Only `column op value` moves cleanly to the other side.
            let (col_expr, amount) = match (
                is_column(left) && is_value(right),
                is_value(left) && is_column(right),
            ) {
                (true, _) => (left, right),
                (_, true) => (right, left),
                _ => return,
            };
            let Some(col) = scope.resolve(col_expr, ctx.catalog) else {
                return;
            };
            let Some(severity) = indexed_severity(ctx, &META, &col) else {
                return;
            };
            let commutes = matches!(op, BinaryOperator::Plus | BinaryOperator::Multiply);
            let flip = if matches!(op, BinaryOperator::Multiply | BinaryOperator::Divide) {
                " (flip the comparison if the factor is negative)"
            } else {
                ""
            };
            let fix = match e {
                Expr::BinaryOp {
                    left: l,
                    op: cmp,
                    right: r,
                } if is_column(left) || commutes => {
                    // The moved operation applies to the whole value: `$1 + 10`
                    // divided by 2 is `($1 + 10) / 2`.
                    let whole = |v: &Expr| match v {
                        Expr::BinaryOp { .. } => format!("({v})"),
                        _ => v.to_string(),
                    };
                    let moved = if std::ptr::eq(side, l.as_ref()) {
                        format!("{col_expr} {cmp} {} {inv} {amount}", whole(r))
                    } else {
                        format!("{} {inv} {amount} {cmp} {col_expr}", whole(l))
                    };
                    format!(
                        "write `{moved}`{flip}, so the index on {} is used",
                        col.display()
                    )
                }
                _ => format!(
                    "move the arithmetic off {} onto the compared values",
                    col.display()
                ),
            };
            out.push(
                Violation::new(
                    &META,
                    format!(
                        "`{side}` computes on {} for every row, so its index cannot be used",
                        col.display()
                    ),
                )
                .severity(severity)
                .fix(fix)
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

    #[test]
    fn fix_moves_the_operation_to_the_value() {
        let v = one(
            &ArithmeticOnColumn,
            "SELECT id FROM orders WHERE user_id * 2 > 10",
            Some(&catalog()),
        );
        assert_eq!(v.severity, Severity::Warning);
        assert_eq!(v.columns, ["user_id"]);
        assert!(
            v.fix
                .unwrap()
                .starts_with("write `user_id > 10 / 2` (flip the comparison")
        );
    }

    #[test]
    fn unindexed_columns_and_column_column_math_are_fine() {
        let cat = catalog();
        assert!(
            run(
                &ArithmeticOnColumn,
                "SELECT id FROM orders WHERE total * 1.2 > 100",
                Some(&cat)
            )
            .is_empty()
        );
        assert_eq!(
            one(
                &ArithmeticOnColumn,
                "SELECT id FROM orders WHERE total * 1.2 > 100",
                None
            )
            .severity,
            Severity::Info
        );
        assert!(
            run(
                &ArithmeticOnColumn,
                "SELECT id FROM orders WHERE total - coupon_id > 0",
                None
            )
            .is_empty()
        );
    }

    /// The moved operation applies to the whole compared value, so a value
    /// that is itself a sum is parenthesized.
    #[test]
    fn fix_parenthesizes_a_compound_value() {
        let v = one(
            &ArithmeticOnColumn,
            "SELECT id FROM orders WHERE total * 2 > $1 + 10",
            None,
        );
        assert!(
            v.fix
                .as_deref()
                .unwrap()
                .starts_with("write `total > ($1 + 10) / 2`"),
            "{:?}",
            v.fix
        );
        let v = one(
            &ArithmeticOnColumn,
            "SELECT id FROM orders WHERE $1 + 10 < 2 * total",
            None,
        );
        assert!(
            v.fix
                .as_deref()
                .unwrap()
                .starts_with("write `($1 + 10) / 2 < total`"),
            "{:?}",
            v.fix
        );
    }
}
