//! SQ006 `implicit-cartesian-join`: `FROM a, b` with nothing linking a to b.

use sqlparser::ast::{Expr, TableFactor};

use crate::ast::{Scope, is_comparison, shallow};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct ImplicitCartesianJoin {
        code: "SQ006",
        name: "implicit-cartesian-join",
        severity: Error,
        needs_catalog: false,
        summary: "Tables listed in FROM with no predicate linking them multiply their rows",
        what: "Flags a SELECT whose comma-separated FROM items are not all connected by WHERE comparisons between their columns. Explicit `CROSS JOIN`, derived tables and table functions (often single-row or LATERAL) are not flagged; a comparison between columns whose table cannot be told keeps the rule silent.",
        why: "Without a join predicate every row of one table pairs with every row of the other: 10 000 users and 50 000 orders make 500 million rows. It is almost always a forgotten condition, and it grows with the data.",
        bad: "SELECT u.name, o.total FROM users u, orders o WHERE o.total > 100",
        good: "SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE o.total > 100",
    }
}

impl Rule for ImplicitCartesianJoin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        crate::ast::each_select(ctx.statement, |sel| {
            if sel.from.len() < 2
                || sel
                    .from
                    .iter()
                    .any(|f| !matches!(f.relation, TableFactor::Table { args: None, .. }))
            {
                return;
            }
            let items: Vec<Scope> = sel
                .from
                .iter()
                .map(|f| Scope::of_from(std::slice::from_ref(f)))
                .collect();
            let whole = Scope::of_from(&sel.from);
            // Which FROM item a column belongs to; `None` when it cannot be told.
            let item_of = |e: &Expr| -> Option<usize> {
                let c = whole.resolve(e, ctx.catalog)?;
                let table = c.table?;
                let qualifier = match e {
                    Expr::CompoundIdentifier(p) if p.len() >= 2 => p[p.len() - 2].value.clone(),
                    _ => table,
                };
                items.iter().position(|s| s.table_for(&qualifier).is_some())
            };
            let mut group: Vec<usize> = (0..items.len()).collect();
            let mut unknown = false;
            if let Some(w) = &sel.selection {
                shallow(w, |e| {
                    let Expr::BinaryOp { left, op, right } = e else {
                        return;
                    };
                    if !is_comparison(op) {
                        return;
                    }
                    let mut linked = Vec::new();
                    for side in [left, right] {
                        shallow(side, |x| {
                            if matches!(x, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
                                match item_of(x) {
                                    Some(i) => linked.push(i),
                                    None => unknown = true,
                                }
                            }
                        });
                    }
                    for pair in linked.windows(2) {
                        let (a, b) = (root(&group, pair[0]), root(&group, pair[1]));
                        group[a] = b;
                    }
                });
            }
            if unknown {
                return;
            }
            let first = root(&group, 0);
            for (i, scope) in items.iter().enumerate().skip(1) {
                if root(&group, i) == first {
                    continue;
                }
                let lone = &scope.tables[0].name;
                let base = &items[0].tables[0].name;
                out.push(
                    Violation::new(&META, format!("FROM lists {lone} beside {base} with no predicate linking them: every row of one pairs with every row of the other"))
                        .fix(format!("JOIN {lone} ON <{lone}'s key> = <the matching column of {base}>, or write CROSS JOIN if the product is intended"))
                        .table(Some(lone.clone())),
                );
            }
        });
    }
}

/// The representative of `i`'s group (union-find without ranks: FROM lists are short).
fn root(group: &[usize], mut i: usize) -> usize {
    while group[i] != i {
        i = group[i];
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{catalog, one, run};

    #[test]
    fn names_the_unlinked_table() {
        let v = one(
            &ImplicitCartesianJoin,
            "SELECT 1 FROM users u, orders o, countries c WHERE o.user_id = u.id",
            None,
        );
        assert_eq!(v.table.as_deref(), Some("countries"));
        assert!(
            v.message.contains("countries beside users"),
            "{}",
            v.message
        );
    }

    #[test]
    fn linked_chains_cross_joins_and_unresolved_columns_are_fine() {
        let sql = "SELECT 1 FROM users u, orders o, countries c WHERE o.user_id = u.id AND c.code = u.country_code";
        assert!(run(&ImplicitCartesianJoin, sql, None).is_empty());
        assert!(
            run(
                &ImplicitCartesianJoin,
                "SELECT 1 FROM users CROSS JOIN countries",
                None
            )
            .is_empty()
        );
        assert!(
            run(
                &ImplicitCartesianJoin,
                "SELECT 1 FROM users, orders WHERE user_id = manager_id",
                None
            )
            .is_empty()
        );
        // The catalog tells which table an unqualified column belongs to.
        let cat = catalog();
        assert!(
            run(
                &ImplicitCartesianJoin,
                "SELECT 1 FROM users, orders WHERE user_id = manager_id",
                Some(&cat)
            )
            .is_empty()
        );
        assert!(
            !run(
                &ImplicitCartesianJoin,
                "SELECT 1 FROM users, orders WHERE total > 1 AND email = 'a'",
                Some(&cat)
            )
            .is_empty()
        );
    }
}
