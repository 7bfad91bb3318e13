//! N+1 loop → one batched query, by rewriting the shape's AST.
//!
//! The loop's statement is `… WHERE key = ? …` run once per key. The batch is
//! the same statement with `key IN (k1, …, kN)` (or `(a, b) IN ((…), …)` for a
//! composite key, or `key = ANY($1)` in PostgreSQL), the other slots given
//! their (constant) values, and the key column added where the caller needs
//! it to tell rows apart: to the select list, first in ORDER BY (rows of one
//! key keep their order), and as GROUP BY of an aggregate (one row per key).
//! Refused: a per-key LIMIT/OFFSET (it would become one global limit), keys
//! not compared with a column by `=`, set operations.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Distinct, Expr, GroupByExpr, InTarget, OrderBy, OrderByExpr, OrderByKind,
    Query, SelectItem, SetExpr, Statement, Value, VisitMut, VisitorMut,
};
use sqlparser::parser::Parser;
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::detect::LoopExample;
use sqlsift_analyzer::facts::{ShapeFacts, StatementKind, placeholder_of};
use sqlsift_analyzer::shapes::template;
use sqlsift_analyzer::values::SlotValues;

/// The forms a batch can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchForm {
    /// `key IN (1, 2, 3)` with the loop's values written in.
    LiteralIn,
    /// `key IN ($1, $2, $3)` (or `?`): what application code sends.
    ParamIn,
    /// PostgreSQL `key = ANY($1)` with one array parameter: one prepared
    /// statement whatever the number of keys.
    AnyArray,
    /// `key IN (SELECT <key column> FROM <the parent query>)`: the loop joined
    /// with the query it iterated over, in one round trip (see [`crate::parent`]).
    ParentSubquery,
}

impl BatchForm {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            BatchForm::LiteralIn => "literal IN",
            BatchForm::ParamIn => "parameterized IN",
            BatchForm::AnyArray => "= ANY(array)",
            BatchForm::ParentSubquery => "IN (parent query)",
        }
    }
}

/// One rewrite of a loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub form: BatchForm,
    /// The statements to run instead of the loop (several when chunked).
    pub statements: Vec<String>,
    /// For parameterized forms: each statement's parameters, as SQL literals
    /// in placeholder order (for `= ANY`, one PostgreSQL array literal).
    pub params: Vec<Vec<String>>,
    /// How many columns the rewrite adds at the end of the select list (the
    /// keys, so rows can be matched back to them).
    pub added_columns: usize,
    /// Why it returns what the loop returned.
    pub note: String,
}

/// The most bound variables one statement may carry in each dialect.
fn variable_limit(dialect: Dialect) -> usize {
    match dialect {
        // SQLITE_MAX_VARIABLE_NUMBER since 3.32.
        Dialect::Sqlite => 32_766,
        Dialect::PostgreSql | Dialect::MySql => 65_535,
        Dialect::Generic => 999,
    }
}

/// Rewrites the loop `example` of the statement `shape` (whose facts are
/// `facts`) into batched statements, one [`Rewrite`] per form the dialect
/// supports.
///
/// # Errors
/// Why the loop cannot be batched without changing what it returns.
pub fn batch_loop(
    shape: &str,
    facts: &ShapeFacts,
    example: &LoopExample,
) -> Result<Vec<Rewrite>, String> {
    let dialect = example.dialect;
    if facts.kind != StatementKind::Select {
        return Err("only SELECT loops are batched".into());
    }
    if facts.has_limit || facts.has_offset {
        return Err(
            "each query has its own LIMIT/OFFSET: one batched query would apply it to all keys \
                    together; use ROW_NUMBER() OVER (PARTITION BY the key) instead"
                .into(),
        );
    }
    if facts.has_window {
        return Err(
            "a window function would number or aggregate across all keys together; \
                    partition it by the key first"
                .into(),
        );
    }
    // Every slot whose value differs between iterations is part of the key.
    let keys = &varying_slots(&example.iterations);
    if keys.is_empty() {
        return Err("no value varies between the loop's queries".into());
    }
    for slot in keys {
        if facts.column_of(*slot).is_none() {
            return Err("a varying value is not compared with a column by `=`, so rows cannot be matched back to keys".into());
        }
    }
    let base = template(shape, dialect)?;
    check_keys_are_conjuncts(&base, keys)?;
    let constants: &[SlotValues] = example.iterations.first().map_or(&[], Vec::as_slice);
    // The distinct key tuples, in loop order.
    let mut tuples: Vec<Vec<String>> = Vec::new();
    for it in &example.iterations {
        let t: Vec<String> = keys
            .iter()
            .map(|s| {
                it.get(*s as usize)
                    .and_then(|v| v.first())
                    .cloned()
                    .unwrap_or_else(|| "NULL".into())
            })
            .collect();
        if !tuples.contains(&t) {
            tuples.push(t);
        }
    }
    let mut forms = vec![BatchForm::LiteralIn, BatchForm::ParamIn];
    if dialect == Dialect::PostgreSql && keys.len() == 1 {
        forms.push(BatchForm::AnyArray);
    }
    let mut out = Vec::new();
    for form in forms {
        let per_statement = match form {
            BatchForm::LiteralIn | BatchForm::AnyArray | BatchForm::ParentSubquery => {
                tuples.len().max(1)
            }
            BatchForm::ParamIn => (variable_limit(dialect) / keys.len()).max(1),
        };
        let mut statements = Vec::new();
        let mut params = Vec::new();
        let mut added = 0;
        for chunk in tuples.chunks(per_statement) {
            let mut stmt = base.clone();
            let rw = Rewriter::run(&mut stmt, dialect, form, keys, chunk, constants)?;
            if rw.key_columns.len() != keys.len() {
                return Err("the key comparison was not found in the statement".into());
            }
            added = add_key_columns(&mut stmt, &rw.key_columns, facts)?;
            if form != BatchForm::LiteralIn {
                number_placeholders(&mut stmt, dialect);
            }
            statements.push(stmt.to_string());
            params.push(rw.params);
        }
        out.push(Rewrite {
            form,
            statements,
            params: if form == BatchForm::LiteralIn {
                Vec::new()
            } else {
                params
            },
            added_columns: added,
            note: note(form, keys.len(), tuples.len(), example, facts, added),
        });
    }
    Ok(out)
}

/// Slots whose values differ between iterations.
pub(crate) fn varying_slots(iterations: &[Vec<SlotValues>]) -> Vec<u32> {
    let Some(first) = iterations.first() else {
        return Vec::new();
    };
    (0..first.len())
        .filter(|&s| iterations.iter().any(|it| it.get(s) != first.get(s)))
        .filter_map(|s| u32::try_from(s).ok())
        .collect()
}

/// The key comparisons must be plain AND conditions of the outer WHERE: under
/// OR or NOT, or inside a subquery, `IN` over all keys would change the rows.
pub(crate) fn check_keys_are_conjuncts(stmt: &Statement, keys: &[u32]) -> Result<(), String> {
    fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
        match e {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                conjuncts(left, out);
                conjuncts(right, out);
            }
            Expr::Nested(inner) => conjuncts(inner, out),
            other => out.push(other),
        }
    }
    let where_clause = match stmt {
        Statement::Query(q) => match q.body.as_ref() {
            SetExpr::Select(sel) => sel.selection.as_ref(),
            _ => return Err("set operations (UNION, …) are not batched".into()),
        },
        _ => None,
    };
    let mut list = Vec::new();
    if let Some(w) = where_clause {
        conjuncts(w, &mut list);
    }
    for key in keys {
        let plain = list.iter().any(|c| match c {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                (slot_of(right) == Some(*key) && is_column(left))
                    || (slot_of(left) == Some(*key) && is_column(right))
            }
            _ => false,
        });
        if !plain {
            return Err(
                "a key is compared under OR or NOT, or inside a subquery: one IN over all keys \
                        would not return the same rows"
                    .into(),
            );
        }
    }
    Ok(())
}

fn note(
    form: BatchForm,
    keys: usize,
    n: usize,
    example: &LoopExample,
    facts: &ShapeFacts,
    added: usize,
) -> String {
    let mut parts = vec![format!(
        "one query for the loop's {n} distinct key{} instead of one per key",
        if n == 1 { "" } else { "s" }
    )];
    let total = example.distinct_iterations();
    if total > example.iterations.len() as u64 {
        parts.push(format!(
            "the loop had {total} distinct iterations; these are its first {}, the rest batch the same way",
            example.iterations.len()
        ));
    }
    if added > 0 {
        parts.push(format!(
            "the key column{} added at the end of the select list tell{} which key each row belongs to",
            if added == 1 { "" } else { "s" },
            if added == 1 { "s" } else { "" }
        ));
    }
    if facts.has_order_by {
        parts
            .push("ordering by the key first keeps each key's rows in their original order".into());
    }
    if facts.has_aggregate {
        parts.push("grouping by the key gives one aggregate row per key; a key with no rows has no row (count 0)".into());
    }
    if keys > 1 {
        parts.push("the composite key is matched as a row value".into());
    }
    if form == BatchForm::AnyArray {
        parts.push("the keys are one array parameter, so the statement is prepared once whatever their number".into());
    }
    parts.join("; ")
}

/// Parses one SQL expression of `dialect`.
pub(crate) fn expr(text: &str, dialect: Dialect) -> Result<Expr, String> {
    let mut e = Parser::new(&*dialect.parser_dialect())
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("cannot read `{text}` as a value: {e}"))?;
    if dialect == Dialect::MySql {
        // sqlparser reads MySQL's backslash escapes (`'a\\b'` is `a\b`) but
        // writes strings back escaping quotes only: escape them again, or
        // `a\b` would be written `'a\b'`, which MySQL reads as `a` + backspace.
        struct Backslashes;
        impl VisitorMut for Backslashes {
            type Break = ();
            fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
                if let Expr::Value(v) = e
                    && let Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) =
                        &mut v.value
                {
                    *s = s.replace('\\', "\\\\").replace('\0', "\\0");
                }
                ControlFlow::Continue(())
            }
        }
        let _ = e.visit(&mut Backslashes);
    }
    Ok(e)
}

fn placeholder(text: &str) -> Expr {
    Expr::Value(Value::Placeholder(text.to_owned()).into())
}

/// The slot a `$n` placeholder stands for (after [`template`]).
pub(crate) fn slot_of(e: &Expr) -> Option<u32> {
    let (p, _) = placeholder_of(e)?;
    p.strip_prefix('$')?.parse::<u32>().ok()?.checked_sub(1)
}

pub(crate) fn is_column(e: &Expr) -> bool {
    matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
}

/// Replaces the key comparisons with the batch and the other slots with
/// their values (or parameters).
pub(crate) struct Rewriter<'a> {
    dialect: Dialect,
    form: BatchForm,
    keys: &'a [u32],
    tuples: &'a [Vec<String>],
    constants: &'a [SlotValues],
    /// Parameters in the order their placeholders are written.
    pub params: Vec<String>,
    /// The key comparisons' columns, by key.
    pub key_columns: Vec<Expr>,
    error: Option<String>,
}

impl<'a> Rewriter<'a> {
    /// Rewrites `stmt`: the comparisons of the `keys` slots become one batch
    /// over `tuples`, the other slots get their `constants`.
    ///
    /// # Errors
    /// A value that does not read as SQL.
    pub(crate) fn run(
        stmt: &mut Statement,
        dialect: Dialect,
        form: BatchForm,
        keys: &'a [u32],
        tuples: &'a [Vec<String>],
        constants: &'a [SlotValues],
    ) -> Result<Self, String> {
        let mut rw = Rewriter {
            dialect,
            form,
            keys,
            tuples,
            constants,
            params: Vec::new(),
            key_columns: Vec::new(),
            error: None,
        };
        let _ = stmt.visit(&mut rw);
        match rw.error.take() {
            Some(e) => Err(e),
            None => Ok(rw),
        }
    }

    /// A key value: written in (literal form) or a parameter.
    fn key_value(&mut self, text: &str) -> Result<Expr, String> {
        if self.form == BatchForm::LiteralIn {
            expr(text, self.dialect)
        } else {
            self.params.push(text.to_owned());
            Ok(placeholder("?"))
        }
    }

    /// The batch predicate for all keys, replacing the first key's `=`.
    fn batch_predicate(&mut self) -> Result<Expr, String> {
        let target = match self.key_columns.as_slice() {
            [single] => single.clone(),
            many => Expr::Tuple(many.to_vec()),
        };
        if self.form == BatchForm::AnyArray {
            let array = format!(
                "{{{}}}",
                self.tuples
                    .iter()
                    .map(|t| array_item(&t[0], self.dialect))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            self.params.push(format!("'{}'", array.replace('\'', "''")));
            return Ok(Expr::AnyOp {
                left: Box::new(target),
                compare_op: BinaryOperator::Eq,
                right: Box::new(placeholder("?")),
                is_some: false,
            });
        }
        let mut list = Vec::with_capacity(self.tuples.len());
        for t in self.tuples {
            let items = t
                .iter()
                .map(|v| self.key_value(v))
                .collect::<Result<Vec<_>, _>>()?;
            list.push(match <[Expr; 1]>::try_from(items) {
                Ok([one]) => one,
                Err(items) => Expr::Tuple(items),
            });
        }
        Ok(Expr::In {
            expr: Box::new(target),
            target: InTarget::List(list),
            negated: false,
            global: false,
        })
    }
}

/// A PostgreSQL array element from an SQL literal (`'it''s'` → `"it's"`,
/// `E'a\\b'` → `"a\\b"`).
fn array_item(sql_literal: &str, dialect: Dialect) -> String {
    if sql_literal.eq_ignore_ascii_case("null") {
        return "NULL".into();
    }
    // The value the literal stands for, whatever its quoting (`E'…'`, `$$…$$`).
    let raw = match expr(sql_literal, dialect) {
        Ok(Expr::Value(v)) => v.value.into_string(),
        _ => None,
    }
    .unwrap_or_else(|| sql_literal.to_owned());
    format!("\"{}\"", raw.replace('\\', "\\\\").replace('"', "\\\""))
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        let result = (|| -> Result<(), String> {
            // `key = ?` / `? = key`: the first becomes the batch, the others TRUE.
            if let Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } = e
            {
                let (col, slot) = match (slot_of(left), slot_of(right)) {
                    (None, Some(s)) if is_column(left) => (left.as_ref().clone(), s),
                    (Some(s), None) if is_column(right) => (right.as_ref().clone(), s),
                    _ => return Ok(()),
                };
                if let Some(k) = self.keys.iter().position(|k| *k == slot) {
                    if self.key_columns.len() <= k {
                        self.key_columns
                            .resize(k + 1, Expr::Value(Value::Null.into()));
                    }
                    self.key_columns[k] = col;
                    if self
                        .key_columns
                        .iter()
                        .all(|c| !matches!(c, Expr::Value(_)))
                        && self.key_columns.len() == self.keys.len()
                    {
                        *e = self.batch_predicate()?;
                    } else {
                        *e = Expr::Value(Value::Boolean(true).into());
                    }
                }
                return Ok(());
            }
            // A constant IN list: its values (or parameters), item by item.
            if let Expr::In {
                target: InTarget::List(items),
                ..
            } = e
                && let [one] = items.as_slice()
                && let Some(slot) = slot_of(one)
                && !self.keys.contains(&slot)
            {
                let values = self
                    .constants
                    .get(slot as usize)
                    .cloned()
                    .unwrap_or_default();
                *items = values
                    .iter()
                    .map(|v| expr(v, self.dialect))
                    .collect::<Result<_, _>>()?;
                return Ok(());
            }
            if let Some(slot) = slot_of(e)
                && !self.keys.contains(&slot)
                && let Some(v) = self.constants.get(slot as usize).and_then(|v| v.first())
            {
                // Constants are written in, in every form: a parameter in the
                // select list, ORDER BY or a grouped expression changes its meaning.
                let v = expr(&v.clone(), self.dialect)?;
                // Keep a cast around it (`$1::integer`).
                match e {
                    Expr::Cast { expr: inner, .. } | Expr::Nested(inner) => **inner = v,
                    other => *other = v,
                }
            }
            Ok(())
        })();
        match result {
            Ok(()) => ControlFlow::Continue(()),
            Err(why) => {
                self.error = Some(why);
                ControlFlow::Break(())
            }
        }
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        // `x AND TRUE` → `x`: the other key comparisons became TRUE.
        if let Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } = e
        {
            let is_true = |x: &Expr| matches!(x, Expr::Value(v) if v.value == Value::Boolean(true));
            if is_true(right) {
                *e = (**left).clone();
            } else if is_true(left) {
                *e = (**right).clone();
            }
        }
        ControlFlow::Continue(())
    }
}

/// Adds the key columns where the caller needs them; returns how many were
/// appended to the select list.
pub(crate) fn add_key_columns(
    stmt: &mut Statement,
    keys: &[Expr],
    facts: &ShapeFacts,
) -> Result<usize, String> {
    let Statement::Query(q) = stmt else {
        return Err("not a query".into());
    };
    let q: &mut Query = q;
    if let Some(OrderBy {
        kind: OrderByKind::Expressions(list),
        ..
    }) = q.order_by.as_mut()
    {
        for (i, k) in keys.iter().enumerate() {
            list.insert(i, order_by(k));
        }
    }
    let SetExpr::Select(sel) = q.body.as_mut() else {
        return Err("set operations (UNION, …) are not batched".into());
    };
    // `DISTINCT ON (x)` kept one row per x for each key: one per (key, x)
    // now, and PostgreSQL wants its expressions first in ORDER BY, where the
    // key now leads.
    if let Some(Distinct::On(list)) = sel.distinct.as_mut() {
        for (i, k) in keys.iter().enumerate() {
            list.insert(i, k.clone());
        }
    }
    let mut added = 0;
    for k in keys {
        let shown = sel.projection.iter().any(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                e.to_string().eq_ignore_ascii_case(&k.to_string())
            }
            _ => false,
        });
        if !shown {
            sel.projection.push(SelectItem::UnnamedExpr(k.clone()));
            added += 1;
        }
    }
    if facts.has_aggregate || facts.has_group_by {
        match &mut sel.group_by {
            GroupByExpr::Expressions(list, _) => {
                for (i, k) in keys.iter().enumerate() {
                    list.insert(i, k.clone());
                }
            }
            GroupByExpr::All(_) => {}
        }
    }
    Ok(added)
}

fn order_by(e: &Expr) -> OrderByExpr {
    OrderByExpr {
        expr: e.clone(),
        options: sqlparser::ast::OrderByOptions {
            sort: None,
            nulls_first: None,
        },
        with_fill: None,
    }
}

/// Writes the placeholders of a parameterized statement as the dialect
/// expects them: `$1, $2, …` in PostgreSQL, `?` elsewhere.
fn number_placeholders(stmt: &mut Statement, dialect: Dialect) {
    struct Numbering(usize, Dialect);
    impl VisitorMut for Numbering {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
            if let Expr::Value(v) = e
                && let Value::Placeholder(p) = &mut v.value
            {
                self.0 += 1;
                *p = if self.1 == Dialect::PostgreSql {
                    format!("${}", self.0)
                } else {
                    "?".to_owned()
                };
            }
            ControlFlow::Continue(())
        }
    }
    let _ = stmt.visit(&mut Numbering(0, dialect));
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlsift_analyzer::normalize::normalize;
    use sqlsift_analyzer::shapes::parse_shape;

    fn example(dialect: Dialect, sql: &str, keys: &[&str]) -> (String, ShapeFacts, LoopExample) {
        let n = normalize(sql, dialect);
        let facts = ShapeFacts::of(&parse_shape(&n.shape, sql, dialect)).unwrap();
        let iterations = keys.iter().map(|k| vec![vec![(*k).to_owned()]]).collect();
        let ex = LoopExample {
            unit: "u".into(),
            dialect,
            sample_sql: sql.into(),
            sample_params: Vec::new(),
            varying_slots: vec![0],
            iterations,
            distinct: 0,
            parent: None,
        };
        (n.shape, facts, ex)
    }

    #[test]
    fn key_lookup_becomes_in_list_any_and_params() {
        let (shape, facts, ex) = example(
            Dialect::PostgreSql,
            "SELECT authors.id, authors.name FROM authors WHERE authors.id = $1::INTEGER",
            &["'8'", "'15'", "'2'"],
        );
        let rw = batch_loop(&shape, &facts, &ex).unwrap();
        assert_eq!(
            rw[0].statements,
            ["SELECT authors.id, authors.name FROM authors WHERE authors.id IN ('8', '15', '2')"]
        );
        assert_eq!(rw[0].added_columns, 0);
        assert_eq!(
            rw[1].statements,
            ["SELECT authors.id, authors.name FROM authors WHERE authors.id IN ($1, $2, $3)"]
        );
        assert_eq!(rw[1].params, [vec!["'8'", "'15'", "'2'"]]);
        assert_eq!(
            rw[2].statements,
            ["SELECT authors.id, authors.name FROM authors WHERE authors.id = ANY($1)"]
        );
        assert_eq!(rw[2].params, [vec![r#"'{"8","15","2"}'"#]]);
    }

    #[test]
    fn distinct_on_is_kept_per_key() {
        let (shape, facts, ex) = example(
            Dialect::PostgreSql,
            "SELECT DISTINCT ON (author) author, title FROM books WHERE publisher_id = 1 ORDER BY author, year DESC",
            &["1", "2"],
        );
        let rw = batch_loop(&shape, &facts, &ex).unwrap();
        assert_eq!(
            rw[0].statements,
            [
                "SELECT DISTINCT ON (publisher_id, author) author, title, publisher_id FROM books WHERE publisher_id IN (1, 2) ORDER BY publisher_id, author, year DESC"
            ]
        );
    }

    #[test]
    fn mysql_backslashes_stay_escaped() {
        let (shape, facts, ex) = example(
            Dialect::MySql,
            r"SELECT id FROM users WHERE name = 'a\\b'",
            &[r"'a\\b'", r"'it\'s'"],
        );
        let rw = batch_loop(&shape, &facts, &ex).unwrap();
        assert_eq!(
            rw[0].statements,
            [r"SELECT id, name FROM users WHERE name IN ('a\\b', 'it''s')"]
        );
    }

    #[test]
    fn any_array_reads_escape_strings() {
        let (shape, facts, ex) = example(
            Dialect::PostgreSql,
            "SELECT id FROM users WHERE name = $1",
            &[r"E'a\\b'", r"E'it\'s'", "'x'"],
        );
        let rw = batch_loop(&shape, &facts, &ex).unwrap();
        assert_eq!(rw[2].form, BatchForm::AnyArray);
        assert_eq!(rw[2].params, [vec![r#"'{"a\\b","it''s","x"}'"#]]);
    }

    #[test]
    fn a_cut_example_says_the_loop_was_longer() {
        let (shape, facts, mut ex) = example(
            Dialect::PostgreSql,
            "SELECT name FROM authors WHERE id = $1",
            &["'1'", "'2'"],
        );
        let whole = batch_loop(&shape, &facts, &ex).unwrap();
        assert!(
            !whole[0].note.contains("distinct iterations"),
            "{}",
            whole[0].note
        );
        ex.distinct = 5_000;
        let cut = batch_loop(&shape, &facts, &ex).unwrap();
        assert!(
            cut[0]
                .note
                .contains("the loop had 5000 distinct iterations; these are its first 2"),
            "{}",
            cut[0].note
        );
    }

    #[test]
    fn reverse_key_adds_the_key_column_and_orders_by_it() {
        let (shape, facts, ex) = example(
            Dialect::Sqlite,
            "SELECT tags.id, tags.name FROM tags, book_tags WHERE ? = book_tags.book_id AND tags.id = book_tags.tag_id ORDER BY tags.name",
            &["1", "2"],
        );
        let rw = batch_loop(&shape, &facts, &ex).unwrap();
        assert_eq!(
            rw[0].statements,
            [
                "SELECT tags.id, tags.name, book_tags.book_id FROM tags, book_tags WHERE book_tags.book_id IN (1, 2) AND tags.id = book_tags.tag_id ORDER BY book_tags.book_id, tags.name"
            ]
        );
        assert_eq!(rw[0].added_columns, 1);
        assert_eq!(rw.len(), 2, "no = ANY outside PostgreSQL");
    }

    #[test]
    fn aggregates_group_by_the_key_and_limits_are_refused() {
        let (shape, facts, ex) = example(
            Dialect::MySql,
            "SELECT count(*) FROM reviews WHERE book_id = 5",
            &["5", "6"],
        );
        let rw = batch_loop(&shape, &facts, &ex).unwrap();
        assert_eq!(
            rw[0].statements,
            ["SELECT count(*), book_id FROM reviews WHERE book_id IN (5, 6) GROUP BY book_id"]
        );
        let (shape, facts, ex) = example(
            Dialect::MySql,
            "SELECT * FROM reviews WHERE book_id = 5 ORDER BY id DESC LIMIT 3",
            &["5", "6"],
        );
        let why = batch_loop(&shape, &facts, &ex).unwrap_err();
        assert!(why.contains("LIMIT"), "{why}");
    }

    #[test]
    fn composite_keys_become_row_values_and_chunks_respect_the_limit() {
        let sql = "SELECT v FROM kv WHERE a = 1 AND b = 'x' AND c = 7";
        let n = normalize(sql, Dialect::Generic);
        let facts = ShapeFacts::of(&parse_shape(&n.shape, sql, Dialect::Generic)).unwrap();
        let iterations: Vec<Vec<SlotValues>> = (0..1200)
            .map(|i| {
                vec![
                    vec![i.to_string()],
                    vec![format!("'k{i}'")],
                    vec!["7".to_owned()],
                ]
            })
            .collect();
        let ex = LoopExample {
            unit: "u".into(),
            dialect: Dialect::Generic,
            sample_sql: sql.into(),
            sample_params: Vec::new(),
            varying_slots: vec![0, 1],
            iterations,
            distinct: 0,
            parent: None,
        };
        let rw = batch_loop(&n.shape, &facts, &ex).unwrap();
        assert!(
            rw[0].statements[0]
                .starts_with("SELECT v, a, b FROM kv WHERE (a, b) IN ((0, 'k0'), (1, 'k1'), ")
        );
        assert!(
            rw[0].statements[0].ends_with("AND c = 7"),
            "{}",
            rw[0].statements[0]
        );
        // 999 variables, 2 per key → 499 keys per statement; the constant is written in.
        let chunks: Vec<usize> = rw[1].params.iter().map(Vec::len).collect();
        assert_eq!(chunks, [998, 998, 404]);
        assert!(rw[1].statements[0].ends_with("AND c = 7"));
    }
}
