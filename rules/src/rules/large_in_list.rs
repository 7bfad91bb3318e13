//! SQ018 `large-in-list`: an IN list of hundreds of values.

use sqlparser::ast::{Expr, InTarget};
use sqlsift_analyzer::Dialect;

use crate::ast::predicates;
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

/// IN-list length from which parsing, planning and plan-cache misses cost
/// more than passing the values as one array or table.
pub const LARGE_IN_LIST: usize = 100;

declare_rule! {
    pub struct LargeInList {
        code: "SQ018",
        name: "large-in-list",
        severity: Warning,
        needs_catalog: false,
        summary: "An IN list of 100+ values is slow to parse and plan; pass an array or join a temporary table",
        what: "Flags `x IN (…)` with 100 or more items.",
        why: "Every distinct list length is a new statement to parse and plan (and a new entry in pg_stat_statements and the plan cache); planners estimate long lists poorly; drivers cap the number of bind parameters (65 535 in PostgreSQL, 32 766 in SQLite).",
        bad: "SELECT id, total FROM orders WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100)",
        good: "SELECT id, total FROM orders WHERE user_id = ANY($1)",
    }
}

impl Rule for LargeInList {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        predicates(ctx.statement, |e, scope| {
            if let Expr::In {
                expr,
                target: InTarget::List(items),
                ..
            } = e
                && items.len() >= LARGE_IN_LIST
            {
                let fix = match ctx.dialect {
                    Dialect::PostgreSql => {
                        format!("pass the values as one array parameter: {expr} = ANY($1)")
                    }
                    _ => format!(
                        "load the values into a temporary table and JOIN it on {expr}, or send them in chunks"
                    ),
                };
                out.push(Violation::new(&META, format!("{expr} IN ({} values): long lists are slow to parse and plan and defeat the plan cache", items.len())).fix(fix).at(scope.resolve(expr, ctx.catalog).as_ref()));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run, run_in};

    #[test]
    fn threshold_and_dialect_fix() {
        let items = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert!(
            run(
                &LargeInList,
                &format!("SELECT 1 FROM t WHERE a IN ({})", items(99)),
                None
            )
            .is_empty()
        );
        let v = run_in(
            &LargeInList,
            &format!("SELECT 1 FROM t WHERE a IN ({})", items(100)),
            Dialect::MySql,
            None,
        );
        assert_eq!(v.len(), 1);
        assert!(v[0].fix.as_deref().unwrap().contains("temporary table"));
        assert!(v[0].message.starts_with("a IN (100 values)"));
        assert_eq!(
            (v[0].table.as_deref(), v[0].columns.as_slice()),
            (Some("t"), &["a".to_owned()][..])
        );
    }
}
