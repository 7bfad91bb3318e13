//! The catalog: what the database holds — tables, columns and their types,
//! indexes (key order, uniqueness, partial predicates), row counts and
//! per-column distinct counts. The cost model, the join graph, lint rules and
//! the index advisor all ask it the same few questions ("how many rows?",
//! "how selective is `col = ?`?", "which index leads with `col`?"), so it
//! answers them here once, whatever the catalog was loaded from: a SQLite
//! file ([`sqlite`]), a live PostgreSQL ([`postgres`]) or a schema file
//! ([`ddl`]); [`load`] tells them apart.

use std::collections::BTreeMap;

use serde::Serialize;

mod create_index;
pub mod ddl;
mod load;
pub mod postgres;
pub mod sqlite;

pub use load::load;

/// Selectivity of `col = ?` when the catalog has no statistics for `col`:
/// the 1% that planners and performance audits assume.
pub const DEFAULT_EQ_SELECTIVITY: f64 = 0.01;

/// Why a catalog could not be loaded: the source (file, URL) and what went
/// wrong there, worded for the person who passed `--schema`.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct CatalogError {
    /// The file or URL (password removed) the catalog was to be read from.
    pub origin: String,
    pub message: String,
}

impl CatalogError {
    pub fn new(origin: impl Into<String>, message: impl std::fmt::Display) -> Self {
        CatalogError {
            origin: origin.into(),
            message: message.to_string(),
        }
    }
}

/// Everything known about one database's schema and statistics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Catalog {
    /// Tables by folded name (see [`fold`]); a `BTreeMap` so output is stable.
    tables: BTreeMap<String, Table>,
    /// Where the catalog was read from, for reports (`app.db`, `postgresql://…/app`).
    pub source: String,
}

/// One table (or view) with its columns and indexes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Table {
    /// The table's name as the database spells it (no schema qualifier).
    pub name: String,
    pub columns: Vec<Column>,
    pub indexes: Vec<Index>,
    /// Estimated row count; `None` when the source has no statistics.
    pub rows: Option<f64>,
}

/// One column.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    /// The declared type as written (`integer`, `varchar(255)`, `timestamptz`).
    pub data_type: String,
    pub nullable: bool,
    /// Estimated number of distinct values, from `sqlite_stat1` or `pg_stats`.
    pub distinct: Option<f64>,
}

/// One index.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Index {
    pub name: String,
    /// Key parts in index order.
    pub keys: Vec<IndexKey>,
    pub unique: bool,
    /// The primary key (or SQLite's rowid alias) rather than a secondary index.
    pub primary: bool,
    /// `WHERE …` of a partial index, as SQL text.
    pub predicate: Option<String>,
}

/// One key part of an index: a column, or an expression such as `lower(email)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IndexKey {
    Column { name: String, descending: bool },
    Expression { sql: String, descending: bool },
}

/// The broad family of a column's type, for rules that compare a column with
/// a value of another family (an implicit conversion that defeats an index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeClass {
    Numeric,
    Text,
    Temporal,
    Boolean,
    Other,
}

/// Folds an identifier for lookup: unquoted, lower-cased, without its schema
/// qualifier (`"Public"."Users"` → `users`). Catalogs and queries spell names
/// in different cases; sqlsift matches them the way an unquoted name matches.
#[must_use]
pub fn fold(name: &str) -> String {
    let last = name.rsplit('.').next().unwrap_or(name);
    last.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']')
        .to_lowercase()
}

impl Catalog {
    /// An empty catalog read from `source`.
    #[must_use]
    pub fn new(source: impl Into<String>) -> Self {
        Catalog {
            tables: BTreeMap::new(),
            source: source.into(),
        }
    }

    /// Adds (or replaces) a table.
    pub fn insert(&mut self, table: Table) {
        self.tables.insert(fold(&table.name), table);
    }

    /// The table named `name`, however the query spells or qualifies it.
    #[must_use]
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(&fold(name))
    }

    /// Mutable access, for loaders that add statistics after the structure.
    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.get_mut(&fold(name))
    }

    /// All tables in name order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

impl Table {
    /// The column named `name` (case-insensitive).
    #[must_use]
    pub fn column(&self, name: &str) -> Option<&Column> {
        let name = fold(name);
        self.columns.iter().find(|c| fold(&c.name) == name)
    }

    /// Fraction of the table's rows that `col = ?` selects: one distinct
    /// value's share where statistics exist, one row where a single-column
    /// unique index guarantees it, else [`DEFAULT_EQ_SELECTIVITY`].
    #[must_use]
    pub fn eq_selectivity(&self, col: &str) -> f64 {
        if self.unique_on(&[col]) {
            return self
                .rows
                .map_or(DEFAULT_EQ_SELECTIVITY, |r| 1.0 / r.max(1.0));
        }
        match self.column(col).and_then(|c| c.distinct) {
            Some(d) if d >= 1.0 => 1.0 / d,
            _ => DEFAULT_EQ_SELECTIVITY,
        }
    }

    /// Indexes whose first key is the plain column `col` — the ones an
    /// equality or range predicate on `col` alone can use.
    pub fn indexes_leading_with<'a>(&'a self, col: &str) -> impl Iterator<Item = &'a Index> {
        let col = fold(col);
        self.indexes
            .iter()
            .filter(move |i| i.key_column(0).is_some_and(|k| fold(k) == col))
    }

    /// Whether any index leads with `col`.
    #[must_use]
    pub fn is_indexed(&self, col: &str) -> bool {
        self.indexes_leading_with(col).next().is_some()
    }

    /// Whether a unique index covers exactly a subset of `cols` (so an
    /// equality on all of `cols` returns at most one row).
    #[must_use]
    pub fn unique_on(&self, cols: &[&str]) -> bool {
        let cols: Vec<String> = cols.iter().map(|c| fold(c)).collect();
        self.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && !i.keys.is_empty()
                && i.keys.iter().all(|k| match k {
                    IndexKey::Column { name, .. } => cols.contains(&fold(name)),
                    IndexKey::Expression { .. } => false,
                })
        })
    }
}

impl Index {
    /// The column name of key part `i`, if that part is a plain column.
    #[must_use]
    pub fn key_column(&self, i: usize) -> Option<&str> {
        match self.keys.get(i)? {
            IndexKey::Column { name, .. } => Some(name),
            IndexKey::Expression { .. } => None,
        }
    }

    /// The plain-column key parts, in order, up to the first expression.
    pub fn key_columns(&self) -> impl Iterator<Item = &str> {
        (0..self.keys.len()).map_while(|i| self.key_column(i))
    }
}

impl Column {
    /// The family of the declared type, by the affinity rules SQLite uses
    /// (which also read PostgreSQL and MySQL type names correctly).
    #[must_use]
    pub fn type_class(&self) -> TypeClass {
        type_class(&self.data_type)
    }
}

/// The family of a declared type name.
#[must_use]
pub fn type_class(data_type: &str) -> TypeClass {
    let t = data_type.to_ascii_lowercase();
    if t.starts_with("bool") {
        TypeClass::Boolean
    } else if t.contains("time") || t.starts_with("date") || t.contains("interval") {
        TypeClass::Temporal
    } else if t.contains("int")
        || t.contains("serial")
        || t.starts_with("num")
        || t.starts_with("dec")
        || t.starts_with("real")
        || t.starts_with("float")
        || t.starts_with("double")
        || t == "money"
    {
        TypeClass::Numeric
    } else if t.contains("char") || t.contains("text") || t.contains("clob") || t == "uuid" {
        TypeClass::Text
    } else {
        TypeClass::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Table {
        Table {
            name: "Users".into(),
            columns: vec![
                Column {
                    name: "id".into(),
                    data_type: "integer".into(),
                    nullable: false,
                    distinct: None,
                },
                Column {
                    name: "country".into(),
                    data_type: "varchar(2)".into(),
                    nullable: true,
                    distinct: Some(50.0),
                },
                Column {
                    name: "email".into(),
                    data_type: "text".into(),
                    nullable: false,
                    distinct: None,
                },
            ],
            indexes: vec![
                Index {
                    name: "users_pkey".into(),
                    keys: vec![IndexKey::Column {
                        name: "id".into(),
                        descending: false,
                    }],
                    unique: true,
                    primary: true,
                    predicate: None,
                },
                Index {
                    name: "users_country_email".into(),
                    keys: vec![
                        IndexKey::Column {
                            name: "country".into(),
                            descending: false,
                        },
                        IndexKey::Expression {
                            sql: "lower(email)".into(),
                            descending: false,
                        },
                    ],
                    unique: false,
                    primary: false,
                    predicate: None,
                },
            ],
            rows: Some(10_000.0),
        }
    }

    #[test]
    fn lookups_fold_case_quotes_and_schema() {
        let mut c = Catalog::new("test");
        c.insert(users());
        assert!(c.table("\"public\".\"USERS\"").is_some());
        assert!(c.table("users").unwrap().column("EMAIL").is_some());
        assert!(c.table("orders").is_none());
    }

    #[test]
    fn selectivity_prefers_unique_then_stats_then_default() {
        let t = users();
        assert!((t.eq_selectivity("id") - 1.0 / 10_000.0).abs() < 1e-12);
        assert!((t.eq_selectivity("country") - 0.02).abs() < 1e-12);
        assert!((t.eq_selectivity("email") - DEFAULT_EQ_SELECTIVITY).abs() < 1e-12);
    }

    #[test]
    fn leading_columns_and_expression_keys() {
        let t = users();
        assert!(t.is_indexed("country"));
        assert!(!t.is_indexed("email"));
        let idx = &t.indexes[1];
        assert_eq!(idx.key_columns().collect::<Vec<_>>(), ["country"]);
        assert!(t.unique_on(&["id", "email"]));
        assert!(!t.unique_on(&["country"]));
    }

    #[test]
    fn type_classes() {
        for (t, c) in [
            ("INTEGER", TypeClass::Numeric),
            ("bigserial", TypeClass::Numeric),
            ("numeric(10,2)", TypeClass::Numeric),
            ("character varying(20)", TypeClass::Text),
            ("uuid", TypeClass::Text),
            ("timestamp with time zone", TypeClass::Temporal),
            ("date", TypeClass::Temporal),
            ("boolean", TypeClass::Boolean),
            ("jsonb", TypeClass::Other),
        ] {
            assert_eq!(type_class(t), c, "{t}");
        }
    }
}
