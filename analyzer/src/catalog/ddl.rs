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
use crate::shapes::MAX_PARSED_LEN;

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
        // sqlparser's AST of a huge flat `OR` chain (in a `CHECK`, an index's
        // `WHERE`) is freed recursively and can overflow the stack.
        if stmt.len() > MAX_PARSED_LEN {
            if kind == Ddl::Alter {
                continue;
            }
            let line = 1 + text[..offset].matches('\n').count();
            return Err(CatalogError::new(
                origin,
                format!(
                    "line {line}: this {kind} statement is {} bytes, over sqlsift's limit of {MAX_PARSED_LEN}",
                    stmt.len()
                ),
            ));
        }
        let stmt = if kind == Ddl::Index {
            without_on_only(stmt, dialect)
        } else {
            stmt.to_owned()
        };
        match Parser::parse_sql(&*parser_dialect, &stmt) {
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

/// A `CREATE INDEX … ON ONLY table` (how `pg_dump` writes a partitioned
/// table's index) without the `ONLY`, which sqlparser does not read and which
/// does not change what the index covers for the catalog.
fn without_on_only(stmt: &str, dialect: Dialect) -> String {
    let words: Vec<_> = tokenize(stmt, dialect)
        .filter(|t| t.kind != Kind::Whitespace)
        .collect();
    let only = words.windows(2).find(|w| {
        w[0].kind == Kind::Word
            && w[0].text(stmt).eq_ignore_ascii_case("on")
            && w[1].kind == Kind::Word
            && w[1].text(stmt).eq_ignore_ascii_case("only")
    });
    match only {
        Some(w) => format!(
            "{}{}",
            &stmt[..w[1].start as usize],
            &stmt[w[1].end as usize..]
        ),
        None => stmt.to_owned(),
    }
}

/// `sql` with what is not SQL blanked, keeping line numbers: psql
/// meta-command lines (`\connect app`, `\restrict …`) and the data lines of
/// a full `pg_dump`'s `COPY … FROM stdin;` blocks (up to their `\.`).
fn without_meta_commands(sql: &str) -> String {
    let mut in_copy = false;
    sql.split_inclusive('\n')
        .map(|l| {
            let blank = in_copy || l.starts_with('\\');
            if in_copy {
                in_copy = l.trim_end() != "\\.";
            } else {
                let t = l.trim_end().to_ascii_lowercase();
                in_copy = t.starts_with("copy ") && t.ends_with("from stdin;");
            }
            match (blank, l.ends_with('\n')) {
                (false, _) => l,
                (true, true) => "\n",
                (true, false) => "",
            }
        })
        .collect()
}

fn apply(catalog: &mut Catalog, stmt: &Statement) {
    match stmt {
        Statement::CreateTable(ct) => {
            if let Some(mut t) = table(ct) {
                // A child table (`INHERITS (parent)`) has its parents' columns first.
                let parents = ct.inherits.iter().flatten().rev();
                for p in parents.filter_map(|p| catalog.table(&last(p))) {
                    t.columns.splice(0..0, p.columns.iter().cloned());
                }
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

    /// Over the parse limit, a `CREATE` is an error naming its line (its
    /// AST could overflow the stack when dropped), an `ALTER` is skipped.
    #[test]
    fn statements_over_the_parse_limit_are_not_parsed() {
        let chain = vec!["a = 1"; 12_000].join(" OR ");
        let sql = format!(
            "CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT c CHECK ({chain});\n\
             CREATE INDEX i ON t (a) WHERE {chain};\n"
        );
        let err = load(&sql, "s.sql", Dialect::PostgreSql).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        assert!(err.to_string().contains("over sqlsift's limit"), "{err}");
    }

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
    fn meta_commands_and_copy_data_blanked_lines_kept() {
        assert_eq!(
            without_meta_commands("\\connect app\nSELECT 1;\n\\restrict x"),
            "\nSELECT 1;\n"
        );
        let dump = "COPY public.t (a, b) FROM stdin;\n1\tit's; CREATE TABLE x\n\\.\n\nCREATE INDEX i ON t (a);\n";
        assert_eq!(
            without_meta_commands(dump),
            "COPY public.t (a, b) FROM stdin;\n\n\n\nCREATE INDEX i ON t (a);\n"
        );
        let c = load(
            &format!("CREATE TABLE t (a int, b text);\n{dump}CREATE TABLE u (c int) INHERITS (t);"),
            "full.sql",
            Dialect::PostgreSql,
        )
        .unwrap();
        assert_eq!(c.table("t").unwrap().indexes[0].name, "i");
        assert!(c.table("x").is_none());
        let u: Vec<&str> = c
            .table("u")
            .unwrap()
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(u, ["a", "b", "c"]);
    }

    #[test]
    fn on_only_dropped() {
        assert_eq!(
            without_on_only(
                "CREATE INDEX i ON ONLY public.t USING btree (a)",
                Dialect::PostgreSql
            ),
            "CREATE INDEX i ON  public.t USING btree (a)"
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
