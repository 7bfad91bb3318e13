//! SQ020 `null-comparison`: `= NULL` or `<> NULL`, which is never true.

use std::ops::ControlFlow;

use sqlparser::ast::{BinaryOperator, Expr, Value, visit_expressions};

use crate::ast::literal;
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct NullComparison {
        code: "SQ020",
        name: "null-comparison",
        severity: Error,
        needs_catalog: false,
        summary: "= NULL and <> NULL are never true; use IS NULL / IS NOT NULL",
        what: "Flags `x = NULL`, `x <> NULL` and `x != NULL` anywhere in a statement (MySQL's null-safe `<=>` is fine).",
        why: "Any comparison with NULL yields unknown, which WHERE treats as false: the condition matches no row at all, silently, whatever the data.",
        bad: "SELECT id FROM orders WHERE coupon_id = NULL",
        good: "SELECT id FROM orders WHERE coupon_id IS NULL",
    }
}

impl Rule for NullComparison {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        let _ = visit_expressions(ctx.statement, |e| {
            if let Expr::BinaryOp {
                left,
                op: op @ (BinaryOperator::Eq | BinaryOperator::NotEq),
                right,
            } = e
            {
                let other = match (literal(left), literal(right)) {
                    (_, Some(Value::Null)) => left,
                    (Some(Value::Null), _) => right,
                    _ => return ControlFlow::Continue(()),
                };
                let test = if *op == BinaryOperator::Eq {
                    "IS NULL"
                } else {
                    "IS NOT NULL"
                };
                out.push(
                    Violation::new(
                        &META,
                        format!("{e} is never true: comparing {other} with NULL yields unknown"),
                    )
                    .fix(format!("{other} {test}"))
                    .column(other.to_string()),
                );
            }
            ControlFlow::<()>::Continue(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run};

    #[test]
    fn not_equal_and_reversed() {
        assert_eq!(
            one(&NullComparison, "SELECT 1 FROM t WHERE NULL <> t.a", None)
                .fix
                .as_deref(),
            Some("t.a IS NOT NULL")
        );
        assert!(
            run(
                &NullComparison,
                "UPDATE t SET a = NULL WHERE b IS NULL",
                None
            )
            .is_empty()
        );
    }
}
