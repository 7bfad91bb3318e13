//! `MySQL` / `MariaDB` general query log.
//!
//! Lines are `[time]\t<thread id> <Command>\t<argument>`; the time is left
//! blank while it does not change, and lines of a multi-line statement follow
//! without any prefix. `Query` and `Execute` lines are executions; `Connect`
//! and `Init DB` tell the thread's user and database.

use std::collections::HashMap;

use std::sync::Arc;

use super::Record;
use super::intern::Interner;
use super::lines::{LineFormat, Lines};
use crate::event::{Origin, QueryEvent};
use crate::time::Timestamp;

pub struct MysqlGeneral {
    interner: Interner,
    source: Arc<str>,
    /// The last Query, which continuation lines may still extend.
    pending: Option<QueryEvent>,
    last_time: Option<Timestamp>,
    /// What `Connect` and `Init DB` told of each thread.
    threads: HashMap<Arc<str>, Thread>,
}

#[derive(Debug, Clone, Default)]
struct Thread {
    user: Option<Arc<str>>,
    db: Option<Arc<str>>,
}

impl Default for MysqlGeneral {
    fn default() -> Self {
        MysqlGeneral {
            interner: Interner::default(),
            source: Arc::from("mysql-general"),
            pending: None,
            last_time: None,
            threads: HashMap::new(),
        }
    }
}

struct Line<'a> {
    time: Option<Timestamp>,
    thread: &'a str,
    command: &'a str,
    argument: &'a str,
}

/// Splits a log line into its columns, or `None` for a continuation line.
fn columns(line: &str) -> Option<Line<'_>> {
    let (time, rest) = line.split_once('\t')?;
    let time = time.trim();
    let time = if time.is_empty() {
        None
    } else {
        Some(Timestamp::parse(time)?)
    };
    let rest = rest.trim_start();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || rest.as_bytes().get(digits) != Some(&b' ') {
        return None;
    }
    let (thread, after) = rest.split_at(digits);
    let after = after.trim_start_matches(' ');
    let (command, argument) = after.split_once('\t').unwrap_or((after.trim_end(), ""));
    if command.is_empty()
        || !command
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b' ' || b == b'_')
    {
        return None;
    }
    Some(Line {
        time,
        thread,
        command,
        argument,
    })
}

impl LineFormat for MysqlGeneral {
    fn line(&mut self, no: u64, line: &str, src: &Lines) -> Option<Record> {
        let Some(cols) = columns(line) else {
            if let Some(p) = self.pending.as_mut() {
                p.sql.push('\n');
                p.sql.push_str(line);
            } else if !(line.trim().is_empty() || super::is_mysql_banner(line)) {
                return Some(Record::Malformed(src.malformed(
                    no,
                    "not a general-log line (`[time]<TAB><thread id> <Command><TAB><argument>`)",
                )));
            }
            return None;
        };
        let finished = self.pending.take().map(Record::Event);
        if cols.time.is_some() {
            self.last_time = cols.time;
        }
        let thread = self.interner.get_prefixed("thread:", cols.thread);
        match cols.command {
            "Query" | "Execute" => {
                let Thread { user, db } = self.threads.get(&thread).cloned().unwrap_or_default();
                self.pending = Some(QueryEvent {
                    ts: self.last_time,
                    sql: cols.argument.to_owned(),
                    session: Some(thread),
                    user,
                    db,
                    source: Some(self.source.clone()),
                    origin: Some(Origin {
                        file: src.file.clone(),
                        line: no,
                    }),
                    ..QueryEvent::default()
                });
            }
            "Connect" => {
                // `app@localhost on shop using TCP/IP`
                let arg = cols.argument;
                let user = arg
                    .split('@')
                    .next()
                    .filter(|u| !u.is_empty())
                    .map(|u| self.interner.get(u));
                let db = arg
                    .split_once(" on ")
                    .and_then(|(_, r)| r.split_whitespace().next())
                    .filter(|d| *d != "using")
                    .map(|d| self.interner.get(d));
                self.threads.insert(thread, Thread { user, db });
            }
            "Init DB" => {
                let db = self.interner.get(cols.argument.trim());
                self.threads.entry(thread).or_default().db = Some(db);
            }
            "Quit" => {
                self.threads.remove(&thread);
            }
            _ => {}
        }
        finished
    }

    fn end(&mut self, _src: &Lines) -> Option<Record> {
        self.pending.take().map(Record::Event)
    }
}

#[cfg(test)]
mod tests {
    use crate::read::{Format, test_util::read};

    #[test]
    fn mariadb_and_mysql8_lines() {
        let log = "\
/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-0+deb12u1-log (Debian 12). started with:
Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock
Time\t\t    Id Command\tArgument
241127 10:00:00\t     5 Connect\tapp@localhost on shop using Socket
\t\t     5 Query\tSELECT *
FROM users
WHERE id = 1
2026-11-27T10:00:01.500000Z\t    5 Init DB\tother
\t\t     5 Execute\tSELECT 2
\t\t     5 Quit\t
";
        let (ev, bad) = read(Format::MysqlGeneral, log);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].sql, "SELECT *\nFROM users\nWHERE id = 1");
        assert_eq!(ev[0].user.as_deref(), Some("app"));
        assert_eq!(ev[0].db.as_deref(), Some("shop"));
        assert_eq!(ev[0].session.as_deref(), Some("thread:5"));
        assert_eq!(ev[1].db.as_deref(), Some("other"));
        assert_eq!(ev[1].ts.unwrap().to_string(), "2026-11-27T10:00:01.500000Z");
    }
}
