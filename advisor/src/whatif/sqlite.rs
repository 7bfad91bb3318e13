//! The SQLite planner as judge. The database's schema (`sqlite_schema`) is
//! copied into an in-memory database, its `sqlite_stat1` rows are supplied
//! the way SQLite's documentation describes (`ANALYZE sqlite_schema` creates
//! the table, the rows are inserted, a second `ANALYZE sqlite_schema` makes
//! the planner read them), and the proposed indexes are added with the
//! statistics `ANALYZE` would give them, counted on the real data where the
//! database has it. `EXPLAIN QUERY PLAN` of every statement an index should
//! serve is taken before and after; an index no plan uses is dropped and the
//! rest re-checked, until every index left is one the planner uses.

use rusqlite::{Connection, OptionalExtension, params};
use sqlsift_analyzer::catalog::IndexKey;
use sqlsift_analyzer::plan::explain_sqlite;

use super::{Rejected, WhatIfError};
use crate::index::Recommendation;

/// Validates `recs` against the database `source`; returns the ones the
/// planner uses (with before/after plans filled in) and the rejected ones.
///
/// # Errors
/// When the schema clone cannot be built.
pub fn validate(
    source: &Connection,
    recs: Vec<Recommendation>,
) -> Result<(Vec<Recommendation>, Vec<Rejected>), WhatIfError> {
    let clone = clone_schema(source)?;
    let mut kept = recs;
    for r in &mut kept {
        for s in &mut r.statements {
            s.plan_before = plan_lines(&clone, &s.sql);
        }
    }
    let mut rejected = Vec::new();
    // Statistics for a proposed index only where its table has them too:
    // otherwise the planner would favour the index for knowing more about it.
    let mut stats: Vec<Option<String>> = kept
        .iter()
        .map(|r| {
            table_has_stats(source, &r.table)
                .then(|| candidate_stat(source, r))
                .flatten()
        })
        .collect();
    loop {
        for (r, stat) in kept.iter().zip(&stats) {
            clone.execute_batch(&r.sqlite_ddl)?;
            if let Some(stat) = stat {
                clone.execute(
                    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?1, ?2, ?3)",
                    params![r.table, r.name, stat],
                )?;
            }
        }
        clone.execute_batch("ANALYZE sqlite_schema")?;
        let mut unused = Vec::new();
        for (i, r) in kept.iter_mut().enumerate() {
            let mut used = false;
            let mut errors = Vec::new();
            for s in &mut r.statements {
                match explain_sqlite(&clone, &s.sql) {
                    Ok(plan) => {
                        used |= plan
                            .accesses
                            .iter()
                            .any(|a| a.index.as_deref() == Some(r.name.as_str()));
                        s.plan_after = plan.render();
                    }
                    Err(e) => errors.push(e),
                }
            }
            if !used {
                let why = match errors.first() {
                    Some(e) if errors.len() == r.statements.len() => {
                        format!("SQLite cannot plan the statements it serves: {e}")
                    }
                    _ => "the SQLite planner does not use it for any statement it should serve"
                        .to_owned(),
                };
                unused.push((i, why));
            }
        }
        for r in &kept {
            clone.execute_batch(&format!("DROP INDEX IF EXISTS \"{}\"", r.name))?;
            clone.execute("DELETE FROM sqlite_stat1 WHERE idx = ?1", [&r.name])?;
        }
        if unused.is_empty() {
            break;
        }
        for (i, why) in unused.into_iter().rev() {
            let r = kept.remove(i);
            stats.remove(i);
            rejected.push(Rejected::new(&r, why));
        }
    }
    for r in &mut kept {
        r.validation
            .push("SQLite planner uses it (EXPLAIN QUERY PLAN on a schema clone with the database's statistics)".into());
    }
    Ok((kept, rejected))
}

fn plan_lines(conn: &Connection, sql: &str) -> Vec<String> {
    explain_sqlite(conn, sql).map_or_else(|e| vec![format!("(not planned: {e})")], |p| p.render())
}

/// An in-memory database with `source`'s schema and `sqlite_stat1` rows.
///
/// # Errors
/// When the source's schema cannot be read or the clone not created.
pub fn clone_schema(source: &Connection) -> Result<Connection, WhatIfError> {
    let clone = Connection::open_in_memory()?;
    let mut stmt = source.prepare(
        "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid",
    )?;
    let ddl: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for sql in ddl {
        // A virtual table whose module this build lacks, say: the
        // statements that read it will fail to plan and say so.
        let _ = clone.execute_batch(&sql);
    }
    clone.execute_batch("ANALYZE sqlite_schema")?;
    let has_stats: bool = source
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'",
            [],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if has_stats {
        let mut stmt = source.prepare("SELECT tbl, idx, stat FROM sqlite_stat1")?;
        let rows: Vec<(String, Option<String>, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (tbl, idx, stat) in rows {
            clone.execute(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?1, ?2, ?3)",
                params![tbl, idx, stat],
            )?;
        }
    }
    clone.execute_batch("ANALYZE sqlite_schema")?;
    Ok(clone)
}

/// The `sqlite_stat1` row `ANALYZE` would write for the proposed index:
/// its row count, then the average rows per distinct value of each key
/// prefix, counted on `source`'s data. `None` when the table is empty or
/// the counting fails (the planner then uses its defaults).
fn candidate_stat(source: &Connection, r: &Recommendation) -> Option<String> {
    let table = quote(&r.table);
    let filter = r
        .predicate
        .as_deref()
        .map(|p| format!(" WHERE {p}"))
        .unwrap_or_default();
    let rows: i64 = source
        .query_row(&format!("SELECT count(*) FROM {table}{filter}"), [], |x| {
            x.get(0)
        })
        .ok()?;
    if rows == 0 {
        return None;
    }
    let mut stat = rows.to_string();
    let mut exprs = Vec::new();
    for k in &r.keys {
        exprs.push(match k {
            IndexKey::Column { name, .. } => quote(name),
            IndexKey::Expression { sql, .. } => sql.clone(),
        });
        let distinct: i64 = source
            .query_row(
                &format!(
                    "SELECT count(*) FROM (SELECT DISTINCT {} FROM {table}{filter})",
                    exprs.join(", ")
                ),
                [],
                |x| x.get(0),
            )
            .ok()?;
        let per = (rows + distinct.max(1) - 1) / distinct.max(1);
        stat.push(' ');
        stat.push_str(&per.to_string());
    }
    Some(stat)
}

/// Whether `ANALYZE` has left statistics for `table`.
pub(crate) fn table_has_stats(source: &Connection, table: &str) -> bool {
    source
        .query_row(
            "SELECT 1 FROM sqlite_stat1 WHERE tbl = ?1 COLLATE NOCASE",
            [table],
            |_| Ok(()),
        )
        .is_ok()
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
