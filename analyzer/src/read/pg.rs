//! What `PostgreSQL`'s three log formats share: turning log *messages* into events.
//!
//! `PostgreSQL` reports one statement in up to four messages, depending on
//! `log_statement` and `log_min_duration_statement`:
//! - `duration: 0.1 ms  statement: …` (or `execute <name>: …`) — complete;
//! - `statement: …` / `execute <name>: …`, later `duration: 0.1 ms` — two halves;
//! - a following `DETAIL:  parameters: $1 = '…'` for extended-protocol statements;
//! - `ERROR:  …` followed by `STATEMENT:  …` for a failed one.
//!
//! The assembler keeps at most one pending statement per session and emits it
//! once the session's next message shows nothing more will attach to it.

use std::collections::HashMap;
use std::collections::VecDeque;

use std::sync::Arc;

use super::intern::Interner;
use super::{Malformed, Record};
use crate::event::{Origin, QueryEvent};
use crate::time::Timestamp;

/// One log message, whichever format it came from.
#[derive(Debug, Default)]
pub struct Message {
    pub line: u64,
    pub ts: Option<Timestamp>,
    /// The backend's identity (`pid:4711`), when the log shows it.
    pub session: Option<Arc<str>>,
    pub user: Option<Arc<str>>,
    pub db: Option<Arc<str>>,
    /// The virtual transaction id (csvlog/jsonlog), for grouping into transactions.
    pub vxid: Option<Arc<str>>,
    /// `LOG`, `ERROR`, `DETAIL`, `STATEMENT`, … (see [`severity`]).
    pub severity: &'static str,
    pub text: String,
    /// csvlog/jsonlog carry DETAIL and the failed statement inline.
    pub detail: Option<String>,
    pub statement: Option<String>,
}

struct Pending {
    event: QueryEvent,
    /// Logged by `log_statement`; its duration comes in a later message.
    awaiting_duration: bool,
}

pub struct Assembler {
    source: Arc<str>,
    /// Shares user, database and session strings between events.
    pub interner: Interner,
    file: Arc<str>,
    pending: HashMap<Arc<str>, Pending>,
    /// The last ERROR per session, waiting for its STATEMENT.
    errors: HashMap<Arc<str>, (String, u64)>,
    pub out: VecDeque<Record>,
}

/// What the text of a LOG message says.
enum Log<'a> {
    /// `duration: X ms  statement|execute …: SQL`
    Complete { ms: f64, sql: &'a str },
    /// `duration: X ms` alone.
    Duration(f64),
    /// `statement: SQL` or `execute …: SQL` without a duration.
    Statement(&'a str),
    /// A parse or bind step: not an execution, and the `DETAIL` that may
    /// follow it belongs to the step, not to the statement before.
    Protocol,
    /// Connection and checkpoint logs, …
    Other,
    /// Unreadable: the reason (the message text is the excerpt).
    Bad(&'static str),
}

fn classify(text: &str) -> Log<'_> {
    if let Some(rest) = text.strip_prefix("duration: ") {
        let Some((num, after)) = rest.split_once(" ms") else {
            return Log::Bad("duration without `ms`");
        };
        let Ok(ms) = num.trim().parse::<f64>() else {
            return Log::Bad("unreadable duration");
        };
        let after = after.trim_start();
        if after.is_empty() {
            return Log::Duration(ms);
        }
        return match statement_text(after) {
            Step::Executes(sql) => Log::Complete { ms, sql },
            Step::Protocol => Log::Protocol,
            Step::Unknown => Log::Bad("unrecognised duration message"),
        };
    }
    match statement_text(text) {
        Step::Executes(sql) => Log::Statement(sql),
        Step::Protocol | Step::Unknown => Log::Other,
    }
}

/// PostgreSQL's message severities (`elog.c`), as the static string the
/// assembler matches on; `None` for anything else.
pub fn severity(word: &str) -> Option<&'static str> {
    const ALL: [&str; 18] = [
        "LOG",
        "ERROR",
        "DETAIL",
        "STATEMENT",
        "HINT",
        "CONTEXT",
        "QUERY",
        "LOCATION",
        "WARNING",
        "NOTICE",
        "INFO",
        "FATAL",
        "PANIC",
        "DEBUG1",
        "DEBUG2",
        "DEBUG3",
        "DEBUG4",
        "DEBUG5",
    ];
    ALL.iter().find(|s| **s == word).copied()
}

/// What a statement-bearing message says.
enum Step<'a> {
    /// `statement: SQL` / `execute <name>: SQL`: an execution of SQL.
    Executes(&'a str),
    /// `parse …: SQL` / `bind …: SQL`: a protocol step, not an execution.
    Protocol,
    /// Something else.
    Unknown,
}

fn statement_text(text: &str) -> Step<'_> {
    if let Some(sql) = text.strip_prefix("statement: ") {
        return Step::Executes(sql);
    }
    for (step, executes) in [("execute ", true), ("parse ", false), ("bind ", false)] {
        if let Some(rest) = text.strip_prefix(step) {
            return match rest.split_once(": ") {
                Some((_, sql)) if executes => Step::Executes(sql),
                Some(_) => Step::Protocol,
                None => Step::Unknown,
            };
        }
    }
    Step::Unknown
}

/// Parses `parameters: $1 = '42', $2 = NULL, $3 = 'it''s'`.
pub fn parse_parameters(detail: &str) -> Option<Vec<Option<String>>> {
    let mut rest = detail.strip_prefix("parameters: ")?;
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start().strip_prefix('$')?;
        let (_, after) = rest.split_once(" = ")?;
        if let Some(r) = after.strip_prefix("NULL") {
            params.push(None);
            rest = r;
        } else {
            let body = after.strip_prefix('\'')?;
            let mut value = String::new();
            let mut chars = body.char_indices();
            let end = loop {
                let (i, c) = chars.next()?;
                if c == '\'' {
                    if body[i + 1..].starts_with('\'') {
                        value.push('\'');
                        chars.next();
                        continue;
                    }
                    break i + 1;
                }
                value.push(c);
            };
            params.push(Some(value));
            rest = &body[end..];
        }
        rest = rest.trim_start();
        match rest.strip_prefix(',') {
            Some(r) => rest = r,
            None => return Some(params),
        }
    }
}

impl Assembler {
    pub fn new(source: &'static str, file: Arc<str>) -> Self {
        Assembler {
            source: Arc::from(source),
            interner: Interner::default(),
            file,
            pending: HashMap::new(),
            errors: HashMap::new(),
            out: VecDeque::new(),
        }
    }

    fn event(&self, m: &Message, sql: &str) -> QueryEvent {
        QueryEvent {
            ts: m.ts,
            sql: sql.to_owned(),
            session: m.session.clone(),
            user: m.user.clone(),
            db: m.db.clone(),
            txn: m.vxid.clone(),
            source: Some(self.source.clone()),
            origin: Some(Origin {
                file: self.file.clone(),
                line: m.line,
            }),
            ..QueryEvent::default()
        }
    }

    fn malformed(&mut self, line: u64, reason: &str, excerpt: Option<&str>) {
        let m = Malformed {
            file: self.file.clone(),
            line,
            reason: reason.to_owned(),
            excerpt: None,
        };
        let m = match excerpt {
            Some(x) => m.with_excerpt(x),
            None => m,
        };
        self.out.push_back(Record::Malformed(m));
    }

    fn flush(&mut self, key: &str) {
        if let Some(p) = self.pending.remove(key) {
            self.out.push_back(Record::Event(p.event));
        }
    }

    fn hold(&mut self, key: Arc<str>, event: QueryEvent, awaiting_duration: bool) {
        self.flush(&key);
        self.pending.insert(
            key,
            Pending {
                event,
                awaiting_duration,
            },
        );
    }

    /// Takes one message; completed events and malformed records land in `out`.
    pub fn push(&mut self, m: Message) {
        let key = m.session.clone().unwrap_or_else(|| Arc::from(""));
        match m.severity {
            "LOG" => self.log(&m, &key),
            "DETAIL" => self.detail(&key, &m.text),
            "STATEMENT" => self.failed_statement(&m, &key, &m.text),
            "ERROR" | "FATAL" | "PANIC" => {
                if let Some(sql) = m.statement.as_deref() {
                    // csvlog/jsonlog: the failed statement is part of the message.
                    self.errors.insert(key.clone(), (m.text.clone(), m.line));
                    self.failed_statement(&m, &key, sql);
                } else {
                    self.errors.insert(key, (m.text, m.line));
                }
            }
            // HINT, CONTEXT, QUERY, LOCATION, NOTICE, WARNING, INFO, DEBUGn: not about executions.
            _ => {}
        }
    }

    fn log(&mut self, m: &Message, key: &Arc<str>) {
        self.errors.remove(key);
        match classify(&m.text) {
            Log::Complete { ms, sql } => {
                let mut e = self.event(m, sql);
                // Logged as it ended (log_min_duration_statement): events
                // carry their start, which units measure idle gaps from.
                e.ts = e.ts.map(|t| t.minus_ms(ms));
                e.duration_ms = Some(ms);
                if let Some(p) = m.detail.as_deref().and_then(parse_parameters) {
                    e.params = p;
                }
                self.hold(key.clone(), e, false);
            }
            Log::Statement(sql) => {
                let mut e = self.event(m, sql);
                if let Some(p) = m.detail.as_deref().and_then(parse_parameters) {
                    e.params = p;
                }
                self.hold(key.clone(), e, true);
            }
            Log::Duration(ms) => match self.pending.get_mut(key) {
                Some(p) if p.awaiting_duration => {
                    p.event.duration_ms = Some(ms);
                    self.flush(key);
                }
                _ => {
                    self.flush(key);
                    self.malformed(
                        m.line,
                        "duration without its statement (was the statement logged before this file begins?)",
                        None,
                    );
                }
            },
            Log::Protocol => {
                // Unless it still awaits its duration (log_statement=all), the
                // previous statement is complete: a following DETAIL is the step's.
                if self
                    .pending
                    .get(&**key)
                    .is_some_and(|p| !p.awaiting_duration)
                {
                    self.flush(key);
                }
            }
            Log::Other => {}
            Log::Bad(why) => self.malformed(m.line, why, Some(&m.text)),
        }
    }

    fn detail(&mut self, key: &str, text: &str) {
        if let Some(params) = parse_parameters(text)
            && let Some(p) = self.pending.get_mut(key)
        {
            p.event.params = params;
        }
    }

    /// A statement that failed with the session's last ERROR.
    fn failed_statement(&mut self, m: &Message, key: &str, sql: &str) {
        let Some((error, _)) = self.errors.remove(key) else {
            return;
        };
        // Under log_statement=all the statement was already logged: mark that one.
        if let Some(p) = self.pending.get_mut(key)
            && p.awaiting_duration
            && p.event.sql == sql
        {
            p.event.error = Some(error);
            self.flush(key);
            return;
        }
        self.flush(key);
        let mut e = self.event(m, sql);
        e.error = Some(error);
        self.out.push_back(Record::Event(e));
    }

    /// Emits every pending statement, in the order they were logged.
    pub fn finish(&mut self) {
        let mut rest: Vec<Pending> = self.pending.drain().map(|(_, p)| p).collect();
        rest.sort_by_key(|p| p.event.origin.as_ref().map_or(0, |o| o.line));
        self.out
            .extend(rest.into_iter().map(|p| Record::Event(p.event)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bind_steps_parameters_do_not_land_on_the_previous_execute() {
        let log = "\
2026-11-27 10:00:00.1 UTC [7] u@d LOG:  duration: 0.030 ms  execute <unnamed>: SELECT * FROM t WHERE id = $1
2026-11-27 10:00:00.1 UTC [7] u@d DETAIL:  parameters: $1 = '1'
2026-11-27 10:00:00.2 UTC [7] u@d LOG:  duration: 0.020 ms  bind <unnamed>: SELECT * FROM t WHERE id = $1
2026-11-27 10:00:00.2 UTC [7] u@d DETAIL:  parameters: $1 = '2'
2026-11-27 10:00:00.2 UTC [7] u@d LOG:  duration: 0.030 ms  execute <unnamed>: SELECT * FROM t WHERE id = $1
2026-11-27 10:00:00.2 UTC [7] u@d DETAIL:  parameters: $1 = '2'
";
        let (ev, bad) = crate::read::test_util::read(crate::read::Format::PgStderr, log);
        assert!(bad.is_empty());
        let params: Vec<_> = ev.iter().map(|e| e.params.clone()).collect();
        assert_eq!(
            params,
            [vec![Some("1".to_owned())], vec![Some("2".to_owned())]]
        );
    }

    #[test]
    fn parameters() {
        assert_eq!(
            parse_parameters("parameters: $1 = '42', $2 = NULL, $3 = 'it''s, ok'"),
            Some(vec![Some("42".into()), None, Some("it's, ok".into())])
        );
        assert_eq!(parse_parameters("parameters: $1 = 'unterminated"), None);
        assert_eq!(parse_parameters("key (id)=(1) already exists"), None);
    }
}
