//! Parses each *distinct* shape once with sqlparser (full parses are
//! proportional to fingerprints, not to events) and keeps what later stages need.

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlparser::ast::Statement;
use sqlparser::parser::Parser;

use crate::dialect::Dialect;
use crate::lexer::{Kind, tokenize};
use crate::normalize::{Fingerprint, FingerprintMap};

/// ORM-generated SQL nests deeper than sqlparser's default limit of 50.
const RECURSION_LIMIT: usize = 100;

/// Longer shapes are not parsed: sqlparser's AST of a huge flat `OR` chain
/// is freed recursively and can overflow the stack. They stay counted.
pub const MAX_PARSED_LEN: usize = 100_000;

/// What parsing a shape gave.
#[derive(Debug, Clone)]
pub struct ParsedShape {
    /// The statements, or why sqlparser could not parse the shape.
    pub statements: Result<Vec<Statement>, String>,
    /// Tables the statement reads or writes, in first-mention order.
    pub tables: Vec<String>,
    /// Parsed from the real sample, not the shape: its placeholders do not
    /// number the shape's slots.
    pub from_sample: bool,
}

impl ParsedShape {
    #[must_use]
    pub fn is_parsed(&self) -> bool {
        self.statements.is_ok()
    }
}

/// Parses a normalized shape: `?` placeholders become the dialect's bind
/// markers and collapsed lists `(...)` / `[...]` a single placeholder.
///
/// Where a literal is part of the grammar (`varchar(255)`, `SET NAMES 'utf8'`)
/// the shape cannot parse; then the real `sample` statement is parsed instead.
#[must_use]
pub fn parse_shape(shape: &str, sample: &str, dialect: Dialect) -> ParsedShape {
    if shape.len() > MAX_PARSED_LEN {
        return ParsedShape {
            statements: Err(format!(
                "not parsed: the shape is {} bytes, over sqlsift's limit of {MAX_PARSED_LEN}",
                shape.len()
            )),
            tables: Vec::new(),
            from_sample: false,
        };
    }
    let parse = |text: &str| parse_parsable(text, dialect);
    let mut from_sample = false;
    let statements = parse(shape).or_else(|shape_err| {
        if sample.trim().is_empty() || sample.len() > MAX_PARSED_LEN {
            return Err(shape_err);
        }
        from_sample = true;
        parse(sample).map_err(|_| shape_err)
    });
    let mut tables: Vec<String> = Vec::new();
    if let Ok(stmts) = &statements {
        let _ = sqlparser::ast::visit_relations(stmts, |rel| {
            let name = rel.to_string();
            if !tables.contains(&name) {
                tables.push(name);
            }
            ControlFlow::<()>::Continue(())
        });
    }
    ParsedShape {
        statements,
        tables,
        from_sample,
    }
}

/// Parses `shape` into a template statement whose placeholders are `$n`,
/// `n` being the shape's slot + 1 (MySQL's `?` are numbered in text order),
/// for rewrites that substitute or batch the slots' values.
///
/// # Errors
/// When the shape is not exactly one statement sqlparser can parse.
pub fn template(shape: &str, dialect: Dialect) -> Result<Statement, String> {
    use sqlparser::ast::{Expr, Value, VisitMut, VisitorMut};
    if shape.len() > MAX_PARSED_LEN {
        return Err("the statement is too long to rewrite".into());
    }
    let mut stmts = parse_parsable(shape, dialect)?;
    if stmts.len() != 1 {
        return Err(format!("{} statements where one was expected", stmts.len()));
    }
    let mut stmt = stmts.remove(0);
    if dialect == Dialect::MySql {
        // `?` in text order: number them like `$n`.
        struct Numbering(Vec<(u64, u64)>, bool);
        impl VisitorMut for Numbering {
            type Break = ();
            fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
                if let Expr::Value(v) = e
                    && matches!(&v.value, Value::Placeholder(p) if p == "?")
                {
                    let at = (v.span.start.line, v.span.start.column);
                    if self.1 {
                        let n = self.0.binary_search(&at).unwrap_or(0) + 1;
                        v.value = Value::Placeholder(format!("${n}"));
                    } else {
                        self.0.push(at);
                    }
                }
                ControlFlow::Continue(())
            }
        }
        let mut numbering = Numbering(Vec::new(), false);
        let _ = stmt.visit(&mut numbering);
        numbering.0.sort_unstable();
        numbering.1 = true;
        let _ = stmt.visit(&mut numbering);
    }
    Ok(stmt)
}

/// Parses one real statement as executed — literals kept, placeholders of
/// any style — for analyses that need the values (`LIKE '%x'`, `IN` lists of
/// 500 items, a string compared with a number column).
///
/// # Errors
/// sqlparser's message, or the length limit ([`MAX_PARSED_LEN`]).
pub fn parse_sql(text: &str, dialect: Dialect) -> Result<Vec<Statement>, String> {
    if text.len() > MAX_PARSED_LEN {
        return Err(format!(
            "not parsed: the statement is {} bytes, over sqlsift's limit of {MAX_PARSED_LEN}",
            text.len()
        ));
    }
    parse_parsable(text, dialect)
}

/// Parses `text` once its placeholders are ones sqlparser accepts ([`parsable`]).
fn parse_parsable(text: &str, dialect: Dialect) -> Result<Vec<Statement>, String> {
    Parser::new(&*dialect.parser_dialect())
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(&parsable(text, dialect))
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| e.to_string())
}

/// Rewrites a shape's placeholders into ones sqlparser accepts: slot `k` of
/// the shape becomes `$k+1` (`?` in MySQL, where slots follow text order).
fn parsable(shape: &str, dialect: Dialect) -> String {
    let mut out = String::with_capacity(shape.len() + 8);
    let mut n = 0;
    let mut placeholder = |out: &mut String| {
        n += 1;
        // `$n` numbers the slots; MySQL reads `$1` as a name, so it keeps `?`.
        if dialect == Dialect::MySql {
            out.push('?');
        } else {
            out.push('$');
            out.push_str(&n.to_string());
        }
    };
    for t in tokenize(shape, dialect) {
        match t.kind {
            Kind::Placeholder | Kind::Ellipsis => placeholder(&mut out),
            _ => out.push_str(t.text(shape)),
        }
    }
    out
}

/// A cache of parsed shapes by fingerprint.
#[derive(Debug, Default)]
pub struct ShapeCache {
    parsed: FingerprintMap<Arc<ParsedShape>>,
}

impl ShapeCache {
    /// The parsed form of `shape` (whose real example is `sample`), parsing it on first sight.
    pub fn get(
        &mut self,
        id: Fingerprint,
        shape: &str,
        sample: &str,
        dialect: Dialect,
    ) -> Arc<ParsedShape> {
        self.parsed
            .entry(id)
            .or_insert_with(|| Arc::new(parse_shape(shape, sample, dialect)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    #[test]
    fn parses_normalized_shapes_of_each_dialect() {
        for (sql, dialect, tables) in [
            (
                "SELECT * FROM users WHERE id IN (1, 2) AND b = $1",
                Dialect::PostgreSql,
                vec!["users"],
            ),
            (
                "SELECT u.a FROM users u JOIN posts p ON p.uid = u.id WHERE p.x = 'y'",
                Dialect::MySql,
                vec!["users", "posts"],
            ),
            (
                "INSERT INTO t (a, b) VALUES (1, 2), (3, 4)",
                Dialect::Sqlite,
                vec!["t"],
            ),
            (
                "UPDATE \"Users\" SET a = :a WHERE id = ANY(ARRAY[1,2])",
                Dialect::PostgreSql,
                vec!["\"Users\""],
            ),
        ] {
            let n = normalize(sql, dialect);
            let p = parse_shape(&n.shape, "", dialect);
            assert!(p.is_parsed(), "{sql}: {:?}", p.statements);
            assert_eq!(p.tables, tables, "{sql}");
        }
    }

    #[test]
    fn templates_number_slots_in_every_dialect() {
        for d in [Dialect::MySql, Dialect::PostgreSql, Dialect::Sqlite] {
            let n = normalize("SELECT a FROM t WHERE b = 1 AND c IN (2, 3) AND d = 'x'", d);
            let t = template(&n.shape, d).unwrap().to_string();
            assert!(
                t.contains("b = $1") && t.contains("IN ($2)") && t.contains("d = $3"),
                "{d}: {t}"
            );
        }
    }

    #[test]
    fn unparsable_shapes_say_why() {
        let p = parse_shape("selec ? frm t", "selec 1 frm t", Dialect::Generic);
        assert!(p.statements.unwrap_err().contains("Expected"));
    }

    #[test]
    fn falls_back_to_the_sample_where_literals_are_grammar() {
        let sql = "CREATE TABLE t (name varchar(255) NOT NULL)";
        let n = normalize(sql, Dialect::MySql);
        assert!(
            parse_shape(&n.shape, "", Dialect::MySql)
                .statements
                .is_err()
        );
        assert_eq!(parse_shape(&n.shape, sql, Dialect::MySql).tables, ["t"]);
    }
}
