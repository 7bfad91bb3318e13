//! SQ001 `select-star`: `SELECT *` over a table in the statement's result.

use sqlparser::ast::{SelectItem, SelectItemQualifiedWildcardKind, Statement};

use sqlsift_analyzer::catalog::fold;

use crate::ast::{Scope, body_selects, cte_names};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Violation};

declare_rule! {
    pub struct SelectStar {
        code: "SQ001",
        name: "select-star",
        severity: Warning,
        needs_catalog: false,
        summary: "SELECT * returns every column; name the ones the code reads",
        what: "Flags `SELECT *` and `table.*` in the result of a query when the star expands over a table (not inside `EXISTS (SELECT * …)` or over a derived table that already names its columns).",
        why: "Every column travels to the application, wide text and JSON included; covering indexes can never answer the query; and adding a column to the table silently changes what the code receives.",
        bad: "SELECT * FROM users WHERE email = 'ann@example.com'",
        good: "SELECT id, name FROM users WHERE email = 'ann@example.com'",
    }
}

impl Rule for SelectStar {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        let Statement::Query(query) = ctx.statement else {
            return;
        };
        let ctes = cte_names(query);
        for sel in body_selects(&query.body) {
            let mut scope = Scope::of_from(&sel.from);
            scope.tables.retain(|t| !ctes.contains(&fold(&t.name)));
            for item in &sel.projection {
                let tables: Vec<String> = match item {
                    SelectItem::Wildcard(_) => {
                        scope.tables.iter().map(|t| t.name.clone()).collect()
                    }
                    SelectItem::QualifiedWildcard(
                        SelectItemQualifiedWildcardKind::ObjectName(q),
                        _,
                    ) => scope
                        .table_for(&q.to_string())
                        .map(|t| t.name.clone())
                        .into_iter()
                        .collect(),
                    _ => continue,
                };
                if tables.is_empty() {
                    continue;
                }
                let list = tables.join(", ");
                out.push(
                    Violation::new(
                        &META,
                        format!(
                            "SELECT * reads every column of {list}; list the columns the code uses"
                        ),
                    )
                    .fix(format!(
                        "replace `{item}` with the columns of {list} the caller reads"
                    ))
                    .table(tables.first().cloned()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one, run};

    #[test]
    fn names_the_table_behind_an_alias_star() {
        let v = one(
            &SelectStar,
            "SELECT u.*, o.id FROM users u JOIN orders o ON o.user_id = u.id",
            None,
        );
        assert_eq!(v.table.as_deref(), Some("users"));
        assert!(v.message.contains("users"), "{}", v.message);
    }

    #[test]
    fn exists_and_derived_tables_are_fine() {
        assert!(run(&SelectStar, "SELECT id FROM users u WHERE EXISTS (SELECT * FROM orders o WHERE o.user_id = u.id)", None).is_empty());
        assert!(
            run(
                &SelectStar,
                "SELECT * FROM (SELECT id, name FROM users) x",
                None
            )
            .is_empty()
        );
        assert!(run(&SelectStar, "SELECT count(*) FROM users", None).is_empty());
        assert!(
            run(
                &SelectStar,
                "WITH recent AS (SELECT id FROM users) SELECT * FROM recent",
                None
            )
            .is_empty()
        );
    }
}
