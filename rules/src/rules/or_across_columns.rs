//! SQ004 `or-across-columns`: an OR whose branches filter different columns.

use std::collections::BTreeSet;

use sqlparser::ast::{BinaryOperator, Expr};

use crate::ast::{
    ColumnRef, Scope, compared_with_value, is_column, predicate_roots, shallow, split,
};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct OrAcrossColumns {
        code: "SQ004",
        name: "or-across-columns",
        severity: Warning,
        needs_catalog: false,
        summary: "OR across different columns often turns an index seek into a scan",
        what: "Flags `a = ? OR b = ?` where no column is common to every branch, when the OR is a top-level part of a WHERE/ON/HAVING and no other AND-ed part compares a column with a value (which an index could serve instead). Branches without any column, like the optional-filter `? IS NULL OR …`, are left alone. With a catalog it fires only when some branch's columns have no index, since then no index-merge or bitmap-OR plan exists.",
        why: "One index serves one column's ranges. When the branches filter different columns, the planner either combines several indexes (only if each branch has one) or gives up and scans the whole table.",
        bad: "SELECT id FROM users WHERE email = 'ann@example.com' OR name = 'Ann'",
        good: "SELECT id FROM users WHERE email = 'ann@example.com' UNION SELECT id FROM users WHERE name = 'Ann'",
    }
}

/// The columns `e` mentions, resolved in `scope`.
fn columns(e: &Expr, scope: &Scope, ctx: &Context<'_>) -> Vec<ColumnRef> {
    let mut out = Vec::new();
    shallow(e, |x| {
        if let Some(c) = scope.resolve(x, ctx.catalog).filter(|c| !out.contains(c)) {
            out.push(c);
        }
    });
    out
}

/// Whether the catalog says an index leads with one of `cols` (unknown
/// tables count as indexed, so the rule does not guess).
fn any_indexed(cols: &[ColumnRef], ctx: &Context<'_>) -> bool {
    let Some(catalog) = ctx.catalog else {
        return false;
    };
    cols.iter().any(
        |c| match c.table.as_deref().and_then(|t| catalog.table(t)) {
            Some(t) => t.is_indexed(&c.column),
            None => true,
        },
    )
}

impl Rule for OrAcrossColumns {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        predicate_roots(ctx.statement, |root, scope| {
            let mut parts = Vec::new();
            split(root, &BinaryOperator::And, &mut parts);
            // Another conjunct like `col = ?` may be served by an index and
            // make the OR a cheap residual filter.
            if parts
                .iter()
                .any(|p| compared_with_value(p).is_some_and(is_column))
            {
                return;
            }
            for e in parts {
                check_or(e, scope, ctx, out);
            }
        });
    }
}

/// Reports `e` if it is an OR whose branches share no column.
fn check_or(e: &Expr, scope: &Scope, ctx: &Context<'_>, out: &mut Vec<Violation>) {
    if !matches!(
        e,
        Expr::BinaryOp {
            op: BinaryOperator::Or,
            ..
        }
    ) {
        return;
    }
    let mut branches = Vec::new();
    split(e, &BinaryOperator::Or, &mut branches);
    let cols: Vec<Vec<ColumnRef>> = branches.iter().map(|b| columns(b, scope, ctx)).collect();
    if cols.iter().any(Vec::is_empty) {
        return;
    }
    let common = cols.iter().skip(1).fold(cols[0].clone(), |acc, c| {
        acc.into_iter().filter(|x| c.contains(x)).collect()
    });
    if !common.is_empty() {
        return;
    }
    if ctx.catalog.is_some() && cols.iter().all(|c| any_indexed(c, ctx)) {
        return;
    }
    let names: BTreeSet<String> = cols.iter().flatten().map(ColumnRef::display).collect();
    let names: Vec<String> = names.into_iter().collect();
    let mut v = Violation::new(
                &META,
                format!("OR across {} cannot be served by one index; the table may be scanned", names.join(" and ")),
            )
            .fix("split the branches into separate queries combined with UNION (UNION ALL when they cannot overlap), each served by its own index, or index every column the branches filter")
            .table(cols[0][0].table.clone());
    for c in cols.iter().flatten() {
        if !v.columns.contains(&c.column) {
            v = v.column(c.column.clone());
        }
    }
    out.push(v);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{catalog, one, run};

    #[test]
    fn a_chain_reports_once_with_every_column() {
        let v = one(
            &OrAcrossColumns,
            "SELECT id FROM users WHERE name = 'a' OR phone = 'b' OR country_code = 'c'",
            None,
        );
        assert_eq!(v.columns, ["name", "phone", "country_code"]);
        assert_eq!(v.table.as_deref(), Some("users"));
    }

    #[test]
    fn shared_column_optional_filters_and_indexed_branches_are_fine() {
        assert!(
            run(
                &OrAcrossColumns,
                "SELECT id FROM orders WHERE status = 'a' OR status = 'b'",
                None
            )
            .is_empty()
        );
        assert!(
            run(
                &OrAcrossColumns,
                "SELECT id FROM orders WHERE user_id = 1 OR (user_id = 2 AND status = 'x')",
                None
            )
            .is_empty()
        );
        assert!(
            run(
                &OrAcrossColumns,
                "SELECT id FROM orders WHERE $1 IS NULL OR status = $1",
                None
            )
            .is_empty()
        );
        let cat = catalog();
        assert!(
            run(
                &OrAcrossColumns,
                "SELECT id FROM users WHERE email = 'a' OR phone = 'b'",
                Some(&cat)
            )
            .is_empty()
        );
    }
}
