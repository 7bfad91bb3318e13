//! SQLite's own plan for a statement (`EXPLAIN QUERY PLAN`), shown beside
//! the cost model's estimate and used to check it: the planner's rows as
//! sqlite3 prints them, and for each table whether it is read in full
//! (`SCAN`) or searched through an index (`SEARCH`).

use rusqlite::Connection;
use serde::Serialize;

/// One row of `EXPLAIN QUERY PLAN`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanRow {
    pub id: i64,
    /// The `id` of the row this one nests under (0 at the top).
    pub parent: i64,
    pub detail: String,
}

/// How the planner reads one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedAccess {
    /// The table's name or alias, as the plan names it.
    pub table: String,
    /// A full pass over the table (`SCAN`), even when it walks an index in
    /// order (`SCAN t USING INDEX …`); `false` for `SEARCH`.
    pub scan: bool,
    /// The index used, if any: its name, `INTEGER PRIMARY KEY`, or an
    /// `AUTOMATIC` index SQLite builds for this statement alone.
    pub index: Option<String>,
    /// The index holds every column the statement needs from the table.
    pub covering: bool,
    /// An index SQLite creates for the statement (`AUTOMATIC … INDEX`).
    pub automatic: bool,
}

/// SQLite's plan for one statement.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub rows: Vec<PlanRow>,
    /// One entry per `SCAN` / `SEARCH` row, in plan order.
    pub accesses: Vec<PlannedAccess>,
}

/// Runs `EXPLAIN QUERY PLAN` for `sql` on `conn`. Placeholders (`?`, `$1`,
/// `:name`) need no values: the plan is made before binding.
///
/// # Errors
/// SQLite's message when the statement does not prepare (syntax, unknown
/// table or column).
pub fn explain_sqlite(conn: &Connection, sql: &str) -> Result<Plan, String> {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .map_err(|e| e.to_string())?;
    // `raw_query` leaves placeholders unbound (NULL), which planning allows;
    // `query` would refuse a statement with parameters and no values.
    let mut result = stmt.raw_query();
    let mut rows = Vec::new();
    while let Some(r) = result.next().map_err(|e| e.to_string())? {
        rows.push(PlanRow {
            id: r.get(0).map_err(|e| e.to_string())?,
            parent: r.get(1).map_err(|e| e.to_string())?,
            detail: r.get(3).map_err(|e| e.to_string())?,
        });
    }
    let accesses = rows.iter().filter_map(|r| classify(&r.detail)).collect();
    Ok(Plan { rows, accesses })
}

/// The table access a plan row describes, if it describes one:
/// `SCAN users`, `SCAN u USING COVERING INDEX ix`,
/// `SEARCH posts USING INDEX ix_posts_author (author_id=?)`,
/// `SEARCH t USING INTEGER PRIMARY KEY (rowid=?)`,
/// `SEARCH c USING AUTOMATIC COVERING INDEX (post_id=?)`.
#[must_use]
pub fn classify(detail: &str) -> Option<PlannedAccess> {
    let (scan, rest) = if let Some(r) = detail.strip_prefix("SCAN ") {
        (true, r)
    } else {
        (false, detail.strip_prefix("SEARCH ")?)
    };
    let (name, using) = match rest.split_once(" USING ") {
        Some((n, u)) => (n, Some(u)),
        None => (rest, None),
    };
    // `SCAN CONSTANT ROW` and `SCAN (subquery-1)` read no table.
    if name == "CONSTANT ROW" || name.starts_with('(') {
        return None;
    }
    // Older releases print `TABLE name`; newer `name AS alias` → the alias.
    let name = name.strip_prefix("TABLE ").unwrap_or(name);
    let name = name.rsplit_once(" AS ").map_or(name, |(_, alias)| alias);
    // `SEARCH o EXISTS …` (an EXISTS run as a join that stops at the first
    // match) and `SCAN c LEFT-JOIN` (the outer side of a LEFT JOIN) name
    // the same table access.
    let name = [" EXISTS", " LEFT-JOIN", " RIGHT-JOIN"]
        .iter()
        .fold(name, |n, suffix| n.strip_suffix(suffix).unwrap_or(n));
    let name = name.trim().to_owned();
    let Some(using) = using else {
        return Some(PlannedAccess {
            table: name,
            scan,
            index: None,
            covering: false,
            automatic: false,
        });
    };
    let automatic = using.contains("AUTOMATIC ");
    let covering = using.contains("COVERING INDEX");
    let index = if using.starts_with("INTEGER PRIMARY KEY") || using.starts_with("PRIMARY KEY") {
        Some("INTEGER PRIMARY KEY".to_owned())
    } else {
        using.split_once("INDEX").map(|(_, after)| {
            let after = after.trim_start();
            let end = after.find(" (").unwrap_or(after.len());
            if automatic || after.starts_with('(') {
                "AUTOMATIC".to_owned()
            } else {
                after[..end].trim().to_owned()
            }
        })
    };
    Some(PlannedAccess {
        table: name,
        scan,
        index,
        covering,
        automatic,
    })
}

impl Plan {
    /// The plan as the sqlite3 shell prints it: `QUERY PLAN`, then each row
    /// under its parent, `|--` before rows with a later sibling, `` `-- ``
    /// before the last one.
    #[must_use]
    pub fn render(&self) -> Vec<String> {
        let mut out = vec!["QUERY PLAN".to_owned()];
        self.render_children(0, "", &mut out);
        out
    }

    fn render_children(&self, parent: i64, prefix: &str, out: &mut Vec<String>) {
        let children: Vec<&PlanRow> = self.rows.iter().filter(|r| r.parent == parent).collect();
        for (i, row) in children.iter().enumerate() {
            let last = i + 1 == children.len();
            out.push(format!(
                "{prefix}{}{}",
                if last { "`--" } else { "|--" },
                row.detail
            ));
            let deeper = format!("{prefix}{}", if last { "   " } else { "|  " });
            if row.id != parent {
                self.render_children(row.id, &deeper, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().expect("in-memory database");
        c.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);
             CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER, title TEXT);
             CREATE INDEX ix_posts_author ON posts (author_id);",
        )
        .expect("schema");
        c
    }

    #[test]
    fn classifies_scan_search_and_primary_key() {
        let p = explain_sqlite(
            &conn(),
            "SELECT u.name, p.title FROM users u JOIN posts p ON p.author_id = u.id WHERE u.email = ?",
        )
        .expect("plans");
        assert_eq!(p.accesses.len(), 2, "{:?}", p.rows);
        let u = p.accesses.iter().find(|a| a.table == "u").expect("users");
        assert!(u.scan && u.index.is_none());
        let posts = p.accesses.iter().find(|a| a.table == "p").expect("posts");
        assert!(!posts.scan);
        assert_eq!(posts.index.as_deref(), Some("ix_posts_author"));

        let pk = explain_sqlite(&conn(), "SELECT * FROM users WHERE id = $1").expect("plans");
        assert_eq!(
            pk.accesses,
            [PlannedAccess {
                table: "users".into(),
                scan: false,
                index: Some("INTEGER PRIMARY KEY".into()),
                covering: false,
                automatic: false,
            }]
        );
    }

    #[test]
    fn a_scan_in_index_order_is_still_a_scan() {
        let p = explain_sqlite(
            &conn(),
            "SELECT author_id FROM posts ORDER BY author_id LIMIT 5",
        )
        .expect("plans");
        let a = &p.accesses[0];
        assert!(a.scan && a.covering);
        assert_eq!(a.index.as_deref(), Some("ix_posts_author"));
    }

    #[test]
    fn renders_like_the_shell_and_reports_errors() {
        let p = explain_sqlite(
            &conn(),
            "SELECT * FROM users WHERE id IN (SELECT author_id FROM posts) ORDER BY name",
        )
        .expect("plans");
        let lines = p.render();
        assert_eq!(lines[0], "QUERY PLAN");
        assert!(lines.len() >= 4, "{lines:?}");
        assert!(
            lines.last().is_some_and(|l| l.starts_with("`--")),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.starts_with("|  ")), "{lines:?}");
        assert!(explain_sqlite(&conn(), "SELECT nope FROM users").is_err());
    }

    #[test]
    fn detail_texts() {
        let auto = classify("SEARCH c USING AUTOMATIC COVERING INDEX (post_id=?)").expect("access");
        assert!(auto.automatic && auto.covering && !auto.scan);
        assert_eq!(auto.index.as_deref(), Some("AUTOMATIC"));
        let aliased = classify("SCAN users AS u").expect("access");
        assert_eq!(aliased.table, "u");
        let exists =
            classify("SEARCH o EXISTS USING INDEX ix_orders_user (user_id=?)").expect("access");
        assert_eq!(exists.table, "o");
        assert_eq!(classify("SCAN c LEFT-JOIN").expect("access").table, "c");
        assert!(classify("SCAN CONSTANT ROW").is_none());
        assert!(classify("USE TEMP B-TREE FOR ORDER BY").is_none());
        let cov = classify("SEARCH posts USING COVERING INDEX ix_a (author_id=? AND created_at>?)")
            .expect("access");
        assert_eq!(cov.index.as_deref(), Some("ix_a"));
    }
}
