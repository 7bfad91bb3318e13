//! A fresh PostgreSQL database for one test on the server `SQLSIFT_PG_URL`
//! names, dropped when the test ends. Outside CI a missing `SQLSIFT_PG_URL`
//! skips the test (saying so); under `CI=true` it fails it.

use std::time::{SystemTime, UNIX_EPOCH};

pub struct PgDb {
    admin: String,
    pub name: String,
}

impl PgDb {
    /// A new empty database named `<prefix>_<pid>_<nanos>`.
    #[allow(clippy::print_stdout)] // the skip must be visible in the test output
    pub fn create(prefix: &str) -> Option<PgDb> {
        let Ok(admin) = std::env::var("SQLSIFT_PG_URL") else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "SQLSIFT_PG_URL is not set, and CI=true: PostgreSQL tests must run in CI"
            );
            println!("skipped: SQLSIFT_PG_URL not set");
            return None;
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let db = PgDb {
            admin,
            name: format!("{prefix}_{}_{nanos}", std::process::id()),
        };
        let mut c = postgres::Client::connect(&db.admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to SQLSIFT_PG_URL: {e}"));
        c.batch_execute(&format!("CREATE DATABASE {}", db.name))
            .unwrap();
        Some(db)
    }

    /// The URL of this database (SQLSIFT_PG_URL with its name swapped in).
    pub fn url(&self) -> String {
        let base = self.admin.rsplit_once('/').map_or(&*self.admin, |(b, _)| b);
        format!("{base}/{}", self.name)
    }

    /// A connection to this database.
    pub fn connect(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).unwrap()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
