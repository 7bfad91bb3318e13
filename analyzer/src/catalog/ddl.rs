//! Catalog from a schema file: the `CREATE TABLE`, `CREATE INDEX` and
//! `ALTER TABLE … ADD PRIMARY KEY / UNIQUE` statements of a `.sql` file such
//! as `pg_dump --schema-only` or SQLite's `.schema` writes. A schema file
//! holds much else (`SET`, `COMMENT ON`, sequences, functions, `\connect`):
//! each statement is parsed alone and whatever does not shape tables or
//! indexes is skipped, but a `CREATE TABLE` or `CREATE INDEX` sqlparser
//! cannot read is an error naming its line, because a catalog silently
//! missing a table would make every later estimate wrong. DDL carries no
//! statistics: row counts come from `sqlsift.toml`.

use sqlparser::ast::{
    AlterTableOperation, ColumnOption, CreateIndex, CreateTable, Ident, IndexColumn, ObjectName,
    Statement, TableConstraint,
};
use sqlparser::parser::Parser;

use super::{Catalog, CatalogError, Column, Index, IndexKey, Table, create_index};
use crate::Dialect;
use crate::lexer::{Kind, tokenize};
use crate::read::split_statements;

/// Reads the tables and indexes that the statements of `sql` create;
/// `origin` names the file in the catalog and in errors.
///
/// # Errors
/// A [`CatalogError`] naming `origin` and the 1-based line of a `CREATE
/// TABLE` or `CREATE INDEX` that does not parse in `dialect`.
pub fn load(sql: &str, origin: &str, dialect: Dialect) -> Result<Catalog, CatalogError> {
    let text = without_meta_commands(sql);
    let parser_dialect = dialect.parser_dialect();
    let mut catalog = Catalog::new(origin);
    for (offset, stmt) in split_statements(&text, dialect) {
        let Some(kind) = kind(stmt, dialect) else {
            continue;
        };
        match Parser::parse_sql(&*parser_dialect, stmt) {
            Ok(parsed) => parsed.iter().for_each(|s| apply(&mut catalog, s)),
            // An ALTER TABLE that does something else (OWNER TO, identity
            // options sqlparser lacks) does not change the catalog.
            Err(_) if kind == Ddl::Alter => {}
            Err(e) => {
                let line = 1 + text[..offset].matches('\n').count();
                return Err(CatalogError::new(
                    origin,
                    format!(
                        "line {line}: cannot read this {kind} statement ({dialect} dialect): {e}"
                    ),
                ));
            }
        }
    }
    Ok(catalog)
}

/// The statements that shape the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ddl {
    Table,
    Index,
    Alter,
}

impl std::fmt::Display for Ddl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ddl::Table => "CREATE TABLE",
            Ddl::Index => "CREATE INDEX",
            Ddl::Alter => "ALTER TABLE",
        })
    }
}

/// Which catalog statement `stmt` is, from its leading keywords (comments
/// skipped), without parsing it: `CREATE [OR REPLACE] [UNIQUE]
/// [GLOBAL|LOCAL] [TEMP|UNLOGGED] TABLE|INDEX`, or `ALTER TABLE`.
fn kind(stmt: &str, dialect: Dialect) -> Option<Ddl> {
    let mut words = tokenize(stmt, dialect)
        .filter(|t| {
            !matches!(
                t.kind,
                Kind::Whitespace | Kind::LineComment | Kind::BlockComment
            )
        })
        .map(|t| (t.kind == Kind::Word).then(|| t.text(stmt).to_ascii_uppercase()));
    match words.next()??.as_str() {
        "ALTER" => (words.next()??.as_str() == "TABLE").then_some(Ddl::Alter),
        "CREATE" => {
            for w in words {
                match w?.as_str() {
                    "TABLE" => return Some(Ddl::Table),
                    "INDEX" => return Some(Ddl::Index),
                    "OR" | "REPLACE" | "UNIQUE" | "GLOBAL" | "LOCAL" | "TEMP" | "TEMPORARY"
                    | "UNLOGGED" => {}
                    _ => return None,
                }
            }
            None
        }
        _ => None,
    }
}

/// `sql` with psql meta-command lines (`\connect app`, `\restrict …`) blanked,
/// keeping line numbers: they are not SQL and end no statement.
fn without_meta_commands(sql: &str) -> String {
    sql.split_inclusive('\n')
        .map(|l| {
            if l.starts_with('\\') {
                if l.ends_with('\n') { "\n" } else { "" }
            } else {
                l
            }
        })
        .collect()
}

fn apply(catalog: &mut Catalog, stmt: &Statement) {
    match stmt {
        Statement::CreateTable(ct) => {
            if let Some(t) = table(ct) {
                catalog.insert(t);
            }
        }
        Statement::CreateIndex(ci) => {
            if let Some(t) = catalog.table_mut(&last(&ci.table_name)) {
                t.indexes.push(index(&t.name, ci));
            }
        }
        Statement::AlterTable(at) => {
            if let Some(t) = catalog.table_mut(&last(&at.name)) {
                for op in &at.operations {
                    if let AlterTableOperation::AddConstraint { constraint, .. } = op {
                        add_constraint(t, constraint);
                    }
                }
            }
        }
        _ => {}
    }
}

/// The table a `CREATE TABLE` defines, with its key constraints as indexes;
/// `None` for `CREATE TABLE … AS` (no column list) and SQLite's own tables.
fn table(ct: &CreateTable) -> Option<Table> {
    let name = last(&ct.name);
    if ct.columns.is_empty() || name.to_ascii_lowercase().starts_with("sqlite_") {
        return None;
    }
    let mut t = Table {
        name,
        ..Table::default()
    };
    for def in &ct.columns {
        let not_null = def
            .options
            .iter()
            .any(|o| matches!(o.option, ColumnOption::NotNull));
        t.columns.push(Column {
            name: def.name.value.clone(),
            data_type: def.data_type.to_string(),
            nullable: !not_null,
            distinct: None,
        });
        let key = [IndexColumn::from(def.name.clone())];
        for o in &def.options {
            match &o.option {
                ColumnOption::PrimaryKey(pk) => add_key(&mut t, pk.name.as_ref(), &key, true),
                ColumnOption::Unique(u) => add_key(&mut t, u.name.as_ref(), &key, false),
                _ => {}
            }
        }
    }
    for c in &ct.constraints {
        add_constraint(&mut t, c);
    }
    Some(t)
}

/// A table's `PRIMARY KEY (…)` or `UNIQUE (…)` constraint as its index.
fn add_constraint(t: &mut Table, c: &TableConstraint) {
    match c {
        TableConstraint::PrimaryKey(pk) => add_key(t, pk.name.as_ref(), &pk.columns, true),
        TableConstraint::Unique(u) => add_key(t, u.name.as_ref(), &u.columns, false),
        _ => {}
    }
}

/// Adds the unique index a key constraint creates, named as PostgreSQL names
/// it when the constraint is unnamed (`users_pkey`, `users_email_key`); a
/// primary key's columns are NOT NULL.
fn add_key(t: &mut Table, name: Option<&Ident>, cols: &[IndexColumn], primary: bool) {
    let keys: Vec<IndexKey> = cols.iter().map(create_index::key).collect();
    let name = name.map_or_else(
        || {
            if primary {
                format!("{}_pkey", t.name)
            } else {
                format!("{}_{}_key", t.name, key_names(&keys))
            }
        },
        |n| n.value.clone(),
    );
    if primary {
        for k in &keys {
            if let IndexKey::Column { name, .. } = k
                && let Some(c) = t
                    .columns
                    .iter_mut()
                    .find(|c| c.name.eq_ignore_ascii_case(name))
            {
                c.nullable = false;
            }
        }
    }
    t.indexes.push(Index {
        name,
        keys,
        unique: true,
        primary,
        predicate: None,
    });
}

/// The index a `CREATE INDEX` on `table` defines (unnamed: PostgreSQL's
/// `<table>_<columns>_idx`).
fn index(table: &str, ci: &CreateIndex) -> Index {
    let keys: Vec<IndexKey> = ci.columns.iter().map(create_index::key).collect();
    Index {
        name: ci
            .name
            .as_ref()
            .map_or_else(|| format!("{table}_{}_idx", key_names(&keys)), last),
        keys,
        unique: ci.unique,
        primary: false,
        predicate: ci.predicate.as_ref().map(create_index::predicate),
    }
}

/// Key columns joined by `_` for a generated index name (`expr` for expressions).
fn key_names(keys: &[IndexKey]) -> String {
    keys.iter()
        .map(|k| match k {
            IndexKey::Column { name, .. } => name.as_str(),
            IndexKey::Expression { .. } => "expr",
        })
        .collect::<Vec<_>>()
        .join("_")
}

/// The unqualified, unquoted last part of a name (`public.users` → `users`).
fn last(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map_or_else(|| name.to_string(), |i| i.value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_leading_keywords() {
        let k = |s| kind(s, Dialect::PostgreSql);
        assert_eq!(
            k("-- c\n/* d */ create unlogged table t (a int)"),
            Some(Ddl::Table)
        );
        assert_eq!(
            k("CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)"),
            Some(Ddl::Index)
        );
        assert_eq!(
            k("ALTER TABLE ONLY public.t ADD CONSTRAINT x PRIMARY KEY (a)"),
            Some(Ddl::Alter)
        );
        assert_eq!(k("CREATE VIEW v AS SELECT 1 FROM table_x"), None);
        assert_eq!(k("CREATE SEQUENCE s"), None);
        assert_eq!(k("INSERT INTO t VALUES (1)"), None);
        assert_eq!(k("ALTER SEQUENCE s OWNED BY t.a"), None);
    }

    #[test]
    fn meta_commands_blanked_lines_kept() {
        assert_eq!(
            without_meta_commands("\\connect app\nSELECT 1;\n\\restrict x"),
            "\nSELECT 1;\n"
        );
    }

    #[test]
    fn constraints_inline_table_level_and_altered() {
        let c = load(
            "CREATE TABLE s.t (id int PRIMARY KEY, email text UNIQUE NOT NULL, a int, b int, \
               CONSTRAINT ab UNIQUE (a, b DESC));\n\
             CREATE TABLE u (x int, y int);\n\
             ALTER TABLE ONLY u ADD CONSTRAINT u_pk PRIMARY KEY (x, y);\n\
             ALTER TABLE u OWNER TO app;\n\
             CREATE INDEX ON u (lower(y::text)) WHERE x > 0;",
            "schema.sql",
            Dialect::PostgreSql,
        )
        .unwrap();
        let t = c.table("t").unwrap();
        let idx: Vec<(&str, bool, bool)> = t
            .indexes
            .iter()
            .map(|i| (i.name.as_str(), i.unique, i.primary))
            .collect();
        assert_eq!(
            idx,
            [
                ("t_pkey", true, true),
                ("t_email_key", true, false),
                ("ab", true, false)
            ]
        );
        assert_eq!(t.indexes[2].key_column(1), Some("b"));
        assert!(!t.column("id").unwrap().nullable);
        assert!(!t.column("email").unwrap().nullable);
        assert!(t.column("a").unwrap().nullable);
        let u = c.table("u").unwrap();
        assert!(u.unique_on(&["x", "y"]));
        assert!(u.columns.iter().all(|c| !c.nullable));
        assert_eq!(u.indexes[1].name, "u_expr_idx");
        assert_eq!(u.indexes[1].predicate.as_deref(), Some("x > 0"));
    }
}
