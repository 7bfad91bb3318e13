//! SQ007 `update-without-where`: an UPDATE that rewrites every row.

use sqlparser::ast::Statement;

use crate::ast::{Scope, filtered_by_join};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct UpdateWithoutWhere {
        code: "SQ007",
        name: "update-without-where",
        severity: Error,
        needs_catalog: false,
        summary: "UPDATE without WHERE rewrites every row of the table",
        what: "Flags `UPDATE … SET …` with neither a WHERE clause nor a LIMIT (MySQL's batched form).",
        why: "It changes every row, locks the whole table for the transaction and writes a full table's worth of WAL/binlog. Application code almost never means it; a missing condition in a query builder does.",
        bad: "UPDATE users SET name = 'x'",
        good: "UPDATE users SET name = 'x' WHERE id = 42",
    }
}

impl Rule for UpdateWithoutWhere {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        let Statement::Update(u) = ctx.statement else {
            return;
        };
        if u.selection.is_some()
            || u.limit.is_some()
            || filtered_by_join(std::slice::from_ref(&u.table))
        {
            return;
        }
        let table = Scope::of_from(std::slice::from_ref(&u.table))
            .tables
            .first()
            .map(|t| t.name.clone());
        let name = table.clone().unwrap_or_else(|| u.table.to_string());
        out.push(
            Violation::new(&META, format!("UPDATE {name} has no WHERE: it rewrites every row of {name}"))
                .fix(format!("add the WHERE clause that selects the rows to change (UPDATE {name} SET … WHERE id = ?)"))
                .table(table),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run_in};
    use sqlsift_analyzer::Dialect;

    #[test]
    fn names_the_table_and_respects_mysql_limit() {
        let v = one(
            &UpdateWithoutWhere,
            "UPDATE orders AS o SET status = 'x'",
            None,
        );
        assert_eq!(v.table.as_deref(), Some("orders"));
        assert!(
            run_in(
                &UpdateWithoutWhere,
                "UPDATE orders SET status = 'x' LIMIT 1000",
                Dialect::MySql,
                None
            )
            .is_empty()
        );
    }

    /// MySQL's multi-table UPDATE changes only the rows its inner join
    /// matches.
    #[test]
    fn mysql_multi_table_update_filtered_by_a_join() {
        assert_eq!(
            run_in(
                &UpdateWithoutWhere,
                "UPDATE orders o JOIN users u ON u.id = o.user_id SET o.status = 'x'",
                Dialect::MySql,
                None
            ),
            []
        );
        assert_eq!(
            run_in(
                &UpdateWithoutWhere,
                "UPDATE orders o LEFT JOIN users u ON u.id = o.user_id SET o.status = 'x'",
                Dialect::MySql,
                None
            )
            .len(),
            1
        );
    }
}
