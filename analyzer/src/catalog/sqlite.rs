//! Catalog from a SQLite database: tables from `sqlite_schema`, columns and
//! indexes from the `PRAGMA`s SQLite itself plans with, row and distinct
//! counts from `sqlite_stat1` (what `ANALYZE` left) or, without it, a
//! `count(*)`. The file is opened read-only: sqlsift never changes the
//! database it is told to inspect.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{Catalog, CatalogError, Column, Index, IndexKey, Table, create_index};
use crate::Dialect;

/// Reads the catalog of the SQLite database file at `path`.
///
/// # Errors
/// A [`CatalogError`] naming the file when it cannot be opened or is not a
/// SQLite database.
pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
    let origin = path.display().to_string();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| CatalogError::new(&origin, e))?;
    load_connection(&conn, &origin)
}

/// Reads the catalog of an open connection (an in-memory database, say);
/// `origin` names it in the catalog and in errors.
///
/// # Errors
/// A [`CatalogError`] naming `origin` when a catalog query fails (for a file
/// that is not a database, the first one does).
pub fn load_connection(conn: &Connection, origin: &str) -> Result<Catalog, CatalogError> {
    let err = |e: rusqlite::Error| CatalogError::new(origin, e);
    let stats = stat1(conn).map_err(err)?;
    let mut catalog = Catalog::new(origin);
    for name in table_names(conn).map_err(err)? {
        let mut table = read_table(conn, &name).map_err(err)?;
        apply_stats(&mut table, stats.get(&name.to_lowercase()));
        if table.rows.is_none() {
            let sql = format!("SELECT count(*) FROM {}", quote(&name));
            let n: i64 = conn.query_row(&sql, [], |r| r.get(0)).map_err(err)?;
            table.rows = Some(to_f64(n));
        }
        catalog.insert(table);
    }
    Ok(catalog)
}

/// User tables (not views, not SQLite's own `sqlite_*` tables), by name.
fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema \
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// One table's columns and indexes, without statistics.
fn read_table(conn: &Connection, name: &str) -> rusqlite::Result<Table> {
    // (name, declared type, notnull, pk position); `hidden = 1` marks a
    // virtual table's hidden columns, which queries cannot name.
    let mut stmt = conn.prepare(
        "SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo(?1) \
         WHERE hidden <> 1 ORDER BY cid",
    )?;
    let cols: Vec<(String, String, bool, i64)> = stmt
        .query_map([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut indexes = read_indexes(conn, name)?;
    let pk: Vec<&str> = cols
        .iter()
        .filter(|c| c.3 > 0)
        .map(|c| c.0.as_str())
        .collect();
    // An `INTEGER PRIMARY KEY` is the rowid itself: it has no index_list
    // entry, yet a lookup by it is the fastest index lookup there is.
    let rowid_alias = match pk.as_slice() {
        [col] if !indexes.iter().any(|i| i.primary) => Some((*col).to_owned()),
        _ => None,
    };
    if let Some(col) = &rowid_alias {
        indexes.insert(
            0,
            Index {
                name: format!("{name}.rowid"),
                keys: vec![IndexKey::Column {
                    name: col.clone(),
                    descending: false,
                }],
                unique: true,
                primary: true,
                predicate: None,
            },
        );
    }
    let columns = cols
        .into_iter()
        .map(|(col, data_type, notnull, _)| Column {
            nullable: !notnull && rowid_alias.as_ref() != Some(&col),
            name: col,
            data_type,
            distinct: None,
        })
        .collect();
    Ok(Table {
        name: name.to_owned(),
        columns,
        indexes,
        rows: None,
    })
}

/// The table's indexes with their key parts (key columns only, not the
/// rowid SQLite appends), uniqueness, origin and partial predicate.
fn read_indexes(conn: &Connection, table: &str) -> rusqlite::Result<Vec<Index>> {
    let mut list = conn.prepare(
        "SELECT l.name, l.\"unique\", l.origin, l.partial, s.sql \
         FROM pragma_index_list(?1) AS l \
         LEFT JOIN sqlite_schema AS s ON s.type = 'index' AND s.name = l.name \
         ORDER BY l.seq DESC",
    )?;
    let rows: Vec<(String, bool, String, bool, Option<String>)> = list
        .query_map([table], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut parts = conn.prepare(
        "SELECT seqno, cid, name, \"desc\" FROM pragma_index_xinfo(?1) \
         WHERE key = 1 ORDER BY seqno",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (name, unique, origin, partial, sql) in rows {
        // Auto-indexes (PRIMARY KEY / UNIQUE constraints) have no SQL.
        let parsed = sql
            .as_deref()
            .and_then(|s| create_index::parse(s, Dialect::Sqlite));
        let keys = parts
            .query_map([&name], |r| {
                let seqno = usize::try_from(r.get::<_, i64>(0)?).unwrap_or(usize::MAX);
                let cid: i64 = r.get(1)?;
                let col: Option<String> = r.get(2)?;
                let descending: bool = r.get(3)?;
                Ok(match col {
                    Some(name) if cid >= 0 => IndexKey::Column { name, descending },
                    // cid -2: an expression; cid -1: the rowid itself.
                    _ if cid == -1 => IndexKey::Column {
                        name: "rowid".into(),
                        descending,
                    },
                    _ => expression_key(parsed.as_ref(), sql.as_deref(), seqno, descending),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let predicate = partial.then(|| match &parsed {
            Some((_, Some(p))) => p.clone(),
            _ => where_text(sql.as_deref().unwrap_or_default()),
        });
        out.push(Index {
            name,
            keys,
            unique,
            primary: origin == "pk",
            predicate,
        });
    }
    Ok(out)
}

/// The expression of key part `seqno`, from the parsed `CREATE INDEX`; when
/// sqlparser cannot read the statement, the whole statement stands in, so
/// the key is still shown for what it is rather than dropped.
fn expression_key(
    parsed: Option<&(Vec<IndexKey>, Option<String>)>,
    sql: Option<&str>,
    seqno: usize,
    descending: bool,
) -> IndexKey {
    match parsed.and_then(|(keys, _)| keys.get(seqno)) {
        Some(IndexKey::Expression { sql, .. }) => IndexKey::Expression {
            sql: sql.clone(),
            descending,
        },
        _ => IndexKey::Expression {
            sql: sql.unwrap_or_default().to_owned(),
            descending,
        },
    }
}

/// The text after the last `WHERE` of a `CREATE INDEX` sqlparser could not
/// read (SQLite allows no subqueries in index predicates, so the last one is
/// the predicate's).
fn where_text(sql: &str) -> String {
    let lower = sql.to_ascii_lowercase();
    lower
        .rfind("where")
        .map_or(sql, |i| &sql[i + "where".len()..])
        .trim()
        .to_owned()
}

/// `sqlite_stat1` rows by lower-cased table name: (index name or `None`,
/// the numbers of its `stat` column). Empty when `ANALYZE` never ran.
type Stats = BTreeMap<String, Vec<(Option<String>, Vec<f64>)>>;

fn stat1(conn: &Connection) -> rusqlite::Result<Stats> {
    let present = conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    let mut out = Stats::new();
    if !present {
        return Ok(out);
    }
    let mut query = conn.prepare("SELECT tbl, idx, stat FROM sqlite_stat1")?;
    let rows = query.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    for row in rows {
        let (tbl, idx, stat) = row?;
        let numbers = parse_stat(stat.as_deref().unwrap_or_default());
        if !numbers.is_empty() {
            out.entry(tbl.to_lowercase())
                .or_default()
                .push((idx, numbers));
        }
    }
    Ok(out)
}

/// The leading numbers of a `stat` value (`"20000 10 1"`); SQLite may append
/// words such as `unordered` or `sz=…`, which are not counts.
fn parse_stat(stat: &str) -> Vec<f64> {
    stat.split_ascii_whitespace()
        .map_while(|w| w.parse::<f64>().ok())
        .collect()
}

/// Row count from any stat row (each starts with the table's row count) and,
/// per index, the distinct count of its leading column: N / (average rows per
/// distinct value of the first key).
fn apply_stats(table: &mut Table, stats: Option<&Vec<(Option<String>, Vec<f64>)>>) {
    let Some(stats) = stats else { return };
    table.rows = stats.first().and_then(|(_, n)| n.first().copied());
    for (idx, numbers) in stats {
        let (Some(idx), [rows, per_value, ..]) = (idx, numbers.as_slice()) else {
            continue;
        };
        let Some(index) = table
            .indexes
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(idx))
        else {
            continue;
        };
        let Some(col) = index.key_column(0).map(str::to_owned) else {
            continue;
        };
        if let Some(c) = table
            .columns
            .iter_mut()
            .find(|c| c.name.eq_ignore_ascii_case(&col))
            && c.distinct.is_none()
            && *per_value > 0.0
        {
            c.distinct = Some((rows / per_value).round().max(1.0).min(rows.max(1.0)));
        }
    }
}

/// `name` as a quoted SQLite identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A row count as the catalog's float (exact below 2^53 rows).
#[allow(clippy::cast_precision_loss)]
fn to_f64(n: i64) -> f64 {
    n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_numbers_stop_at_words() {
        assert_eq!(
            parse_stat("20000 10 1 unordered sz=12"),
            [20000.0, 10.0, 1.0]
        );
        assert!(parse_stat("").is_empty());
    }

    #[test]
    fn where_text_fallback() {
        assert_eq!(
            where_text("CREATE INDEX i ON t(a) WHERE a > 0 AND b IS NOT NULL"),
            "a > 0 AND b IS NOT NULL"
        );
    }

    #[test]
    fn quoting_doubles_quotes() {
        assert_eq!(quote("we\"ird"), "\"we\"\"ird\"");
    }
}
