//! `MySQL` / `MariaDB` / Percona Server slow query logs.
//!
//! An entry is a run of `# Key: value` header lines (`# Time`, `# User@Host`,
//! `# Thread_id`, `# Query_time … Lock_time … Rows_sent … Rows_examined`, and
//! the many extended attributes of Percona and `MariaDB`), optional `use db;`
//! and `SET timestamp=N;` lines, then the statement, possibly over many lines.
//! A `#` line ends the statement when the statement so far ends with `;` or
//! the line is one of the headers that always open an entry.

use std::sync::Arc;

use super::Record;
use super::intern::Interner;
use super::lines::{LineFormat, Lines};
use crate::event::{Origin, QueryEvent};
use crate::time::Timestamp;

pub struct MysqlSlow {
    entry: Entry,
    interner: Interner,
    source: Arc<str>,
    ready: std::collections::VecDeque<Record>,
    /// `# Time:` applies to later entries until the next one.
    last_time: Option<Timestamp>,
}

#[derive(Default)]
struct Entry {
    start_line: u64,
    has_header: bool,
    /// A `use` or `SET timestamp` line was seen: headers are over, and the
    /// next line is the statement even if it starts with `#`.
    body_started: bool,
    ts: Option<Timestamp>,
    set_ts: Option<Timestamp>,
    user: Option<Arc<str>>,
    thread: Option<Arc<str>>,
    db: Option<Arc<str>>,
    duration_ms: Option<f64>,
    rows_sent: Option<u64>,
    rows_affected: Option<u64>,
    rows_examined: Option<u64>,
    errno: Option<String>,
    sql: String,
    admin: bool,
    /// Header values that could not be read: reported, while the entry's
    /// statement is still kept (without those values).
    bad: Vec<(u64, String)>,
    /// `use db;` — the entry's statement when nothing else follows it.
    use_line: Option<String>,
}

impl Default for MysqlSlow {
    fn default() -> Self {
        MysqlSlow {
            entry: Entry::default(),
            interner: Interner::default(),
            source: Arc::from("mysql-slow"),
            ready: std::collections::VecDeque::new(),
            last_time: None,
        }
    }
}

impl MysqlSlow {
    /// Closes the current entry; its records go to `ready`.
    fn finish_entry(&mut self, src: &Lines) {
        let mut e = std::mem::take(&mut self.entry);
        for (line, why) in e.bad.drain(..) {
            self.ready
                .push_back(Record::Malformed(src.malformed(line, why)));
        }
        let mut sql = std::mem::take(&mut e.sql);
        sql.truncate(sql.trim_end().len());
        if sql.is_empty() {
            if let Some(use_line) = e.use_line.take() {
                sql = use_line;
            } else {
                if e.has_header && !e.admin {
                    let m = src.malformed(e.start_line, "slow-log entry without a statement");
                    self.ready.push_back(Record::Malformed(m));
                }
                return;
            }
        }
        let rows = match (e.rows_sent, e.rows_affected) {
            (Some(0) | None, Some(a)) => Some(a),
            (s, _) => s,
        };
        self.ready.push_back(Record::Event(QueryEvent {
            // `# Time:` is when the entry was written, as the statement
            // ended; events carry their start (`SET timestamp` is one, to the second).
            ts: e
                .ts
                .map(|t| t.minus_ms(e.duration_ms.unwrap_or(0.0)))
                .or(e.set_ts)
                .or(self.last_time),
            sql,
            duration_ms: e.duration_ms,
            rows,
            rows_examined: e.rows_examined,
            session: e.thread,
            db: e.db,
            user: e.user,
            error: e.errno.map(|n| format!("errno {n}")),
            source: Some(self.source.clone()),
            origin: Some(Origin {
                file: src.file.clone(),
                line: e.start_line,
            }),
            ..QueryEvent::default()
        }));
    }
}

/// Headers that always open a new entry, even after a statement without `;`.
fn opens_entry(line: &str) -> bool {
    ["# Time:", "# User@Host:", "# Thread_id:", "# Query_time:"]
        .iter()
        .any(|h| line.starts_with(h))
}

/// `SET timestamp=N;`, `SET insert_id=N;`, `SET last_insert_id=N;`: session
/// settings the server logs before the statement.
fn setting(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("SET ")?;
    let (key, value) = rest.split_once('=')?;
    let value = value.strip_suffix(';')?;
    matches!(key, "timestamp" | "insert_id" | "last_insert_id").then_some((key, value))
}

impl Entry {
    /// Whether `line` is a header line rather than part of the statement.
    fn is_header(&self, line: &str) -> bool {
        if !line.starts_with('#') {
            return false;
        }
        if opens_entry(line) {
            return true;
        }
        if !self.sql.is_empty() {
            // After a complete statement, `#` opens the next entry's headers.
            return self.sql.trim_end().ends_with(';');
        }
        // Before the statement: a header, unless `use`/`SET timestamp` ended them.
        !self.body_started
    }

    /// Whether `line` repeats a header this entry already has (so it opens the next one).
    fn repeats(&self, line: &str) -> bool {
        let e = self;
        (line.starts_with("# Time:") && e.has_header)
            || (line.starts_with("# User@Host:") && (e.user.is_some() || e.duration_ms.is_some()))
            || (line.starts_with("# Query_time:") && e.duration_ms.is_some())
    }

    fn header(&mut self, line: &str, no: u64, interner: &mut Interner) {
        self.has_header = true;
        // `# Time: 071218 11:48:27 # User@Host: …` puts two headers on one
        // line; only `# Time:` lines are split, to keep the common path cheap.
        if line.starts_with("# Time:") {
            for part in line.split(" # ") {
                self.header_part(part, no, interner);
            }
        } else {
            self.header_part(line, no, interner);
        }
    }

    fn header_part(&mut self, part: &str, no: u64, interner: &mut Interner) {
        let part = part.trim_start_matches('#').trim_ascii();
        if let Some(t) = part.strip_prefix("Time:") {
            match Timestamp::parse(t) {
                Some(ts) => self.ts = Some(ts),
                None => self
                    .bad
                    .push((no, format!("unreadable `# Time:` value `{}`", t.trim()))),
            }
        } else if let Some(uh) = part.strip_prefix("User@Host:") {
            self.user_host(uh, interner);
        } else if part.starts_with("administrator command:") {
            self.admin = true;
        } else {
            self.attributes(part, no, interner);
        }
    }

    /// `root[root] @ localhost [127.0.0.1]  Id:    12`
    fn user_host(&mut self, s: &str, interner: &mut Interner) {
        let (who, rest) = s.split_once('@').unwrap_or((s, ""));
        let user = who.split('[').next().unwrap_or("").trim_ascii();
        if !user.is_empty() {
            self.user = Some(interner.get(user));
        }
        if let Some((_, id)) = rest.split_once("Id:") {
            self.thread = id
                .split_ascii_whitespace()
                .next()
                .map(|t| interner.get_prefixed("thread:", t));
        }
    }

    /// `Key: value  Key: value …`
    fn attributes(&mut self, s: &str, no: u64, interner: &mut Interner) {
        let mut words = s.split_ascii_whitespace();
        while let Some(w) = words.next() {
            let Some(key) = w.strip_suffix(':') else {
                continue;
            };
            let Some(value) = words.next() else { break };
            let bad = match key {
                "Query_time" => value
                    .parse::<f64>()
                    .map(|s| self.duration_ms = Some(s * 1000.0))
                    .is_err(),
                "Rows_sent" => value.parse().map(|n| self.rows_sent = Some(n)).is_err(),
                "Rows_examined" => value.parse().map(|n| self.rows_examined = Some(n)).is_err(),
                "Rows_affected" => value.parse().map(|n| self.rows_affected = Some(n)).is_err(),
                "Thread_id" => {
                    self.thread = Some(interner.get_prefixed("thread:", value));
                    false
                }
                "Schema" => {
                    self.db = Some(interner.get(value));
                    false
                }
                "Last_errno" => {
                    if value != "0" {
                        self.errno = Some(value.to_owned());
                    }
                    false
                }
                _ => false,
            };
            if bad {
                self.bad
                    .push((no, format!("unreadable `{key}` value `{value}`")));
            }
        }
    }
}

impl LineFormat for MysqlSlow {
    fn line(&mut self, no: u64, line: &str, src: &Lines) -> Option<Record> {
        let in_statement = !self.entry.sql.is_empty();
        if self.entry.is_header(line) {
            let starts_new = in_statement || self.entry.admin || self.entry.repeats(line);
            if starts_new {
                self.finish_entry(src);
            }
            if self.entry.start_line == 0 {
                self.entry.start_line = no;
            }
            self.entry.header(line, no, &mut self.interner);
            if let Some(ts) = self.entry.ts {
                self.last_time = Some(ts);
            }
            return None;
        }
        if in_statement {
            self.entry.sql.push('\n');
        } else {
            if line.trim().is_empty() || super::is_mysql_banner(line) {
                return None;
            }
            if self.entry.start_line == 0 {
                self.entry.start_line = no;
            }
            if let Some(db) = line.strip_prefix("use ").and_then(|r| r.strip_suffix(';')) {
                self.entry.db = Some(self.interner.get(db.trim_matches('`')));
                self.entry.use_line = Some(line.to_owned());
                self.entry.body_started = true;
                return None;
            }
            if let Some((key, value)) = setting(line) {
                if key == "timestamp" {
                    self.entry.set_ts = value
                        .parse::<f64>()
                        .ok()
                        .and_then(Timestamp::from_unix_seconds);
                }
                self.entry.body_started = true;
                return None;
            }
        }
        self.entry.sql.push_str(line);
        None
    }

    fn end(&mut self, src: &Lines) -> Option<Record> {
        self.finish_entry(src);
        None
    }

    fn ready(&mut self) -> Option<Record> {
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use crate::read::{Format, test_util::read};

    #[test]
    fn mariadb_entries() {
        let log = "\
/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-0+deb12u1-log (Debian 12). started with:
Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock
Time                 Id Command    Argument
# Time: 241127 10:00:00
# User@Host: app[app] @ localhost []
# Thread_id: 31  Schema: shop  QC_hit: No
# Query_time: 0.000250  Lock_time: 0.000011  Rows_sent: 1  Rows_examined: 120
# Rows_affected: 0  Bytes_sent: 98
use shop;
SET timestamp=1732701600;
SELECT *
FROM users
WHERE id = 5;
# User@Host: app[app] @ localhost []
# Thread_id: 31  Schema: shop  QC_hit: No
# Query_time: 0.001000  Lock_time: 0.000011  Rows_sent: 0  Rows_examined: 0
# Rows_affected: 3  Bytes_sent: 52
SET timestamp=1732701601;
UPDATE users SET seen = 1;
";
        let (ev, bad) = read(Format::MysqlSlow, log);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].sql, "SELECT *\nFROM users\nWHERE id = 5;");
        assert_eq!(ev[0].duration_ms, Some(0.25));
        assert_eq!(ev[0].rows, Some(1));
        assert_eq!(ev[0].rows_examined, Some(120));
        assert_eq!(ev[0].session.as_deref(), Some("thread:31"));
        assert_eq!(ev[0].db.as_deref(), Some("shop"));
        assert_eq!(ev[0].user.as_deref(), Some("app"));
        // `# Time:` was written as the statement ended, 0.25 ms after it started.
        assert_eq!(ev[0].ts.unwrap().to_string(), "2024-11-27T09:59:59.999750Z");
        assert_eq!(ev[0].origin.as_ref().unwrap().line, 4);
        assert_eq!(ev[1].rows, Some(3));
        // No `# Time:` of its own: `SET timestamp` is the entry's time.
        assert_eq!(ev[1].ts.unwrap().to_string(), "2024-11-27T10:00:01.000000Z");
    }

    #[test]
    fn bad_numbers_and_empty_entries_are_reported() {
        let log = "# Query_time: abc  Lock_time: 0 Rows_sent: 1 Rows_examined: 1\nSELECT 1;\n# User@Host: a[a] @ b []\n# Query_time: 1  Lock_time: 0  Rows_sent: 0  Rows_examined: 0\n";
        let (ev, bad) = read(Format::MysqlSlow, log);
        // The statement is kept, without the value that could not be read.
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].duration_ms, None);
        assert_eq!(ev[0].rows, Some(1));
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert_eq!(bad[0].line, 1);
        assert!(bad[0].reason.contains("Query_time"));
        assert!(bad[1].reason.contains("without a statement"));
    }
}
