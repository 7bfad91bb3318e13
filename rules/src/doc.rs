//! Rule documentation as text: one rule's page (what `sqlsift rules <code>`
//! prints) and the whole index that RULES.md holds, both rendered from the
//! registry so the committed file can be checked for staleness.

use std::fmt::Write as _;

use crate::{RuleMeta, registry};

/// One rule's documentation page.
#[must_use]
pub fn render_doc(meta: &RuleMeta) -> String {
    let catalog = if meta.needs_catalog {
        "\n\nNeeds a catalog (`--schema`) for its full check."
    } else {
        ""
    };
    format!(
        "# {} {} ({})\n\n{}{catalog}\n\n## What it does\n{}\n\n## Why is this bad?\n{}\n\n## Example\n```sql\n{}\n```\nUse instead:\n```sql\n{}\n```\n",
        meta.code,
        meta.name,
        meta.severity.name(),
        meta.summary,
        meta.what,
        meta.why,
        meta.bad,
        meta.good,
    )
}

/// RULES.md: a table of every rule, then every rule's page.
#[must_use]
pub fn render_index() -> String {
    let mut out = String::from(
        "<!-- Generated from the rule registry: `UPDATE_RULES_DOC=1 cargo test -p sqlsift-rules --test rules_doc` rewrites it. -->\n\n\
         # sqlsift lint rules\n\n\
         | Code | Name | Severity | Catalog | Summary |\n|---|---|---|---|---|\n",
    );
    for rule in registry() {
        let m = rule.meta();
        let catalog = if m.needs_catalog { "yes" } else { "" };
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {catalog} | {} |",
            m.code,
            m.name,
            m.severity.name(),
            m.summary
        );
    }
    for rule in registry() {
        out.push('\n');
        out.push_str(&render_doc(rule.meta()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup;

    #[test]
    fn page_has_heading_sections_and_examples() {
        let meta = lookup("SQ001").expect("registered").meta();
        let page = render_doc(meta);
        assert!(page.starts_with("# SQ001 select-star (warning)\n\n"));
        for part in [
            "## What it does\n",
            "## Why is this bad?\n",
            "## Example\n```sql\n",
            "Use instead:\n```sql\n",
        ] {
            assert!(page.contains(part), "{part:?} missing from {page}");
        }
        assert!(page.contains(meta.bad) && page.contains(meta.good));
    }

    #[test]
    fn index_lists_every_rule_once() {
        let index = render_index();
        for rule in registry() {
            let heading = format!("\n# {} {} ", rule.meta().code, rule.meta().name);
            assert_eq!(index.matches(&heading).count(), 1, "{heading}");
        }
    }
}
