//! Where a store lives: a SQLite file path, or a remote libSQL database URL
//! whose auth token comes from the environment (never from the command line,
//! where other users of the machine could read it in the process list).

use std::fmt;
use std::path::PathBuf;

/// Environment variables read for a remote store's auth token, first set wins.
pub const AUTH_TOKEN_VARS: [&str; 2] = ["SQLSIFT_LIBSQL_AUTH_TOKEN", "LIBSQL_AUTH_TOKEN"];

/// URL schemes that name a remote libSQL database.
const REMOTE_SCHEMES: [&str; 3] = ["libsql://", "https://", "http://"];

/// A store's location.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A SQLite file, created on first save.
    File(PathBuf),
    /// A remote libSQL database (Turso or sqld).
    Remote {
        url: String,
        /// Sent as a bearer token; empty for a server without authentication.
        auth_token: String,
    },
}

impl StoreLocation {
    /// `text` as a location: a `libsql://`, `https://` or `http://` URL is
    /// remote, with the auth token from the first of [`AUTH_TOKEN_VARS`]
    /// that is set; anything else is a file path.
    pub fn parse(text: &str) -> StoreLocation {
        let token = AUTH_TOKEN_VARS
            .iter()
            .find_map(|var| std::env::var(var).ok())
            .unwrap_or_default();
        StoreLocation::with_token(text, token)
    }

    /// `text` as a location, with `auth_token` for a remote one.
    pub fn with_token(text: &str, auth_token: String) -> StoreLocation {
        let lower = text.to_ascii_lowercase();
        if REMOTE_SCHEMES.iter().any(|s| lower.starts_with(s)) {
            StoreLocation::Remote {
                url: text.to_owned(),
                auth_token,
            }
        } else {
            StoreLocation::File(PathBuf::from(text))
        }
    }
}

/// The path or URL; never the token.
impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::File(path) => write!(f, "{}", path.display()),
            StoreLocation::Remote { url, .. } => f.write_str(url),
        }
    }
}

/// As [`Display`](fmt::Display): a location in a log must not leak its token.
impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_remote_and_everything_else_a_path() {
        let remote = StoreLocation::with_token("libsql://db.turso.io", "t".into());
        assert_eq!(
            remote,
            StoreLocation::Remote {
                url: "libsql://db.turso.io".into(),
                auth_token: "t".into()
            }
        );
        assert!(matches!(
            StoreLocation::with_token("HTTP://127.0.0.1:8080", String::new()),
            StoreLocation::Remote { .. }
        ));
        assert_eq!(
            StoreLocation::with_token("runs/store.db", "t".into()),
            StoreLocation::File("runs/store.db".into())
        );
        assert_eq!(format!("{remote:?}"), "libsql://db.turso.io", "no token");
    }
}
