//! The SQL dialects sqlsift knows, and the lexing rules that differ between them.

use std::fmt;
use std::str::FromStr;

/// Which database's rules to lex and parse with. Readers set it from the
/// source (a `MySQL` slow log is `MySQL`); `--dialect` overrides it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// Unknown origin: standard SQL rules (`"` quotes identifiers, no backslash escapes).
    #[default]
    Generic,
    PostgreSql,
    MySql,
    Sqlite,
}

impl Dialect {
    /// `MySQL` (without `NO_BACKSLASH_ESCAPES`) treats `\` in strings as an escape.
    #[must_use]
    pub fn backslash_escapes(self) -> bool {
        self == Dialect::MySql
    }

    /// `MySQL` (without `ANSI_QUOTES`) reads `"…"` as a string; everywhere else it
    /// is an identifier — regex-based tools that treat `"users"."id"` as a string
    /// merge every ORM lookup into one class.
    #[must_use]
    pub fn double_quote_is_string(self) -> bool {
        self == Dialect::MySql
    }

    /// `PostgreSQL` nests `/* /* */ */`; `MySQL` and `SQLite` do not.
    #[must_use]
    pub fn nested_comments(self) -> bool {
        matches!(self, Dialect::PostgreSql | Dialect::Generic)
    }

    /// The sqlparser dialect that parses statements of this dialect.
    #[must_use]
    pub fn parser_dialect(self) -> Box<dyn sqlparser::dialect::Dialect> {
        use sqlparser::dialect::{GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
        match self {
            Dialect::Generic => Box::new(GenericDialect {}),
            Dialect::PostgreSql => Box::new(PostgreSqlDialect {}),
            Dialect::MySql => Box::new(MySqlDialect {}),
            Dialect::Sqlite => Box::new(SQLiteDialect {}),
        }
    }

    /// The names accepted by `--dialect`.
    pub const NAMES: [&'static str; 4] = ["generic", "postgresql", "mysql", "sqlite"];
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Generic => "generic",
            Dialect::PostgreSql => "postgresql",
            Dialect::MySql => "mysql",
            Dialect::Sqlite => "sqlite",
        })
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "generic" | "ansi" => Ok(Dialect::Generic),
            "postgresql" | "postgres" | "pg" => Ok(Dialect::PostgreSql),
            "mysql" | "mariadb" => Ok(Dialect::MySql),
            "sqlite" => Ok(Dialect::Sqlite),
            other => Err(format!(
                "unknown dialect `{other}` (expected one of: {})",
                Dialect::NAMES.join(", ")
            )),
        }
    }
}
