//! SQ028 `unindexed-join`: an equality join where neither column has an
//! index, read from the analyzer's join graph.

use sqlsift_analyzer::joins::join_graph;

use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct UnindexedJoin {
        code: "SQ028",
        name: "unindexed-join",
        severity: Warning,
        needs_catalog: true,
        summary: "A join compares two columns neither of which has an index (needs --schema)",
        what: "Flags `JOIN … ON a.x = b.y` (or the same comparison in WHERE) when no index leads with `a.x` and none leads with `b.y`, by the join graph the cost model uses. One indexed side is enough, since the database makes the indexed table the inner one. Silent without a catalog.",
        why: "A nested-loop join probes the inner table once per outer row; without an index on either join column each probe is a scan, so the join reads rows × rows. Hash joins soften it on PostgreSQL, but SQLite and MySQL have no such rescue and it grows with the data.",
        bad: "SELECT o.id, u.email FROM orders o JOIN users u ON u.manager_id = o.coupon_id",
        good: "SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id",
    }
}

impl Rule for UnindexedJoin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        let Some(catalog) = ctx.catalog else {
            return;
        };
        crate::ast::each_select(ctx.statement, |sel| {
            let graph = join_graph(sel, Some(catalog));
            let unindexed = graph.unindexed_join_columns();
            let is_unindexed = |node: &str, column: &str| {
                unindexed
                    .iter()
                    .find(|c| c.node == node && c.column == column)
            };
            for e in graph.graph.edge_indices() {
                let (Some((a, b)), Some(edge)) =
                    (graph.graph.edge_endpoints(e), graph.graph.edge_weight(e))
                else {
                    continue;
                };
                let Some((ca, cb)) = edge.columns.as_ref().filter(|_| edge.equality) else {
                    continue;
                };
                let (na, nb) = (&graph.graph[a].name, &graph.graph[b].name);
                let (Some(ja), Some(jb)) = (is_unindexed(na, ca), is_unindexed(nb, cb)) else {
                    continue;
                };
                // Index the bigger table's side: it is the one to probe.
                let rows = |t: &str| catalog.table(t).and_then(|t| t.rows).unwrap_or(0.0);
                let inner = if rows(&jb.table) >= rows(&ja.table) {
                    jb
                } else {
                    ja
                };
                out.push(
                    Violation::new(
                        &META,
                        format!(
                            "join {na}.{ca} = {nb}.{cb}: neither column has an index, so every probe of the join scans {}",
                            inner.table
                        ),
                    )
                    .fix(format!("CREATE INDEX ON {} ({})", inner.table, inner.column))
                    .table(Some(inner.table.clone()))
                    .column(inner.column.clone()),
                );
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{catalog, one, run};

    #[test]
    fn proposes_the_index_on_the_bigger_table() {
        let v = one(
            &UnindexedJoin,
            "SELECT 1 FROM users u, orders o WHERE o.coupon_id = u.manager_id",
            Some(&catalog()),
        );
        assert_eq!(
            v.table.as_deref(),
            Some("orders"),
            "5M orders beside 200k users"
        );
        assert_eq!(v.fix.as_deref(), Some("CREATE INDEX ON orders (coupon_id)"));
    }

    #[test]
    fn one_indexed_side_or_no_catalog_is_enough() {
        let c = catalog();
        for sql in [
            "SELECT 1 FROM orders o JOIN users u ON u.id = o.coupon_id",
            "SELECT 1 FROM orders o JOIN users u ON u.manager_id > o.coupon_id",
        ] {
            assert!(run(&UnindexedJoin, sql, Some(&c)).is_empty(), "{sql}");
        }
        assert!(run(&UnindexedJoin, META.bad, None).is_empty());
    }
}
