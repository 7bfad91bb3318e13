//! The normalizer's memory of token sequences it has shaped.
//!
//! A statement's shape, fingerprint and literal slots depend only on its
//! tokens' kinds and on the text of the tokens that are not literals: the
//! shaping rules never read a literal's text. So a statement that differs
//! from an earlier one only in its values (the common case: an application
//! runs a few hundred statements with changing values) is shaped by one
//! lookup instead of the rules, and only its literals' positions are its own.
//! The lexing stays per statement (unless the text matches a template,
//! [`super::templates`], which is tried first). In the proxy a select-only
//! statement's normalizing went from 3,410 instructions to 2,460, 1,300 of
//! them the lexer's (bench/README.md).
//!
//! The key is built as the normalizer collects tokens: each token's kind,
//! then, unless it is a literal, its text and a 0xFF byte (which UTF-8 text
//! never contains). The memory is bounded: past [`BUDGET`] bytes it starts
//! again empty, and statements whose key would exceed [`MAX_KEY`] are
//! shaped by the rules each time.

use crate::lexer::{Kind, Token};
use crate::normalize::{Fingerprint, FingerprintMap, Literal, LiteralKind, Normalized};

/// Bytes of keys, shapes and slots kept before the cache is emptied.
const BUDGET: usize = 4 << 20;
/// The longest key kept: longer statements are rare and costly to keep.
const MAX_KEY: usize = 8 << 10;
/// What one entry costs beyond its bytes (map slot, boxes' headers).
const ENTRY_OVERHEAD: usize = 64;

/// Shapes by token sequence.
#[derive(Debug, Default)]
pub(super) struct ShapeCache {
    /// By the key's XXH3 hash; each entry holds its key, so a collision is a miss.
    entries: FingerprintMap<Shaped>,
    bytes: usize,
    /// The current statement's key; once past [`MAX_KEY`] it stops
    /// growing, and the statement is neither looked up nor kept.
    key: Vec<u8>,
    #[cfg(test)]
    pub(super) hits: usize,
}

/// What the rules made of one token sequence.
#[derive(Debug)]
struct Shaped {
    key: Box<[u8]>,
    shape: Box<str>,
    id: Fingerprint,
    literals: Box<[Slotted]>,
}

/// A literal by the indexes of its first and last tokens.
#[derive(Debug, Clone, Copy)]
struct Slotted {
    kind: LiteralKind,
    first: u32,
    last: u32,
    slot: u32,
}

impl ShapeCache {
    /// Starts the key of a new statement.
    pub(super) fn begin(&mut self) {
        self.key.clear();
    }

    /// Adds the next token the rules will see.
    pub(super) fn push(&mut self, kind: Kind, text: &[u8]) {
        if self.too_long() {
            return;
        }
        let key = &mut self.key;
        key.push(kind as u8);
        if !matches!(
            kind,
            Kind::Number | Kind::String | Kind::DollarString | Kind::Placeholder
        ) {
            key.extend_from_slice(text);
            key.push(0xFF);
        }
    }

    fn too_long(&self) -> bool {
        self.key.len() > MAX_KEY
    }

    /// Fills `out` (whose tags are already read) from an earlier statement
    /// with the same key; whether there was one.
    pub(super) fn fill(&mut self, tokens: &[Token], out: &mut Normalized) -> bool {
        if self.too_long() {
            return false;
        }
        let Some(shaped) = self
            .entries
            .get(&key_hash(&self.key))
            .filter(|s| *s.key == *self.key)
        else {
            return false;
        };
        out.shape.push_str(&shaped.shape);
        out.id = shaped.id;
        out.literals.extend(shaped.literals.iter().map(|l| Literal {
            kind: l.kind,
            start: tokens[l.first as usize].start,
            end: tokens[l.last as usize].end,
            slot: l.slot,
        }));
        #[cfg(test)]
        {
            self.hits += 1;
        }
        true
    }

    /// Keeps what the rules made of the current statement's `tokens`.
    pub(super) fn keep(&mut self, tokens: &[Token], out: &Normalized) {
        if self.too_long() {
            return;
        }
        let Some(literals) = out
            .literals
            .iter()
            .map(|l| slotted(tokens, l))
            .collect::<Option<Box<[Slotted]>>>()
        else {
            return;
        };
        let shaped = Shaped {
            key: self.key.as_slice().into(),
            shape: out.shape.as_str().into(),
            id: out.id,
            literals,
        };
        if self.bytes + shaped.cost() > BUDGET {
            self.entries.clear();
            self.bytes = 0;
        }
        self.bytes += shaped.cost();
        // A colliding key is replaced, and its bytes no longer kept.
        if let Some(old) = self.entries.insert(key_hash(&self.key), shaped) {
            self.bytes -= old.cost();
        }
    }
}

impl Shaped {
    /// The bytes it counts against [`BUDGET`].
    fn cost(&self) -> usize {
        self.key.len()
            + self.shape.len()
            + self.literals.len() * std::mem::size_of::<Slotted>()
            + ENTRY_OVERHEAD
    }
}

fn key_hash(key: &[u8]) -> Fingerprint {
    Fingerprint(xxhash_rust::xxh3::xxh3_64(key))
}

/// The literal's first and last tokens (a signed number spans two).
fn slotted(tokens: &[Token], l: &Literal) -> Option<Slotted> {
    let first = tokens.binary_search_by_key(&l.start, |t| t.start).ok()?;
    let last = tokens.binary_search_by_key(&l.end, |t| t.end).ok()?;
    Some(Slotted {
        kind: l.kind,
        first: u32::try_from(first).ok()?,
        last: u32::try_from(last).ok()?,
        slot: l.slot,
    })
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::normalize::{Normalized, Normalizer, normalize};

    /// Normalizes each text with one normalizer, checking every result
    /// against a fresh normalizer's; how many came from the cache.
    fn hits(texts: &[&str]) -> usize {
        let mut reused = Normalizer::new(Dialect::PostgreSql);
        let mut out = Normalized::default();
        for text in texts {
            reused.normalize_into(text, &mut out);
            assert_eq!(out, normalize(text, Dialect::PostgreSql), "{text}");
        }
        reused.cache.hits
    }

    #[test]
    fn statements_differing_only_in_values_are_shaped_by_lookup() {
        let texts = [
            "SELECT * FROM users WHERE id = 1",
            "select * from users where id = 22",
            "SELECT * FROM users WHERE id = 333;",
            "SELECT * FROM users WHERE id = $1",
            "SELECT * FROM users WHERE id = 'x' /* controller='a' */",
            "SELECT * FROM users WHERE id = 'yy' /* controller='b',action='c' */",
            "SELECT * FROM users WHERE id = -5",
            "SELECT * FROM users WHERE id = -66",
            "SELECT * FROM users WHERE id IN (1, 2, 3) AND flag = NULL",
            "SELECT * FROM users WHERE id IN (44, 55, 66) AND flag = NULL",
            "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')",
            "INSERT INTO t (a, b) VALUES (10, 'xx'), (20, $$y$$), (30, 'zz')",
            "INSERT INTO t (a, b) VALUES (7, 'q'), (8, 'r'), (9, 's')",
        ];
        // Misses: the first, the lower-case words, the trailing `;`, the
        // placeholder, the string, the signed number, the IN list, the first
        // two VALUES (a dollar string is a kind of its own).
        assert_eq!(hits(&texts), 4);
    }

    #[test]
    fn what_is_not_a_value_is_never_shaped_by_lookup() {
        let texts = [
            "SELECT a FROM t WHERE b = 1",
            "SELECT a FROM u WHERE b = 1",
            "SELECT \"a\" FROM t WHERE b = 1",
            "SELECT a FROM t WHERE b IS NULL",
            "SELECT a FROM t WHERE b = NULL",
            "SELECT a FROM t WHERE b = TRUE",
            "SELECT a FROM t WHERE b IN (1, 2)",
            "SELECT a FROM t WHERE b IN (1, c)",
            "SELECT a FROM t ORDER BY b",
            "SELECT a FROM t ORDER BY b ASC",
        ];
        // Only the last: `ASC` is dropped before the rules see it.
        assert_eq!(hits(&texts), 1);
    }

    #[test]
    fn statements_past_the_longest_key_are_shaped_by_the_rules() {
        let columns: Vec<String> = (0..2_000).map(|i| format!("column_{i}")).collect();
        let long = |id: u32| format!("SELECT {} FROM t WHERE id = {id}", columns.join(", "));
        let (a, b) = (long(1), long(2));
        assert_eq!(hits(&[&a, &b]), 0);
        let (c, d) = (long(1)[..200].to_owned(), long(2)[..200].to_owned());
        assert_eq!(hits(&[&c, &d]), 1);
    }
}
