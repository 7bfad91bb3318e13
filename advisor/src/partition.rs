//! Partition advice: a large table (default ≥ 1,000,000 rows) whose costly
//! statements filter on a time range is a candidate for range partitioning
//! on that column — each statement then reads only the partitions its range
//! touches, and old data is dropped a partition at a time instead of by a
//! long `DELETE`. For PostgreSQL this is declarative range-partitioning DDL
//! with a granularity sized to the table (so partitions are neither tiny nor
//! huge) and the index changes it implies (a primary or unique key must
//! include the partition column; indexes are recreated on the partitioned
//! table); SQLite has no partitioning, so it gets archive-split advice. Each
//! piece of advice names the statements it serves and their share of the
//! workload's estimated cost.

use serde::Serialize;
use sqlsift_analyzer::catalog::{Catalog, IndexKey, Table, TypeClass};
use sqlsift_analyzer::cost::{self, KeyRef, PredKind, table_needs};

use crate::index::WorkStatement;
use crate::index::ddl::quote;

/// Tables below this many rows are not worth partitioning.
pub const DEFAULT_MIN_ROWS: f64 = 1_000_000.0;
/// Statements whose share of the workload's cost is below this are not
/// "costly" enough to partition a table for.
pub const MIN_SHARE: f64 = 0.01;

/// Range partitioning (PostgreSQL) or an archive split (SQLite) for one table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionAdvice {
    pub table: String,
    /// The time column the statements filter on.
    pub column: String,
    pub rows: f64,
    /// `day`, `week` or `month`.
    pub granularity: &'static str,
    /// Fingerprints of the statements it serves.
    pub statements: Vec<String>,
    /// Their share of the workload's estimated cost.
    pub share: f64,
    pub postgresql_ddl: Vec<String>,
    pub index_changes: Vec<String>,
    pub sqlite_advice: Vec<String>,
}

/// Partition advice for the tables of `catalog` at or above `min_rows`.
#[must_use]
pub fn advise(
    statements: &[WorkStatement],
    catalog: &Catalog,
    min_rows: f64,
) -> Vec<PartitionAdvice> {
    let costs: Vec<f64> = statements
        .iter()
        .map(|s| cost::estimate(&s.statement, Some(catalog)).total * calls(s.calls))
        .collect();
    let total: f64 = costs.iter().sum();
    if total <= 0.0 {
        return Vec::new();
    }
    // (table, column) → (fingerprints, cost)
    let mut found: Vec<(String, String, Vec<String>, f64)> = Vec::new();
    for (s, c) in statements.iter().zip(&costs) {
        for needs in table_needs(&s.statement, catalog) {
            let Some(table) = catalog.table(&needs.table) else {
                continue;
            };
            if table.rows.unwrap_or(0.0) < min_rows {
                continue;
            }
            let Some(col) = needs.preds.iter().find_map(|p| match &p.kind {
                PredKind::Range {
                    key: KeyRef::Column(col),
                    ..
                } if is_time(table, col) => Some(col.clone()),
                _ => None,
            }) else {
                continue;
            };
            match found
                .iter_mut()
                .find(|(t, k, _, _)| *t == table.name && *k == col)
            {
                Some((_, _, fps, cost)) => {
                    if !fps.contains(&s.fingerprint) {
                        fps.push(s.fingerprint.clone());
                        *cost += c;
                    }
                }
                None => found.push((table.name.clone(), col, vec![s.fingerprint.clone()], *c)),
            }
        }
    }
    let mut out: Vec<PartitionAdvice> = found
        .into_iter()
        .filter(|(_, _, _, c)| c / total >= MIN_SHARE)
        .filter_map(|(t, col, fps, c)| {
            let table = catalog.table(&t)?;
            Some(advice_for(table, &col, fps, c / total))
        })
        .collect();
    out.sort_by(|a, b| b.share.total_cmp(&a.share));
    out
}

fn calls(n: u64) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

fn is_time(table: &Table, col: &str) -> bool {
    table
        .column(col)
        .is_some_and(|c| c.type_class() == TypeClass::Temporal)
}

/// Partitions sized for the table: daily past 500M rows, weekly past 50M,
/// monthly below — a few million rows each over a few years of data, well
/// under the thousand partitions where PostgreSQL's planning slows down.
fn granularity(rows: f64) -> (&'static str, &'static str) {
    if rows >= 500_000_000.0 {
        ("day", "1 day")
    } else if rows >= 50_000_000.0 {
        ("week", "1 week")
    } else {
        ("month", "1 month")
    }
}

fn advice_for(table: &Table, col: &str, statements: Vec<String>, share: f64) -> PartitionAdvice {
    let rows = table.rows.unwrap_or(0.0);
    let (unit, step) = granularity(rows);
    let t = &table.name;
    // The catalog's spelling, quoted where the bare name would not read
    // back as the same identifier (capitals, reserved words).
    let column = table
        .column(col)
        .map_or_else(|| col.to_owned(), |c| c.name.clone());
    let qcol = quote(&column);
    let qt = quote(t);
    let parent = quote(&format!("{t}_partitioned"));
    // Inside the DO block's string literals.
    let lit = |s: &str| s.replace('\'', "''");
    let mut ddl = vec![
        format!(
            "CREATE TABLE {parent} (LIKE {qt} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE ({qcol})"
        ),
        format!(
            "DO $$ DECLARE s timestamptz := date_trunc('{unit}', now()) - interval '{step}'; BEGIN \
             FOR i IN 0..2 LOOP EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF {} FOR VALUES FROM (%L) TO (%L)', \
             '{}_p' || to_char(s + i * interval '{step}', 'YYYYMMDD'), s + i * interval '{step}', s + (i + 1) * interval '{step}'); \
             END LOOP; END $$",
            lit(&parent).replace('%', "%%"),
            lit(t)
        ),
        format!(
            "CREATE TABLE {} PARTITION OF {parent} DEFAULT",
            quote(&format!("{t}_default"))
        ),
    ];
    let mut index_changes = Vec::new();
    for ix in &table.indexes {
        let cols: Vec<String> = ix
            .keys
            .iter()
            .map(|k| match k {
                IndexKey::Column { name, descending } => {
                    format!("{}{}", quote(name), if *descending { " DESC" } else { "" })
                }
                IndexKey::Expression { sql, descending } => {
                    format!("({sql}){}", if *descending { " DESC" } else { "" })
                }
            })
            .collect();
        let has_col = ix.key_columns().any(|c| c.eq_ignore_ascii_case(col));
        let predicate = ix
            .predicate
            .as_deref()
            .map_or_else(String::new, |p| format!(" WHERE {p}"));
        if ix.primary || ix.unique {
            let mut keys = cols.clone();
            if !has_col {
                keys.push(qcol.clone());
                index_changes.push(format!(
                    "{} becomes ({}): a unique key on a partitioned table must include {column}",
                    ix.name,
                    keys.join(", ")
                ));
            }
            // A primary key is plain columns; any other unique key may have
            // expressions, directions or a predicate, which only a unique
            // index (not an ADD UNIQUE constraint) can carry.
            ddl.push(if ix.primary {
                format!("ALTER TABLE {parent} ADD PRIMARY KEY ({})", keys.join(", "))
            } else {
                format!(
                    "CREATE UNIQUE INDEX ON {parent} ({}){predicate}",
                    keys.join(", ")
                )
            });
        } else {
            index_changes.push(format!(
                "{} is recreated on {parent} (one index per partition)",
                ix.name
            ));
            ddl.push(format!(
                "CREATE INDEX ON {parent} ({}){predicate}",
                cols.join(", ")
            ));
        }
    }
    ddl.push(format!(
        "-- then copy the rows in batches (INSERT INTO {parent} SELECT * FROM {qt} WHERE {qcol} >= … AND {qcol} < …), \
         swap the names in one transaction, and create each {unit}'s partition ahead of time (pg_partman automates this)"
    ));
    let archive = quote(&format!("{t}_archive"));
    PartitionAdvice {
        table: t.clone(),
        column: col.to_owned(),
        rows,
        granularity: unit,
        statements,
        share,
        postgresql_ddl: ddl,
        index_changes,
        sqlite_advice: vec![
            format!("CREATE TABLE {archive} AS SELECT * FROM {qt} WHERE 0"),
            format!(
                "-- periodically, in one transaction: INSERT INTO {archive} SELECT * FROM {qt} WHERE {qcol} < :cutoff; DELETE FROM {qt} WHERE {qcol} < :cutoff"
            ),
            format!(
                "-- SQLite has no partitioning: keeping only the recent rows in {qt} keeps its scans and indexes small; \
                 queries on old data read {archive} (or an ATTACHed archive database)"
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::candidates::tests::{catalog, parse};

    fn work(sql: &str, calls: u64) -> WorkStatement {
        WorkStatement {
            fingerprint: format!("{calls:016x}"),
            sql: sql.into(),
            params: Vec::new(),
            calls,
            total_ms: 0.0,
            statement: parse(sql),
        }
    }

    #[test]
    fn large_table_filtered_on_time_range() {
        let c = catalog();
        let ws = [
            work(
                "SELECT * FROM orders WHERE created_at >= '2026-01-01' AND customer_id = 3",
                50,
            ),
            work("SELECT * FROM orders WHERE id = 3", 500),
        ];
        let a = advise(&ws, &c, DEFAULT_MIN_ROWS);
        assert_eq!(a.len(), 1);
        let p = &a[0];
        assert_eq!(
            (p.table.as_str(), p.column.as_str(), p.granularity),
            ("orders", "created_at", "month")
        );
        assert_eq!(p.statements, [format!("{:016x}", 50)]);
        assert!(p.share > 0.9 && p.share <= 1.0, "{}", p.share);
        assert!(p.postgresql_ddl[0].contains("PARTITION BY RANGE (created_at)"));
        assert!(
            p.postgresql_ddl
                .iter()
                .any(|d| d.contains("PRIMARY KEY (id, created_at)"))
        );
        assert!(p.index_changes[0].contains("must include created_at"));
        // Below the size threshold, or filtering on a non-time column: nothing.
        assert!(advise(&ws, &c, 2_000_000.0).is_empty());
        let ws = [work("SELECT * FROM orders WHERE total > 3", 50)];
        assert!(advise(&ws, &c, DEFAULT_MIN_ROWS).is_empty());
    }

    #[test]
    fn ddl_quotes_names_and_keeps_unique_expressions_and_predicates() {
        use sqlsift_analyzer::catalog::{Column, Index};
        let mut c = catalog();
        let t = c.table_mut("orders").unwrap();
        t.name = "Orders".into();
        t.columns.push(Column {
            name: "placedAt".into(),
            data_type: "timestamp".into(),
            nullable: false,
            distinct: None,
        });
        t.indexes.push(Index {
            name: "orders_lower_email".into(),
            keys: vec![IndexKey::Expression {
                sql: "lower(email)".into(),
                descending: false,
            }],
            unique: true,
            primary: false,
            predicate: Some("shipped_at IS NULL".into()),
        });
        let ws = [work(
            r#"SELECT * FROM "Orders" WHERE "placedAt" >= '2026-01-01' AND customer_id = 3"#,
            50,
        )];
        let a = advise(&ws, &c, DEFAULT_MIN_ROWS);
        let ddl = &a[0].postgresql_ddl;
        assert_eq!(
            ddl[0],
            r#"CREATE TABLE "Orders_partitioned" (LIKE "Orders" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE ("placedAt")"#
        );
        assert!(
            ddl.contains(
                &r#"CREATE UNIQUE INDEX ON "Orders_partitioned" ((lower(email)), "placedAt") WHERE shipped_at IS NULL"#
                    .to_owned()
            ),
            "{ddl:#?}"
        );
    }

    #[test]
    fn granularity_grows_with_the_table() {
        assert_eq!(granularity(2e6).0, "month");
        assert_eq!(granularity(1e8).0, "week");
        assert_eq!(granularity(1e9).0, "day");
    }
}
