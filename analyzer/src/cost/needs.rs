//! What each base table of a statement asks of an index: its own conditions
//! (classified exactly as the access-path choice classifies them), the
//! columns it is joined on, the ORDER BY a single-table block could read in
//! index order, and the columns the statement reads from it. The index
//! advisor builds its candidates from these, so the advisor and the cost
//! model never disagree about which conditions an index can serve.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, OrderBy, OrderByKind, OrderBySort, Query, Select, SelectItem, SetExpr, Statement,
    TableWithJoins, Visit, Visitor,
};

use super::ASSUMED_ROWS;
use super::predicates::local_refs;
use super::predicates::{Conjunct, Predicate, block_conjuncts};
use super::rels::{Known, Rel, Source, collect};
use crate::catalog::{Catalog, fold};

/// What one table reference of one query block needs.
#[derive(Debug, Clone, PartialEq)]
pub struct TableNeeds {
    /// The table's name as the query writes it.
    pub table: String,
    /// Its own conditions (`WHERE` and `ON` conjuncts on it alone).
    pub preds: Vec<Predicate>,
    /// Its columns equated with another relation's column (join keys), folded.
    pub join_columns: Vec<String>,
    /// The block's ORDER BY as (column, descending), when the block reads
    /// only this table and every ORDER BY item is a plain column.
    pub order_by: Vec<(String, bool)>,
    /// Every column the block reads from the table (folded), or `None` when
    /// that is not known (`SELECT *`, names that do not resolve).
    pub columns: Option<Vec<String>>,
}

/// The needs of every catalog table `statement` reads, one entry per table
/// reference per query block (subqueries and CTEs included). Tables the
/// catalog does not describe are left out: nothing can be proposed for them.
#[must_use]
pub fn table_needs(statement: &Statement, catalog: &Catalog) -> Vec<TableNeeds> {
    let mut ctes = Vec::new();
    let _ = statement.visit(&mut CteNames(&mut ctes));
    let mut out = Vec::new();
    match statement {
        Statement::Update(u) => {
            let mut from = vec![u.table.clone()];
            if let Some(
                sqlparser::ast::UpdateTableFromKind::AfterSet(more)
                | sqlparser::ast::UpdateTableFromKind::BeforeSet(more),
            ) = &u.from
            {
                from.extend(more.iter().cloned());
            }
            block(
                &from,
                u.selection.as_ref(),
                None,
                None,
                catalog,
                &ctes,
                &mut out,
            );
        }
        Statement::Delete(d) => {
            let (sqlparser::ast::FromTable::WithFromKeyword(from)
            | sqlparser::ast::FromTable::WithoutKeyword(from)) = &d.from;
            let mut from = from.clone();
            from.extend(d.using.iter().flatten().cloned());
            block(
                &from,
                d.selection.as_ref(),
                None,
                None,
                catalog,
                &ctes,
                &mut out,
            );
        }
        _ => {}
    }
    let mut blocks = Blocks {
        catalog,
        ctes: &ctes,
        out: &mut out,
    };
    let _ = statement.visit(&mut blocks);
    out
}

/// Collects the names of every CTE, so references to them are not taken
/// for tables of the same name.
struct CteNames<'a>(&'a mut Vec<String>);

impl Visitor for CteNames<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if let Some(with) = &q.with {
            self.0
                .extend(with.cte_tables.iter().map(|c| fold(&c.alias.name.value)));
        }
        ControlFlow::Continue(())
    }
}

/// Visits every query (top level, CTE, subquery, derived table) once.
struct Blocks<'a> {
    catalog: &'a Catalog,
    ctes: &'a [String],
    out: &'a mut Vec<TableNeeds>,
}

impl Visitor for Blocks<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        self.set_expr(&q.body, q.order_by.as_ref());
        ControlFlow::Continue(())
    }
}

impl Blocks<'_> {
    fn set_expr(&mut self, s: &SetExpr, order_by: Option<&OrderBy>) {
        match s {
            SetExpr::Select(sel) => {
                block(
                    &sel.from,
                    sel.selection.as_ref(),
                    Some(sel),
                    order_by,
                    self.catalog,
                    self.ctes,
                    self.out,
                );
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left, None);
                self.set_expr(right, None);
            }
            // Nested queries are visited on their own.
            _ => {}
        }
    }
}

fn block(
    from: &[TableWithJoins],
    selection: Option<&Expr>,
    sel: Option<&Select>,
    order_by: Option<&OrderBy>,
    catalog: &Catalog,
    ctes: &[String],
    out: &mut Vec<TableNeeds>,
) {
    let lookup = |name: &str| ctes.iter().any(|c| c == name).then_some(ASSUMED_ROWS);
    let f = collect(from, Some(catalog), &lookup);
    let conjuncts = block_conjuncts(&f.rels, &f.on, &f.using, selection, &[]);
    let columns = sel.map(|s| read_columns(s, &f.rels, &f.on, order_by));
    let order = match f.rels.as_slice() {
        [_] => order_columns(order_by),
        _ => Vec::new(),
    };
    for (i, rel) in f.rels.iter().enumerate() {
        if !matches!(
            rel.source,
            Source::Table {
                known: Known::Catalog,
                ..
            }
        ) {
            continue;
        }
        let mut preds = Vec::new();
        let mut join_columns = Vec::new();
        for c in &conjuncts {
            match c {
                Conjunct::Local { rel: r, pred } if *r == i => preds.push(pred.clone()),
                Conjunct::Join {
                    left,
                    right,
                    equality: true,
                } => {
                    for (r, col) in [left, right] {
                        if *r == i && !join_columns.contains(col) {
                            join_columns.push(col.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        let cols = match &columns {
            Some(Some(per_rel)) => per_rel.get(i).cloned(),
            _ => None,
        };
        out.push(TableNeeds {
            table: rel.name.clone(),
            preds,
            join_columns,
            order_by: order.clone(),
            columns: cols,
        });
    }
}

/// ORDER BY items as (column, descending); empty unless every item is a
/// plain column.
fn order_columns(order_by: Option<&OrderBy>) -> Vec<(String, bool)> {
    let Some(OrderByKind::Expressions(items)) = order_by.map(|o| &o.kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let col = match &item.expr {
            Expr::Identifier(id) => fold(&id.value),
            Expr::CompoundIdentifier(parts) if !parts.is_empty() => {
                fold(&parts[parts.len() - 1].value)
            }
            _ => return Vec::new(),
        };
        out.push((col, matches!(item.options.sort, Some(OrderBySort::Desc))));
    }
    out
}

/// The columns a SELECT block reads, per relation; `None` when any item is
/// a wildcard or any name does not resolve to one relation.
fn read_columns(
    sel: &Select,
    rels: &[Rel<'_>],
    on: &[&Expr],
    order_by: Option<&OrderBy>,
) -> Option<Vec<Vec<String>>> {
    let mut exprs: Vec<&Expr> = Vec::new();
    for item in &sel.projection {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => exprs.push(e),
            _ => return None,
        }
    }
    exprs.extend(on.iter().copied().chain(sel.selection.as_ref()));
    if let sqlparser::ast::GroupByExpr::Expressions(group, _) = &sel.group_by {
        exprs.extend(group);
    }
    exprs.extend(&sel.having);
    if let Some(OrderByKind::Expressions(items)) = order_by.map(|o| &o.kind) {
        exprs.extend(items.iter().map(|i| &i.expr));
    }
    let mut per_rel = vec![Vec::new(); rels.len()];
    for e in exprs {
        let (columns, unknown) = local_refs(e, rels, &[]);
        if unknown {
            return None;
        }
        for (rel, column) in columns {
            let cols: &mut Vec<String> = &mut per_rel[rel];
            if !cols.contains(&column) {
                cols.push(column);
            }
        }
    }
    Some(per_rel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Table};
    use crate::cost::{KeyRef, PredKind};

    fn catalog() -> Catalog {
        let mut c = Catalog::new("test");
        for (name, cols) in [
            ("posts", &["id", "author_id", "created_at", "title"][..]),
            ("authors", &["id", "name"][..]),
        ] {
            c.insert(Table {
                name: name.into(),
                columns: cols
                    .iter()
                    .map(|n| Column {
                        name: (*n).into(),
                        data_type: "integer".into(),
                        nullable: false,
                        distinct: None,
                    })
                    .collect(),
                indexes: Vec::new(),
                rows: Some(1000.0),
            });
        }
        c
    }

    fn parse(sql: &str) -> Statement {
        sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::GenericDialect {}, sql)
            .unwrap()
            .remove(0)
    }

    #[test]
    fn conditions_order_and_columns_of_one_table() {
        let s = parse(
            "SELECT id, title FROM posts WHERE author_id = 1 AND created_at > 5 ORDER BY created_at DESC",
        );
        let needs = table_needs(&s, &catalog());
        assert_eq!(needs.len(), 1);
        let n = &needs[0];
        assert_eq!(n.table, "posts");
        assert!(matches!(
            &n.preds[0].kind,
            PredKind::Eq { key: KeyRef::Column(c), .. } if c == "author_id"
        ));
        assert!(matches!(&n.preds[1].kind, PredKind::Range { .. }));
        assert_eq!(n.order_by, [("created_at".to_owned(), true)]);
        assert_eq!(
            n.columns.as_deref(),
            Some(&["id", "title", "author_id", "created_at"].map(String::from)[..])
        );
    }

    #[test]
    fn joins_subqueries_and_unknown_tables() {
        let s = parse(
            "SELECT p.title, a.name FROM posts p JOIN authors a ON a.id = p.author_id \
             WHERE a.name = 'x' AND p.id IN (SELECT id FROM ghosts WHERE z = 1) ORDER BY p.title",
        );
        let needs = table_needs(&s, &catalog());
        assert_eq!(needs.len(), 2, "{needs:?}");
        assert_eq!(needs[0].join_columns, ["author_id"]);
        assert_eq!(needs[1].join_columns, ["id"]);
        assert!(needs[0].order_by.is_empty(), "ORDER BY over a join");
        let star = parse("SELECT * FROM posts WHERE author_id = 1");
        assert_eq!(table_needs(&star, &catalog())[0].columns, None);
    }

    #[test]
    fn update_and_delete_conditions() {
        let u = parse("UPDATE posts SET title = 'x' WHERE author_id = 3");
        let needs = table_needs(&u, &catalog());
        assert_eq!(needs.len(), 1);
        assert_eq!(needs[0].preds.len(), 1);
        let d = parse("DELETE FROM authors WHERE name = 'x'");
        assert_eq!(table_needs(&d, &catalog())[0].table, "authors");
    }
}
