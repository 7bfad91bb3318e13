//! SQ011 `unbounded-select`: a query that returns a whole table.

use sqlparser::ast::{GroupByExpr, SelectItem, Statement};

use sqlsift_analyzer::catalog::fold;

use crate::ast::{Scope, body_selects, cte_names, has_aggregate, limit};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Severity, Violation};

/// Row count from which reading a whole table per request is a problem.
pub const LARGE_TABLE_ROWS: f64 = 10_000.0;

declare_rule! {
    pub struct UnboundedSelect {
        code: "SQ011",
        name: "unbounded-select",
        severity: Warning,
        needs_catalog: true,
        summary: "SELECT from a table with no WHERE and no LIMIT returns the whole table",
        what: "Flags a top-level SELECT reading a table with no WHERE, no LIMIT/FETCH, no GROUP BY and no aggregate. With a catalog it fires (warning) only when a table has at least 10 000 rows and is silent for known small tables; without row counts it fires at severity info.",
        why: "The result grows with the table: what returns 50 rows in development returns millions in production, all sent to and held in memory by the application, on every call.",
        bad: "SELECT id, email FROM users",
        good: "SELECT id, email FROM users WHERE created_at > $1 ORDER BY created_at LIMIT 100",
    }
}

impl Rule for UnboundedSelect {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        let Statement::Query(q) = ctx.statement else {
            return;
        };
        if limit(q).is_some() || !q.locks.is_empty() {
            return;
        }
        let ctes = cte_names(q);
        for sel in body_selects(&q.body) {
            let grouped = match &sel.group_by {
                GroupByExpr::All(_) => true,
                GroupByExpr::Expressions(e, _) => !e.is_empty(),
            };
            let aggregated = sel.projection.iter().any(|i| match i {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    has_aggregate(e)
                }
                _ => false,
            });
            let mut scope = Scope::of_from(&sel.from);
            scope.tables.retain(|t| !ctes.contains(&fold(&t.name)));
            if sel.selection.is_some()
                || grouped
                || aggregated
                || sel.top.is_some()
                || scope.tables.is_empty()
            {
                continue;
            }
            // The largest table by the catalog's row counts, if it knows them all.
            let rows: Option<Vec<(f64, &str)>> = ctx.catalog.and_then(|c| {
                scope
                    .tables
                    .iter()
                    .map(|t| Some((c.table(&t.name)?.rows?, t.name.as_str())))
                    .collect()
            });
            let (severity, table, size) = match rows
                .as_ref()
                .and_then(|r| r.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0)))
            {
                Some((n, _)) if n < LARGE_TABLE_ROWS => continue,
                Some((n, t)) => (META.severity, t.to_owned(), format!(" (~{n:.0} rows)")),
                None => (Severity::Info, scope.tables[0].name.clone(), String::new()),
            };
            out.push(
                Violation::new(&META, format!("SELECT reads all of {table}{size} with no WHERE and no LIMIT; the result grows with the table"))
                    .severity(severity)
                    .fix(format!("filter {table} with a WHERE the caller needs, or page it: … ORDER BY <key> LIMIT <page size>"))
                    .table(Some(table)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{catalog, one, run};

    #[test]
    fn catalog_row_counts_set_severity_or_silence() {
        let cat = catalog();
        let v = one(
            &UnboundedSelect,
            "SELECT u.id, o.id FROM countries c JOIN users u ON u.country_code = c.code JOIN orders o ON o.user_id = u.id",
            Some(&cat),
        );
        assert_eq!(
            (v.severity, v.table.as_deref()),
            (Severity::Warning, Some("orders"))
        );
        assert!(v.message.contains("~5000000 rows"), "{}", v.message);
        assert!(
            run(
                &UnboundedSelect,
                "SELECT code, name FROM countries",
                Some(&cat)
            )
            .is_empty()
        );
        assert_eq!(
            one(&UnboundedSelect, "SELECT code, name FROM countries", None).severity,
            Severity::Info
        );
    }

    #[test]
    fn aggregates_groups_and_subqueries_are_bounded() {
        for sql in [
            "SELECT count(*) FROM orders",
            "SELECT status, count(*) FROM orders GROUP BY status",
            "SELECT 1",
            "WITH top AS (SELECT id FROM orders ORDER BY total DESC LIMIT 10) SELECT id FROM top",
            "INSERT INTO archive SELECT id FROM orders",
        ] {
            assert!(run(&UnboundedSelect, sql, None).is_empty(), "{sql}");
        }
    }
}
