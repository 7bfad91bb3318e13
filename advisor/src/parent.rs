//! The loop joined with its parent: `key IN (SELECT <key> FROM <parent …>)`.
//!
//! An N+1 loop runs once per row of the query before it (the parent: the
//! books list, then one author lookup per book). When the parent selects the
//! keys, the loop and the parent become one statement — a semi-join — and
//! the application needs neither the key list nor a second round trip. It
//! returns what the loop returned on the assumption that the loop ran once
//! per distinct key of the parent's rows; the note says so.
//!
//! Which parent column holds the keys is read from names, as ORMs write
//! them: `authors.id` ← `books.author_id`, `books.author_id` ← `authors.id`,
//! `book_tags.book_id` ← `books.id`, or the same column name.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, InTarget, Query, SelectItem, SetExpr, Statement, VisitMut, VisitorMut};
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::detect::LoopExample;
use sqlsift_analyzer::facts::{ShapeFacts, StatementKind};
use sqlsift_analyzer::normalize::normalize;
use sqlsift_analyzer::shapes::{parse_shape, template};
use sqlsift_analyzer::values::slot_values;

use crate::batch::{
    BatchForm, Rewrite, Rewriter, add_key_columns, check_keys_are_conjuncts, varying_slots,
};

/// `(table, column)` of a possibly qualified column name.
fn split(column: &str, default_table: Option<&str>) -> (String, String) {
    match column.rsplit_once('.') {
        Some((t, c)) => (t.to_ascii_lowercase(), c.to_ascii_lowercase()),
        None => (
            default_table.unwrap_or("").to_ascii_lowercase(),
            column.to_ascii_lowercase(),
        ),
    }
}

/// `authors` → `author`, `categories` → `category`.
fn singular(table: &str) -> String {
    let t = table.rsplit('.').next().unwrap_or(table).trim_matches('"');
    if let Some(stem) = t.strip_suffix("ies") {
        format!("{stem}y")
    } else {
        t.strip_suffix('s').unwrap_or(t).to_owned()
    }
}

/// Whether the parent column `(pt, pc)` holds the keys of the loop column `(kt, kc)`.
fn holds_keys((kt, kc): &(String, String), (pt, pc): &(String, String)) -> bool {
    (kc == "id" && *pc == format!("{}_id", singular(kt)))
        || (pc == "id" && *kc == format!("{}_id", singular(pt)))
        || (kc == pc && kt != pt && kc != "id")
}

/// Rewrites the loop as one statement over its parent query.
///
/// # Errors
/// Why this loop has no such form: no parent, a composite key, a parent that
/// does not visibly select the keys, or one of [`crate::batch_loop`]'s reasons.
pub fn parent_subquery(
    shape: &str,
    facts: &ShapeFacts,
    example: &LoopExample,
) -> Result<Rewrite, String> {
    let dialect = example.dialect;
    if facts.kind != StatementKind::Select
        || facts.has_limit
        || facts.has_offset
        || facts.has_window
    {
        return Err("see the batched forms".into());
    }
    let keys = varying_slots(&example.iterations);
    let [key] = keys.as_slice() else {
        return Err("only a single-column key is joined with its parent".into());
    };
    let key_column = facts
        .column_of(*key)
        .ok_or("the key is not compared with a column")?;
    let (parent_sql, parent_params) = example
        .parent
        .as_ref()
        .ok_or("no statement ran before the loop")?;
    let parent_norm = normalize(parent_sql, dialect);
    let parent_facts = ShapeFacts::of(&parse_shape(&parent_norm.shape, parent_sql, dialect))
        .ok_or("the parent query could not be parsed")?;
    if parent_facts.kind != StatementKind::Select {
        return Err("the statement before the loop is not a query".into());
    }
    if (parent_facts.has_limit || parent_facts.has_offset) && dialect == Dialect::MySql {
        return Err("MySQL does not allow LIMIT in an IN subquery".into());
    }
    // The parent with its own values written in.
    let mut parent = template(&parent_norm.shape, dialect)?;
    let parent_values = slot_values(parent_sql, &parent_norm, parent_params);
    Rewriter::run(
        &mut parent,
        dialect,
        BatchForm::LiteralIn,
        &[],
        &[],
        &parent_values,
    )?;
    let Statement::Query(mut parent_query) = parent else {
        return Err("the statement before the loop is not a query".into());
    };
    let SetExpr::Select(sel) = parent_query.body.as_mut() else {
        return Err("the parent query is a set operation".into());
    };
    let loop_key = split(key_column, facts.table.as_deref());
    let matches: Vec<Expr> = sel
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }
                if matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) =>
            {
                Some(e.clone())
            }
            _ => None,
        })
        .filter(|e| {
            holds_keys(
                &loop_key,
                &split(&e.to_string(), parent_facts.table.as_deref()),
            )
        })
        .collect();
    let [parent_key] = matches.as_slice() else {
        return Err(format!(
            "the parent query does not visibly select the keys of {key_column} (no single column named for them)"
        ));
    };
    sel.projection = vec![SelectItem::UnnamedExpr(parent_key.clone())];
    if !(parent_facts.has_limit || parent_facts.has_offset) {
        // Order only matters to a LIMIT; IN ignores it.
        parent_query.order_by = None;
    }
    // The loop with its constants written in, then the key list swapped for the parent.
    let mut stmt = template(shape, dialect)?;
    check_keys_are_conjuncts(&stmt, &keys)?;
    let constants = example.iterations.first().cloned().unwrap_or_default();
    let one = vec![vec!["NULL".to_owned()]];
    let rw = Rewriter::run(
        &mut stmt,
        dialect,
        BatchForm::LiteralIn,
        &keys,
        &one,
        &constants,
    )?;
    let mut swap = Swap {
        column: rw
            .key_columns
            .first()
            .cloned()
            .ok_or("the key comparison was not found")?,
        subquery: Some(parent_query),
    };
    let _ = stmt.visit(&mut swap);
    if swap.subquery.is_some() {
        return Err("the key comparison was not found".into());
    }
    let added = add_key_columns(&mut stmt, &rw.key_columns, facts)?;
    Ok(Rewrite {
        form: BatchForm::ParentSubquery,
        statements: vec![stmt.to_string()],
        params: Vec::new(),
        added_columns: added,
        note: format!(
            "the loop and the query before it in one statement: {key_column} is matched to the parent's {parent_key}; \
             it returns what the loop returned when the loop ran once per distinct key of the parent's rows"
        ),
    })
}

/// Replaces the target of `column IN (…)` with the parent subquery.
struct Swap {
    column: Expr,
    subquery: Option<Box<Query>>,
}

impl VisitorMut for Swap {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if let Expr::In { expr, target, .. } = e
            && **expr == self.column
            && matches!(target, InTarget::List(_))
            && let Some(q) = self.subquery.take()
        {
            *target = InTarget::Subquery(q);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlsift_analyzer::values::SlotValues;

    fn example(
        dialect: Dialect,
        parent: &str,
        sql: &str,
        keys: &[&str],
    ) -> (String, ShapeFacts, LoopExample) {
        let n = normalize(sql, dialect);
        let facts = ShapeFacts::of(&parse_shape(&n.shape, sql, dialect)).unwrap();
        let iterations: Vec<Vec<SlotValues>> =
            keys.iter().map(|k| vec![vec![(*k).to_owned()]]).collect();
        let ex = LoopExample {
            unit: "u".into(),
            dialect,
            sample_sql: sql.into(),
            sample_params: Vec::new(),
            varying_slots: vec![0],
            iterations,
            distinct: 0,
            parent: Some((parent.into(), Vec::new())),
        };
        (n.shape, facts, ex)
    }

    #[test]
    fn foreign_key_reverse_key_and_many_to_many() {
        let cases = [
            (
                "SELECT books.id, books.title, books.author_id FROM books WHERE books.year > 1990 ORDER BY books.id",
                "SELECT authors.id, authors.name FROM authors WHERE authors.id = 3",
                "SELECT authors.id, authors.name FROM authors WHERE authors.id IN (SELECT books.author_id FROM books WHERE books.year > 1990)",
            ),
            (
                "SELECT authors.id, authors.name FROM authors ORDER BY authors.id LIMIT 10",
                "SELECT books.id, books.title FROM books WHERE 7 = books.author_id",
                "SELECT books.id, books.title, books.author_id FROM books WHERE books.author_id IN (SELECT authors.id FROM authors ORDER BY authors.id LIMIT 10)",
            ),
            (
                "SELECT books.id, books.title FROM books",
                "SELECT tags.id FROM tags, book_tags WHERE ? = book_tags.book_id AND tags.id = book_tags.tag_id",
                "SELECT tags.id, book_tags.book_id FROM tags, book_tags WHERE book_tags.book_id IN (SELECT books.id FROM books) AND tags.id = book_tags.tag_id",
            ),
        ];
        for (parent, sql, want) in cases {
            let (shape, facts, ex) = example(Dialect::Sqlite, parent, sql, &["1", "2"]);
            let rw = parent_subquery(&shape, &facts, &ex).unwrap();
            assert_eq!(rw.statements, [want]);
        }
    }

    #[test]
    fn a_parent_without_the_keys_is_not_joined() {
        let (shape, facts, ex) = example(
            Dialect::PostgreSql,
            "SELECT posts.id, posts.title FROM posts",
            "SELECT authors.id FROM authors WHERE authors.id = 3",
            &["1", "2"],
        );
        let why = parent_subquery(&shape, &facts, &ex).unwrap_err();
        assert!(why.contains("does not visibly select"), "{why}");
    }
}
