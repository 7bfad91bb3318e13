//! One entry point for `--schema` and `sqlsift.toml`: tells a PostgreSQL URL,
//! a SQLite database file and a schema `.sql` file apart, loads the catalog
//! with the matching loader, then applies the row counts the user gave (a
//! schema file has none; a test database's may be far from production's).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::{Catalog, CatalogError, ddl, postgres, sqlite};
use crate::Dialect;

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Dialects a schema file is tried in: PostgreSQL reads most DDL (and all of
/// `pg_dump`'s); the generic and SQLite ones read what it refuses
/// (untyped columns, `AUTOINCREMENT`).
const DDL_DIALECTS: [Dialect; 3] = [Dialect::PostgreSql, Dialect::Generic, Dialect::Sqlite];

/// Loads the catalog `spec` names — a `postgres://` or `postgresql://` URL,
/// a SQLite database file, or a `.sql` schema file — and sets the row count
/// of each table named in `rows`.
///
/// # Errors
/// A [`CatalogError`] when `spec` is none of the three, cannot be read, or
/// `rows` names a table the catalog does not have.
pub fn load(spec: &str, rows: &BTreeMap<String, f64>) -> Result<Catalog, CatalogError> {
    let mut catalog = if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        postgres::load(spec)?
    } else {
        load_file(Path::new(spec))?
    };
    for (name, &n) in rows {
        let Some(t) = catalog.table_mut(name) else {
            return Err(CatalogError::new(
                &catalog.source,
                format!("row counts name table `{name}`, which this schema does not have"),
            ));
        };
        t.rows = Some(n);
    }
    Ok(catalog)
}

fn load_file(path: &Path) -> Result<Catalog, CatalogError> {
    let origin = path.display().to_string();
    let err = |e: std::io::Error| CatalogError::new(&origin, e);
    if !path.is_file() {
        return Err(CatalogError::new(&origin, "no such file"));
    }
    let mut head = Vec::with_capacity(SQLITE_HEADER.len());
    std::fs::File::open(path)
        .map_err(err)?
        .take(SQLITE_HEADER.len() as u64)
        .read_to_end(&mut head)
        .map_err(err)?;
    if head == SQLITE_HEADER {
        return sqlite::load(path);
    }
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
    {
        let text = std::fs::read_to_string(path).map_err(err)?;
        return load_ddl(&text, &origin);
    }
    Err(CatalogError::new(
        &origin,
        "not a schema sqlsift reads: give a SQLite database file, a schema .sql file \
         (CREATE TABLE / CREATE INDEX, e.g. pg_dump --schema-only), \
         or a postgresql:// URL",
    ))
}

/// The schema file read in the first dialect that reads it all; when none
/// does, the error of the first (PostgreSQL's), which is the likeliest one.
fn load_ddl(text: &str, origin: &str) -> Result<Catalog, CatalogError> {
    let first = ddl::load(text, origin, DDL_DIALECTS[0]);
    if first.is_ok() {
        return first;
    }
    DDL_DIALECTS[1..]
        .iter()
        .find_map(|&d| ddl::load(text, origin, d).ok())
        .map_or(first, Ok)
}
