//! What a `WHERE` / `ON` condition says about each table, split at `AND`:
//! equalities and ranges an index can serve, patterns and functions that
//! keep it from serving them, and join predicates between two tables. The
//! access-path choice and the join graph both read these classifications.

use std::ops::ControlFlow;

use sqlparser::ast::{BinaryOperator, Expr, InTarget, Query, Value, Visit, Visitor};

use super::rels::{ColumnRef, Rel, resolve};

/// How many values an `IN (SELECT …)` is assumed to yield.
pub const IN_SUBQUERY_VALUES: f64 = 10.0;

/// One condition on one table, as the access-path choice needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    pub kind: PredKind,
    /// The condition's normalized text without qualifiers, to match a
    /// partial index's `WHERE`.
    pub sql: String,
}

/// What a condition lets an index do.
#[derive(Debug, Clone, PartialEq)]
pub enum PredKind {
    /// `key = v`, `key IN (v, …)` (`values` items), `key IS NULL`, or an `OR`
    /// of equalities on one column.
    Eq { key: KeyRef, values: f64 },
    /// `<`, `<=`, `>`, `>=` (one bound), `BETWEEN` or `LIKE 'prefix%'` (two).
    Range { key: KeyRef, bounds: u8 },
    /// `col LIKE '%…'`: no index can seek it.
    LeadingWildcard { column: String },
    /// An `OR` whose branches test different columns.
    Or { columns: Vec<String> },
    /// Anything else: filters rows, never chooses an index.
    Filter,
}

/// What a condition constrains: a column, or an expression over columns
/// (`lower(email)`), which only an expression index with the same text serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    Column(String),
    Expression { sql: String, columns: Vec<String> },
}

/// One `AND`-ed condition of a query block.
#[derive(Debug, Clone)]
pub enum Conjunct {
    /// A condition on one relation's columns.
    Local { rel: usize, pred: Predicate },
    /// `a.x = b.y` (or another comparison) between two relations' columns.
    Join {
        left: (usize, String),
        right: (usize, String),
        equality: bool,
    },
    /// A condition tying several relations in another way.
    Other { rels: Vec<usize> },
}

/// Splits `e` at `AND` into `out`.
pub fn split_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(left, out);
            split_and(right, out);
        }
        Expr::Nested(inner) => split_and(inner, out),
        other => out.push(other),
    }
}

/// Lower-cased, whitespace and quotes removed: how expression keys and
/// partial-index predicates are compared. PostgreSQL writes its catalog's
/// expressions back with the casts it added and parentheses around their
/// operands (`lower(email)` on a varchar column is `lower((email)::text)`,
/// `status = 'open'` is `((status)::text = 'open'::text)`): those are
/// dropped too, so they compare equal to the query's spelling.
pub fn normalize_sql(s: &str) -> String {
    let mut t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '`' | '[' | ']'))
        .flat_map(char::to_lowercase)
        .collect();
    for cast in ["::charactervarying", "::text", "::bpchar"] {
        let mut from = 0;
        while let Some(at) = t[from..].find(cast).map(|i| i + from) {
            let end = at + cast.len();
            let next = t[end..].chars().next();
            if next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '(') {
                from = end;
            } else {
                t.replace_range(at..end, "");
                from = at;
            }
        }
    }
    strip_operand_parens(&mut t);
    while t.starts_with('(') && t.ends_with(')') && closing_paren(&t, 0) == Some(t.len() - 1) {
        t = t[1..t.len() - 1].to_owned();
    }
    t
}

/// `(email)` → `email` where the parentheses hold one name or literal and
/// are not a call's (`lower(email)` keeps its own).
fn strip_operand_parens(t: &mut String) {
    let mut i = 0;
    while let Some(open) = t[i..].find('(').map(|o| o + i) {
        let call = t[..open]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let inner_end = t[open + 1..].find(')').map(|c| c + open + 1);
        match inner_end {
            Some(close)
                if !call
                    && close > open + 1
                    && t[open + 1..close]
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '\'' | '$')) =>
            {
                t.replace_range(close..=close, "");
                t.replace_range(open..=open, "");
                i = 0;
            }
            _ => i = open + 1,
        }
    }
}

/// The index of the `)` closing the `(` at `open`.
fn closing_paren(t: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in t.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The conditions of a partial index's `WHERE`, normalized.
pub fn partial_conjuncts(predicate: &str) -> Vec<String> {
    let whole = normalize_sql(predicate);
    let lower = predicate.to_lowercase();
    let folded = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    if !folded.contains(" and ") {
        return vec![whole];
    }
    folded
        .split(" and ")
        .map(|p| {
            // `(a and b)` splits into `(a` and `b)`: drop the unmatched ones.
            let mut p = p.trim();
            while p.starts_with('(') && p.matches('(').count() > p.matches(')').count() {
                p = &p[1..];
            }
            while p.ends_with(')') && p.matches(')').count() > p.matches('(').count() {
                p = &p[..p.len() - 1];
            }
            normalize_sql(p)
        })
        .collect()
}

/// Expressions nested deeper are not spelled out: copying and printing one
/// recurses as deep as it nests, and an operator chain (`a = 1 OR a = 2 OR
/// …`, 10,000 terms long within the parse limit) nests as deep as it is long.
const MAX_SQL_DEPTH: usize = 64;

/// Whether `e` nests more than [`MAX_SQL_DEPTH`] expressions deep; the walk
/// stops there, so it goes no deeper itself.
fn too_deep(e: &Expr) -> bool {
    struct Depth(usize);
    impl Visitor for Depth {
        type Break = ();

        fn pre_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
            self.0 += 1;
            if self.0 > MAX_SQL_DEPTH {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }

        fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
            self.0 -= 1;
            ControlFlow::Continue(())
        }
    }
    e.visit(&mut Depth(0)).is_break()
}

/// `e` without table qualifiers, normalized; empty (matching no partial
/// index's condition or key) when `e` is [`too_deep`] to copy and print.
fn unqualified_sql(e: &Expr) -> String {
    if too_deep(e) {
        return String::new();
    }
    let mut e = e.clone();
    let _ = sqlparser::ast::visit_expressions_mut(&mut e, |x| {
        if let Expr::CompoundIdentifier(parts) = x
            && let Some(last) = parts.last()
        {
            *x = Expr::Identifier(last.clone());
        }
        ControlFlow::<()>::Continue(())
    });
    normalize_sql(&e.to_string())
}

/// Column references of an expression, outside its subqueries.
struct Refs<'a, 'q> {
    rels: &'a [Rel<'q>],
    outer: &'a [String],
    depth: usize,
    found: Vec<ColumnRef>,
}

impl Visitor for Refs<'_, '_> {
    type Break = ();

    fn pre_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if self.depth == 0
            && let Some(r) = resolve(e, self.rels, self.outer)
        {
            self.found.push(r);
        }
        ControlFlow::Continue(())
    }
}

/// The block-local columns `e` references: (relation, column) pairs, and
/// whether any reference could not be resolved.
pub(crate) fn local_refs(
    e: &Expr,
    rels: &[Rel<'_>],
    outer: &[String],
) -> (Vec<(usize, String)>, bool) {
    let mut v = Refs {
        rels,
        outer,
        depth: 0,
        found: Vec::new(),
    };
    let _ = e.visit(&mut v);
    let mut unknown = false;
    let mut local = Vec::new();
    for r in v.found {
        match r {
            ColumnRef::Local { rel, column } => {
                if !local.contains(&(rel, column.clone())) {
                    local.push((rel, column));
                }
            }
            ColumnRef::Outer => {}
            ColumnRef::Unknown => unknown = true,
        }
    }
    (local, unknown)
}

/// One side of a comparison.
enum Side {
    /// A bare column of this block.
    Column(usize, String),
    /// Constant for the block: literals, placeholders, outer columns.
    Bound,
    /// An expression over one relation's columns.
    Expr(usize, KeyRef),
    /// Anything else (several relations, unresolvable names).
    Mixed,
}

fn side(e: &Expr, rels: &[Rel<'_>], outer: &[String]) -> Side {
    let e = strip_nested(e);
    if let Some(ColumnRef::Local { rel, column }) = resolve(e, rels, outer) {
        return Side::Column(rel, column);
    }
    let (columns, unknown) = local_refs(e, rels, outer);
    let mut rel_ids: Vec<usize> = columns.iter().map(|(r, _)| *r).collect();
    rel_ids.dedup();
    match (rel_ids.as_slice(), unknown) {
        ([], false) => Side::Bound,
        ([rel], false) if !matches!(e, Expr::Subquery(_)) => Side::Expr(
            *rel,
            KeyRef::Expression {
                sql: unqualified_sql(e),
                columns: columns.into_iter().map(|(_, c)| c).collect(),
            },
        ),
        _ => Side::Mixed,
    }
}

fn strip_nested(e: &Expr) -> &Expr {
    match e {
        Expr::Nested(inner) => strip_nested(inner),
        other => other,
    }
}

fn key_of(s: Side) -> Option<(usize, KeyRef)> {
    match s {
        Side::Column(rel, c) => Some((rel, KeyRef::Column(c))),
        Side::Expr(rel, k) => Some((rel, k)),
        Side::Bound | Side::Mixed => None,
    }
}

/// Classifies one conjunct of a block with relations `rels`, nested in
/// blocks whose relation keys are `outer`.
pub fn classify(e: &Expr, rels: &[Rel<'_>], outer: &[String]) -> Option<Conjunct> {
    let e = strip_nested(e);
    let local = |rel: usize, kind: PredKind| {
        Some(Conjunct::Local {
            rel,
            pred: Predicate {
                kind,
                sql: unqualified_sql(e),
            },
        })
    };
    match e {
        Expr::BinaryOp { left, op, right }
            if matches!(
                op,
                BinaryOperator::Eq
                    | BinaryOperator::Lt
                    | BinaryOperator::LtEq
                    | BinaryOperator::Gt
                    | BinaryOperator::GtEq
            ) =>
        {
            let equality = *op == BinaryOperator::Eq;
            let (l, r) = (side(left, rels, outer), side(right, rels, outer));
            let key = match (l, r) {
                (Side::Column(a, ca), Side::Column(b, cb)) if a != b => {
                    return Some(Conjunct::Join {
                        left: (a, ca),
                        right: (b, cb),
                        equality,
                    });
                }
                (k, Side::Bound) | (Side::Bound, k) => key_of(k),
                _ => None,
            };
            match key {
                Some((rel, key)) if equality => local(rel, PredKind::Eq { key, values: 1.0 }),
                Some((rel, key)) => local(rel, PredKind::Range { key, bounds: 1 }),
                None => fallback(e, rels, outer, local),
            }
        }
        Expr::Between {
            expr,
            negated: false,
            low,
            high,
        } if bound(low, rels, outer) && bound(high, rels, outer) => {
            match key_of(side(expr, rels, outer)) {
                Some((rel, key)) => local(rel, PredKind::Range { key, bounds: 2 }),
                None => fallback(e, rels, outer, local),
            }
        }
        Expr::In {
            expr,
            target,
            negated: false,
            ..
        } => {
            let values = match target {
                InTarget::List(items) if items.iter().all(|i| bound(i, rels, outer)) => {
                    super::count(items.len())
                }
                InTarget::Subquery(_) => IN_SUBQUERY_VALUES,
                _ => return fallback(e, rels, outer, local),
            };
            match key_of(side(expr, rels, outer)) {
                Some((rel, key)) => local(rel, PredKind::Eq { key, values }),
                None => fallback(e, rels, outer, local),
            }
        }
        Expr::IsNull(inner) => match key_of(side(inner, rels, outer)) {
            Some((rel, key)) => local(rel, PredKind::Eq { key, values: 1.0 }),
            None => fallback(e, rels, outer, local),
        },
        Expr::Like {
            negated: false,
            expr,
            pattern,
            any: false,
            ..
        } => match (side(expr, rels, outer), literal(pattern)) {
            (Side::Column(rel, column), Some(p)) if p.starts_with(['%', '_']) => {
                local(rel, PredKind::LeadingWildcard { column })
            }
            (s, Some(_)) => match key_of(s) {
                Some((rel, key)) => local(rel, PredKind::Range { key, bounds: 2 }),
                None => fallback(e, rels, outer, local),
            },
            _ => fallback(e, rels, outer, local),
        },
        Expr::BinaryOp {
            op: BinaryOperator::Or,
            ..
        } => or(e, rels, outer).or_else(|| fallback(e, rels, outer, local)),
        _ => fallback(e, rels, outer, local),
    }
}

fn bound(e: &Expr, rels: &[Rel<'_>], outer: &[String]) -> bool {
    matches!(side(e, rels, outer), Side::Bound)
}

fn literal(e: &Expr) -> Option<&str> {
    match strip_nested(e) {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// An `OR`: equalities on one column become one IN-like equality; branches
/// on one relation's different columns an [`PredKind::Or`].
fn or(e: &Expr, rels: &[Rel<'_>], outer: &[String]) -> Option<Conjunct> {
    let mut branches = Vec::new();
    split_or(e, &mut branches);
    let mut rel_of = None;
    let mut columns: Vec<String> = Vec::new();
    let mut eq_key: Option<KeyRef> = None;
    let mut all_eq_same = true;
    let mut values = 0.0;
    for b in branches {
        let mut parts = Vec::new();
        split_and(b, &mut parts);
        for p in &parts {
            let Some(Conjunct::Local { rel, pred }) = classify(p, rels, outer) else {
                return None;
            };
            if *rel_of.get_or_insert(rel) != rel {
                return None;
            }
            match &pred.kind {
                PredKind::Eq { key, values: v } if parts.len() == 1 => {
                    values += v;
                    if eq_key.get_or_insert_with(|| key.clone()) != key {
                        all_eq_same = false;
                    }
                }
                _ => all_eq_same = false,
            }
            columns.extend(kind_columns(&pred.kind));
        }
    }
    columns.dedup();
    let rel = rel_of?;
    let kind = match eq_key {
        Some(key) if all_eq_same => PredKind::Eq { key, values },
        _ => PredKind::Or { columns },
    };
    Some(Conjunct::Local {
        rel,
        pred: Predicate {
            kind,
            sql: unqualified_sql(e),
        },
    })
}

fn split_or<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Or,
            right,
        } => {
            split_or(left, out);
            split_or(right, out);
        }
        Expr::Nested(inner) => split_or(inner, out),
        other => out.push(other),
    }
}

/// The columns a predicate constrains.
pub fn kind_columns(kind: &PredKind) -> Vec<String> {
    match kind {
        PredKind::Eq { key, .. } | PredKind::Range { key, .. } => match key {
            KeyRef::Column(c) => vec![c.clone()],
            KeyRef::Expression { columns, .. } => columns.clone(),
        },
        PredKind::LeadingWildcard { column } => vec![column.clone()],
        PredKind::Or { columns } => columns.clone(),
        PredKind::Filter => Vec::new(),
    }
}

/// A condition that is not an index-usable shape: a filter on the one
/// relation it reads, or a tie between several.
fn fallback(
    e: &Expr,
    rels: &[Rel<'_>],
    outer: &[String],
    local: impl Fn(usize, PredKind) -> Option<Conjunct>,
) -> Option<Conjunct> {
    let (columns, _) = local_refs(e, rels, outer);
    let mut ids: Vec<usize> = columns.iter().map(|(r, _)| *r).collect();
    ids.sort_unstable();
    ids.dedup();
    match ids.as_slice() {
        [] => None,
        [rel] => local(*rel, PredKind::Filter),
        _ => Some(Conjunct::Other { rels: ids }),
    }
}

/// Every conjunct of a block: its `ON` and `USING` conditions and its
/// `WHERE`, classified against its relations.
pub fn block_conjuncts(
    rels: &[Rel<'_>],
    on: &[&Expr],
    using: &[(usize, usize, String)],
    selection: Option<&Expr>,
    outer: &[String],
) -> Vec<Conjunct> {
    let mut parts = Vec::new();
    for e in on.iter().copied().chain(selection) {
        split_and(e, &mut parts);
    }
    let mut out: Vec<Conjunct> = parts
        .into_iter()
        .filter_map(|p| classify(p, rels, outer))
        .collect();
    out.extend(using.iter().map(|(a, b, c)| Conjunct::Join {
        left: (*a, c.clone()),
        right: (*b, c.clone()),
        equality: true,
    }));
    out
}
