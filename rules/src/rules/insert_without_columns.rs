//! SQ021 `insert-without-columns`: INSERT relying on the table's column order.

use sqlparser::ast::Statement;

use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct InsertWithoutColumns {
        code: "SQ021",
        name: "insert-without-columns",
        severity: Warning,
        needs_catalog: false,
        summary: "INSERT without a column list breaks when the table's columns change",
        what: "Flags `INSERT INTO t VALUES …` and `INSERT INTO t SELECT …` without a column list (`DEFAULT VALUES` is fine).",
        why: "The values are matched to columns by position. Adding, dropping or reordering a column in a migration makes the statement fail, or worse, store values in the wrong columns when the types happen to fit.",
        bad: "INSERT INTO orders VALUES (1, 42, 9.99, 'new', NULL, now())",
        good: "INSERT INTO orders (id, user_id, total, status, coupon_id, created_at) VALUES (1, 42, 9.99, 'new', NULL, now())",
    }
}

impl Rule for InsertWithoutColumns {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        let Statement::Insert(ins) = ctx.statement else {
            return;
        };
        if !ins.columns.is_empty() || ins.source.is_none() {
            return;
        }
        let table = ins.table.to_string();
        out.push(
            Violation::new(&META, format!("INSERT INTO {table} names no columns: the values depend on {table}'s column order"))
                .fix(format!("list the columns: INSERT INTO {table} (col1, col2, …) …"))
                .table(Some(table)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run};

    #[test]
    fn select_source_fires_default_values_does_not() {
        assert_eq!(
            one(
                &InsertWithoutColumns,
                "INSERT INTO archive SELECT id FROM orders",
                None
            )
            .table
            .as_deref(),
            Some("archive")
        );
        assert!(
            run(
                &InsertWithoutColumns,
                "INSERT INTO audit DEFAULT VALUES",
                None
            )
            .is_empty()
        );
    }
}
