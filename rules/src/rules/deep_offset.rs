//! SQ010 `deep-offset`: OFFSET pagination far into a result.

use sqlparser::ast::OrderBySort;

use crate::ast::{each_query, integer, limit, offset, order_by, query_tables};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

/// The OFFSET from which reading and discarding rows costs more than it
/// should: pages past ~50 of 20 rows.
pub const DEEP_OFFSET: u64 = 1000;

declare_rule! {
    pub struct DeepOffset {
        code: "SQ010",
        name: "deep-offset",
        severity: Warning,
        needs_catalog: false,
        summary: "OFFSET ≥ 1000 reads and throws away every skipped row; use keyset pagination",
        what: "Flags a literal OFFSET of 1000 or more (`OFFSET n`, or MySQL's `LIMIT n, m`). The fix shows the keyset form built from the query's ORDER BY.",
        why: "The database cannot jump to row 10 000: it produces and discards all the rows before it, so each page costs more than the last and deep pages of a large table take seconds. A keyset (`WHERE key > last seen key`) seeks straight to the page through the ORDER BY index.",
        bad: "SELECT id, total FROM orders ORDER BY id LIMIT 20 OFFSET 10000",
        good: "SELECT id, total FROM orders WHERE id > $1 ORDER BY id LIMIT 20",
    }
}

impl Rule for DeepOffset {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        each_query(ctx.statement, |q| {
            let Some(n) = offset(q).and_then(integer).filter(|n| *n >= DEEP_OFFSET) else {
                return;
            };
            let order = order_by(q);
            // A position (`ORDER BY 1`) names no key to compare with.
            let order = if order.iter().any(|o| integer(&o.expr).is_some()) {
                &[]
            } else {
                order
            };
            let keys: Vec<String> = order.iter().map(|o| o.expr.to_string()).collect();
            // The ORDER BY of the fix, each key with its direction and NULLS.
            let sort = order
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let desc = |o: &&sqlparser::ast::OrderByExpr| {
                matches!(o.options.sort, Some(OrderBySort::Desc))
            };
            let cmp = if order.first().is_some_and(|o| desc(&o)) {
                "<"
            } else {
                ">"
            };
            let mixed = order.iter().any(|o| desc(&o) != (cmp == "<"));
            let page = limit(q).map_or_else(|| "n".to_owned(), ToString::to_string);
            let fix = match keys.as_slice() {
                [] => format!(
                    "add a unique ORDER BY key and page by it: WHERE id > :last_id ORDER BY id LIMIT {page}"
                ),
                [k] => format!(
                    "keyset pagination: WHERE {k} {cmp} :last_{} ORDER BY {sort} LIMIT {page} (pass the last row's {k} of the previous page)",
                    last_name(k)
                ),
                many => {
                    format!(
                        "keyset pagination: WHERE ({}) {cmp} ({}) ORDER BY {sort} LIMIT {page} (pass the last row's values of the previous page)",
                        many.join(", "),
                        many.iter()
                            .map(|k| format!(":last_{}", last_name(k)))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ) + if mixed {
                        "; the ORDER BY mixes ASC and DESC, so expand the row comparison key by key"
                    } else {
                        ""
                    }
                }
            };
            let table = query_tables(q).into_iter().next();
            out.push(
                Violation::new(
                    &META,
                    format!(
                        "OFFSET {n} reads and discards {n} rows of {} for every page",
                        table.as_deref().unwrap_or("the result")
                    ),
                )
                .fix(fix)
                .table(table),
            );
        });
    }
}

/// A parameter name for a sort key (`o.created_at` → `created_at`).
fn last_name(key: &str) -> String {
    key.rsplit('.')
        .next()
        .unwrap_or(key)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run, run_in};
    use sqlsift_analyzer::Dialect;

    #[test]
    fn fix_is_the_keyset_form_of_the_order_by() {
        let v = one(&DeepOffset, META.bad, None);
        assert_eq!(
            v.fix.as_deref(),
            Some(
                "keyset pagination: WHERE id > :last_id ORDER BY id LIMIT 20 (pass the last row's id of the previous page)"
            )
        );
        let two = one(
            &DeepOffset,
            "SELECT id FROM orders o ORDER BY o.created_at DESC, o.id DESC LIMIT 50 OFFSET 5000",
            None,
        );
        assert!(two.fix.unwrap().starts_with(
            "keyset pagination: WHERE (o.created_at, o.id) < (:last_created_at, :last_id)"
        ));
    }

    #[test]
    fn mysql_comma_form_and_shallow_offsets() {
        assert_eq!(
            run_in(
                &DeepOffset,
                "SELECT id FROM orders ORDER BY id LIMIT 2000, 20",
                Dialect::MySql,
                None
            )
            .len(),
            1
        );
        assert!(
            run(
                &DeepOffset,
                "SELECT id FROM orders ORDER BY id LIMIT 20 OFFSET 40",
                None
            )
            .is_empty()
        );
        assert!(
            run(
                &DeepOffset,
                "SELECT id FROM orders ORDER BY id LIMIT 20 OFFSET $1",
                None
            )
            .is_empty()
        );
    }

    /// The keyset fix keeps each key's direction (dropping DESC would page
    /// backwards from the start) and gives no keyset built on a position.
    #[test]
    fn fix_keeps_descending_keys_and_refuses_positions() {
        let one_key = one(
            &DeepOffset,
            "SELECT id FROM orders ORDER BY created_at DESC LIMIT 20 OFFSET 10000",
            None,
        );
        assert!(
            one_key
                .fix
                .as_deref()
                .unwrap()
                .contains("WHERE created_at < :last_created_at ORDER BY created_at DESC LIMIT 20"),
            "{:?}",
            one_key.fix
        );
        let two = one(
            &DeepOffset,
            "SELECT id FROM orders o ORDER BY o.created_at DESC, o.id DESC LIMIT 50 OFFSET 5000",
            None,
        );
        assert!(
            two.fix
                .as_deref()
                .unwrap()
                .contains("ORDER BY o.created_at DESC, o.id DESC LIMIT 50"),
            "{:?}",
            two.fix
        );
        let ordinal = one(
            &DeepOffset,
            "SELECT id FROM orders ORDER BY 1 LIMIT 20 OFFSET 5000",
            None,
        );
        assert!(
            !ordinal.fix.as_deref().unwrap().contains("WHERE 1 "),
            "{:?}",
            ordinal.fix
        );
    }
}
