//! Catalog from a live PostgreSQL: tables, columns and indexes from
//! `pg_catalog`, row counts from `pg_class.reltuples` (or the live-tuple
//! count when the table was never analyzed), distinct counts from
//! `pg_stats`. Only the system schemas are left out; where two schemas hold
//! a table of the same name, the one earlier in `search_path` wins, as it
//! does for an unqualified query. The URL's password never reaches the
//! catalog or an error message.

use std::collections::BTreeMap;

use postgres::{Client, NoTls};

use super::{Catalog, CatalogError, Column, Index, IndexKey, Table, fold};

/// The user tables (plain and partitioned, not partitions), schemas in
/// `search_path` first; with the row count PostgreSQL's planner uses.
const TABLES: &str = "
SELECT c.oid, n.nspname, c.relname, c.reltuples::float8, s.n_live_tup
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY array_position(current_schemas(false), n.nspname::text) NULLS LAST, n.nspname, c.relname";

const COLUMNS: &str = "
SELECT attrelid, attname, format_type(atttypid, atttypmod), attnotnull
FROM pg_attribute
WHERE attrelid = ANY($1) AND attnum > 0 AND NOT attisdropped
ORDER BY attrelid, attnum";

/// Per column, the statistic of the table itself before the one over its
/// inheritance tree (a partitioned table has only the latter).
const DISTINCT: &str = "
SELECT c.oid, s.attname, s.n_distinct::float8
FROM pg_stats s
JOIN pg_namespace n ON n.nspname = s.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
WHERE c.oid = ANY($1)
ORDER BY c.oid, s.attname, s.inherited";

/// Valid indexes and, per key column (`indnkeyatts`, not INCLUDE columns),
/// the column name or the expression's text and the DESC bit of `indoption`.
const INDEX_KEYS: &str = "
SELECT i.indrelid, ic.relname, i.indisunique, i.indisprimary, pg_get_expr(i.indpred, i.indrelid, true),
       a.attname, pg_get_indexdef(i.indexrelid, k, true), (i.indoption[k - 1] & 1) = 1
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
CROSS JOIN LATERAL generate_series(1, i.indnkeyatts::int) AS k
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND i.indkey[k - 1] <> 0 AND a.attnum = i.indkey[k - 1]
WHERE i.indrelid = ANY($1) AND i.indisvalid
ORDER BY i.indrelid, ic.relname, k";

/// Reads the catalog of the database `url` names (`postgresql://…` or a
/// `key=value` connection string).
///
/// # Errors
/// A [`CatalogError`] naming the URL (password removed) and the server's
/// message when connecting or a catalog query fails.
pub fn load(url: &str) -> Result<Catalog, CatalogError> {
    let origin = redact(url);
    let err = |e: postgres::Error| CatalogError::new(&origin, describe(&e));
    let mut client = Client::connect(url, NoTls).map_err(err)?;
    let mut catalog = Catalog::new(&origin);
    let mut tables: BTreeMap<u32, Table> = BTreeMap::new();
    for row in client.query(TABLES, &[]).map_err(err)? {
        let name: String = row.get(2);
        // Shadowed by a table of that name earlier in search_path.
        if tables.values().any(|t| fold(&t.name) == fold(&name)) {
            continue;
        }
        let reltuples: f64 = row.get(3);
        let live: Option<i64> = row.get(4);
        tables.insert(
            row.get(0),
            Table {
                name,
                rows: row_count(reltuples, live),
                ..Table::default()
            },
        );
    }
    let oids: Vec<u32> = tables.keys().copied().collect();
    for row in client.query(COLUMNS, &[&oids]).map_err(err)? {
        if let Some(t) = tables.get_mut(&row.get(0)) {
            let not_null: bool = row.get(3);
            t.columns.push(Column {
                name: row.get(1),
                data_type: row.get(2),
                nullable: !not_null,
                distinct: None,
            });
        }
    }
    for row in client.query(DISTINCT, &[&oids]).map_err(err)? {
        let Some(t) = tables.get_mut(&row.get(0)) else {
            continue;
        };
        let rows = t.rows;
        let name: String = row.get(1);
        if let Some(c) = t.columns.iter_mut().find(|c| c.name == name)
            && c.distinct.is_none()
        {
            c.distinct = distinct(row.get(2), rows);
        }
    }
    for row in client.query(INDEX_KEYS, &[&oids]).map_err(err)? {
        let Some(t) = tables.get_mut(&row.get(0)) else {
            continue;
        };
        let name: String = row.get(1);
        if t.indexes.last().is_none_or(|i| i.name != name) {
            t.indexes.push(Index {
                name,
                keys: Vec::new(),
                unique: row.get(2),
                primary: row.get(3),
                predicate: row.get(4),
            });
        }
        let column: Option<String> = row.get(5);
        let descending: bool = row.get(7);
        let key = match column {
            Some(name) => IndexKey::Column { name, descending },
            None => IndexKey::Expression {
                sql: row.get(6),
                descending,
            },
        };
        if let Some(index) = t.indexes.last_mut() {
            index.keys.push(key);
        }
    }
    for t in tables.into_values() {
        catalog.insert(t);
    }
    Ok(catalog)
}

/// `reltuples` when the table was ever analyzed or vacuumed (PostgreSQL 14+
/// writes -1 before that), else the live-tuple count the statistics
/// collector keeps, else unknown.
fn row_count(reltuples: f64, live: Option<i64>) -> Option<f64> {
    if reltuples >= 0.0 {
        return Some(reltuples);
    }
    #[allow(clippy::cast_precision_loss)]
    live.filter(|&n| n > 0).map(|n| n as f64)
}

/// `pg_stats.n_distinct`: positive, a count; negative, minus the fraction of
/// the rows that are distinct; zero, unknown.
fn distinct(n_distinct: f64, rows: Option<f64>) -> Option<f64> {
    if n_distinct > 0.0 {
        Some(n_distinct)
    } else if n_distinct < 0.0 {
        rows.map(|r| (-n_distinct * r).round().max(1.0))
    } else {
        None
    }
}

/// The server's own message for a database error; else the error and its
/// cause (`error connecting to server: Connection refused`).
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {}", db.severity(), db.message());
    }
    match std::error::Error::source(e) {
        Some(cause) if !e.to_string().contains(&cause.to_string()) => format!("{e}: {cause}"),
        _ => e.to_string(),
    }
}

/// `url` without its password: the `user:secret@` of a URL and any
/// `password=` parameter or keyword become `***`.
#[must_use]
pub fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme) = out.find("://") {
        let start = scheme + 3;
        let end = out[start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..end].rfind('@')
            && let Some(colon) = out[start..start + at].find(':')
        {
            out.replace_range(start + colon + 1..start + at, "***");
        }
    }
    let lower = out.to_ascii_lowercase();
    let mut redacted = String::with_capacity(out.len());
    let mut rest = 0;
    for (i, _) in lower.match_indices("password=") {
        let value = i + "password=".len();
        if value < rest {
            continue;
        }
        let end = out[value..]
            .find(['&', ' '])
            .map_or(out.len(), |j| value + j);
        redacted.push_str(&out[rest..value]);
        redacted.push_str("***");
        rest = end;
    }
    redacted.push_str(&out[rest..]);
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_shown() {
        for (url, want) in [
            (
                "postgresql://app:s3cr@t@db:5432/app",
                "postgresql://app:***@db:5432/app",
            ),
            ("postgres://app@db/app", "postgres://app@db/app"),
            (
                "postgresql://db/app?user=a&password=x&sslmode=off",
                "postgresql://db/app?user=a&password=***&sslmode=off",
            ),
            ("host=db password=x user=a", "host=db password=*** user=a"),
        ] {
            assert_eq!(redact(url), want);
        }
    }

    #[test]
    fn counts_from_statistics() {
        assert_eq!(row_count(1000.0, Some(5)), Some(1000.0));
        assert_eq!(row_count(-1.0, Some(5)), Some(5.0));
        assert_eq!(row_count(-1.0, Some(0)), None);
        assert_eq!(row_count(-1.0, None), None);
        assert_eq!(distinct(42.0, None), Some(42.0));
        assert_eq!(distinct(-0.5, Some(1000.0)), Some(500.0));
        assert_eq!(distinct(-1.0, None), None);
        assert_eq!(distinct(0.0, Some(10.0)), None);
    }
}
