//! `declare_rule!`: one declaration gives a rule its unit type, its
//! [`RuleMeta`](crate::RuleMeta) and a doc comment built from the same text,
//! so the rustdoc page, `sqlsift rules <code>` and RULES.md cannot drift apart.

/// Declares a rule type and its `META`. The rule file then implements
/// [`Rule`](crate::Rule) with `fn meta(&self) -> &'static RuleMeta { &META }`.
macro_rules! declare_rule {
    (
        $(#[$attr:meta])*
        pub struct $ty:ident {
            code: $code:literal,
            name: $name:literal,
            severity: $severity:ident,
            needs_catalog: $needs:literal,
            summary: $summary:literal,
            what: $what:literal,
            why: $why:literal,
            bad: $bad:literal,
            good: $good:literal $(,)?
        }
    ) => {
        $(#[$attr])*
        #[doc = concat!(
            "`", $code, "` `", $name, "`: ", $summary,
            "\n\n## What it does\n", $what,
            "\n\n## Why is this bad?\n", $why,
            "\n\n## Example\n```sql\n", $bad,
            "\n```\nUse instead:\n```sql\n", $good, "\n```"
        )]
        pub struct $ty;

        pub(crate) static META: $crate::RuleMeta = $crate::RuleMeta {
            code: $code,
            name: $name,
            severity: $crate::Severity::$severity,
            summary: $summary,
            what: $what,
            why: $why,
            bad: $bad,
            good: $good,
            needs_catalog: $needs,
        };
    };
}

pub(crate) use declare_rule;
