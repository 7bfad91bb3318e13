//! The relations one query block reads (its `FROM` items, flattened through
//! joins), and which of them a column reference names. Both the cost model
//! and the join graph resolve `p.author_id` or a bare `author_id` here.

use sqlparser::ast::{Expr, JoinOperator, TableFactor, TableWithJoins};

use super::ASSUMED_ROWS;
use crate::catalog::{Catalog, Index, IndexKey, Table, fold};

/// What is known of a relation's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// Described by the catalog.
    Catalog,
    /// A catalog is loaded but does not list the table.
    Missing,
    /// No catalog: the table is assumed.
    NoCatalog,
}

/// Where a relation's rows come from.
#[derive(Debug, Clone)]
pub enum Source<'q> {
    /// A base table, from the catalog or assumed.
    Table { table: Table, known: Known },
    /// A subquery in `FROM` or a CTE reference: read in full, no index.
    Derived {
        query: Option<&'q sqlparser::ast::Query>,
        rows: f64,
    },
}

/// How a relation joins the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// The first relation of a `FROM` item, or an inner/cross join.
    Inner,
    /// Outer and similar joins: the relation must follow those before it.
    Ordered,
}

/// One relation of a query block.
#[derive(Debug, Clone)]
pub struct Rel<'q> {
    /// The name predicates qualify columns with (alias, else table), folded.
    pub key: String,
    /// The name as written in the query (table, or the alias of a subquery).
    pub name: String,
    pub alias: Option<String>,
    pub source: Source<'q>,
    pub join: JoinKind,
    /// Position in `FROM` order.
    pub position: usize,
}

impl Rel<'_> {
    /// The catalog table behind the relation, if it is a base table.
    pub fn table(&self) -> Option<&Table> {
        match &self.source {
            Source::Table { table, .. } => Some(table),
            Source::Derived { .. } => None,
        }
    }

    /// Estimated rows of the relation.
    pub fn rows(&self) -> f64 {
        match &self.source {
            Source::Table { table, .. } => table.rows.unwrap_or(ASSUMED_ROWS),
            Source::Derived { rows, .. } => *rows,
        }
    }

    /// Whether the relation (by catalog) has column `col`; `None` when unknown.
    fn has_column(&self, col: &str) -> Option<bool> {
        match &self.source {
            Source::Table {
                table,
                known: Known::Catalog,
            } => Some(table.column(col).is_some()),
            _ => None,
        }
    }

    /// How the table's size is known, for reasons.
    pub fn rows_note(&self) -> &'static str {
        match &self.source {
            Source::Table {
                known: Known::NoCatalog,
                ..
            } => ", assumed: no catalog",
            Source::Table {
                known: Known::Missing,
                ..
            } => ", assumed: not in the catalog",
            Source::Table { table, .. } if table.rows.is_none() => ", assumed: no statistics",
            _ => "",
        }
    }
}

/// The stand-in for a table nothing is known about: [`ASSUMED_ROWS`] rows
/// and a primary key on `id`.
pub fn assumed_table(name: &str) -> Table {
    Table {
        name: name.to_owned(),
        columns: Vec::new(),
        indexes: vec![Index {
            name: "id (assumed primary key)".into(),
            keys: vec![IndexKey::Column {
                name: "id".into(),
                descending: false,
            }],
            unique: true,
            primary: true,
            predicate: None,
        }],
        rows: Some(ASSUMED_ROWS),
    }
}

/// A base table relation named `name`.
pub fn table_source<'q>(name: &str, catalog: Option<&Catalog>) -> Source<'q> {
    match catalog {
        Some(c) => match c.table(name) {
            Some(t) => Source::Table {
                table: t.clone(),
                known: Known::Catalog,
            },
            None => Source::Table {
                table: assumed_table(name),
                known: Known::Missing,
            },
        },
        None => Source::Table {
            table: assumed_table(name),
            known: Known::NoCatalog,
        },
    }
}

/// A `FROM` list flattened into relations, with the `ON` conditions found
/// on the way (`USING (c)` becomes `left.c = right.c`).
#[derive(Debug, Default)]
pub struct From<'q> {
    pub rels: Vec<Rel<'q>>,
    pub on: Vec<&'q Expr>,
    /// `USING` columns: (left relation, right relation, column).
    pub using: Vec<(usize, usize, String)>,
}

/// Collects the relations of `from`. `cte` names the CTEs in scope, with
/// their estimated rows; references to them are derived relations.
pub fn collect<'q>(
    from: &'q [TableWithJoins],
    catalog: Option<&Catalog>,
    cte: &dyn Fn(&str) -> Option<f64>,
) -> From<'q> {
    let mut out = From::default();
    for twj in from {
        add_factor(&twj.relation, JoinKind::Inner, catalog, cte, &mut out);
        for join in &twj.joins {
            let (kind, constraint) = operator(&join.join_operator);
            let before = out.rels.len();
            add_factor(&join.relation, kind, catalog, cte, &mut out);
            match constraint {
                Some(sqlparser::ast::JoinConstraint::On(e)) => out.on.push(e),
                Some(sqlparser::ast::JoinConstraint::Using(cols)) if before > 0 => {
                    for c in cols {
                        let col = c.0.last().map(ToString::to_string).unwrap_or_default();
                        out.using.push((before - 1, before, fold(&col)));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn operator(op: &JoinOperator) -> (JoinKind, Option<&sqlparser::ast::JoinConstraint>) {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::CrossJoin(c)
        | JoinOperator::Semi(c)
        | JoinOperator::Anti(c)
        | JoinOperator::LeftSemi(c)
        | JoinOperator::LeftAnti(c)
        | JoinOperator::StraightJoin(c) => (JoinKind::Inner, Some(c)),
        JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::RightSemi(c)
        | JoinOperator::RightAnti(c) => (JoinKind::Ordered, Some(c)),
        _ => (JoinKind::Ordered, None),
    }
}

fn add_factor<'q>(
    f: &'q TableFactor,
    kind: JoinKind,
    catalog: Option<&Catalog>,
    cte: &dyn Fn(&str) -> Option<f64>,
    out: &mut From<'q>,
) {
    let position = out.rels.len();
    match f {
        TableFactor::Table { name, alias, .. } => {
            let written = name.to_string();
            let alias = alias.as_ref().map(|a| a.name.value.clone());
            let source = match cte(&fold(&written)) {
                Some(rows) if name.0.len() == 1 => Source::Derived { query: None, rows },
                _ => table_source(&written, catalog),
            };
            out.rels.push(Rel {
                key: fold(alias.as_deref().unwrap_or(&written)),
                name: written,
                alias,
                source,
                join: kind,
                position,
            });
        }
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            let alias = alias.as_ref().map(|a| a.name.value.clone());
            let name = alias.clone().unwrap_or_else(|| "(subquery)".into());
            out.rels.push(Rel {
                key: fold(&name),
                name,
                alias,
                source: Source::Derived {
                    query: Some(subquery),
                    rows: ASSUMED_ROWS,
                },
                join: kind,
                position,
            });
        }
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            let inner = collect(std::slice::from_ref(table_with_joins), catalog, cte);
            let base = out.rels.len();
            for mut r in inner.rels {
                r.position += base;
                r.join = if r.position == base { kind } else { r.join };
                out.rels.push(r);
            }
            out.on.extend(inner.on);
            out.using.extend(
                inner
                    .using
                    .into_iter()
                    .map(|(a, b, c)| (a + base, b + base, c)),
            );
        }
        _ => {}
    }
}

/// A column reference resolved against a block's relations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// Column `column` (folded) of relation `rel` of this block.
    Local { rel: usize, column: String },
    /// A column of an enclosing block (a correlation).
    Outer,
    /// Not resolvable (ambiguous or unknown).
    Unknown,
}

/// Resolves the column `e` names (`Identifier` or `CompoundIdentifier`)
/// against `rels`, then against the enclosing blocks' keys `outer`.
pub fn resolve(e: &Expr, rels: &[Rel<'_>], outer: &[String]) -> Option<ColumnRef> {
    let (qualifier, column) = match e {
        Expr::Identifier(id) => (None, fold(&id.value)),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            let q = &parts[parts.len() - 2].value;
            (Some(fold(q)), fold(&parts[parts.len() - 1].value))
        }
        _ => return None,
    };
    let Some(q) = qualifier else {
        if let [_] = rels {
            return Some(ColumnRef::Local { rel: 0, column });
        }
        let owners: Vec<usize> = (0..rels.len())
            .filter(|&i| rels[i].has_column(&column) == Some(true))
            .collect();
        return Some(match owners.as_slice() {
            [rel] => ColumnRef::Local { rel: *rel, column },
            _ => ColumnRef::Unknown,
        });
    };
    let found = rels.iter().position(|r| {
        r.key == q || (r.alias.is_none() && r.table().is_some_and(|t| fold(&t.name) == q))
    });
    Some(match found {
        Some(rel) => ColumnRef::Local { rel, column },
        None if outer.contains(&q) => ColumnRef::Outer,
        None => ColumnRef::Unknown,
    })
}
