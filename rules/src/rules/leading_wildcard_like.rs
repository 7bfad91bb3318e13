//! SQ002 `leading-wildcard-like`: a `LIKE` pattern that starts with a wildcard.

use sqlparser::ast::Expr;

use crate::ast::{ColumnRef, predicates, string};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct LeadingWildcardLike {
        code: "SQ002",
        name: "leading-wildcard-like",
        severity: Warning,
        needs_catalog: false,
        summary: "LIKE '%…' cannot use a B-tree index and scans the table",
        what: "Flags `LIKE`, `ILIKE` and their `NOT` forms whose pattern is a string literal beginning with `%` or `_`.",
        why: "A B-tree index orders values by their prefix; with no fixed prefix the database reads and tests every row. The cost grows with the table.",
        bad: "SELECT id FROM users WHERE email LIKE '%@example.com'",
        good: "SELECT id FROM users WHERE email LIKE 'ann%'",
    }
}

impl Rule for LeadingWildcardLike {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        predicates(ctx.statement, |e, scope| {
            let (Expr::Like {
                negated,
                expr,
                pattern,
                ..
            }
            | Expr::ILike {
                negated,
                expr,
                pattern,
                ..
            }) = e
            else {
                return;
            };
            let Some(p) = string(pattern).filter(|p| p.starts_with(['%', '_'])) else {
                return;
            };
            let col = scope.resolve(expr, ctx.catalog);
            let name = col
                .as_ref()
                .map_or_else(|| expr.to_string(), ColumnRef::display);
            let not = if *negated { "NOT " } else { "" };
            out.push(Violation::new(
                &META,
                format!("{name} {not}LIKE '{p}' starts with a wildcard, so no index on {name} helps: every row is read"),
            )
            .fix(match ctx.dialect {
                sqlsift_analyzer::Dialect::PostgreSql => format!(
                    "anchor the pattern at the start, or index {name} for substring search: CREATE INDEX ON … USING gin ({} gin_trgm_ops) (pg_trgm)",
                    col.as_ref().map_or(name.as_str(), |c| c.column.as_str())
                ),
                _ => format!("anchor the pattern at the start, or use a full-text index for {name}; for suffix search store and index reverse({name})"),
            }).at(col.as_ref()));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run};

    #[test]
    fn not_like_and_underscore_fire_with_the_column() {
        let v = one(
            &LeadingWildcardLike,
            "SELECT id FROM users u WHERE u.name NOT LIKE '_nn'",
            None,
        );
        assert_eq!(
            (v.table.as_deref(), v.columns.as_slice()),
            (Some("users"), &["name".to_owned()][..])
        );
        assert!(v.message.contains("users.name NOT LIKE"), "{}", v.message);
        assert!(v.fix.unwrap().contains("gin_trgm_ops"));
    }

    #[test]
    fn prefix_patterns_and_parameters_are_fine() {
        assert!(
            run(
                &LeadingWildcardLike,
                "SELECT id FROM users WHERE name LIKE $1 AND email LIKE 'a%b%'",
                None
            )
            .is_empty()
        );
    }
}
