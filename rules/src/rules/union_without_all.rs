//! SQ014 `union-without-all`: UNION that deduplicates where UNION ALL may do.

use sqlparser::ast::{SetExpr, SetOperator, SetQuantifier};

use crate::ast::{Scope, body_selects, each_query};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct UnionWithoutAll {
        code: "SQ014",
        name: "union-without-all",
        severity: Info,
        needs_catalog: false,
        summary: "UNION removes duplicates with a sort or hash; UNION ALL skips it when branches cannot overlap",
        what: "Flags `UNION` written without `ALL` or `DISTINCT`. sqlsift cannot prove the branches disjoint, so this is a note: keep UNION where duplicates must go (write `UNION DISTINCT` to say so), use UNION ALL where they cannot occur (different tables, different constant discriminators, disjoint filters).",
        why: "Plain UNION sorts or hashes the combined result to remove duplicates, which costs memory and time proportional to the result, and is often written by habit where the branches can never produce the same row.",
        bad: "SELECT id, 'user' AS kind FROM users WHERE name = $1 UNION SELECT id, 'order' AS kind FROM orders WHERE status = $1",
        good: "SELECT id, 'user' AS kind FROM users WHERE name = $1 UNION ALL SELECT id, 'order' AS kind FROM orders WHERE status = $1",
    }
}

/// Calls `f` on every implicit UNION in a query body, outside nested queries.
fn unions<'a>(body: &'a SetExpr, f: &mut impl FnMut(&'a SetExpr, &'a SetExpr)) {
    if let SetExpr::SetOperation {
        left,
        op,
        set_quantifier,
        right,
    } = body
    {
        if *op == SetOperator::Union && *set_quantifier == SetQuantifier::None {
            f(left, right);
        }
        unions(left, f);
        unions(right, f);
    }
}

fn tables(side: &SetExpr) -> Vec<String> {
    body_selects(side)
        .iter()
        .flat_map(|s| Scope::of_from(&s.from).tables)
        .map(|t| t.name)
        .collect()
}

impl Rule for UnionWithoutAll {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        each_query(ctx.statement, |q| {
            unions(&q.body, &mut |left, right| {
                let (l, r) = (tables(left), tables(right));
                let note = if l.is_empty() || r.is_empty() || l.iter().any(|t| r.contains(t)) {
                    String::new()
                } else {
                    format!(
                        ": the branches read different tables ({} / {})",
                        l.join(", "),
                        r.join(", ")
                    )
                };
                out.push(
                    Violation::new(&META, format!("UNION deduplicates the combined result{note}; use UNION ALL if the branches cannot return the same row"))
                        .fix("UNION ALL when the branches are disjoint; UNION DISTINCT to keep the deduplication on purpose")
                        .table(l.into_iter().next()),
                );
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run};

    #[test]
    fn notes_different_tables_and_ignores_explicit_quantifiers() {
        let v = one(&UnionWithoutAll, META.bad, None);
        assert!(
            v.message.contains("different tables (users / orders)"),
            "{}",
            v.message
        );
        let same = one(
            &UnionWithoutAll,
            "SELECT id FROM users WHERE name = 'a' UNION SELECT id FROM users WHERE email = 'b'",
            None,
        );
        assert!(!same.message.contains("different tables"));
        assert!(
            run(
                &UnionWithoutAll,
                "SELECT id FROM users UNION DISTINCT SELECT user_id FROM orders",
                None
            )
            .is_empty()
        );
    }
}
