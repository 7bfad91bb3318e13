//! Per-fingerprint analysis of the real statement: the cost model's
//! estimate (with the catalog when `--schema` names one) and, when the schema
//! is a SQLite database, the planner's own plan beside it — and the lint
//! rules' findings. Each distinct
//! fingerprint is analysed once, whatever its number of calls.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rusqlite::{Connection, OpenFlags};
use sqlsift_advisor::{Advice, Options as AdviceOptions, advise, work_statements};
use sqlsift_analyzer::catalog::{self, Catalog};
use sqlsift_analyzer::cost::{self, Cost};
use sqlsift_analyzer::digest::Digest;
use sqlsift_analyzer::plan::explain_sqlite;
use sqlsift_analyzer::shapes::parse_sql;
use sqlsift_analyzer::workload::Workload;
use sqlsift_rules::{Context, Linter, Violation};

use crate::config::Config;

/// The database statements run against: its catalog, and SQLite's planner
/// when the schema is a SQLite file.
pub struct Schema {
    pub catalog: Catalog,
    /// What `--schema` named: a file path or a URL.
    pub spec: String,
    planner: Option<Connection>,
}

/// What the analysis says of one fingerprint.
#[derive(Debug)]
pub struct Analysis {
    pub cost: Cost,
    /// SQLite's `EXPLAIN QUERY PLAN` of the sample, as sqlite3 prints it.
    pub plan: Option<Vec<String>>,
    /// Why the planner could not plan the sample (another dialect's syntax,
    /// a table the database lacks).
    pub plan_error: Option<String>,
    /// What the lint rules found in it.
    pub violations: Vec<Violation>,
}

impl Schema {
    /// Loads the schema `--schema` (or `[schema] source`) names, if any.
    ///
    /// # Errors
    /// The catalog cannot be loaded; the message names the source.
    pub fn load(flag: Option<&str>, config: &Config) -> anyhow::Result<Option<Schema>> {
        let Some(spec) = config.schema_source(flag) else {
            return Ok(None);
        };
        let catalog = catalog::load(&spec, &config.schema.rows)
            .with_context(|| "cannot load the schema (--schema)")?;
        let planner = if is_sqlite_file(Path::new(&spec)) {
            let conn = Connection::open_with_flags(&spec, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .with_context(|| format!("{spec}: cannot open for EXPLAIN QUERY PLAN"))?;
            Some(conn)
        } else {
            None
        };
        Ok(Some(Schema {
            catalog,
            spec,
            planner,
        }))
    }

    /// Whether the schema is a live PostgreSQL server.
    pub fn is_postgres(&self) -> bool {
        self.spec.starts_with("postgres://") || self.spec.starts_with("postgresql://")
    }

    /// The index and partition advice for `workload`, validated on the
    /// SQLite planner (or HypoPG) but not by running statements: a report
    /// must not copy a large database file.
    ///
    /// # Errors
    /// Validation could not run (the database cannot be opened or cloned).
    pub fn advise(&self, workload: &Workload) -> anyhow::Result<Advice> {
        let options = AdviceOptions {
            sqlite: self.planner.is_some().then(|| PathBuf::from(&self.spec)),
            postgres: self.is_postgres().then(|| self.spec.clone()),
            run: false,
            ..AdviceOptions::default()
        };
        advise(&work_statements(workload), &self.catalog, &options)
            .with_context(|| format!("validating index advice against {}", self.catalog.source))
    }
}

/// Analyses the statement of `digest`: its real sample where that parses
/// (literals matter: `LIKE '%x'`), else nothing — an unparsed shape has no
/// AST to cost or lint.
pub fn analyse(digest: &Digest, schema: Option<&Schema>, linter: &Linter) -> Option<Analysis> {
    let statements = parse_sql(&digest.sample.sql, digest.dialect).ok()?;
    let statement = statements.first()?;
    let catalog = schema.map(|s| &s.catalog);
    let cost = cost::estimate(statement, catalog);
    let violations = linter.check(&Context {
        statement,
        sql: &digest.sample.sql,
        dialect: digest.dialect,
        catalog,
    });
    let (plan, plan_error) = match schema.and_then(|s| s.planner.as_ref()) {
        Some(conn) if cost.total > 0.0 => match explain_sqlite(conn, &digest.sample.sql) {
            Ok(p) => (Some(p.render()), None),
            Err(e) => (None, Some(e)),
        },
        _ => (None, None),
    };
    Some(Analysis {
        cost,
        plan,
        plan_error,
        violations,
    })
}

/// Whether `path` starts with the SQLite database header.
pub fn is_sqlite_file(path: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == b"SQLite format 3\0")
}
