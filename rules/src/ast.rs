//! AST helpers the rules share: visiting every query and SELECT of a
//! statement, walking a predicate without descending into its subqueries,
//! the tables a SELECT reads (to resolve `alias.column` to a table), and
//! small questions about expressions (is it a column, a value, a literal, an
//! aggregate?). Kept here so each rule file holds only its own logic.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, FromTable, LimitClause, OrderByExpr, OrderByKind, Query, Select, SetExpr,
    Statement, TableFactor, TableWithJoins, Value, Visit, Visitor,
};
use sqlsift_analyzer::catalog::{Catalog, fold};

use crate::{Context, RuleMeta, Severity};

/// Calls `f` on every query in `node`, outermost first (subqueries, CTEs and
/// derived tables included).
pub fn each_query(node: &impl Visit, f: impl FnMut(&Query)) {
    struct Queries<F>(F);
    impl<F: FnMut(&Query)> Visitor for Queries<F> {
        type Break = ();
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            (self.0)(q);
            ControlFlow::Continue(())
        }
    }
    let _ = node.visit(&mut Queries(f));
}

/// Calls `f` on every SELECT in `node`, outermost first.
pub fn each_select(node: &impl Visit, f: impl FnMut(&Select)) {
    struct Selects<F>(F);
    impl<F: FnMut(&Select)> Visitor for Selects<F> {
        type Break = ();
        fn pre_visit_select(&mut self, s: &Select) -> ControlFlow<()> {
            (self.0)(s);
            ControlFlow::Continue(())
        }
    }
    let _ = node.visit(&mut Selects(f));
}

/// Calls `f` on `e` and every expression inside it, except those inside its
/// subqueries (which [`predicates`] visits with their own scope).
pub fn shallow(e: &Expr, f: impl FnMut(&Expr)) {
    struct Shallow<F> {
        depth: usize,
        f: F,
    }
    impl<F: FnMut(&Expr)> Visitor for Shallow<F> {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if self.depth == 0 {
                (self.f)(e);
            }
            ControlFlow::Continue(())
        }
    }
    let _ = e.visit(&mut Shallow { depth: 0, f });
}

/// Calls `f` on every expression in every predicate of `stmt` — WHERE,
/// HAVING and JOIN … ON of each SELECT, WHERE of an UPDATE or DELETE — with
/// the scope that resolves its columns. Each expression is seen once.
pub fn predicates(stmt: &Statement, mut f: impl FnMut(&Expr, &Scope)) {
    predicate_roots(stmt, |p, scope| shallow(p, |e| f(e, scope)));
}

/// Calls `f` on each whole predicate of `stmt` (each WHERE, HAVING and ON
/// clause), with its scope.
pub fn predicate_roots(stmt: &Statement, mut f: impl FnMut(&Expr, &Scope)) {
    each_select(stmt, |sel| {
        let scope = Scope::of_from(&sel.from);
        for p in select_predicates(sel) {
            f(p, &scope);
        }
    });
    let (scope, selection) = match stmt {
        Statement::Update(u) => (Scope::of_from(std::slice::from_ref(&u.table)), &u.selection),
        Statement::Delete(d) => {
            let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &d.from;
            (Scope::of_from(from), &d.selection)
        }
        _ => return,
    };
    if let Some(p) = selection {
        f(p, &scope);
    }
}

/// The operands of a chain of `op` (`a AND b AND c` → `[a, b, c]` for
/// `And`; `Or` likewise), flattened and without parentheses.
pub fn split<'a>(e: &'a Expr, op: &BinaryOperator, out: &mut Vec<&'a Expr>) {
    match strip(e) {
        Expr::BinaryOp { left, op: o, right } if o == op => {
            split(left, op, out);
            split(right, op, out);
        }
        other => out.push(other),
    }
}

/// WHERE, HAVING and every JOIN … ON of `sel`.
fn select_predicates(sel: &Select) -> Vec<&Expr> {
    let mut out: Vec<&Expr> = sel.selection.iter().chain(&sel.having).collect();
    for twj in &sel.from {
        for join in &twj.joins {
            if let Some(sqlparser::ast::JoinConstraint::On(on)) = join_constraint(join) {
                out.push(on);
            }
        }
    }
    out
}

/// The constraint of a join, for the join kinds that have one.
pub fn join_constraint(join: &sqlparser::ast::Join) -> Option<&sqlparser::ast::JoinConstraint> {
    use sqlparser::ast::JoinOperator as J;
    match &join.join_operator {
        J::Join(c)
        | J::Inner(c)
        | J::Left(c)
        | J::LeftOuter(c)
        | J::Right(c)
        | J::RightOuter(c)
        | J::FullOuter(c)
        | J::CrossJoin(c)
        | J::Semi(c)
        | J::LeftSemi(c)
        | J::RightSemi(c)
        | J::Anti(c)
        | J::LeftAnti(c)
        | J::RightAnti(c)
        | J::StraightJoin(c)
        | J::AsOf { constraint: c, .. } => Some(c),
        _ => None,
    }
}

/// Whether an inner join in `from` keeps only the rows its ON or USING
/// matches (MySQL's multi-table UPDATE and DELETE filter this way).
pub fn filtered_by_join(from: &[TableWithJoins]) -> bool {
    use sqlparser::ast::{JoinConstraint as C, JoinOperator as J};
    from.iter().flat_map(|t| &t.joins).any(|j| {
        matches!(
            &j.join_operator,
            J::Join(C::On(_) | C::Using(_))
                | J::Inner(C::On(_) | C::Using(_))
                | J::StraightJoin(C::On(_) | C::Using(_))
        )
    })
}

/// The SELECTs that make up a query body (both sides of a UNION), without
/// descending into nested queries.
pub fn body_selects(body: &SetExpr) -> Vec<&Select> {
    match body {
        SetExpr::Select(s) => vec![s],
        SetExpr::SetOperation { left, right, .. } => {
            let mut out = body_selects(left);
            out.extend(body_selects(right));
            out
        }
        SetExpr::Query(q) => body_selects(&q.body),
        _ => Vec::new(),
    }
}

/// The ORDER BY items of a query (none for `ORDER BY ALL` or no ORDER BY).
pub fn order_by(q: &Query) -> &[OrderByExpr] {
    match q.order_by.as_ref().map(|o| &o.kind) {
        Some(OrderByKind::Expressions(list)) => list,
        _ => &[],
    }
}

/// The query's LIMIT (or FETCH FIRST) expression.
pub fn limit(q: &Query) -> Option<&Expr> {
    match &q.limit_clause {
        Some(LimitClause::LimitOffset { limit: Some(l), .. }) => Some(l),
        Some(LimitClause::OffsetCommaLimit { limit, .. }) => Some(limit),
        _ => q.fetch.as_ref().and_then(|f| f.quantity.as_ref()),
    }
}

/// The query's OFFSET expression (`LIMIT o, n` in MySQL).
pub fn offset(q: &Query) -> Option<&Expr> {
    match &q.limit_clause {
        Some(LimitClause::LimitOffset {
            offset: Some(o), ..
        }) => Some(&o.value),
        Some(LimitClause::OffsetCommaLimit { offset, .. }) => Some(offset),
        _ => None,
    }
}

/// The tables a query's own SELECTs read, in order, for messages.
pub fn query_tables(q: &Query) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for sel in body_selects(&q.body) {
        for t in Scope::of_from(&sel.from).tables {
            if !out.contains(&t.name) {
                out.push(t.name);
            }
        }
    }
    out
}

/// The names a query's WITH clause defines, folded; they are not tables.
pub fn cte_names(q: &Query) -> Vec<String> {
    q.with
        .iter()
        .flat_map(|w| &w.cte_tables)
        .map(|c| fold(&c.alias.name.value))
        .collect()
}

/// One table a SELECT reads, as the query names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    /// The table's name without schema qualifier, as written.
    pub name: String,
    pub alias: Option<String>,
}

/// The plain tables a SELECT (or UPDATE/DELETE) reads; derived tables and
/// table functions are left out, so their columns resolve to no table.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub tables: Vec<TableRef>,
}

/// A column reference resolved as far as the scope allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    /// The table it belongs to, when the qualifier or the scope tells.
    pub table: Option<String>,
    pub column: String,
}

impl ColumnRef {
    /// `table.column`, or the column alone when the table is unknown.
    pub fn display(&self) -> String {
        match &self.table {
            Some(t) => format!("{t}.{}", self.column),
            None => self.column.clone(),
        }
    }
}

impl crate::Violation {
    /// Names `col`'s table and column on the violation, when it is known.
    #[must_use]
    pub(crate) fn at<'c>(self, col: impl Into<Option<&'c ColumnRef>>) -> Self {
        match col.into() {
            Some(c) => self.table(c.table.clone()).column(c.column.clone()),
            None => self,
        }
    }
}

impl Scope {
    pub fn of_from(from: &[TableWithJoins]) -> Scope {
        let mut tables = Vec::new();
        for twj in from {
            push_table(&twj.relation, &mut tables);
            for join in &twj.joins {
                push_table(&join.relation, &mut tables);
            }
        }
        Scope { tables }
    }

    /// The table `qualifier` (an alias or a table name) stands for.
    pub fn table_for(&self, qualifier: &str) -> Option<&TableRef> {
        let q = fold(qualifier);
        self.tables
            .iter()
            .find(|t| t.alias.as_deref().map(fold) == Some(q.clone()))
            .or_else(|| self.tables.iter().find(|t| fold(&t.name) == q))
    }

    /// Resolves `e` if it is a column: by its qualifier, else the only table
    /// in scope, else the one table the catalog says has the column.
    pub fn resolve(&self, e: &Expr, catalog: Option<&Catalog>) -> Option<ColumnRef> {
        match strip(e) {
            Expr::Identifier(id) => {
                let table = match self.tables.as_slice() {
                    [only] => Some(only.name.clone()),
                    many => catalog.and_then(|c| {
                        let mut owners = many.iter().filter(|t| {
                            c.table(&t.name)
                                .is_some_and(|t| t.column(&id.value).is_some())
                        });
                        match (owners.next(), owners.next()) {
                            (Some(t), None) => Some(t.name.clone()),
                            _ => None,
                        }
                    }),
                };
                Some(ColumnRef {
                    table,
                    column: id.value.clone(),
                })
            }
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let column = parts[parts.len() - 1].value.clone();
                let qualifier = &parts[parts.len() - 2].value;
                let table = self
                    .table_for(qualifier)
                    .map_or_else(|| qualifier.clone(), |t| t.name.clone());
                Some(ColumnRef {
                    table: Some(table),
                    column,
                })
            }
            _ => None,
        }
    }
}

fn push_table(factor: &TableFactor, out: &mut Vec<TableRef>) {
    if let TableFactor::Table {
        name,
        alias,
        args: None,
        ..
    } = factor
    {
        let name = name
            .0
            .last()
            .map_or_else(|| name.to_string(), ToString::to_string);
        out.push(TableRef {
            name: name.trim_matches(|c| c == '"' || c == '`').to_owned(),
            alias: alias.as_ref().map(|a| a.name.value.clone()),
        });
    }
}

/// `e` without the parentheses around it.
pub fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Nested(inner) => strip(inner),
        other => other,
    }
}

/// Whether `e` (ignoring parentheses) is a plain column reference.
pub fn is_column(e: &Expr) -> bool {
    matches!(strip(e), Expr::Identifier(_) | Expr::CompoundIdentifier(_))
}

/// Whether `e` mentions no column at all (subqueries included): a literal,
/// a placeholder, or an expression of them such as `now() - interval '1 day'`.
pub fn is_value(e: &Expr) -> bool {
    let mut column = false;
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        if matches!(x, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
            column = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    !column
}

/// The side of `e` that is compared with a value: `x` in `x op value`,
/// `value op x` or `x BETWEEN value AND value`, for `x` that is not itself a
/// value. These are the predicates an index on `x` could serve.
pub fn compared_with_value(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::BinaryOp { left, op, right } if is_comparison(op) => {
            match (is_value(left), is_value(right)) {
                (false, true) => Some(left),
                (true, false) => Some(right),
                _ => None,
            }
        }
        Expr::Between {
            expr, low, high, ..
        } if is_value(low) && is_value(high) && !is_value(expr) => Some(expr),
        _ => None,
    }
}

/// Comparison operators a predicate filters rows with.
pub fn is_comparison(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
    )
}

/// The literal value of `e`, seen through parentheses.
pub fn literal(e: &Expr) -> Option<&Value> {
    match strip(e) {
        Expr::Value(v) => Some(&v.value),
        _ => None,
    }
}

/// The non-negative integer literal `e` is.
pub fn integer(e: &Expr) -> Option<u64> {
    match literal(e)? {
        Value::Number(n, _) => n.parse().ok(),
        _ => None,
    }
}

/// The text of a quoted string literal.
pub fn string(e: &Expr) -> Option<&str> {
    match literal(e)? {
        Value::SingleQuotedString(s)
        | Value::DoubleQuotedString(s)
        | Value::EscapedStringLiteral(s)
        | Value::NationalStringLiteral(s) => Some(s),
        _ => None,
    }
}

/// Whether `e` calls an aggregate (not as a window function), outside its
/// subqueries.
pub fn has_aggregate(e: &Expr) -> bool {
    let mut found = false;
    shallow(e, |x| {
        if let Expr::Function(f) = x
            && f.over.is_none()
            && sqlsift_analyzer::facts::is_aggregate_name(&function_name(f))
        {
            found = true;
        }
    });
    found
}

/// A function's unqualified name, lower-cased.
pub fn function_name(f: &sqlparser::ast::Function) -> String {
    f.name
        .0
        .last()
        .map(ToString::to_string)
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The severity a rule about a predicate on `col` should report at, or
/// `None` to stay silent: with a catalog that knows the table, the rule's
/// own severity when an index leads with the column (and silence when none
/// does, since no index is being lost); without one, `Info`, because the
/// column may or may not be indexed.
pub fn indexed_severity(ctx: &Context<'_>, meta: &RuleMeta, col: &ColumnRef) -> Option<Severity> {
    let table = ctx
        .catalog
        .zip(col.table.as_deref())
        .and_then(|(c, t)| c.table(t));
    match table {
        Some(t) => t.is_indexed(&col.column).then_some(meta.severity),
        None => Some(Severity::Info),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parse;
    use sqlsift_analyzer::Dialect;

    #[test]
    fn aliases_resolve_to_tables() {
        let stmt = parse(
            "SELECT 1 FROM users u JOIN orders ON orders.user_id = u.id WHERE u.email = 'a'",
            Dialect::PostgreSql,
        );
        let mut seen = Vec::new();
        predicates(&stmt, |e, scope| {
            if is_column(e) {
                seen.push(scope.resolve(e, None).map(|c| c.display()));
            }
        });
        assert_eq!(
            seen,
            [
                Some("users.email".to_owned()),
                Some("orders.user_id".to_owned()),
                Some("users.id".to_owned())
            ]
        );
    }

    #[test]
    fn shallow_skips_subqueries_which_get_their_own_scope() {
        let stmt = parse(
            "SELECT 1 FROM a WHERE a.x IN (SELECT y FROM b WHERE b.z = 1)",
            Dialect::Generic,
        );
        let mut cols = Vec::new();
        predicates(&stmt, |e, scope| {
            if is_column(e) {
                cols.push(scope.resolve(e, None).unwrap().display());
            }
        });
        assert_eq!(cols, ["a.x", "b.z"]);
    }
}
