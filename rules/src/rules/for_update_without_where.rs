//! SQ026 `for-update-without-where`: SELECT … FOR UPDATE locking a whole table.

use sqlparser::ast::LockType;

use crate::ast::{Scope, body_selects, each_query, limit};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct ForUpdateWithoutWhere {
        code: "SQ026",
        name: "for-update-without-where",
        severity: Warning,
        needs_catalog: false,
        summary: "SELECT … FOR UPDATE/SHARE without WHERE locks every row of the table",
        what: "Flags `SELECT … FOR UPDATE` and `FOR SHARE` over a table with no WHERE and no LIMIT.",
        why: "Every row read is locked until the transaction ends: every other writer of the table waits, and concurrent transactions doing the same deadlock or queue.",
        bad: "SELECT id, status FROM orders FOR UPDATE",
        good: "SELECT id, status FROM orders WHERE id = $1 FOR UPDATE",
    }
}

impl Rule for ForUpdateWithoutWhere {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        each_query(ctx.statement, |q| {
            let Some(lock) = q.locks.first() else { return };
            if limit(q).is_some() {
                return;
            }
            let mode = match lock.lock_type {
                LockType::Update => "FOR UPDATE",
                LockType::Share => "FOR SHARE",
            };
            for sel in body_selects(&q.body) {
                let Some(table) = Scope::of_from(&sel.from)
                    .tables
                    .first()
                    .map(|t| t.name.clone())
                else {
                    continue;
                };
                if sel.selection.is_some() {
                    continue;
                }
                out.push(
                    Violation::new(&META, format!("SELECT … {mode} with no WHERE locks every row of {table} until the transaction ends"))
                        .fix(format!("lock only the rows you will change: … FROM {table} WHERE <key> = ? {mode}"))
                        .table(Some(table)),
                );
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run};

    #[test]
    fn share_locks_and_queue_pops() {
        assert!(
            one(
                &ForUpdateWithoutWhere,
                "SELECT id FROM users FOR SHARE",
                None
            )
            .message
            .contains("FOR SHARE")
        );
        assert!(
            run(
                &ForUpdateWithoutWhere,
                "SELECT id FROM jobs FOR UPDATE SKIP LOCKED LIMIT 1",
                None
            )
            .is_empty()
        );
        assert!(run(&ForUpdateWithoutWhere, "SELECT id FROM users", None).is_empty());
    }
}
