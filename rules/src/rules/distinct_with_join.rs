//! SQ013 `distinct-with-join`: SELECT DISTINCT hiding the rows a join multiplied.

use sqlparser::ast::Distinct;

use crate::ast::{Scope, each_select};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct DistinctWithJoin {
        code: "SQ013",
        name: "distinct-with-join",
        severity: Warning,
        needs_catalog: false,
        summary: "SELECT DISTINCT over a join usually removes duplicates the join created; filter with EXISTS",
        what: "Flags `SELECT DISTINCT` (and `DISTINCT ON`) in a SELECT that joins two or more tables.",
        why: "A join to a one-to-many table repeats the parent row once per child; DISTINCT then sorts or hashes the whole multiplied result to throw the copies away. When the joined table only filters, a semi-join (`EXISTS`) never produces the copies.",
        bad: "SELECT DISTINCT u.id, u.name FROM users u JOIN orders o ON o.user_id = u.id WHERE o.status = 'paid'",
        good: "SELECT u.id, u.name FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.status = 'paid')",
    }
}

impl Rule for DistinctWithJoin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        each_select(ctx.statement, |sel| {
            if !matches!(sel.distinct, Some(Distinct::Distinct | Distinct::On(_))) {
                return;
            }
            // Two tables at least: a derived table or table function beside
            // one table leaves no other table to test with EXISTS.
            let tables = Scope::of_from(&sel.from).tables;
            if tables.len() < 2 {
                return;
            }
            let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
            let (base, joined) = (names[0], names[1..].join(", "));
            out.push(
                Violation::new(&META, format!("DISTINCT over {base} joined with {joined} removes the duplicate rows the join produced, after producing them"))
                    .fix(format!("select from {base} only and test {joined} with WHERE EXISTS (SELECT 1 FROM … WHERE <join condition>)"))
                    .table(Some(base.to_owned())),
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run};

    #[test]
    fn comma_joins_count_and_single_tables_do_not() {
        let v = one(
            &DistinctWithJoin,
            "SELECT DISTINCT u.email FROM users u, orders o WHERE o.user_id = u.id",
            None,
        );
        assert!(
            v.message.contains("users joined with orders"),
            "{}",
            v.message
        );
        assert!(
            run(
                &DistinctWithJoin,
                "SELECT DISTINCT status FROM orders",
                None
            )
            .is_empty()
        );
        assert!(
            run(
                &DistinctWithJoin,
                "SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id",
                None
            )
            .is_empty()
        );
    }

    /// A set-returning function beside one table is not a join of tables:
    /// there is no other table to test with EXISTS.
    #[test]
    fn a_table_function_beside_one_table_is_not_a_join_of_tables() {
        assert_eq!(
            run(
                &DistinctWithJoin,
                "SELECT DISTINCT tag FROM posts, unnest(tags) AS tag",
                None
            ),
            []
        );
        assert_eq!(
            run(
                &DistinctWithJoin,
                "SELECT DISTINCT u.id FROM users u JOIN LATERAL (SELECT 1 AS one) x ON true",
                None
            ),
            []
        );
    }
}
