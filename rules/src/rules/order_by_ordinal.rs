//! SQ022 `order-by-ordinal`: `ORDER BY 1` sorting by select-list position.

use crate::ast::{each_query, integer, order_by, query_tables};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct OrderByOrdinal {
        code: "SQ022",
        name: "order-by-ordinal",
        severity: Info,
        needs_catalog: false,
        summary: "ORDER BY 1 sorts by position; it silently changes when the select list does",
        what: "Flags ORDER BY items that are integer literals (positions in the select list).",
        why: "Adding or reordering a selected column changes what the query is sorted by, without any error; pagination built on that order then skips and repeats rows.",
        bad: "SELECT name, created_at FROM users WHERE country_code = 'NL' ORDER BY 2 DESC",
        good: "SELECT name, created_at FROM users WHERE country_code = 'NL' ORDER BY created_at DESC",
    }
}

impl Rule for OrderByOrdinal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        each_query(ctx.statement, |q| {
            for o in order_by(q) {
                if let Some(n) = integer(&o.expr) {
                    out.push(
                        Violation::new(
                            &META,
                            format!(
                                "ORDER BY {n} sorts by select-list column #{n}, whatever it becomes"
                            ),
                        )
                        .fix(format!(
                            "name the column or expression instead of position {n}"
                        ))
                        .table(query_tables(q).into_iter().next()),
                    );
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run;

    #[test]
    fn each_position_reports() {
        assert_eq!(
            run(&OrderByOrdinal, "SELECT a, b FROM t ORDER BY 1, b, 2", None).len(),
            2
        );
    }
}
