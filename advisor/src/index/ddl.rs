//! Index names and `CREATE INDEX` statements per dialect. Names are
//! `ix_<table>_<keys>` — deterministic, so the same advice always names the
//! same index — cut to PostgreSQL's 63-byte identifier limit with a hash of
//! the full name appended when they would be longer, and made distinct from
//! the database's existing index names.

use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::catalog::{Catalog, IndexKey};

/// PostgreSQL's identifier limit (NAMEDATALEN - 1).
pub const MAX_NAME: usize = 63;

/// The deterministic name of an index on `table` with `keys` (and a partial
/// `predicate`), distinct from every index name in `catalog`.
#[must_use]
pub fn index_name(
    table: &str,
    keys: &[IndexKey],
    predicate: Option<&str>,
    catalog: &Catalog,
) -> String {
    let mut parts = vec!["ix".to_owned(), ident(table)];
    for k in keys {
        parts.push(match k {
            IndexKey::Column { name, descending } => {
                format!("{}{}", ident(name), if *descending { "_desc" } else { "" })
            }
            IndexKey::Expression { sql, descending } => {
                format!("{}{}", ident(sql), if *descending { "_desc" } else { "" })
            }
        });
    }
    if let Some(p) = predicate {
        parts.push(format!("where_{}", ident(p)));
    }
    let full = parts.join("_");
    let taken = |n: &str| {
        catalog
            .tables()
            .any(|t| t.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(n)))
    };
    if full.len() <= MAX_NAME && !taken(&full) {
        return full;
    }
    let hash = format!("{:08x}", fnv1a(&full) & 0xffff_ffff);
    let keep = MAX_NAME - hash.len() - 1;
    let cut: String = full.chars().take(keep).collect();
    format!("{}_{hash}", cut.trim_end_matches('_'))
}

/// Letters, digits and `_` only, lower-cased, runs of others folded to `_`.
fn ident(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// FNV-1a, 64-bit: stable across releases and platforms, unlike std's hasher.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Key words PostgreSQL (reserved, and reserved but allowed as function or
/// type names) or SQLite refuse as a bare table or column name, sorted.
const RESERVED: &[&str] = &[
    "add",
    "all",
    "alter",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "autoincrement",
    "between",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "commit",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "delete",
    "desc",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "escape",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "index",
    "initially",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "nothing",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "raise",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "set",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "transaction",
    "true",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "values",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// `name` quoted as an identifier when it is not a plain lower-case one, or
/// is a word the dialects reserve (`user`, `order`, `group`).
#[must_use]
pub fn quote(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && RESERVED.binary_search(&name).is_err();
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// The key list `(a, b DESC, lower(email))` as `dialect` writes it.
fn key_list(keys: &[IndexKey], dialect: Dialect) -> String {
    let parts: Vec<String> = keys
        .iter()
        .map(|k| match k {
            IndexKey::Column { name, descending } => {
                format!("{}{}", quote(name), if *descending { " DESC" } else { "" })
            }
            IndexKey::Expression { sql, descending } => {
                // PostgreSQL needs parentheses around an expression that is
                // not a bare function call; they never hurt there. SQLite
                // matches an expression key by its text, so it gets the
                // expression exactly as queries write it.
                let e = if dialect == Dialect::PostgreSql {
                    format!("({sql})")
                } else {
                    sql.clone()
                };
                format!("{e}{}", if *descending { " DESC" } else { "" })
            }
        })
        .collect();
    parts.join(", ")
}

/// `CREATE INDEX` for `dialect`: `CONCURRENTLY` on PostgreSQL (no write
/// lock on a live table), `IF NOT EXISTS` everywhere so a re-run is harmless.
#[must_use]
pub fn create_index(
    name: &str,
    table: &str,
    keys: &[IndexKey],
    predicate: Option<&str>,
    dialect: Dialect,
) -> String {
    let how = if dialect == Dialect::PostgreSql {
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS"
    } else {
        "CREATE INDEX IF NOT EXISTS"
    };
    let mut sql = format!(
        "{how} {} ON {} ({})",
        quote(name),
        quote(table),
        key_list(keys, dialect)
    );
    if let Some(p) = predicate {
        sql.push_str(" WHERE ");
        sql.push_str(p);
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlsift_analyzer::catalog::{Index, Table};

    fn col(name: &str, descending: bool) -> IndexKey {
        IndexKey::Column {
            name: name.into(),
            descending,
        }
    }

    #[test]
    fn names_are_deterministic_short_and_free() {
        let mut c = Catalog::new("t");
        let keys = [col("author_id", false), col("created_at", true)];
        assert_eq!(
            index_name("Posts", &keys, None, &c),
            "ix_posts_author_id_created_at_desc"
        );
        let long: Vec<IndexKey> = (0..12)
            .map(|i| col(&format!("a_rather_long_column_{i}"), false))
            .collect();
        let n = index_name("t", &long, None, &c);
        assert!(n.len() <= MAX_NAME);
        assert_eq!(n, index_name("t", &long, None, &c));
        assert_ne!(n, index_name("t", &long[..11], None, &c));
        c.insert(Table {
            name: "posts".into(),
            indexes: vec![Index {
                name: "ix_posts_author_id".into(),
                keys: vec![col("author_id", false), col("x", false)],
                ..Index::default()
            }],
            ..Table::default()
        });
        let n = index_name("posts", &keys[..1], None, &c);
        assert!(n.starts_with("ix_posts_author_id_") && n.len() == 27, "{n}");
        let e = [IndexKey::Expression {
            sql: "lower(email)".into(),
            descending: false,
        }];
        assert_eq!(
            index_name("users", &e, Some("deleted_at IS NULL"), &c),
            "ix_users_lower_email_where_deleted_at_is_null"
        );
    }

    /// `quote` finds reserved words by binary search.
    #[test]
    fn reserved_words_are_sorted() {
        assert!(RESERVED.is_sorted(), "keep RESERVED sorted");
    }

    #[test]
    fn reserved_words_are_quoted() {
        let keys = [col("order", false), col("group", true), col("Kind", false)];
        for dialect in [Dialect::Sqlite, Dialect::PostgreSql] {
            let ddl = create_index("ix_user_order", "user", &keys, None, dialect);
            assert!(
                ddl.ends_with(" ON \"user\" (\"order\", \"group\" DESC, \"Kind\")"),
                "{ddl}"
            );
        }
        assert_eq!(quote("author_id"), "author_id");
    }

    #[test]
    fn ddl_per_dialect() {
        let keys = [
            col("author_id", false),
            IndexKey::Expression {
                sql: "lower(title)".into(),
                descending: true,
            },
        ];
        assert_eq!(
            create_index(
                "ix",
                "Posts",
                &keys,
                Some("deleted IS NULL"),
                Dialect::Sqlite
            ),
            "CREATE INDEX IF NOT EXISTS ix ON \"Posts\" (author_id, lower(title) DESC) WHERE deleted IS NULL"
        );
        assert_eq!(
            create_index("ix", "posts", &keys, None, Dialect::PostgreSql),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON posts (author_id, (lower(title)) DESC)"
        );
    }
}
