//! Costs statements block by block: a query's CTEs, its set operations, and
//! each SELECT's tables (in the cheapest nested-loop order), joins,
//! subqueries, grouping, sorting and duplicate removal.

use sqlparser::ast::{
    Distinct, Expr, GroupByExpr, OrderBy, OrderByKind, OrderBySort, Query, Select, SelectItem,
    SetExpr, SetOperator, SetQuantifier, Statement, TableWithJoins,
};

use super::access::{AccessChoice, choose_access};
use super::predicates::{Conjunct, KeyRef, PredKind, Predicate, block_conjuncts};
use super::rels::{Rel, Source, collect};
use super::subquery::cost_subqueries;
use super::{
    Access, AccessMethod, CARTESIAN_POINTS, Cost, DISTINCT_POINTS, GROUP_BY_POINTS, JOIN_POINTS,
    ORDER_BY_POINTS, RANGE_FRACTION, SUBQUERY_POINTS, Term, TermKind, fmt_rows,
};
use crate::catalog::{Catalog, DEFAULT_EQ_SELECTIVITY, IndexKey, fold};
use crate::joins::JoinGraph;

/// Every order of up to this many tables is tried; beyond, `FROM` order.
const MAX_ORDERED_TABLES: usize = 5;
/// Rows per group assumed for a GROUP BY's output.
const ROWS_PER_GROUP: f64 = 10.0;

/// What costing needs across blocks.
pub(super) struct Ctx<'c> {
    catalog: Option<&'c Catalog>,
    /// CTEs in scope: folded name and estimated rows.
    ctes: Vec<(String, f64)>,
}

/// A block's cost and the rows it produces.
pub(super) struct Estimate {
    pub cost: Cost,
    pub rows: f64,
}

pub(super) fn statement(stmt: &Statement, catalog: Option<&Catalog>) -> Cost {
    let mut ctx = Ctx {
        catalog,
        ctes: Vec::new(),
    };
    match stmt {
        Statement::Query(q) => query(q, &[], &mut ctx).cost,
        Statement::Insert(ins) => ins
            .source
            .as_ref()
            .map(|q| query(q, &[], &mut ctx).cost)
            .unwrap_or_default(),
        Statement::Update(u) => {
            let mut from = vec![u.table.clone()];
            if let Some(
                sqlparser::ast::UpdateTableFromKind::AfterSet(more)
                | sqlparser::ast::UpdateTableFromKind::BeforeSet(more),
            ) = &u.from
            {
                from.extend(more.iter().cloned());
            }
            tables_block(&from, u.selection.as_ref(), &mut ctx)
        }
        Statement::Delete(d) => {
            let (sqlparser::ast::FromTable::WithFromKeyword(from)
            | sqlparser::ast::FromTable::WithoutKeyword(from)) = &d.from;
            let mut from = from.clone();
            from.extend(d.using.iter().flatten().cloned());
            tables_block(&from, d.selection.as_ref(), &mut ctx)
        }
        _ => Cost::default(),
    }
}

/// The access part of UPDATE / DELETE: their tables and WHERE.
fn tables_block(from: &[TableWithJoins], selection: Option<&Expr>, ctx: &mut Ctx<'_>) -> Cost {
    let mut cost = Cost::default();
    from_where(from, selection, None, None, &[], ctx, &mut cost);
    cost
}

pub(super) fn query(q: &Query, outer: &[String], ctx: &mut Ctx<'_>) -> Estimate {
    let saved = ctx.ctes.len();
    let mut cost = Cost::default();
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            let e = query(&cte.query, outer, ctx);
            cost.absorb(e.cost);
            cost.push(Term {
                kind: TermKind::Subquery,
                points: SUBQUERY_POINTS,
                table: Some(cte.alias.name.value.clone()),
                rows: Some(e.rows),
                reason: format!(
                    "CTE {} computed once (~{} rows)",
                    cte.alias.name.value,
                    fmt_rows(e.rows)
                ),
            });
            ctx.ctes.push((fold(&cte.alias.name.value), e.rows));
        }
    }
    let body = set_expr(&q.body, q.order_by.as_ref(), outer, ctx);
    ctx.ctes.truncate(saved);
    cost.absorb(body.cost);
    Estimate {
        cost,
        rows: body.rows,
    }
}

fn set_expr(
    s: &SetExpr,
    order_by: Option<&OrderBy>,
    outer: &[String],
    ctx: &mut Ctx<'_>,
) -> Estimate {
    match s {
        SetExpr::Select(sel) => select(sel, order_by, outer, ctx),
        SetExpr::Query(q) => {
            let mut e = query(q, outer, ctx);
            sort_term(order_by, e.rows, &mut e.cost);
            e
        }
        SetExpr::SetOperation {
            left,
            op,
            set_quantifier,
            right,
        } => {
            let l = set_expr(left, None, outer, ctx);
            let r = set_expr(right, None, outer, ctx);
            let mut cost = l.cost;
            cost.absorb(r.cost);
            let rows = l.rows + r.rows;
            let dedup = !matches!(
                set_quantifier,
                SetQuantifier::All | SetQuantifier::AllByName
            );
            if dedup && *op == SetOperator::Union {
                cost.push(scaled(
                    TermKind::Distinct,
                    DISTINCT_POINTS,
                    rows,
                    "UNION removes duplicates: use UNION ALL where none can occur",
                ));
            }
            sort_term(order_by, rows, &mut cost);
            Estimate { cost, rows }
        }
        SetExpr::Insert(st) | SetExpr::Update(st) | SetExpr::Delete(st) => Estimate {
            cost: statement(st, ctx.catalog),
            rows: 1.0,
        },
        _ => Estimate {
            cost: Cost::default(),
            rows: 1.0,
        },
    }
}

fn sort_term(order_by: Option<&OrderBy>, rows: f64, cost: &mut Cost) {
    if order_by.is_some_and(|o| !matches!(&o.kind, OrderByKind::Expressions(v) if v.is_empty())) {
        cost.push(scaled(
            TermKind::OrderBy,
            ORDER_BY_POINTS,
            rows,
            "ORDER BY sorts the result: no index returns rows in this order",
        ));
    }
}

/// An audit term whose points grow with log10 of the rows past 1,000.
fn scaled(kind: TermKind, base: f64, rows: f64, why: &str) -> Term {
    let factor = (rows.max(1.0).log10() / 3.0).max(1.0);
    Term {
        kind,
        points: base * factor,
        table: None,
        rows: Some(rows),
        reason: format!("{why} (~{} rows)", fmt_rows(rows)),
    }
}

fn select(
    sel: &Select,
    order_by: Option<&OrderBy>,
    outer: &[String],
    ctx: &mut Ctx<'_>,
) -> Estimate {
    let mut cost = Cost::default();
    let joined = from_where(
        &sel.from,
        sel.selection.as_ref(),
        Some(sel),
        order_by,
        outer,
        ctx,
        &mut cost,
    );
    let mut rows = joined.rows;
    let grouped = match &sel.group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(e, _) => !e.is_empty(),
    };
    if grouped {
        cost.push(scaled(
            TermKind::GroupBy,
            GROUP_BY_POINTS,
            rows,
            "GROUP BY groups the rows",
        ));
        rows = (rows / ROWS_PER_GROUP).max(1.0);
    }
    if matches!(sel.distinct, Some(Distinct::Distinct | Distinct::On(_))) {
        cost.push(scaled(
            TermKind::Distinct,
            DISTINCT_POINTS,
            rows,
            "DISTINCT removes duplicate rows",
        ));
    }
    if !joined.order_served {
        sort_term(order_by, rows, &mut cost);
    }
    Estimate { cost, rows }
}

/// What the FROM / WHERE part of a block gives.
struct Joined {
    rows: f64,
    /// An index delivers rows in the ORDER BY's order.
    order_served: bool,
}

/// One table placed in the join order.
struct Step {
    rel: usize,
    choice: AccessChoice,
    /// Executions of the access: rows produced by the tables before it.
    loops: f64,
    /// Rows the table yields per execution, after all its conditions.
    out: f64,
    /// The join conditions to earlier tables, for the reason.
    joined_on: Vec<String>,
}

fn from_where(
    from: &[TableWithJoins],
    selection: Option<&Expr>,
    sel: Option<&Select>,
    order_by: Option<&OrderBy>,
    outer: &[String],
    ctx: &mut Ctx<'_>,
    cost: &mut Cost,
) -> Joined {
    let ctes = ctx.ctes.clone();
    let lookup = move |name: &str| ctes.iter().find(|(n, _)| n == name).map(|(_, r)| *r);
    let mut f = collect(from, ctx.catalog, &lookup);
    for rel in &mut f.rels {
        if let Source::Derived {
            query: Some(q),
            rows,
        } = &mut rel.source
        {
            let e = query(q, outer, ctx);
            *rows = e.rows;
            cost.absorb(e.cost);
            cost.push(Term {
                kind: TermKind::Subquery,
                points: SUBQUERY_POINTS,
                table: Some(rel.name.clone()),
                rows: Some(e.rows),
                reason: format!("subquery in FROM yields ~{} rows", fmt_rows(e.rows)),
            });
        }
    }
    let conjuncts = block_conjuncts(&f.rels, &f.on, &f.using, selection, outer);
    for (a, b) in JoinGraph::build(&f.rels, &conjuncts).cartesian() {
        cost.push(Term {
            kind: TermKind::CartesianProduct,
            points: CARTESIAN_POINTS,
            table: Some(b.clone()),
            rows: None,
            reason: format!("no join condition links {a} and {b}: every row pairs with every row"),
        });
    }
    let steps = best_order(&f.rels, &conjuncts);
    let mut rows = 1.0;
    for (i, s) in steps.iter().enumerate() {
        let rel = &f.rels[s.rel];
        if rel.table().is_some() {
            push_access(rel, s, cost);
        }
        if i > 0 {
            cost.push(join_term(rel, s));
        }
        rows = s.loops * s.out;
    }
    let mut keys: Vec<String> = outer.to_vec();
    keys.extend(f.rels.iter().map(|r| r.key.clone()));
    let mut exprs: Vec<&Expr> = f.on.clone();
    exprs.extend(selection);
    if let Some(sel) = sel {
        exprs.extend(sel.projection.iter().filter_map(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
            _ => None,
        }));
        exprs.extend(sel.having.as_ref());
    }
    for e in exprs {
        cost_subqueries(e, &keys, rows.max(1.0), ctx, cost);
    }
    let order_served = match (order_by, steps.as_slice()) {
        (Some(o), [only]) => {
            let preds = preds_for(only.rel, &[], &conjuncts).0;
            index_serves_order(&f.rels[only.rel], &only.choice, &preds, o)
        }
        _ => false,
    };
    Joined { rows, order_served }
}

fn push_access(rel: &Rel<'_>, s: &Step, cost: &mut Cost) {
    let c = &s.choice;
    let method = match &c.index {
        Some(i) => AccessMethod::Index {
            name: i.name.clone(),
            columns: i.columns.clone(),
        },
        None => AccessMethod::Scan,
    };
    let total = rel.rows();
    let what = match &c.index {
        None => format!(
            "full scan of {} ({} rows{})",
            rel.name,
            fmt_rows(total),
            rel.rows_note()
        ),
        Some(i) if i.range => format!("index range on {}", rel.name),
        Some(_) => format!("index lookup on {}", rel.name),
    };
    let per_loop = if s.loops > 1.0 {
        format!(", once per outer row (~{} times)", fmt_rows(s.loops))
    } else {
        String::new()
    };
    cost.push(Term {
        kind: c.kind,
        points: c.points() * s.loops.max(1.0),
        table: Some(rel.name.clone()),
        rows: Some(c.rows * s.loops.max(1.0)),
        reason: format!("{what}: {}{per_loop}", c.why),
    });
    cost.accesses.push(Access {
        table: rel.name.clone(),
        alias: rel.alias.clone(),
        method,
        rows: c.rows,
        why: c.why.clone(),
    });
}

fn join_term(rel: &Rel<'_>, s: &Step) -> Term {
    let how = if s.joined_on.is_empty() {
        "with no join condition".to_owned()
    } else {
        format!("on {}", s.joined_on.join(" and "))
    };
    let probe = match &s.choice.index {
        Some(i) => format!("each outer row probes index {}", i.name),
        None => format!(
            "no index serves the join, so {} is scanned for each of ~{} outer rows",
            rel.name,
            fmt_rows(s.loops)
        ),
    };
    Term {
        kind: TermKind::Join,
        points: JOIN_POINTS,
        table: Some(rel.name.clone()),
        rows: Some(s.loops),
        reason: format!("join {} {how}: {probe}", rel.name),
    }
}

/// Fraction of a table's rows a condition keeps.
fn selectivity(rel: &Rel<'_>, kind: &PredKind) -> f64 {
    match kind {
        PredKind::Eq {
            key: KeyRef::Column(c),
            values,
        } => (rel
            .table()
            .map_or(DEFAULT_EQ_SELECTIVITY, |t| t.eq_selectivity(c))
            * values)
            .min(1.0),
        PredKind::Eq { values, .. } => (DEFAULT_EQ_SELECTIVITY * values).min(1.0),
        PredKind::Range { bounds, .. } => RANGE_FRACTION.powi(i32::from(*bounds)),
        PredKind::LeadingWildcard { .. } | PredKind::Or { .. } | PredKind::Filter => RANGE_FRACTION,
    }
}

/// The conditions on `rel` once the relations in `placed` are known: its
/// own, and join conditions to them as equalities (or ranges).
fn preds_for(
    rel: usize,
    placed: &[usize],
    conjuncts: &[Conjunct],
) -> (Vec<Predicate>, Vec<String>) {
    let mut preds = Vec::new();
    let mut joined_on = Vec::new();
    for c in conjuncts {
        match c {
            Conjunct::Local { rel: r, pred } if *r == rel => preds.push(pred.clone()),
            Conjunct::Join {
                left,
                right,
                equality,
            } => {
                let (mine, other) = if left.0 == rel {
                    (left, right)
                } else if right.0 == rel {
                    (right, left)
                } else {
                    continue;
                };
                if !placed.contains(&other.0) {
                    continue;
                }
                let key = KeyRef::Column(mine.1.clone());
                let kind = if *equality {
                    PredKind::Eq { key, values: 1.0 }
                } else {
                    PredKind::Range { key, bounds: 1 }
                };
                joined_on.push(format!("{} = {}", mine.1, other.1));
                preds.push(Predicate {
                    sql: format!("{}=?", mine.1),
                    kind,
                });
            }
            _ => {}
        }
    }
    (preds, joined_on)
}

fn step(
    rels: &[Rel<'_>],
    rel: usize,
    placed: &[usize],
    loops: f64,
    conjuncts: &[Conjunct],
) -> Step {
    let (preds, joined_on) = preds_for(rel, placed, conjuncts);
    let r = &rels[rel];
    let choice = match r.table() {
        Some(t) => choose_access(t, &preds),
        None => AccessChoice {
            index: None,
            rows: r.rows(),
            kind: TermKind::FullScan,
            why: format!("reads the derived table's ~{} rows", fmt_rows(r.rows())),
        },
    };
    let out = preds
        .iter()
        .fold(r.rows(), |acc, p| acc * selectivity(r, &p.kind));
    Step {
        rel,
        choice,
        loops,
        out,
        joined_on,
    }
}

/// The steps of one join order and its total points.
fn evaluate(rels: &[Rel<'_>], order: &[usize], conjuncts: &[Conjunct]) -> (f64, Vec<Step>) {
    let mut loops: f64 = 1.0;
    let mut total = 0.0;
    let mut steps = Vec::with_capacity(order.len());
    for (i, &rel) in order.iter().enumerate() {
        let s = step(rels, rel, &order[..i], loops.max(1.0), conjuncts);
        total += s.choice.points() * s.loops;
        loops = s.loops * s.out;
        steps.push(s);
    }
    (total, steps)
}

/// The cheapest nested-loop order (every order up to
/// [`MAX_ORDERED_TABLES`], else `FROM` order); an outer-joined relation
/// stays after every relation written before it; ties keep `FROM` order.
fn best_order(rels: &[Rel<'_>], conjuncts: &[Conjunct]) -> Vec<Step> {
    let from_order: Vec<usize> = (0..rels.len()).collect();
    if rels.len() > MAX_ORDERED_TABLES {
        return evaluate(rels, &from_order, conjuncts).1;
    }
    let mut best: Option<(f64, Vec<Step>)> = None;
    let mut order = Vec::with_capacity(rels.len());
    permute(rels, &mut order, &mut |o| {
        let (total, steps) = evaluate(rels, o, conjuncts);
        if best.as_ref().is_none_or(|(b, _)| total < *b * (1.0 - 1e-9)) {
            best = Some((total, steps));
        }
    });
    best.map(|(_, s)| s).unwrap_or_default()
}

fn permute(rels: &[Rel<'_>], order: &mut Vec<usize>, visit: &mut dyn FnMut(&[usize])) {
    if order.len() == rels.len() {
        visit(order);
        return;
    }
    for i in 0..rels.len() {
        if order.contains(&i) {
            continue;
        }
        let blocked =
            rels[i].join == super::rels::JoinKind::Ordered && (0..i).any(|j| !order.contains(&j));
        let after_ordered =
            (0..i).any(|j| rels[j].join == super::rels::JoinKind::Ordered && !order.contains(&j));
        if blocked || after_ordered {
            continue;
        }
        order.push(i);
        permute(rels, order, visit);
        order.pop();
    }
}

/// Whether `order_by` over the single relation `rel` is delivered by the
/// index the access uses (or, for a scan, by some index read in full):
/// equalities on the index's leading keys, then the ORDER BY columns in key
/// order, all in one direction relative to the keys.
fn index_serves_order(
    rel: &Rel<'_>,
    choice: &AccessChoice,
    preds: &[Predicate],
    order_by: &OrderBy,
) -> bool {
    let OrderByKind::Expressions(items) = &order_by.kind else {
        return false;
    };
    let Some(table) = rel.table() else {
        return false;
    };
    let mut wanted = Vec::new();
    for item in items {
        let col = match &item.expr {
            Expr::Identifier(id) => fold(&id.value),
            Expr::CompoundIdentifier(parts) if !parts.is_empty() => {
                fold(&parts[parts.len() - 1].value)
            }
            _ => return false,
        };
        let desc = matches!(item.options.sort, Some(OrderBySort::Desc));
        wanted.push((col, desc));
    }
    let eq_bound = |col: &str| {
        preds.iter().any(|p| {
            matches!(&p.kind, PredKind::Eq { key: KeyRef::Column(c), values } if c == col && *values <= 1.0)
        })
    };
    table
        .indexes
        .iter()
        .filter(|i| match &choice.index {
            Some(u) => u.name == i.name,
            None => i.predicate.is_none(),
        })
        .any(|index| {
            let mut keys = index.keys.iter().peekable();
            while let Some(IndexKey::Column { name, .. }) = keys.peek() {
                if wanted.iter().any(|(c, _)| *c == fold(name)) || !eq_bound(&fold(name)) {
                    break;
                }
                keys.next();
            }
            let mut flip = None;
            wanted.iter().all(|(col, desc)| match keys.next() {
                Some(IndexKey::Column { name, descending }) if fold(name) == *col => {
                    *flip.get_or_insert(desc != descending) == (desc != descending)
                }
                _ => false,
            })
        })
}
