//! SQ016 `implicit-type-conversion`: a column compared with a literal of
//! another type family.

use sqlparser::ast::{Expr, InTarget, Value};
use sqlsift_analyzer::catalog::{Catalog, TypeClass};

use crate::ast::{ColumnRef, is_comparison, literal, predicates};
use crate::meta::declare_rule;
use crate::{Context, Rule, RuleMeta, Severity, Violation};

declare_rule! {
    pub struct ImplicitTypeConversion {
        code: "SQ016",
        name: "implicit-type-conversion",
        severity: Warning,
        needs_catalog: true,
        summary: "A text column compared with a number (or a number column with text) converts per row",
        what: "With a catalog, flags a text column compared with a number literal, and a numeric column compared with a string literal that is not a number (comparison operators and IN lists). A numeric column compared with a numeric string such as `'42'` is converted once and only noted at severity info. Silent without a catalog.",
        why: "MySQL compares a text column with a number as numbers, converting the column on every row, so its index is not used and `'0042'`, `'42 '` and `'42'` all match; PostgreSQL rejects the query. A numeric column compared with `'abc'` is an error in PostgreSQL and matches 0 in MySQL.",
        bad: "SELECT id FROM users WHERE phone = 5551234",
        good: "SELECT id FROM users WHERE phone = '5551234'",
    }
}

/// What is wrong with comparing a `class` column with `value`, if anything.
fn mismatch(class: TypeClass, value: &Value) -> Option<(Severity, &'static str)> {
    match (class, value) {
        (TypeClass::Text, Value::Number(..)) => Some((
            META.severity,
            "a number: the column is converted on every row and its index is not used",
        )),
        (TypeClass::Numeric, Value::SingleQuotedString(s) | Value::DoubleQuotedString(s)) => {
            Some(if s.trim().parse::<f64>().is_ok() {
                (
                    Severity::Info,
                    "a string: it is converted once, but the application binds the wrong type",
                )
            } else {
                (
                    META.severity,
                    "a string that is not a number: PostgreSQL rejects it and MySQL compares with 0",
                )
            })
        }
        _ => None,
    }
}

/// The violation of comparing `col` with `value`, if they mismatch.
fn violation(catalog: &Catalog, col: &ColumnRef, value: &Expr) -> Option<Violation> {
    let v = literal(value)?;
    let column = catalog.table(col.table.as_deref()?)?.column(&col.column)?;
    let (severity, problem) = mismatch(column.type_class(), v)?;
    let name = col.display();
    Some(
        Violation::new(&META, format!("{name} is {} but is compared with {value}, {problem}", column.data_type))
            .severity(severity)
            .fix(format!("compare {name} with a {} value (quote or unquote it, or bind the parameter with the column's type)", column.data_type))
            .at(col),
    )
}

impl Rule for ImplicitTypeConversion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>) {
        let Some(catalog) = ctx.catalog else { return };
        predicates(ctx.statement, |e, scope| match e {
            Expr::BinaryOp { left, op, right } if is_comparison(op) => {
                for (c, v) in [(left, right), (right, left)] {
                    if let Some(found) = scope
                        .resolve(c, ctx.catalog)
                        .and_then(|col| violation(catalog, &col, v))
                    {
                        out.push(found);
                    }
                }
            }
            Expr::In {
                expr,
                target: InTarget::List(items),
                ..
            } => {
                if let Some(col) = scope.resolve(expr, ctx.catalog)
                    && let Some(found) = items.iter().find_map(|i| violation(catalog, &col, i))
                {
                    out.push(found);
                }
            }
            _ => {}
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{catalog, one, run};

    #[test]
    fn text_vs_number_and_number_vs_text() {
        let cat = catalog();
        let v = one(
            &ImplicitTypeConversion,
            "SELECT id FROM users u WHERE u.phone IN ('1', 2)",
            Some(&cat),
        );
        assert_eq!(
            (v.table.as_deref(), v.columns.as_slice()),
            (Some("users"), &["phone".to_owned()][..])
        );
        let bad = one(
            &ImplicitTypeConversion,
            "SELECT id FROM orders WHERE user_id = 'abc'",
            Some(&cat),
        );
        assert_eq!(bad.severity, Severity::Warning);
        let harmless = one(
            &ImplicitTypeConversion,
            "SELECT id FROM orders WHERE '42' = user_id",
            Some(&cat),
        );
        assert_eq!(harmless.severity, Severity::Info);
    }

    #[test]
    fn matching_types_and_no_catalog_are_silent() {
        let cat = catalog();
        assert!(
            run(
                &ImplicitTypeConversion,
                "SELECT id FROM orders WHERE user_id = 42 AND status = 'paid'",
                Some(&cat)
            )
            .is_empty()
        );
        assert!(run(&ImplicitTypeConversion, META.bad, None).is_empty());
    }
}
