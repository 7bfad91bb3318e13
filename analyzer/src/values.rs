//! The values behind a statement's `?` slots: literals as written, bound
//! parameters rendered as SQL string literals. Loops are told apart, and
//! rewritten, by these.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::normalize::{Literal, LiteralKind, Normalized};

/// One slot's values (a collapsed `IN` list has several), as SQL literal text.
pub type SlotValues = Vec<String>;

/// The text of literal `l`, or the SQL literal of the parameter it binds.
fn literal_text<'a>(
    sql: &'a str,
    l: &Literal,
    params: &'a [Option<String>],
    nth: usize,
) -> Value<'a> {
    if l.kind != LiteralKind::Placeholder {
        return Value::Sql(l.text(sql));
    }
    let text = l.text(sql);
    // `$n` and SQLite's `?n` name their parameter; `?`, `%s`, `:name`, `@p1` bind in order.
    let index = text
        .strip_prefix(['$', '?'])
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(nth, |n| n.saturating_sub(1));
    match params.get(index) {
        Some(Some(v)) => Value::Param(v),
        Some(None) => Value::Sql("NULL"),
        None => Value::Sql(text),
    }
}

enum Value<'a> {
    /// Already SQL: a literal as written, `NULL`, or an unbound placeholder.
    Sql(&'a str),
    /// A parameter's value, to be quoted.
    Param(&'a str),
}

impl Value<'_> {
    fn render(&self) -> String {
        match self {
            Value::Sql(s) => (*s).to_owned(),
            Value::Param(v) => format!("'{}'", v.replace('\'', "''")),
        }
    }
}

/// Calls `f(slot, value)` for every slotted literal, in order.
fn each<'a>(
    sql: &'a str,
    norm: &Normalized,
    params: &'a [Option<String>],
    mut f: impl FnMut(u32, Value<'a>),
) {
    let mut nth_placeholder = 0;
    for l in &norm.literals {
        let v = literal_text(sql, l, params, nth_placeholder);
        if l.kind == LiteralKind::Placeholder {
            nth_placeholder += 1;
        }
        if l.slot != Literal::NO_SLOT {
            f(l.slot, v);
        }
    }
}

/// A hash of every slot's values: equal for two executions with the same values.
///
/// Each value is hashed on its own, seeded with the hash so far, its slot and
/// whether it is a literal or a parameter: a few one-shot hashes of short
/// texts cost less than setting up a streaming hasher per statement.
#[must_use]
pub fn values_hash(sql: &str, norm: &Normalized, params: &[Option<String>]) -> u64 {
    let mut h = 0_u64;
    each(sql, norm, params, |slot, v| {
        let (param, text) = match v {
            Value::Sql(s) => (0, s),
            Value::Param(p) => (1, p),
        };
        let seed = h.rotate_left(23) ^ (u64::from(slot) << 1 | param);
        h = xxh3_64_with_seed(text.as_bytes(), seed);
    });
    h
}

/// Every slot's values, indexed by slot.
#[must_use]
pub fn slot_values(sql: &str, norm: &Normalized, params: &[Option<String>]) -> Vec<SlotValues> {
    let mut out: Vec<SlotValues> = Vec::new();
    each(sql, norm, params, |slot, v| {
        let slot = slot as usize;
        if out.len() <= slot {
            out.resize_with(slot + 1, Vec::new);
        }
        out[slot].push(v.render());
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dialect, normalize::normalize};

    #[test]
    fn literals_and_parameters_by_slot() {
        let sql = "SELECT * FROM t WHERE a = $2 AND b IN (1, 2) AND c = 'x' AND d = $1";
        let n = normalize(sql, Dialect::PostgreSql);
        let params = [Some("it's".to_owned()), Some("7".to_owned())];
        let v = slot_values(sql, &n, &params);
        assert_eq!(
            v,
            [vec!["'7'"], vec!["1", "2"], vec!["'x'"], vec!["'it''s'"]]
        );
        let q = "SELECT * FROM t WHERE a = ? AND b = ?";
        let nq = normalize(q, Dialect::Sqlite);
        let pq = [Some("1".to_owned()), None];
        assert_eq!(slot_values(q, &nq, &pq), [vec!["'1'"], vec!["NULL"]]);
    }

    #[test]
    fn hashes_tell_values_apart() {
        let n = |s: &str| normalize(s, Dialect::Generic);
        let a = "SELECT * FROM t WHERE id = 1";
        let b = "SELECT * FROM t WHERE id = 2";
        assert_ne!(values_hash(a, &n(a), &[]), values_hash(b, &n(b), &[]));
        let p = "SELECT * FROM t WHERE id = ?";
        assert_eq!(
            values_hash(p, &n(p), &[Some("1".into())]),
            values_hash(p, &n(p), &[Some("1".into())])
        );
        assert_ne!(
            values_hash(p, &n(p), &[Some("1".into())]),
            values_hash(p, &n(p), &[Some("2".into())])
        );
        // The same values in other slots, or split across them otherwise.
        let hash = |s: &str| values_hash(s, &n(s), &[]);
        let ab = "SELECT * FROM t WHERE a = 1 AND b IN (2, 3)";
        assert_ne!(
            hash(ab),
            hash("SELECT * FROM t WHERE a = 2 AND b IN (1, 3)")
        );
        assert_ne!(
            hash(ab),
            hash("SELECT * FROM t WHERE a = 3 AND b IN (2, 1)")
        );
        assert_ne!(
            hash(ab),
            hash("SELECT * FROM t WHERE a = 1 AND b IN (3, 2)")
        );
        assert_eq!(
            hash(ab),
            hash("SELECT * FROM t WHERE a = 1 AND b IN (2, 3)")
        );
        // A parameter is told apart from a literal written the same way.
        assert_ne!(
            hash("SELECT * FROM t WHERE a = 1"),
            values_hash(p, &n(p), &[Some("1".into())])
        );
    }
}
