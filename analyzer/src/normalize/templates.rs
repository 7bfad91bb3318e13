//! The normalizer's memory of statement texts, as templates: the text of a
//! statement it has shaped, split into fixed text and the values between.
//!
//! An application's statements repeat byte for byte except for their values
//! (`… WHERE aid = 41234;`, then `… WHERE aid = 97;`). When a text is an
//! earlier one's fixed text with other values in the same places, it would
//! lex into the same tokens, values aside, and so get the same shape, id
//! and slots ([`super::cache`]): only its literals' offsets are its own.
//! Texts with sqlcommenter tags are not kept (see [`Templates::keep`]).
//! Matching a template takes a comparison of the fixed text and one token
//! lexed per value, instead of lexing the whole text; in the proxy that is
//! most of what normalizing a statement cost (bench/README.md).
//!
//! Why a match is sound: the lexer reads left to right and decides where a
//! token ends from the bytes at and after it; of a value that follows, a
//! token looks at no more than its first byte (and back one byte, for `:`
//! only, which no value ends with). Each value is lexed here by the lexer
//! itself, at the same place after the same fixed text, and must give a
//! token of the same kind, starting with the same kind of byte, that ends
//! exactly where the next fixed text starts. Then every token of the fixed
//! text is what it was.
//!
//! Templates are looked up by the text's first bytes, up to the first that
//! can start a value (a quote, or a digit, `.` or `$` not inside a word),
//! which a matching text shares. A template is made from a text whose token
//! sequence was seen before (a hit of the shape cache), so statements that
//! run once cost no template. The memory is bounded like the shape cache's.

use crate::dialect::Dialect;
use crate::lexer::{Kind, byte_set, is_ident_char, token_at};
use crate::normalize::{Fingerprint, FingerprintMap, Literal, LiteralKind, Normalized};

/// Bytes of texts, shapes and literals kept before the templates are dropped.
const BUDGET: usize = 4 << 20;
/// The longest text kept as a template.
const MAX_TEXT: usize = 16 << 10;
/// The longest prefix templates are looked up by: enough to tell most
/// statements apart, short enough to cost little when none matches.
const PREFIX: usize = 32;
/// Templates kept per prefix; a new one replaces the oldest. Those tried in
/// vain cost a comparison each, up to the first byte that differs.
const PER_PREFIX: usize = 8;
/// What one template costs beyond its bytes (map slot, boxes' headers).
const OVERHEAD: usize = 96;

/// Templates by their prefix's hash.
#[derive(Debug, Default)]
pub(super) struct Templates {
    by_prefix: FingerprintMap<Vec<Template>>,
    bytes: usize,
    /// Where the values of the text being matched lie, in order.
    spans: Vec<(u32, u32)>,
    #[cfg(test)]
    pub(super) hits: usize,
}

/// One shaped text and what the normalizer made of it.
#[derive(Debug)]
struct Template {
    text: Box<str>,
    /// The literal tokens whose text may differ, in order.
    values: Box<[Value]>,
    shape: Box<str>,
    id: Fingerprint,
    /// The text's literals, as offsets into `text`.
    literals: Box<[Literal]>,
}

/// A value's token in the template's text.
#[derive(Debug, Clone, Copy)]
struct Value {
    kind: Kind,
    start: u32,
    end: u32,
}

impl Templates {
    /// Fills `out` (emptied) from a template `sql` matches; whether one did.
    pub(super) fn fill(&mut self, sql: &str, dialect: Dialect, out: &mut Normalized) -> bool {
        if sql.len() > MAX_TEXT {
            return false;
        }
        let Some(list) = self.by_prefix.get(&prefix_key(sql.as_bytes(), dialect)) else {
            return false;
        };
        let Some(template) = list
            .iter()
            .rev()
            .find(|t| t.matches(sql, dialect, &mut self.spans))
        else {
            return false;
        };
        out.shape.push_str(&template.shape);
        out.id = template.id;
        template.place_literals(&self.spans, &mut out.literals);
        #[cfg(test)]
        {
            self.hits += 1;
        }
        true
    }

    /// Keeps `sql`, normalized into `out`, as a template; not if it has
    /// sqlcommenter tags, which mostly carry a trace or request id that
    /// differs in every statement: each would make a template never matched.
    pub(super) fn keep(&mut self, sql: &str, dialect: Dialect, out: &Normalized) {
        if sql.len() > MAX_TEXT || !out.tags.is_empty() {
            return;
        }
        let Some(template) = Template::of(sql, dialect, out) else {
            return;
        };
        let cost = template.cost();
        if self.bytes + cost > BUDGET {
            self.by_prefix.clear();
            self.bytes = 0;
        }
        let list = self
            .by_prefix
            .entry(prefix_key(sql.as_bytes(), dialect))
            .or_default();
        if list.len() == PER_PREFIX {
            self.bytes -= list.remove(0).cost();
        }
        list.push(template);
        self.bytes += cost;
    }
}

impl Template {
    /// The template of `sql`, or `None` if a literal is not where a token is.
    fn of(sql: &str, dialect: Dialect, out: &Normalized) -> Option<Template> {
        let mut values = Vec::new();
        for l in &out.literals {
            let start = match l.kind {
                LiteralKind::Keyword | LiteralKind::Placeholder => continue,
                LiteralKind::String => l.start,
                // A sign folded into the number: the value is the number.
                LiteralKind::Number => number_start(sql, l, dialect)?,
            };
            let token = token_at(sql, start as usize, dialect)?;
            if token.end != l.end
                || !matches!(token.kind, Kind::Number | Kind::String | Kind::DollarString)
            {
                return None;
            }
            values.push(Value {
                kind: token.kind,
                start,
                end: token.end,
            });
        }
        Some(Template {
            text: sql.into(),
            values: values.into(),
            shape: out.shape.as_str().into(),
            id: out.id,
            literals: out.literals.as_slice().into(),
        })
    }

    /// Whether `sql` is this template's fixed text with values of the same
    /// kinds in their places; `spans` gets where those values lie.
    fn matches(&self, sql: &str, dialect: Dialect, spans: &mut Vec<(u32, u32)>) -> bool {
        spans.clear();
        let (old, new) = (self.text.as_bytes(), sql.as_bytes());
        let (mut at_old, mut at_new) = (0, 0);
        for v in &self.values {
            let fixed = &old[at_old..v.start as usize];
            if !new[at_new..].starts_with(fixed) {
                return false;
            }
            at_new += fixed.len();
            let Some(&first) = new.get(at_new) else {
                return false;
            };
            if lead(first) != lead(old[v.start as usize]) {
                return false;
            }
            match token_at(sql, at_new, dialect) {
                Some(t) if t.kind == v.kind => {
                    spans.push((t.start, t.end));
                    at_new = t.end as usize;
                }
                _ => return false,
            }
            at_old = v.end as usize;
        }
        new[at_new..] == old[at_old..]
    }

    /// The literals at their places in the matched text, whose values lie
    /// at `spans`: every offset moves by how much the values before it grew.
    /// Literals and values are both in text order: one walk over each.
    fn place_literals(&self, spans: &[(u32, u32)], out: &mut Vec<Literal>) {
        let mut next = 0;
        let mut shift = 0i64;
        let mut moved = |offset: u32| -> u32 {
            while let Some(v) = self.values.get(next)
                && v.end <= offset
            {
                let (start, end) = spans[next];
                shift += i64::from(end - start) - i64::from(v.end - v.start);
                next += 1;
            }
            // Offsets in either text are below MAX_TEXT.
            u32::try_from(i64::from(offset) + shift).unwrap_or(offset)
        };
        out.extend(self.literals.iter().map(|l| {
            let start = moved(l.start);
            Literal {
                start,
                end: moved(l.end),
                ..*l
            }
        }));
    }

    /// The bytes it counts against [`BUDGET`].
    fn cost(&self) -> usize {
        self.text.len()
            + self.shape.len()
            + self.values.len() * size_of::<Value>()
            + self.literals.len() * size_of::<Literal>()
            + OVERHEAD
    }
}

/// Where the number token of a number literal starts: past its folded
/// sign and whatever the lexer skips between them.
fn number_start(sql: &str, l: &Literal, dialect: Dialect) -> Option<u32> {
    let mut at = l.start as usize;
    if matches!(sql.as_bytes().get(at), Some(b'-' | b'+')) {
        at += 1;
        loop {
            let t = token_at(sql, at, dialect)?;
            if t.kind == Kind::Number {
                break;
            }
            if !matches!(
                t.kind,
                Kind::Whitespace | Kind::LineComment | Kind::BlockComment
            ) {
                return None;
            }
            at = t.end as usize;
        }
    }
    u32::try_from(at).ok()
}

/// What must agree between a value's first byte and its template's: digits
/// are alike; anything else (a quote, `.`, `$`, a string's `E` or `N`)
/// must be the same byte.
fn lead(b: u8) -> u8 {
    if b.is_ascii_digit() { b'0' } else { b }
}

/// The hash of `text` up to the first byte that can start a value (a
/// quote that makes a string, or a digit, `.` or `$` not inside a word),
/// looking no further than [`PREFIX`] bytes. A text that matches a
/// template has the template's fixed text up to there.
fn prefix_key(text: &[u8], dialect: Dialect) -> Fingerprint {
    let window = &text[..text.len().min(PREFIX)];
    let mut end = window.len();
    let mut from = 0;
    while let Some(at) = window[from..]
        .iter()
        .position(|&b| MAY_LEAD[usize::from(b)])
    {
        let i = from + at;
        let leads = match window[i] {
            b'\'' => true,
            b'"' => dialect.double_quote_is_string(),
            _ => i == 0 || !is_ident_char(window[i - 1]),
        };
        if leads {
            end = i;
            break;
        }
        from = i + 1;
    }
    Fingerprint(xxhash_rust::xxh3::xxh3_64(&window[..end]))
}

/// Bytes that may start a value.
const MAY_LEAD: [bool; 256] = byte_set(b"0123456789.$'\"");

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::normalize::{Normalized, Normalizer, normalize};

    /// Normalizes each text with one normalizer, checking every result
    /// against a fresh normalizer's; how many came from a template.
    fn hits(dialect: Dialect, texts: &[&str]) -> usize {
        let mut reused = Normalizer::new(dialect);
        let mut out = Normalized::default();
        for text in texts {
            reused.normalize_into(text, &mut out);
            assert_eq!(out, normalize(text, dialect), "{text}");
        }
        reused.templates.hits
    }

    #[test]
    fn texts_differing_only_in_values_match_a_template() {
        let texts = [
            "SELECT abalance FROM pgbench_accounts WHERE aid = 1;",
            "SELECT abalance FROM pgbench_accounts WHERE aid = 22;",
            "SELECT abalance FROM pgbench_accounts WHERE aid = 333;",
            "SELECT abalance FROM pgbench_accounts WHERE aid = 4.5e6;",
            "UPDATE t SET b = b + -1 WHERE a = 'x' AND c IS NULL /* why */",
            "UPDATE t SET b = b + -22 WHERE a = 'yy' AND c IS NULL /* why */",
            "UPDATE t SET b = b + -333 WHERE a = 'it''s' AND c IS NULL /* why */",
            "SELECT * FROM t1 WHERE a IN (1, 2) AND b = $1",
            "SELECT * FROM t1 WHERE a IN (11, 22) AND b = $1",
            "SELECT * FROM t1 WHERE a IN (111, 222) AND b = $1",
            "BEGIN",
            "BEGIN",
            "BEGIN",
        ];
        // The first two of each kind are lexed; the third on come from a template.
        assert_eq!(hits(Dialect::PostgreSql, &texts), 5);
    }

    #[test]
    fn texts_that_lex_otherwise_do_not_match() {
        let base = "SELECT a FROM t WHERE b = 10 AND c = 'x'";
        for variant in [
            // The value is no longer the same kind of token, or not one token.
            "SELECT a FROM t WHERE b = 1e AND c = 'x'",
            "SELECT a FROM t WHERE b = 10x AND c = 'x'",
            "SELECT a FROM t WHERE b = .5 AND c = 'x'",
            "SELECT a FROM t WHERE b = 10 AND c = E'x'",
            "SELECT a FROM t WHERE b = 10 AND c = 'x' || 'y'",
            // The fixed text differs, if only by a space.
            "SELECT a FROM t WHERE b = 10 AND c = 'x' ",
        ] {
            assert_eq!(
                hits(Dialect::PostgreSql, &[base, base, variant]),
                0,
                "{variant}"
            );
        }
        // A value that lexes further (an unterminated string) swallows the
        // fixed text after it: no match. At the end there is none to
        // swallow, and the text lexes as the template's did.
        let inner = "SELECT a FROM t WHERE c = 'x' AND b = 10";
        let swallowing = "SELECT a FROM t WHERE c = 'x'' AND b = 10";
        assert_eq!(hits(Dialect::PostgreSql, &[inner, inner, swallowing]), 0);
        assert_eq!(
            hits(
                Dialect::PostgreSql,
                &[base, base, "SELECT a FROM t WHERE b = 10 AND c = 'x"]
            ),
            1
        );
        // Texts with sqlcommenter tags make no template.
        let tagged = "SELECT a FROM t WHERE b = 1 /* traceparent='00-1' */";
        assert_eq!(hits(Dialect::PostgreSql, &[tagged, tagged, tagged]), 0);
        // MySQL: `"…"` is a string, with backslash escapes.
        let mysql = r#"SELECT a FROM t WHERE c = "x" AND d = 'y'"#;
        let escaped = r#"SELECT a FROM t WHERE c = "\"" AND d = 'y\''"#;
        assert_eq!(hits(Dialect::MySql, &[mysql, mysql, escaped]), 1);
        let swallowed = r#"SELECT a FROM t WHERE c = "x\" AND d = 'y'"#;
        assert_eq!(hits(Dialect::MySql, &[mysql, mysql, swallowed]), 0);
    }
}
