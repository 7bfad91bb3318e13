//! SQ012 `count-for-existence`: `COUNT(*) > 0` where EXISTS is meant.

use std::ops::ControlFlow;

use sqlparser::ast::{BinaryOperator, Expr, GroupByExpr, SelectItem, visit_expressions};

use crate::ast::{body_selects, each_select, function_name, integer, query_tables, shallow, strip};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct CountForExistence {
        code: "SQ012",
        name: "count-for-existence",
        severity: Warning,
        needs_catalog: false,
        summary: "COUNT(*) compared with 0 counts every match to answer yes or no; use EXISTS",
        what: "Flags `(SELECT COUNT(*) …) > 0` (and `>= 1`, `<> 0`, `= 0`, `< 1`) anywhere in a statement, and `SELECT COUNT(*) > 0 FROM …` without GROUP BY.",
        why: "COUNT must find and count every matching row; EXISTS stops at the first one. For a user with 100 000 orders the count reads 100 000 index entries where EXISTS reads one.",
        bad: "SELECT id FROM users u WHERE (SELECT count(*) FROM orders o WHERE o.user_id = u.id) > 0",
        good: "SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)",
    }
}

/// Whether `count op n` (count on the left) asks "is there a row?":
/// `Some(true)` for existence, `Some(false)` for absence.
fn existence(op: &BinaryOperator, n: u64) -> Option<bool> {
    match (op, n) {
        (BinaryOperator::Gt | BinaryOperator::NotEq, 0) | (BinaryOperator::GtEq, 1) => Some(true),
        (BinaryOperator::Eq | BinaryOperator::LtEq, 0) | (BinaryOperator::Lt, 1) => Some(false),
        _ => None,
    }
}

/// `op` with its operands swapped (`0 < x` is `x > 0`).
fn mirror(op: &BinaryOperator) -> BinaryOperator {
    match op {
        BinaryOperator::Gt => BinaryOperator::Lt,
        BinaryOperator::Lt => BinaryOperator::Gt,
        BinaryOperator::GtEq => BinaryOperator::LtEq,
        BinaryOperator::LtEq => BinaryOperator::GtEq,
        other => other.clone(),
    }
}

/// Whether `e` is a plain `count(…)` call.
fn is_count(e: &Expr) -> bool {
    matches!(strip(e), Expr::Function(f) if f.over.is_none() && function_name(f) == "count")
}

/// `(count op n)` read with the count on either side, plus the other operand.
fn compare(e: &Expr) -> Option<(&Expr, bool)> {
    let Expr::BinaryOp { left, op, right } = e else {
        return None;
    };
    if let Some(n) = integer(right) {
        return Some((left, existence(op, n)?));
    }
    let n = integer(left)?;
    Some((right, existence(&mirror(op), n)?))
}

fn violation(table: Option<String>, exists: bool) -> Violation {
    let name = table.clone().unwrap_or_else(|| "the table".to_owned());
    let (test, fix) = if exists {
        ("whether a row exists", "EXISTS")
    } else {
        ("whether no row exists", "NOT EXISTS")
    };
    Violation::new(
        &META,
        format!("COUNT(*) over {name} compared with 0 counts every matching row to learn {test}"),
    )
    .fix(format!(
        "{fix} (SELECT 1 FROM {name} WHERE …), which stops at the first matching row"
    ))
    .table(table)
}

impl Rule for CountForExistence {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        let _ = visit_expressions(ctx.statement, |e| {
            if let Some((Expr::Subquery(q), exists)) = compare(e).map(|(x, b)| (strip(x), b))
                && let [sel] = body_selects(&q.body).as_slice()
                && matches!(&sel.group_by, GroupByExpr::Expressions(g, _) if g.is_empty())
                && let [SelectItem::UnnamedExpr(c) | SelectItem::ExprWithAlias { expr: c, .. }] =
                    sel.projection.as_slice()
                && is_count(c)
            {
                out.push(violation(query_tables(q).into_iter().next(), exists));
            }
            ControlFlow::<()>::Continue(())
        });
        each_select(ctx.statement, |sel| {
            if !matches!(&sel.group_by, GroupByExpr::Expressions(g, _) if g.is_empty()) {
                return;
            }
            for item in &sel.projection {
                let (SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) = item
                else {
                    continue;
                };
                shallow(e, |x| {
                    if let Some((c, exists)) = compare(x)
                        && is_count(c)
                    {
                        let table = crate::ast::Scope::of_from(&sel.from)
                            .tables
                            .first()
                            .map(|t| t.name.clone());
                        out.push(violation(table, exists));
                    }
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
    fn absence_and_projected_counts() {
        let v = one(
            &CountForExistence,
            "SELECT id FROM users u WHERE 0 = (SELECT COUNT(*) FROM orders o WHERE o.user_id = u.id)",
            None,
        );
        assert!(
            v.fix
                .unwrap()
                .starts_with("NOT EXISTS (SELECT 1 FROM orders")
        );
        let p = one(
            &CountForExistence,
            "SELECT count(*) > 0 AS has_orders FROM orders WHERE user_id = $1",
            None,
        );
        assert_eq!(p.table.as_deref(), Some("orders"));
    }

    #[test]
    fn real_counts_are_fine() {
        for sql in [
            "SELECT id FROM users u WHERE (SELECT count(*) FROM orders o WHERE o.user_id = u.id) > 5",
            "SELECT user_id FROM orders GROUP BY user_id HAVING count(*) > 0",
            "SELECT count(*) FROM orders WHERE user_id = $1",
        ] {
            assert!(run(&CountForExistence, sql, None).is_empty(), "{sql}");
        }
    }
}
