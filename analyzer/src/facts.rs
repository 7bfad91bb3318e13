//! What the detectors need to know of a shape, read once from its AST: the
//! statement kind, which slot each `column = ?` compares, which slots are
//! `IN` lists, and the clauses that make batching change results.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArguments, GroupByExpr, InTarget, Query, SelectItem, SetExpr,
    Statement, Value, ValueWithSpan, Visit, Visitor,
};

use crate::shapes::ParsedShape;

/// The kind of statement a shape is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    Select,
    Insert,
    Update,
    Delete,
    Other,
}

/// Facts about one shape. Slot numbers are the shape's `?` in order (0-based).
#[allow(clippy::struct_excessive_bools)] // independent facts, not a state machine
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeFacts {
    pub kind: StatementKind,
    /// `column = ?` (or `? = column`) predicates: (slot, column as written).
    pub eq_slots: Vec<(u32, String)>,
    /// Slots that are the whole list of an `IN (...)`.
    pub in_list_slots: Vec<u32>,
    /// The first table the statement reads or writes.
    pub table: Option<String>,
    pub has_limit: bool,
    pub has_offset: bool,
    pub has_group_by: bool,
    pub has_order_by: bool,
    /// An aggregate (`count`, `sum`, `avg`, `min`, `max`, …) in the select list.
    pub has_aggregate: bool,
    /// A window function (`… OVER (…)`) in the select list.
    pub has_window: bool,
    /// `INSERT … VALUES` with exactly one row in the shape.
    pub single_row_insert: bool,
}

impl ShapeFacts {
    /// Facts of a parsed shape; `None` when it did not parse from the shape
    /// itself (then its placeholders do not number the slots).
    #[must_use]
    pub fn of(parsed: &ParsedShape) -> Option<ShapeFacts> {
        if parsed.from_sample {
            return None;
        }
        let stmts = parsed.statements.as_ref().ok()?;
        let [stmt] = stmts.as_slice() else {
            return None;
        };
        let mut facts = ShapeFacts {
            kind: StatementKind::Other,
            eq_slots: Vec::new(),
            in_list_slots: Vec::new(),
            table: parsed.tables.first().cloned(),
            has_limit: false,
            has_offset: false,
            has_group_by: false,
            has_order_by: false,
            has_aggregate: false,
            has_window: false,
            single_row_insert: false,
        };
        match stmt {
            Statement::Query(q) => {
                facts.kind = StatementKind::Select;
                query_facts(q, &mut facts);
            }
            Statement::Insert(ins) => {
                facts.kind = StatementKind::Insert;
                facts.single_row_insert = ins.source.as_ref().is_some_and(
                    |q| matches!(q.body.as_ref(), SetExpr::Values(v) if v.rows.len() == 1),
                );
            }
            Statement::Update(_) => facts.kind = StatementKind::Update,
            Statement::Delete(_) => facts.kind = StatementKind::Delete,
            _ => {}
        }
        let mut slots = SlotVisitor::default();
        let _ = stmt.visit(&mut slots);
        slots.finish(&mut facts);
        Some(facts)
    }

    /// The column compared with `slot`, if any.
    #[must_use]
    pub fn column_of(&self, slot: u32) -> Option<&str> {
        self.eq_slots
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|(_, c)| c.as_str())
    }
}

fn query_facts(q: &Query, f: &mut ShapeFacts) {
    if let Some(limit) = &q.limit_clause {
        let text = limit.to_string().to_ascii_uppercase();
        f.has_limit = text.contains("LIMIT");
        f.has_offset = text.contains("OFFSET") || text.contains(',');
    }
    f.has_order_by = q.order_by.is_some();
    if let SetExpr::Select(sel) = q.body.as_ref() {
        f.has_group_by = match &sel.group_by {
            GroupByExpr::All(_) => true,
            GroupByExpr::Expressions(e, _) => !e.is_empty(),
        };
        let exprs = || {
            sel.projection.iter().filter_map(|item| match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
                _ => None,
            })
        };
        f.has_aggregate = exprs().any(is_aggregate);
        f.has_window = exprs().any(has_window);
    }
}

fn has_window(e: &Expr) -> bool {
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions(e, |e| {
        if matches!(e, Expr::Function(f) if f.over.is_some()) {
            found = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    found
}

/// Aggregate functions: one row per group rather than per input row. The
/// standard ones and those of PostgreSQL, MySQL and SQLite.
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "total",
    "array_agg",
    "string_agg",
    "group_concat",
    "listagg",
    "xmlagg",
    "range_agg",
    "range_intersect_agg",
    "bool_and",
    "bool_or",
    "every",
    "bit_and",
    "bit_or",
    "bit_xor",
    "count_if",
    "any_value",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "json_arrayagg",
    "json_objectagg",
    "json_group_array",
    "json_group_object",
    "std",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "corr",
    "covar_pop",
    "covar_samp",
    "regr_avgx",
    "regr_avgy",
    "regr_count",
    "regr_intercept",
    "regr_r2",
    "regr_slope",
    "regr_sxx",
    "regr_sxy",
    "regr_syy",
    "mode",
    "percentile_cont",
    "percentile_disc",
];

/// Whether `name` (lower case) is an aggregate function's.
#[must_use]
pub fn is_aggregate_name(name: &str) -> bool {
    AGGREGATES.contains(&name)
}

fn is_aggregate(e: &Expr) -> bool {
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions(e, |e| {
        if let Expr::Function(func) = e {
            let name = func.name.to_string().to_ascii_lowercase();
            // A window function (`count(*) OVER (…)`) keeps one row per input row.
            if func.over.is_none()
                && is_aggregate_name(&name)
                && !matches!(func.args, FunctionArguments::None)
            {
                found = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    found
}

/// Collects placeholders with their positions, so that `?` (MySQL) are
/// numbered in text order like `$n` are by their number.
#[derive(Default)]
struct SlotVisitor {
    /// (position or `$n` number, column compared with it, in an IN list)
    seen: Vec<(SlotRef, Option<String>, bool)>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SlotRef {
    Numbered(u32),
    At(u64, u64),
}

/// The placeholder `e` is, seen through the casts ORMs put around
/// parameters (`$1::INTEGER`, `CAST($1 AS int)`, `($1)`).
#[must_use]
pub fn placeholder_of(e: &Expr) -> Option<(&str, &ValueWithSpan)> {
    let e = match e {
        Expr::Cast { expr, .. } | Expr::Nested(expr) => expr.as_ref(),
        other => other,
    };
    let Expr::Value(v) = e else { return None };
    match &v.value {
        Value::Placeholder(p) => Some((p.as_str(), v)),
        _ => None,
    }
}

fn placeholder(e: &Expr) -> Option<SlotRef> {
    let (p, v) = placeholder_of(e)?;
    Some(
        match p.strip_prefix('$').and_then(|n| n.parse::<u32>().ok()) {
            Some(n) => SlotRef::Numbered(n.saturating_sub(1)),
            None => SlotRef::At(v.span.start.line, v.span.start.column),
        },
    )
}

fn column(e: &Expr) -> Option<String> {
    matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)).then(|| e.to_string())
}

impl Visitor for SlotVisitor {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        match e {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                if let (Some(c), Some(p)) = (column(left), placeholder(right)) {
                    self.seen.push((p, Some(c), false));
                } else if let (Some(p), Some(c)) = (placeholder(left), column(right)) {
                    self.seen.push((p, Some(c), false));
                }
            }
            Expr::In {
                target: InTarget::List(items),
                ..
            } => {
                if let [item] = items.as_slice()
                    && let Some(p) = placeholder(item)
                {
                    self.seen.push((p, None, true));
                }
            }
            _ => {
                if let Some(p) = placeholder(e) {
                    self.seen.push((p, None, false));
                }
            }
        }
        ControlFlow::Continue(())
    }
}

impl SlotVisitor {
    fn finish(mut self, facts: &mut ShapeFacts) {
        // Positions of `?` become ordinals in text order.
        let mut positions: Vec<SlotRef> = self
            .seen
            .iter()
            .map(|(p, _, _)| *p)
            .filter(|p| matches!(p, SlotRef::At(..)))
            .collect();
        positions.sort_unstable();
        positions.dedup();
        let slot_of = |p: SlotRef| -> u32 {
            match p {
                SlotRef::Numbered(n) => n,
                SlotRef::At(..) => {
                    u32::try_from(positions.binary_search(&p).unwrap_or(0)).unwrap_or(u32::MAX)
                }
            }
        };
        self.seen.sort_by_key(|(p, _, _)| slot_of(*p));
        for (p, col, in_list) in self.seen {
            let slot = slot_of(p);
            if let Some(c) = col
                && facts.column_of(slot).is_none()
            {
                facts.eq_slots.push((slot, c));
            }
            if in_list && !facts.in_list_slots.contains(&slot) {
                facts.in_list_slots.push(slot);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;
    use crate::normalize::normalize;
    use crate::shapes::parse_shape;

    fn facts(sql: &str, dialect: Dialect) -> ShapeFacts {
        let n = normalize(sql, dialect);
        ShapeFacts::of(&parse_shape(&n.shape, sql, dialect)).expect("parses from the shape")
    }

    #[test]
    fn equality_slots_on_either_side() {
        for d in [
            Dialect::PostgreSql,
            Dialect::MySql,
            Dialect::Sqlite,
            Dialect::Generic,
        ] {
            let f = facts(
                "SELECT tags.id FROM tags, book_tags WHERE ? = book_tags.book_id AND tags.id = book_tags.tag_id AND tags.kind = 'x' LIMIT 5",
                d,
            );
            assert_eq!(f.kind, StatementKind::Select);
            assert_eq!(
                f.eq_slots,
                [
                    (0, "book_tags.book_id".to_owned()),
                    (1, "tags.kind".to_owned())
                ],
                "{d}"
            );
            assert!(f.has_limit && !f.has_offset);
            assert_eq!(f.table.as_deref(), Some("tags"));
        }
        let cast = facts(
            "SELECT a FROM authors WHERE $1::INTEGER = authors.id",
            Dialect::PostgreSql,
        );
        assert_eq!(cast.eq_slots, [(0, "authors.id".to_owned())]);
    }

    #[test]
    fn in_lists_aggregates_and_inserts() {
        let f = facts(
            "SELECT count(*) FROM reviews WHERE book_id IN (1, 2, 3) GROUP BY book_id",
            Dialect::PostgreSql,
        );
        assert_eq!(f.in_list_slots, [0]);
        assert!(f.has_aggregate && f.has_group_by);
        let i = facts(
            "INSERT INTO reviews (book_id, rating) VALUES (1, 5)",
            Dialect::Sqlite,
        );
        assert_eq!(i.kind, StatementKind::Insert);
        assert!(i.single_row_insert);
        let w = facts(
            "SELECT id, count(*) OVER () FROM t WHERE id = 1 ORDER BY id LIMIT 10 OFFSET 20",
            Dialect::MySql,
        );
        assert!(!w.has_aggregate && w.has_window && w.has_order_by && w.has_offset);
    }
}
