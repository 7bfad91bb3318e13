//! `PostgreSQL` stderr logs, whatever the `log_line_prefix`.
//!
//! A message line is `<prefix><SEVERITY>:  <text>`; `PostgreSQL` writes the lines
//! after the first of a multi-line message with a leading tab. The prefix is
//! free-form, so sqlsift finds the severity marker and then reads what it can
//! from the prefix: a timestamp, the backend pid (`[4711]`), `user@db` or
//! `user=…,db=…`.

use super::Record;
use super::intern::Interner;
use std::sync::Arc;

use super::lines::{LineFormat, Lines};
use super::pg::{Assembler, Message, severity};
use crate::time::Timestamp;

pub struct PgStderr {
    asm: Assembler,
    prefixes: PrefixCache,
    /// The message being read (continuation lines may still extend it).
    current: Option<Message>,
}

impl PgStderr {
    pub fn new(file: Arc<str>) -> Self {
        PgStderr {
            asm: Assembler::new("pg-stderr", file),
            prefixes: PrefixCache::default(),
            current: None,
        }
    }
}

/// Finds `SEVERITY:  ` and returns (prefix end, severity, text start).
pub fn split_severity(line: &str) -> Option<(usize, &'static str, usize)> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&line.as_bytes()[from..], b":  ") {
        let colon = from + i;
        let head = &line.as_bytes()[..colon];
        // Byte-wise: the word after the last non-alphanumeric byte. A
        // multi-byte character ends in a non-ASCII byte, so `start` is a char boundary.
        let start = head
            .iter()
            .rposition(|b| !b.is_ascii_alphanumeric())
            .map_or(0, |p| p + 1);
        if let Some(severity) = severity(&line[start..colon]) {
            return Some((start, severity, colon + 3));
        }
        from = colon + 1;
    }
    None
}

/// What the last prefix told, reused while the next one differs only in its
/// timestamp (most lines of a busy log share prefixes).
#[derive(Default)]
pub struct PrefixCache {
    /// The prefix without its timestamp.
    rest: String,
    session: Option<Arc<str>>,
    user: Option<Arc<str>>,
    db: Option<Arc<str>>,
    /// The timestamp text without its fraction, and the instant it names.
    second: String,
    second_ts: Option<Timestamp>,
}

/// Where the first `YYYY-MM-DD HH:MM:SS[.fff][ ZONE]` of `b` is:
/// (start, end of the seconds, end of the fraction, end).
fn timestamp_span(b: &[u8]) -> Option<(usize, usize, usize, usize)> {
    let i = (0..b.len().saturating_sub(18)).find(|&i| {
        b[i].is_ascii_digit() && b[i + 4] == b'-' && b[i + 7] == b'-' && b[i + 13] == b':'
    })?;
    let secs = i + 19;
    let mut frac = secs;
    if b.get(frac) == Some(&b'.') {
        frac += 1;
        while frac < b.len() && b[frac].is_ascii_digit() {
            frac += 1;
        }
    }
    let mut end = frac;
    // An alphabetic zone (`UTC`) or numeric offset after one space.
    if end + 1 < b.len()
        && b[end] == b' '
        && (b[end + 1].is_ascii_alphabetic() || b[end + 1] == b'+' || b[end + 1] == b'-')
    {
        end += 2;
        while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b':') {
            end += 1;
        }
    }
    Some((i, secs, frac, end))
}

/// What the prefix tells: timestamp, session, user, database.
pub fn parse_prefix(
    prefix: &str,
    m: &mut Message,
    interner: &mut Interner,
    cache: &mut PrefixCache,
) {
    let b = prefix.as_bytes();
    let span = timestamp_span(b);
    let rest_matches = match span {
        Some((i, _, _, end)) => {
            cache.rest.len() == prefix.len() - (end - i)
                && cache.rest.as_bytes()[..i] == b[..i]
                && cache.rest.as_bytes()[i..] == b[end..]
        }
        None => cache.rest == prefix,
    };
    if let Some((i, secs, frac, end)) = span
        && prefix.is_char_boundary(end)
        && prefix.is_char_boundary(secs)
    {
        // Whole seconds and zone, parsed once per second; the fraction each line.
        let same_second = cache.second.len() == (secs - i) + (end - frac)
            && cache.second.as_bytes()[..secs - i] == b[i..secs]
            && cache.second.as_bytes()[secs - i..] == b[frac..end];
        if !same_second {
            cache.second.clear();
            cache.second.push_str(&prefix[i..secs]);
            cache.second.push_str(&prefix[frac..end]);
            cache.second_ts = Timestamp::parse(&cache.second);
        }
        let mut micros = 0i64;
        let mut scale = 100_000;
        for d in b.get(secs + 1..frac).unwrap_or_default() {
            micros += i64::from(d - b'0') * scale;
            scale /= 10;
        }
        m.ts = cache.second_ts.map(|t| Timestamp(t.0 + micros));
    }
    if rest_matches {
        m.session.clone_from(&cache.session);
        m.user.clone_from(&cache.user);
        m.db.clone_from(&cache.db);
        return;
    }
    identities(prefix, m, interner);
    cache.rest.clear();
    match span {
        Some((i, _, _, end)) if prefix.is_char_boundary(i) && prefix.is_char_boundary(end) => {
            cache.rest.push_str(&prefix[..i]);
            cache.rest.push_str(&prefix[end..]);
        }
        // A prefix with a damaged timestamp is not cached.
        Some(_) => cache.rest.push('\u{0}'),
        None => cache.rest.push_str(prefix),
    }
    cache.session.clone_from(&m.session);
    cache.user.clone_from(&m.user);
    cache.db.clone_from(&m.db);
}

/// Session, user and database from a prefix.
fn identities(prefix: &str, m: &mut Message, interner: &mut Interner) {
    // Session: `[pid]` or `[pid-line]`.
    let mut from = 0;
    while let Some(open) = prefix[from..].find('[').map(|p| p + from) {
        let digits: &str = &prefix[open + 1..];
        let n = digits.bytes().take_while(u8::is_ascii_digit).count();
        if n > 0 && matches!(digits.as_bytes().get(n), Some(b']' | b'-')) {
            m.session = Some(interner.get_prefixed("pid:", &digits[..n]));
            break;
        }
        from = open + 1;
    }
    // `user=…,db=…` (pgbadger's suggested prefix) or `user@db`.
    for part in prefix.split([',', ' ']) {
        if let Some(u) = part.strip_prefix("user=") {
            m.user = non_empty(u, interner);
        } else if let Some(d) = part.strip_prefix("db=") {
            m.db = non_empty(d, interner);
        }
    }
    if m.user.is_none()
        && let Some(at) = prefix.rfind('@')
    {
        let stop = |c: char| c.is_whitespace() || c == ':' || c == '(' || c == ')' || c == ',';
        // Past the stop character, which may be wider than a byte (a no-break space).
        let left = prefix[..at]
            .char_indices()
            .rfind(|&(_, c)| stop(c))
            .map_or(0, |(p, c)| p + c.len_utf8());
        let right = prefix[at + 1..]
            .find(stop)
            .map_or(prefix.len(), |p| p + at + 1);
        m.user = non_empty(&prefix[left..at], interner);
        m.db = non_empty(&prefix[at + 1..right], interner);
    }
}

fn non_empty(s: &str, interner: &mut Interner) -> Option<Arc<str>> {
    let s = s.trim_matches(|c: char| c == '[' || c == ']' || c == ':');
    (!s.is_empty() && s != "unknown").then(|| interner.get(s))
}

impl LineFormat for PgStderr {
    fn line(&mut self, no: u64, line: &str, src: &Lines) -> Option<Record> {
        // A continuation of the current message (PostgreSQL indents it with a tab).
        if let Some(rest) = line.strip_prefix('\t')
            && let Some(m) = self.current.as_mut()
        {
            m.text.push('\n');
            m.text.push_str(rest);
            return None;
        }
        match split_severity(line) {
            Some((prefix_end, severity, text_start)) => {
                let mut m = Message {
                    line: no,
                    severity,
                    text: line[text_start..].to_owned(),
                    ..Message::default()
                };
                parse_prefix(
                    &line[..prefix_end],
                    &mut m,
                    &mut self.asm.interner,
                    &mut self.prefixes,
                );
                if let Some(prev) = self.current.replace(m) {
                    self.asm.push(prev);
                }
                None
            }
            None if line.trim().is_empty() => None,
            None => Some(Record::Malformed(
                src.malformed(no, "not a log line (no `SEVERITY:  ` marker)")
                    .with_excerpt(line),
            )),
        }
    }

    fn end(&mut self, _src: &Lines) -> Option<Record> {
        if let Some(m) = self.current.take() {
            self.asm.push(m);
        }
        self.asm.finish();
        None
    }

    fn ready(&mut self) -> Option<Record> {
        self.asm.out.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use crate::read::{Format, test_util::read};

    #[test]
    fn duration_statement_with_debian_prefix() {
        let log = "2026-11-27 10:00:00.123 UTC [4711] app@appdb LOG:  duration: 0.250 ms  statement: SELECT *\n\tFROM users\n\tWHERE id = 1\n";
        let (ev, bad) = read(Format::PgStderr, log);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(ev.len(), 1);
        let e = &ev[0];
        assert_eq!(e.sql, "SELECT *\nFROM users\nWHERE id = 1");
        assert_eq!(e.duration_ms, Some(0.25));
        assert_eq!(e.session.as_deref(), Some("pid:4711"));
        assert_eq!(e.user.as_deref(), Some("app"));
        assert_eq!(e.db.as_deref(), Some("appdb"));
        // Written as the statement ended: it started 0.25 ms before.
        assert_eq!(e.ts.unwrap().to_string(), "2026-11-27T10:00:00.122750Z");
    }

    /// A prefix may hold multi-byte spaces around `user@db` (a `log_line_prefix`
    /// with an ideographic or no-break space): the user starts after the
    /// whole space, not one byte into it.
    #[test]
    fn user_and_database_between_wide_spaces() {
        let log = "x\u{3000}app@appdb\u{a0}LOG:  statement: SELECT 1\n";
        let (ev, bad) = read(Format::PgStderr, log);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(ev[0].user.as_deref(), Some("app"));
        assert_eq!(ev[0].db.as_deref(), Some("appdb"));
    }

    #[test]
    fn statement_and_duration_lines_pair_per_session() {
        let log = "\
2026-11-27 10:00:00 UTC:127.0.0.1(5000):app@db:[1]: LOG:  statement: SELECT 1
2026-11-27 10:00:00 UTC:127.0.0.1(5001):app@db:[2]: LOG:  statement: SELECT 2
2026-11-27 10:00:00 UTC:127.0.0.1(5001):app@db:[2]: LOG:  duration: 2.000 ms
2026-11-27 10:00:00 UTC:127.0.0.1(5000):app@db:[1]: LOG:  duration: 1.000 ms
";
        let (ev, bad) = read(Format::PgStderr, log);
        assert!(bad.is_empty(), "{bad:?}");
        let got: Vec<_> = ev.iter().map(|e| (e.sql.as_str(), e.duration_ms)).collect();
        assert_eq!(got, [("SELECT 2", Some(2.0)), ("SELECT 1", Some(1.0))]);
        assert_eq!(ev[0].user.as_deref(), Some("app"));
        assert_eq!(ev[0].db.as_deref(), Some("db"));
    }

    #[test]
    fn execute_with_parameters_and_errors() {
        let log = "\
2026-11-27 10:00:00.1 UTC [7] u@d LOG:  duration: 0.010 ms  parse <unnamed>: SELECT * FROM t WHERE id = $1
2026-11-27 10:00:00.1 UTC [7] u@d LOG:  duration: 0.020 ms  bind <unnamed>: SELECT * FROM t WHERE id = $1
2026-11-27 10:00:00.1 UTC [7] u@d DETAIL:  parameters: $1 = '5'
2026-11-27 10:00:00.1 UTC [7] u@d LOG:  duration: 0.030 ms  execute <unnamed>: SELECT * FROM t WHERE id = $1
2026-11-27 10:00:00.1 UTC [7] u@d DETAIL:  parameters: $1 = '5'
2026-11-27 10:00:00.2 UTC [7] u@d ERROR:  column \"nope\" does not exist at character 8
2026-11-27 10:00:00.2 UTC [7] u@d STATEMENT:  SELECT nope FROM t
2026-11-27 10:00:00.3 UTC [7] u@d LOG:  duration: 5 ms
";
        let (ev, bad) = read(Format::PgStderr, log);
        assert_eq!(ev.len(), 2, "{ev:?}");
        assert_eq!(ev[0].params, vec![Some("5".to_string())]);
        assert_eq!(ev[0].duration_ms, Some(0.03));
        assert_eq!(ev[1].sql, "SELECT nope FROM t");
        assert!(ev[1].error.as_deref().unwrap().contains("does not exist"));
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 8);
    }

    #[test]
    fn stray_lines_are_reported_not_dropped() {
        let (ev, bad) = read(
            Format::PgStderr,
            "garbage here\n2026-11-27 10:00:00 UTC [1] LOG:  duration: 1 ms  statement: SELECT 1\n",
        );
        assert_eq!(ev.len(), 1);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 1);
    }
}
