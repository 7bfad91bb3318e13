//! The join graph of one query block (petgraph): its tables and aliases as
//! nodes, the predicates joining them (`ON`, `USING`, and `a.x = b.y` in
//! `WHERE`) as edges. A graph in several pieces is an implicit cartesian
//! product; a join column no index leads with makes the join a scan of that
//! table per outer row. The cost model reads both findings from here.

use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::unionfind::UnionFind;
use sqlparser::ast::Select;

use crate::catalog::Catalog;
use crate::cost::predicates::{Conjunct, block_conjuncts};
use crate::cost::rels::{Known, Rel, Source, collect};

/// One table reference of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinNode {
    /// The alias, else the table name, as the query writes it.
    pub name: String,
    /// The base table, when the reference is one (not a subquery).
    pub table: Option<String>,
}

/// One predicate between two table references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinEdge {
    /// The joined columns, when the predicate compares two columns.
    pub columns: Option<(String, String)>,
    /// `=` rather than another comparison or expression.
    pub equality: bool,
}

/// A join column with no index leading with it on its own table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinColumn {
    /// The table reference (alias or name).
    pub node: String,
    pub table: String,
    pub column: String,
}

/// Tables and join predicates of one block.
#[derive(Debug, Clone, Default)]
pub struct JoinGraph {
    pub graph: UnGraph<JoinNode, JoinEdge>,
    unindexed: Vec<JoinColumn>,
}

/// The join graph of `select`'s `FROM` and `WHERE`; `catalog` tells which
/// join columns are indexed (without it none is reported unindexed).
#[must_use]
pub fn join_graph(select: &Select, catalog: Option<&Catalog>) -> JoinGraph {
    let from = collect(&select.from, catalog, &|_| None);
    let conjuncts = block_conjuncts(
        &from.rels,
        &from.on,
        &from.using,
        select.selection.as_ref(),
        &[],
    );
    JoinGraph::build(&from.rels, &conjuncts)
}

impl JoinGraph {
    pub(crate) fn build(rels: &[Rel<'_>], conjuncts: &[Conjunct]) -> JoinGraph {
        let mut graph = UnGraph::new_undirected();
        let nodes: Vec<NodeIndex> = rels
            .iter()
            .map(|r| {
                graph.add_node(JoinNode {
                    name: r.alias.clone().unwrap_or_else(|| r.name.clone()),
                    table: r.table().map(|_| r.name.clone()),
                })
            })
            .collect();
        let mut unindexed = Vec::new();
        for c in conjuncts {
            match c {
                Conjunct::Join {
                    left,
                    right,
                    equality,
                } => {
                    graph.add_edge(
                        nodes[left.0],
                        nodes[right.0],
                        JoinEdge {
                            columns: Some((left.1.clone(), right.1.clone())),
                            equality: *equality,
                        },
                    );
                    for (rel, column) in [left, right] {
                        let r = &rels[*rel];
                        if let Source::Table {
                            table,
                            known: Known::Catalog,
                        } = &r.source
                            && !table.is_indexed(column)
                        {
                            let jc = JoinColumn {
                                node: graph[nodes[*rel]].name.clone(),
                                table: r.name.clone(),
                                column: column.clone(),
                            };
                            if !unindexed.contains(&jc) {
                                unindexed.push(jc);
                            }
                        }
                    }
                }
                Conjunct::Other { rels: ids } => {
                    for pair in ids.windows(2) {
                        graph.add_edge(
                            nodes[pair[0]],
                            nodes[pair[1]],
                            JoinEdge {
                                columns: None,
                                equality: false,
                            },
                        );
                    }
                }
                Conjunct::Local { .. } => {}
            }
        }
        JoinGraph { graph, unindexed }
    }

    /// The connected groups of table references, each in `FROM` order.
    #[must_use]
    pub fn components(&self) -> Vec<Vec<String>> {
        let mut uf = UnionFind::<usize>::new(self.graph.node_count());
        for e in self.graph.edge_indices() {
            if let Some((a, b)) = self.graph.edge_endpoints(e) {
                uf.union(a.index(), b.index());
            }
        }
        let mut groups: Vec<(usize, Vec<String>)> = Vec::new();
        for n in self.graph.node_indices() {
            let root = uf.find(n.index());
            let name = self.graph[n].name.clone();
            match groups.iter_mut().find(|(r, _)| *r == root) {
                Some((_, g)) => g.push(name),
                None => groups.push((root, vec![name])),
            }
        }
        groups.into_iter().map(|(_, g)| g).collect()
    }

    /// Whether every table reference is joined to the others.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.components().len() <= 1
    }

    /// One pair per implicit cartesian product: the first table of the first
    /// group with the first table of each other group.
    #[must_use]
    pub fn cartesian(&self) -> Vec<(String, String)> {
        let groups = self.components();
        let Some(first) = groups.first().and_then(|g| g.first()) else {
            return Vec::new();
        };
        groups
            .iter()
            .skip(1)
            .filter_map(|g| g.first().map(|n| (first.clone(), n.clone())))
            .collect()
    }

    /// Join columns (of equality or range joins) that no index on their own
    /// table leads with; empty without a catalog.
    #[must_use]
    pub fn unindexed_join_columns(&self) -> &[JoinColumn] {
        &self.unindexed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;
    use crate::catalog::{Index, IndexKey, Table};
    use sqlparser::ast::{SetExpr, Statement};

    fn select(sql: &str) -> Select {
        let mut stmts =
            sqlparser::parser::Parser::parse_sql(&*Dialect::Sqlite.parser_dialect(), sql)
                .expect("parses");
        let Some(Statement::Query(q)) = stmts.pop() else {
            panic!("not a query: {sql}");
        };
        let SetExpr::Select(s) = *q.body else {
            panic!("not a SELECT: {sql}");
        };
        *s
    }

    fn catalog() -> Catalog {
        let mut c = Catalog::new("test");
        for (name, indexed) in [("users", "id"), ("posts", "id"), ("comments", "id")] {
            c.insert(Table {
                name: name.into(),
                indexes: vec![Index {
                    name: format!("{name}_pkey"),
                    keys: vec![IndexKey::Column {
                        name: indexed.into(),
                        descending: false,
                    }],
                    unique: true,
                    primary: true,
                    predicate: None,
                }],
                rows: Some(100.0),
                ..Table::default()
            });
        }
        c
    }

    #[test]
    fn on_using_and_where_predicates_are_edges() {
        let g = join_graph(
            &select(
                "SELECT * FROM users u JOIN posts p USING (id), comments c \
                 WHERE c.post_id = p.id AND u.name = 'x'",
            ),
            Some(&catalog()),
        );
        assert!(g.is_connected());
        assert_eq!(g.graph.edge_count(), 2);
        assert_eq!(
            g.unindexed_join_columns(),
            [JoinColumn {
                node: "c".into(),
                table: "comments".into(),
                column: "post_id".into()
            }]
        );
    }

    #[test]
    fn disconnected_tables_are_cartesian_products() {
        let g = join_graph(
            &select("SELECT * FROM users u, posts p, comments c WHERE c.post_id = p.id"),
            None,
        );
        assert!(!g.is_connected());
        assert_eq!(
            g.components(),
            [vec!["u".to_owned()], vec!["p".to_owned(), "c".to_owned()]]
        );
        assert_eq!(g.cartesian(), [("u".to_owned(), "p".to_owned())]);
        assert!(
            g.unindexed_join_columns().is_empty(),
            "no catalog, no claim"
        );
    }
}
