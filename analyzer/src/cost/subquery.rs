//! Subqueries inside expressions (`WHERE x IN (SELECT …)`, `EXISTS (…)`,
//! scalar subqueries in the select list): each is costed as its own block,
//! once when it is independent of the enclosing query, once per outer row
//! when it is correlated (it names an enclosing block's table or alias).

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Query, TableFactor, Visit, Visitor};

use super::block::{Ctx, query};
use super::{Cost, SUBQUERY_POINTS, Term, TermKind, fmt_rows};
use crate::catalog::fold;

/// Costs the subqueries directly inside `e` (not those nested in them, which
/// their own block costs) into `cost`.
pub(super) fn cost_subqueries(
    e: &Expr,
    outer_keys: &[String],
    outer_rows: f64,
    ctx: &mut Ctx<'_>,
    cost: &mut Cost,
) {
    let mut v = Coster {
        outer_keys,
        outer_rows,
        ctx,
        cost,
        depth: 0,
    };
    let _ = e.visit(&mut v);
}

struct Coster<'a, 'c> {
    outer_keys: &'a [String],
    outer_rows: f64,
    ctx: &'a mut Ctx<'c>,
    cost: &'a mut Cost,
    depth: usize,
}

impl Visitor for Coster<'_, '_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if self.depth == 0 {
            let correlated = is_correlated(q, self.outer_keys);
            let inner = query(q, self.outer_keys, self.ctx).cost;
            let per_run = inner.total;
            self.cost.absorb(inner);
            let term = if correlated {
                let extra = (self.outer_rows - 1.0).max(0.0) * per_run;
                Term {
                    kind: TermKind::CorrelatedSubquery,
                    points: SUBQUERY_POINTS + extra,
                    table: None,
                    rows: Some(self.outer_rows),
                    reason: format!(
                        "correlated subquery runs once per outer row (~{} runs of {per_run:.1} points)",
                        fmt_rows(self.outer_rows)
                    ),
                }
            } else {
                Term {
                    kind: TermKind::Subquery,
                    points: SUBQUERY_POINTS,
                    table: None,
                    rows: None,
                    reason: "subquery runs once: it does not refer to the outer query".into(),
                }
            };
            self.cost.push(term);
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }
}

/// Whether `q` qualifies a column with a name it does not define itself but
/// an enclosing block does.
pub(super) fn is_correlated(q: &Query, outer_keys: &[String]) -> bool {
    #[derive(Default)]
    struct Names {
        defined: Vec<String>,
        used: Vec<String>,
    }
    impl Visitor for Names {
        type Break = ();
        fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
            match t {
                TableFactor::Table { name, alias, .. } => {
                    self.defined.push(fold(&name.to_string()));
                    if let Some(a) = alias {
                        self.defined.push(fold(&a.name.value));
                    }
                }
                TableFactor::Derived { alias: Some(a), .. } => {
                    self.defined.push(fold(&a.name.value));
                }
                _ => {}
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if let Expr::CompoundIdentifier(parts) = e
                && parts.len() >= 2
            {
                self.used.push(fold(&parts[parts.len() - 2].value));
            }
            ControlFlow::Continue(())
        }
    }
    let mut names = Names::default();
    let _ = q.visit(&mut names);
    names
        .used
        .iter()
        .any(|u| !names.defined.contains(u) && outer_keys.contains(u))
}
