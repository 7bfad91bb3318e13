//! SQ008 `delete-without-where`: a DELETE that removes every row.

use sqlparser::ast::{FromTable, Statement};

use crate::ast::{Scope, filtered_by_join};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct DeleteWithoutWhere {
        code: "SQ008",
        name: "delete-without-where",
        severity: Error,
        needs_catalog: false,
        summary: "DELETE without WHERE removes every row of the table",
        what: "Flags `DELETE FROM …` with neither a WHERE clause nor a LIMIT (MySQL's batched purge).",
        why: "It removes every row one by one, logging each, holding locks for the whole transaction and firing every trigger and cascade; a lost condition in application code deletes all the data.",
        bad: "DELETE FROM orders",
        good: "DELETE FROM orders WHERE id = 42",
    }
}

impl Rule for DeleteWithoutWhere {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        let Statement::Delete(d) = ctx.statement else {
            return;
        };
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &d.from;
        if d.selection.is_some() || d.limit.is_some() || d.using.is_some() || filtered_by_join(from)
        {
            return;
        }
        let table = Scope::of_from(from).tables.first().map(|t| t.name.clone());
        let name = table.clone().unwrap_or_else(|| "the table".to_owned());
        out.push(
            Violation::new(&META, format!("DELETE FROM {name} has no WHERE: it removes every row of {name}"))
                .fix(format!("add the WHERE clause that selects the rows to delete; to empty {name} on purpose use TRUNCATE {name}"))
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
        let v = one(&DeleteWithoutWhere, "DELETE FROM users", None);
        assert!(v.message.contains("every row of users"), "{}", v.message);
        assert_eq!(
            v.fix.as_deref().map(|f| f.contains("TRUNCATE users")),
            Some(true)
        );
        assert!(
            run_in(
                &DeleteWithoutWhere,
                "DELETE FROM orders LIMIT 1000",
                Dialect::MySql,
                None
            )
            .is_empty()
        );
    }

    /// MySQL's multi-table DELETE deletes only the rows its inner join
    /// matches: the ON clause is its condition.
    #[test]
    fn mysql_multi_table_delete_filtered_by_a_join() {
        assert_eq!(
            run_in(
                &DeleteWithoutWhere,
                "DELETE o FROM orders o JOIN users u ON u.id = o.user_id",
                Dialect::MySql,
                None
            ),
            []
        );
        // A LEFT JOIN keeps every row of orders: still all of them.
        assert_eq!(
            run_in(
                &DeleteWithoutWhere,
                "DELETE o FROM orders o LEFT JOIN users u ON u.id = o.user_id",
                Dialect::MySql,
                None
            )
            .len(),
            1
        );
    }
}
