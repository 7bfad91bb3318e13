//! Turns one SQL statement into its normalized *shape* and a stable fingerprint.
//!
//! The rules (documented in the README, "Fingerprints"):
//! - comments are removed; sqlcommenter tags (`/*controller='x'*/`) are kept as metadata;
//! - whitespace is folded to a canonical spacing that depends only on the tokens;
//! - unquoted words are lower-cased; quoted identifiers (`"Users"`, `` `t` ``) are kept verbatim;
//! - literals (numbers, strings, dollar-quoted bodies, `TRUE`, `FALSE`, `NULL` except after `IS`)
//!   and every placeholder style (`?`, `$1`, `:name`, `%s`, `%(name)s`, `@p1`) become `?`,
//!   a unary sign folding into its number;
//! - a list of only literals after `IN` becomes `in (...)`, after `ARRAY` becomes `array[...]`;
//! - multi-row `VALUES (…), (…)` keeps only its first row;
//! - trailing `;` are dropped.
//!
//! The fingerprint id is XXH3-64 (seed 0) of the shape's UTF-8 bytes, shown as
//! 16 lower-case hex digits. Normalizing a shape again yields the same shape.

use std::fmt;

mod cache;
mod templates;

use crate::dialect::Dialect;
use crate::lexer::{Kind, Token, tokenize};
use cache::ShapeCache;
use templates::Templates;

/// The stable 64-bit id of a shape.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The id of a normalized shape.
    #[must_use]
    pub fn of_shape(shape: &str) -> Self {
        Fingerprint(xxhash_rust::xxh3::xxh3_64(shape.as_bytes()))
    }
}

/// Hashes a [`Fingerprint`] as itself: it is already a well-mixed 64-bit
/// hash, so hashing it again (`SipHash`) only costs time on the per-event path.
#[derive(Debug, Default, Clone, Copy)]
pub struct FingerprintHasher(u64);

impl std::hash::Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached if something other than a `u64` is hashed: fold it in (FNV-1a).
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by fingerprint.
pub type FingerprintMap<V> =
    std::collections::HashMap<Fingerprint, V, std::hash::BuildHasherDefault<FingerprintHasher>>;

/// A set of fingerprints.
pub type FingerprintSet =
    std::collections::HashSet<Fingerprint, std::hash::BuildHasherDefault<FingerprintHasher>>;

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// What a literal in the statement was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralKind {
    Number,
    String,
    /// `TRUE`, `FALSE` or `NULL`.
    Keyword,
    /// A bind placeholder; its value is in the event's `params`.
    Placeholder,
}

/// A literal's place in the original statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Literal {
    pub kind: LiteralKind,
    pub start: u32,
    pub end: u32,
    /// Which `?` of the shape this literal stands behind (0-based); the items
    /// of a collapsed list share their list's slot; the later rows of a
    /// multi-row `VALUES` have none ([`Literal::NO_SLOT`]).
    pub slot: u32,
}

impl Literal {
    /// The slot of literals in rows the shape leaves out.
    pub const NO_SLOT: u32 = u32::MAX;

    /// The literal's text as written in `sql`.
    #[must_use]
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        &sql[self.start as usize..self.end as usize]
    }
}

/// The result of normalizing one statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    pub shape: String,
    pub id: Fingerprint,
    /// Every literal and placeholder, in statement order (all rows of a
    /// multi-row `VALUES`, every item of a collapsed `IN` list).
    pub literals: Vec<Literal>,
    /// sqlcommenter key/value tags, URL-decoded.
    pub tags: Vec<(String, String)>,
}

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint::of_shape("")
    }
}

/// Clause keywords after which `(` keeps a space and `-1` is a signed number.
fn is_clause_word(lower: &str) -> bool {
    matches!(
        lower,
        "all"
            | "and"
            | "any"
            | "as"
            | "between"
            | "by"
            | "case"
            | "distinct"
            | "else"
            | "except"
            | "exists"
            | "filter"
            | "from"
            | "having"
            | "ilike"
            | "in"
            | "intersect"
            | "interval"
            | "is"
            | "join"
            | "like"
            | "limit"
            | "not"
            | "offset"
            | "on"
            | "or"
            | "over"
            | "return"
            | "returning"
            | "select"
            | "set"
            | "some"
            | "then"
            | "union"
            | "using"
            | "values"
            | "when"
            | "where"
            | "with"
    )
}

/// Reusable normalizer: keeps its buffers between statements so the hot path
/// does not allocate, and what it made of the statements it has seen, so
/// a statement that differs from an earlier one only in its values is
/// shaped by lookup: by its text where the rest of it is byte for byte an
/// earlier one's ([`templates`]), else by its tokens ([`cache`]).
#[derive(Debug, Default)]
pub struct Normalizer {
    dialect: Dialect,
    tokens: Vec<Token>,
    cache: ShapeCache,
    templates: Templates,
}

/// How the previously emitted piece affects spacing and signs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    Start,
    /// A value-like end: identifier, literal, `)`, `]`.
    Value,
    /// A clause word such as `select`, `in`, `values`.
    Clause,
    /// An identifier-like word that may name a function or table.
    Name,
    /// `(`, `[`, `.`, `::` — no space after.
    Open,
    /// Any other operator or punctuation.
    Op,
}

struct Emitter<'o> {
    out: &'o mut String,
    /// The next slot number, and how many literals already have theirs.
    slot: u32,
    slotted: usize,
    prev: Prev,
    /// The last emitted word, lower-cased (`is`, `not`, `in`, `values`, `array`).
    last_word: [u8; 8],
}

impl Emitter<'_> {
    fn push(&mut self, piece: &str, next: Prev) {
        let first = piece.as_bytes()[0];
        let no_space_before = matches!(piece, "," | ")" | "." | ";" | "::" | "]")
            || (first == b'(' && self.prev == Prev::Name)
            || (first == b'[' && matches!(self.prev, Prev::Name | Prev::Value));
        if (self.prev != Prev::Start && self.prev != Prev::Open && !no_space_before)
            || self.would_glue(first)
        {
            self.out.push(' ');
        }
        self.out.push_str(piece);
        self.prev = next;
        self.last_word = [0; 8];
    }

    /// Emits a `?`-like piece and gives the literals since the last one its slot.
    fn push_slot(&mut self, piece: &str, literals: &mut [Literal]) {
        self.push(piece, Prev::Value);
        for l in &mut literals[self.slotted..] {
            l.slot = self.slot;
        }
        self.slot += 1;
        self.slotted = literals.len();
    }

    /// Marks the literals since the last slot as standing behind none.
    fn unslotted(&mut self, literals: &mut [Literal]) {
        for l in &mut literals[self.slotted..] {
            l.slot = Literal::NO_SLOT;
        }
        self.slotted = literals.len();
    }

    fn push_word(&mut self, word: &str) {
        let space = self.prev != Prev::Start && self.prev != Prev::Open;
        if space || self.would_glue(word.as_bytes()[0]) {
            self.out.push(' ');
        }
        let begin = self.out.len();
        self.out.push_str(word);
        self.out[begin..].make_ascii_lowercase();
        let lower = &self.out[begin..];
        let mut last = [0u8; 8];
        if lower.len() <= 8 {
            last[..lower.len()].copy_from_slice(lower.as_bytes());
        }
        self.prev = if is_clause_word(lower) {
            Prev::Clause
        } else {
            Prev::Name
        };
        self.last_word = last;
    }

    /// Whether writing a piece starting with `next` right after the output
    /// would lex differently (`.` `.` → `..`, `.` `1x` → `.1`, `:` `::` →
    /// `:::`): then a space keeps the shape stable under re-normalization.
    fn would_glue(&self, next: u8) -> bool {
        matches!(
            (self.out.as_bytes().last(), next),
            (Some(b'.'), b'.' | b'0'..=b'9') | (Some(b':'), b':')
        )
    }

    fn last_word_is(&self, w: &str) -> bool {
        w.len() <= 8
            && &self.last_word[..w.len()] == w.as_bytes()
            && (w.len() == 8 || self.last_word[w.len()] == 0)
    }
}

impl Normalizer {
    #[must_use]
    pub fn new(dialect: Dialect) -> Self {
        Normalizer {
            dialect,
            tokens: Vec::new(),
            cache: ShapeCache::default(),
            templates: Templates::default(),
        }
    }

    /// The dialect whose lexing rules this normalizer applies.
    #[must_use]
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Normalizes `sql` into a fresh [`Normalized`].
    #[must_use]
    pub fn normalize(&mut self, sql: &str) -> Normalized {
        let mut out = Normalized::default();
        self.normalize_into(sql, &mut out);
        out
    }

    /// Normalizes `sql` into `out`, reusing its allocations.
    pub fn normalize_into(&mut self, sql: &str, out: &mut Normalized) {
        out.shape.clear();
        out.literals.clear();
        out.tags.clear();
        if self.templates.fill(sql, self.dialect, out) {
            return;
        }
        self.tokens.clear();
        self.cache.begin();
        // Tokens end on character boundaries: their bytes need no check.
        let bytes = sql.as_bytes();
        for tok in tokenize(sql, self.dialect).without_whitespace() {
            let text = &bytes[tok.start as usize..tok.end as usize];
            match tok.kind {
                Kind::Whitespace | Kind::LineComment => {}
                // `ORDER BY a ASC` is `ORDER BY a`: ascending is the default.
                Kind::Word if text.eq_ignore_ascii_case(b"asc") => {}
                Kind::BlockComment => parse_sqlcommenter(tok.text(sql), &mut out.tags),
                _ => {
                    self.cache.push(tok.kind, text);
                    self.tokens.push(tok);
                }
            }
        }
        if self.cache.fill(&self.tokens, out) {
            // Its token sequence came before: its text may well come again.
            self.templates.keep(sql, self.dialect, out);
            return;
        }
        self.apply_rules(sql, out);
        self.cache.keep(&self.tokens, out);
    }

    /// Applies the shaping rules to the collected tokens of `sql`.
    fn apply_rules(&mut self, sql: &str, out: &mut Normalized) {
        while self
            .tokens
            .last()
            .is_some_and(|t| t.kind == Kind::Punct && t.text(sql) == ";")
        {
            self.tokens.pop();
        }
        let mut em = Emitter {
            out: &mut out.shape,
            slot: 0,
            slotted: 0,
            prev: Prev::Start,
            last_word: [0; 8],
        };
        let toks = &self.tokens;
        let literals = &mut out.literals;
        // Paren depth at which the first row of a VALUES list closes.
        let mut values_row_depth: Option<usize> = None;
        let mut depth = 0usize;
        let mut i = 0;
        while i < toks.len() {
            let t = toks[i];
            let text = t.text(sql);
            match t.kind {
                Kind::Word => {
                    // NULL/TRUE/FALSE are values where a value goes (`= NULL`,
                    // `VALUES (NULL)`), not in `IS [NOT] NULL` or `NOT NULL`/`DEFAULT NULL`.
                    if let Some(kind) = keyword_literal(text) {
                        let value_position =
                            matches!(em.prev, Prev::Start | Prev::Op | Prev::Open | Prev::Clause)
                                && !em.last_word_is("is")
                                && !em.last_word_is("not");
                        if value_position {
                            literals.push(lit(kind, t));
                            em.push_slot("?", literals);
                            i += 1;
                            continue;
                        }
                    }
                    em.push_word(text);
                }
                Kind::QuotedIdent => em.push(text, Prev::Name),
                Kind::Number | Kind::String | Kind::DollarString | Kind::Placeholder => {
                    literals.push(lit(literal_kind(t.kind), t));
                    em.push_slot("?", literals);
                }
                Kind::Ellipsis => em.push("...", Prev::Value),
                Kind::Punct => {
                    // A unary sign folds into the number that follows it.
                    if (text == "-" || text == "+")
                        && !matches!(em.prev, Prev::Value | Prev::Name)
                        && toks.get(i + 1).is_some_and(|n| n.kind == Kind::Number)
                    {
                        let n = toks[i + 1];
                        literals.push(Literal {
                            kind: LiteralKind::Number,
                            start: t.start,
                            end: n.end,
                            slot: 0,
                        });
                        em.push_slot("?", literals);
                        i += 2;
                        continue;
                    }
                    match text {
                        "(" => {
                            if em.last_word_is("in")
                                && let Some(close) = literal_list_end(toks, i, sql, ")")
                            {
                                collect_literals(toks, i + 1, close, sql, literals);
                                em.push_slot("(...)", literals);
                                i = close + 1;
                                continue;
                            }
                            // MySQL also accepts the singular `VALUE (…), (…)`.
                            if (em.last_word_is("values") || em.last_word_is("value"))
                                && values_row_depth.is_none()
                            {
                                values_row_depth = Some(depth);
                            }
                            depth += 1;
                            em.push("(", Prev::Open);
                        }
                        "[" => {
                            if em.last_word_is("array")
                                && let Some(close) = literal_list_end(toks, i, sql, "]")
                            {
                                collect_literals(toks, i + 1, close, sql, literals);
                                em.push_slot("[...]", literals);
                                i = close + 1;
                                continue;
                            }
                            depth += 1;
                            em.push("[", Prev::Open);
                        }
                        ")" | "]" => {
                            depth = depth.saturating_sub(1);
                            em.push(text, Prev::Value);
                            if text == ")" && values_row_depth == Some(depth) {
                                values_row_depth = None;
                                i = skip_more_rows(toks, i + 1, sql, literals);
                                em.unslotted(literals);
                                continue;
                            }
                        }
                        "." | "::" => em.push(text, Prev::Open),
                        _ => em.push(text, Prev::Op),
                    }
                }
                Kind::Whitespace | Kind::LineComment | Kind::BlockComment => {}
            }
            i += 1;
        }
        out.id = Fingerprint::of_shape(&out.shape);
    }
}

fn lit(kind: LiteralKind, t: Token) -> Literal {
    Literal {
        kind,
        start: t.start,
        end: t.end,
        slot: 0,
    }
}

fn literal_kind(kind: Kind) -> LiteralKind {
    match kind {
        Kind::Number => LiteralKind::Number,
        Kind::Placeholder => LiteralKind::Placeholder,
        _ => LiteralKind::String,
    }
}

fn keyword_literal(word: &str) -> Option<LiteralKind> {
    (word.len() <= 5
        && (word.eq_ignore_ascii_case("null")
            || word.eq_ignore_ascii_case("true")
            || word.eq_ignore_ascii_case("false")))
    .then_some(LiteralKind::Keyword)
}

/// Whether a token may stand in a collapsible literal list: literals, signs,
/// tuples, and casts of literals (`$1::uuid`).
fn is_list_item(toks: &[Token], j: usize, sql: &str) -> bool {
    let t = toks[j];
    match t.kind {
        Kind::Number | Kind::String | Kind::DollarString | Kind::Placeholder | Kind::Ellipsis => {
            true
        }
        Kind::Punct => matches!(t.text(sql), "," | "-" | "+" | "(" | ")" | "::"),
        Kind::Word => {
            keyword_literal(t.text(sql)).is_some()
                || (j > 0 && toks[j - 1].kind == Kind::Punct && toks[j - 1].text(sql) == "::")
        }
        _ => false,
    }
}

/// If the bracket at `open` encloses only literals (and tuples of them),
/// returns the index of its matching `close`.
fn literal_list_end(toks: &[Token], open: usize, sql: &str, close: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut saw_item = false;
    for (j, t) in toks.iter().enumerate().skip(open + 1) {
        let text = t.text(sql);
        if t.kind == Kind::Punct && text == close && depth == 0 {
            return saw_item.then_some(j);
        }
        if !is_list_item(toks, j, sql) {
            return None;
        }
        match text {
            "(" => depth += 1,
            ")" => depth = depth.checked_sub(1)?,
            _ => saw_item |= t.kind != Kind::Punct,
        }
    }
    None
}

fn collect_literals(toks: &[Token], from: usize, to: usize, sql: &str, out: &mut Vec<Literal>) {
    let mut j = from;
    while j < to {
        let t = toks[j];
        match t.kind {
            Kind::Number | Kind::String | Kind::DollarString | Kind::Placeholder => {
                out.push(lit(literal_kind(t.kind), t));
            }
            Kind::Word if keyword_literal(t.text(sql)).is_some() => {
                out.push(lit(LiteralKind::Keyword, t));
            }
            Kind::Punct
                if matches!(t.text(sql), "-" | "+")
                    && toks.get(j + 1).is_some_and(|n| n.kind == Kind::Number) =>
            {
                out.push(Literal {
                    kind: LiteralKind::Number,
                    start: t.start,
                    end: toks[j + 1].end,
                    slot: 0,
                });
                j += 1;
            }
            _ => {}
        }
        j += 1;
    }
}

/// After the first row of a `VALUES` list, skips `, ( … )` rows, keeping their
/// literals; returns the index of the first token after them.
fn skip_more_rows(toks: &[Token], mut i: usize, sql: &str, literals: &mut Vec<Literal>) -> usize {
    while toks.get(i).is_some_and(|t| t.text(sql) == ",")
        && toks.get(i + 1).is_some_and(|t| t.text(sql) == "(")
    {
        let mut depth = 0usize;
        let mut j = i + 1;
        while j < toks.len() {
            match toks[j].text(sql) {
                "(" if toks[j].kind == Kind::Punct => depth += 1,
                ")" if toks[j].kind == Kind::Punct => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        collect_literals(toks, i + 2, j.min(toks.len()), sql, literals);
        i = j + 1;
    }
    i
}

/// Reads sqlcommenter tags (`/*key='value',other='x%20y'*/`) from a comment.
/// Comments that are not entirely tags are ignored.
fn parse_sqlcommenter(comment: &str, tags: &mut Vec<(String, String)>) {
    let body = comment
        .strip_prefix("/*")
        .and_then(|c| c.strip_suffix("*/"))
        .unwrap_or("")
        .trim();
    if body.is_empty() || !body.contains("='") {
        return;
    }
    let before = tags.len();
    let mut rest = body;
    loop {
        let Some(eq) = rest.find("='") else {
            tags.truncate(before);
            return;
        };
        let key = rest[..eq].trim();
        let after = &rest[eq + 2..];
        // Values escape `'` as `\'`.
        let mut end = None;
        let bytes = after.as_bytes();
        let mut k = 0;
        while k < bytes.len() {
            match bytes[k] {
                b'\\' => k += 2,
                b'\'' => {
                    end = Some(k);
                    break;
                }
                _ => k += 1,
            }
        }
        let Some(end) = end else {
            tags.truncate(before);
            return;
        };
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'%'))
        {
            tags.truncate(before);
            return;
        }
        tags.push((
            url_decode(key),
            url_decode(&after[..end].replace("\\'", "'")),
        ));
        rest = after[end + 1..].trim_start();
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start(),
            None if rest.is_empty() => return,
            None => {
                tags.truncate(before);
                return;
            }
        }
    }
}

fn url_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char)
        .to_digit(16)
        .map(|d| u8::try_from(d).unwrap_or(0))
}

/// Normalizes one statement with a throwaway normalizer (convenient, not for hot loops).
#[must_use]
pub fn normalize(sql: &str, dialect: Dialect) -> Normalized {
    Normalizer::new(dialect).normalize(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(sql: &str) -> String {
        normalize(sql, Dialect::PostgreSql).shape
    }

    #[test]
    fn pairs() {
        let cases = [
            (
                "SELECT * FROM users WHERE id = 42",
                "select * from users where id = ?",
            ),
            (
                "select *\n  from users\twhere id=$1;",
                "select * from users where id = ?",
            ),
            (
                r#"SELECT "users"."id" FROM "users" WHERE "users"."email" = 'a@b'"#,
                r#"select "users"."id" from "users" where "users"."email" = ?"#,
            ),
            (
                "SELECT a FROM t WHERE b IN (1, 2, 3)",
                "select a from t where b in (...)",
            ),
            (
                "SELECT a FROM t WHERE b IN ($1,$2)",
                "select a from t where b in (...)",
            ),
            (
                "SELECT a FROM t WHERE (a, b) IN ((1, 2), (3, 4))",
                "select a from t where (a, b) in (...)",
            ),
            (
                "SELECT a FROM t WHERE b IN (SELECT c FROM d WHERE e = 1)",
                "select a from t where b in (select c from d where e = ?)",
            ),
            (
                "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')",
                "insert into t(a, b) values (?, ?)",
            ),
            (
                "INSERT INTO t (a) VALUES (1) RETURNING id",
                "insert into t(a) values (?) returning id",
            ),
            (
                "SELECT count(*) FROM t WHERE x = -1 AND y > +2.5",
                "select count(*) from t where x = ? and y > ?",
            ),
            ("SELECT a - 1 FROM t", "select a - ? from t"),
            (
                "SELECT * FROM t WHERE a IS NULL AND b IS NOT NULL AND c = NULL AND d = TRUE",
                "select * from t where a is null and b is not null and c = ? and d = ?",
            ),
            (
                "CREATE TABLE t (a int NOT NULL DEFAULT NULL, b bool DEFAULT TRUE)",
                "create table t(a int not null default null, b bool default true)",
            ),
            (
                "INSERT INTO t VALUES (NULL, true)",
                "insert into t values (?, ?)",
            ),
            (
                "SELECT x::text, ARRAY[1,2] FROM t LIMIT 10 OFFSET 20",
                "select x::text, array[...] from t limit ? offset ?",
            ),
            (
                "SELECT * FROM t WHERE a = :name AND b = %s AND c = %(c)s AND d = @p1 AND e = ?",
                "select * from t where a = ? and b = ? and c = ? and d = ? and e = ?",
            ),
            ("/* hi */ SELECT 1 -- trailing\n", "select ?"),
            (
                "SELECT * FROM x WHERE y IN ($1::uuid, $2::uuid)",
                "select * from x where y in (...)",
            ),
            (
                "SELECT a FROM t ORDER BY a ASC, b DESC",
                "select a from t order by a, b desc",
            ),
            (
                "INSERT INTO t (a) VALUE (1), (2)",
                "insert into t(a) value(?)",
            ),
            ("SELECT 0b1010, b'01', x'1F', 0x1F", "select ?, ?, ?, ?"),
            ("SELECT $f$ body $f$", "select ?"),
        ];
        for (raw, want) in cases {
            assert_eq!(shape(raw), want, "{raw}");
        }
    }

    #[test]
    fn idempotent_on_its_own_output() {
        for sql in [
            "a. . .b",
            "select t. 1x from t",
            "a:: : b",
            "insert into t(a, b) values (?, ?)",
            "select a from t where b in (...) and c = any (array[...])",
            "select x::text from t where a is not null limit ?",
        ] {
            assert_eq!(shape(sql), sql);
        }
    }

    #[test]
    fn quoted_identifiers_keep_tables_apart() {
        let a = normalize(
            r#"SELECT "users".* FROM "users" WHERE "users"."id" = 1"#,
            Dialect::PostgreSql,
        );
        let b = normalize(
            r#"SELECT "posts".* FROM "posts" WHERE "posts"."id" = 1"#,
            Dialect::PostgreSql,
        );
        assert_ne!(a.id, b.id);
    }

    #[test]
    fn mysql_double_quotes_are_strings() {
        let n = normalize(r#"SELECT * FROM t WHERE name = "bob""#, Dialect::MySql);
        assert_eq!(n.shape, "select * from t where name = ?");
    }

    #[test]
    fn literals_are_kept_in_order() {
        let sql = "SELECT * FROM t WHERE a = 'x' AND b IN (1, -2) AND c = $1";
        let n = normalize(sql, Dialect::PostgreSql);
        let texts: Vec<_> = n.literals.iter().map(|l| l.text(sql)).collect();
        assert_eq!(texts, ["'x'", "1", "-2", "$1"]);
        let slots: Vec<_> = n.literals.iter().map(|l| l.slot).collect();
        assert_eq!(slots, [0, 1, 1, 2]);
        assert_eq!(n.literals[3].kind, LiteralKind::Placeholder);
    }

    #[test]
    fn values_rows_keep_all_literals() {
        let sql = "INSERT INTO t VALUES (1, 2), (3, 4)";
        let n = normalize(sql, Dialect::PostgreSql);
        assert_eq!(n.literals.len(), 4);
        let slots: Vec<_> = n.literals.iter().map(|l| l.slot).collect();
        assert_eq!(slots, [0, 1, Literal::NO_SLOT, Literal::NO_SLOT]);
    }

    #[test]
    fn sqlcommenter_tags() {
        let n = normalize(
            "SELECT 1 /*controller='posts',action='index',traceparent='00-abc-01',route='%2Fposts%2F%3Aid'*/",
            Dialect::PostgreSql,
        );
        assert_eq!(n.shape, "select ?");
        assert_eq!(n.tags[0], ("controller".into(), "posts".into()));
        assert_eq!(n.tags[3], ("route".into(), "/posts/:id".into()));
        let plain = normalize(
            "SELECT 1 /* just a note, x='y' said */",
            Dialect::PostgreSql,
        );
        assert!(plain.tags.is_empty());
    }

    #[test]
    fn id_is_stable() {
        // The documented id: XXH3-64 of the shape's bytes. Changing it breaks
        // every stored baseline, so this value is pinned.
        let n = normalize("SELECT 1", Dialect::Generic);
        assert_eq!(n.shape, "select ?");
        assert_eq!(
            n.id.to_string(),
            format!("{:016x}", xxhash_rust::xxh3::xxh3_64(b"select ?"))
        );
    }
}
