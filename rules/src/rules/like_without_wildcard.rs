//! SQ023 `like-without-wildcard`: LIKE with a pattern that has no wildcard.

use sqlparser::ast::Expr;

use crate::ast::{predicates, string};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct LikeWithoutWildcard {
        code: "SQ023",
        name: "like-without-wildcard",
        severity: Info,
        needs_catalog: false,
        summary: "LIKE without % or _ is an equality; write = so every index and planner treats it as one",
        what: "Flags `LIKE 'text'` and `NOT LIKE 'text'` whose literal pattern has no `%` or `_` and no ESCAPE clause.",
        why: "PostgreSQL uses a B-tree index for LIKE only under the C collation or a `text_pattern_ops` index, while `=` always can; the intent (exact match or forgotten `%`) is also unclear. Note that SQLite's LIKE ignores ASCII case where `=` does not, so check the collation before rewriting there.",
        bad: "SELECT id FROM users WHERE email LIKE 'ann@example.com'",
        good: "SELECT id FROM users WHERE email = 'ann@example.com'",
    }
}

impl Rule for LikeWithoutWildcard {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        predicates(ctx.statement, |e, scope| {
            let Expr::Like {
                negated,
                expr,
                pattern,
                escape_char: None,
                any: false,
            } = e
            else {
                return;
            };
            if string(pattern).is_none_or(|p| p.contains(['%', '_'])) {
                return;
            }
            let op = if *negated { "<>" } else { "=" };
            out.push(
                Violation::new(
                    &META,
                    format!("{e} has no wildcard: it is {expr} {op} {pattern}"),
                )
                // The pattern as SQL, its quotes escaped.
                .fix(format!(
                    "{expr} {op} {pattern} (or add the % that was meant)"
                ))
                .at(scope.resolve(expr, ctx.catalog).as_ref()),
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run};

    #[test]
    fn negated_form_and_escaped_patterns() {
        let v = one(
            &LikeWithoutWildcard,
            "SELECT id FROM orders WHERE status NOT LIKE 'new'",
            None,
        );
        assert_eq!(
            v.fix.as_deref(),
            Some("status <> 'new' (or add the % that was meant)")
        );
        assert_eq!(v.columns, ["status"]);
        assert!(
            run(
                &LikeWithoutWildcard,
                "SELECT id FROM orders WHERE status LIKE 'n!%' ESCAPE '!'",
                None
            )
            .is_empty()
        );
        assert!(
            run(
                &LikeWithoutWildcard,
                "SELECT id FROM users WHERE name ILIKE 'ann'",
                None
            )
            .is_empty()
        );
    }

    /// The suggested `=` is SQL: a quote in the pattern stays doubled.
    #[test]
    fn fix_keeps_quotes_in_the_pattern_escaped() {
        let v = one(
            &LikeWithoutWildcard,
            "SELECT id FROM users WHERE name LIKE 'O''Brien'",
            None,
        );
        assert_eq!(
            v.fix.as_deref(),
            Some("name = 'O''Brien' (or add the % that was meant)")
        );
    }
}
