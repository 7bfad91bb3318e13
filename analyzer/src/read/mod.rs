//! Input readers: each turns one log format into a stream of [`Record`]s.
//!
//! Every reader streams (it holds at most one pending statement per session,
//! never the whole file), never panics on bad bytes, and reports each line it
//! cannot make sense of as a [`Malformed`] record with its file and line.

mod detect;
mod intern;
mod jsonl;
mod lines;
mod mysql_general;
mod mysql_slow;
mod pg;
mod pg_csv;
mod pg_json;
mod pg_stderr;
mod sql_file;

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

pub use detect::detect;
pub use sql_file::split_statements;

use crate::event::QueryEvent;

/// One item a reader yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Event(QueryEvent),
    Malformed(Malformed),
}

/// A line (or entry) a reader could not use, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub file: Arc<str>,
    pub line: u64,
    pub reason: String,
    /// The start of the offending text, kept apart from `reason` so that
    /// redacted output can leave it out.
    pub excerpt: Option<String>,
}

impl Malformed {
    /// Attaches (the first 80 characters of) the offending text.
    #[must_use]
    pub fn with_excerpt(mut self, text: &str) -> Self {
        let end = text.char_indices().nth(80).map_or(text.len(), |(i, _)| i);
        self.excerpt = Some(text[..end].to_owned());
        self
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)?;
        match &self.excerpt {
            Some(x) => write!(f, ": {x}"),
            None => Ok(()),
        }
    }
}

/// The input formats sqlsift reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `PostgreSQL` stderr log, any `log_line_prefix`.
    PgStderr,
    /// `PostgreSQL` `csvlog`.
    PgCsv,
    /// `PostgreSQL` 15+ `jsonlog`.
    PgJson,
    /// `MySQL` / `MariaDB` slow query log.
    MysqlSlow,
    /// `MySQL` / `MariaDB` general query log.
    MysqlGeneral,
    /// sqlsift's canonical JSONL events.
    Jsonl,
    /// Plain SQL statements separated by `;`.
    Sql,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 7] = [
        Format::PgStderr,
        Format::PgCsv,
        Format::PgJson,
        Format::MysqlSlow,
        Format::MysqlGeneral,
        Format::Jsonl,
        Format::Sql,
    ];

    /// The names accepted by `--input-format`, comma-separated.
    #[must_use]
    pub fn names() -> String {
        Format::ALL.map(Format::name).join(", ")
    }

    /// The name used on the command line and in event `source` fields.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::PgStderr => "pg-stderr",
            Format::PgCsv => "pg-csv",
            Format::PgJson => "pg-json",
            Format::MysqlSlow => "mysql-slow",
            Format::MysqlGeneral => "mysql-general",
            Format::Jsonl => "jsonl",
            Format::Sql => "sql",
        }
    }

    /// The SQL dialect statements in this format are written in.
    #[must_use]
    pub fn dialect(self) -> crate::Dialect {
        match self {
            Format::PgStderr | Format::PgCsv | Format::PgJson => crate::Dialect::PostgreSql,
            Format::MysqlSlow | Format::MysqlGeneral => crate::Dialect::MySql,
            Format::Jsonl | Format::Sql => crate::Dialect::Generic,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown input format `{s}` (expected one of: {})",
                    Format::names()
                )
            })
    }
}

/// The banner MySQL and MariaDB write at the top of both their slow and
/// their general log (and again whenever the log is reopened).
pub(crate) fn is_mysql_banner(line: &str) -> bool {
    line.contains(", Version: ") && line.contains("started with")
        || line.starts_with("Tcp port: ")
        || line.starts_with("Time") && line.contains("Id Command")
}

/// A stream of records from one input.
pub type Records = Box<dyn Iterator<Item = Record> + Send>;

/// Told the size of every chunk of bytes read, for progress bars.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// Why an input could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error(
        "cannot tell the format of {path}: {why}; name it with --input-format ({})",
        Format::names()
    )]
    Undetected { path: String, why: String },
}

/// Opens `path` (gzip-compressed or not), detects its format unless `format`
/// is given, and returns its records. `progress` is told of every chunk of
/// bytes read from the file (its size).
///
/// # Errors
/// When the file cannot be opened or its format cannot be detected.
pub fn open(
    path: &Path,
    format: Option<Format>,
    progress: Option<Progress>,
) -> Result<(Format, Records), OpenError> {
    let name = path.display().to_string();
    let io_err = |source| OpenError::Io {
        path: name.clone(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let counted = CountingReader {
        inner: file,
        progress,
    };
    let mut raw = BufReader::with_capacity(256 * 1024, counted);
    let gz = raw.fill_buf().map_err(io_err)?.starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn BufRead + Send> = if gz {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(raw)
    };
    let logical = name.strip_suffix(".gz").unwrap_or(&name).to_owned();
    let format = if let Some(f) = format {
        f
    } else {
        let head = reader.fill_buf().map_err(io_err)?;
        detect(&logical, head).map_err(|why| OpenError::Undetected {
            path: name.clone(),
            why,
        })?
    };
    Ok((
        format,
        from_reader(format, Arc::from(name.as_str()), reader),
    ))
}

/// Records of `format` read from `reader`; `file` names it in reports.
#[must_use]
pub fn from_reader(format: Format, file: Arc<str>, reader: Box<dyn BufRead + Send>) -> Records {
    use lines::{LineReader, Lines};
    if format == Format::PgCsv {
        // CSV quoting spans lines, so csvlog is read record by record instead.
        return Box::new(pg_csv::PgCsv::new(reader, file));
    }
    let lines = Lines::new(reader, file.clone());
    match format {
        Format::PgStderr => Box::new(LineReader::new(lines, pg_stderr::PgStderr::new(file))),
        Format::PgJson => Box::new(LineReader::new(lines, pg_json::PgJson::new(file))),
        Format::MysqlSlow => Box::new(LineReader::new(lines, mysql_slow::MysqlSlow::default())),
        Format::MysqlGeneral => Box::new(LineReader::new(
            lines,
            mysql_general::MysqlGeneral::default(),
        )),
        Format::Jsonl => Box::new(LineReader::new(lines, jsonl::Jsonl)),
        Format::Sql | Format::PgCsv => {
            Box::new(LineReader::new(lines, sql_file::SqlFile::default()))
        }
    }
}

/// Reports bytes as they are read, for progress bars.
struct CountingReader<R> {
    inner: R,
    progress: Option<Progress>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p(n as u64);
        }
        Ok(n)
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::{Format, Malformed, Record, from_reader};
    use crate::event::QueryEvent;

    /// Reads `text` as `format`, splitting events from malformed records.
    pub fn read(format: Format, text: &str) -> (Vec<QueryEvent>, Vec<Malformed>) {
        let reader = Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
        let mut events = Vec::new();
        let mut bad = Vec::new();
        for r in from_reader(format, "test.log".into(), reader) {
            match r {
                Record::Event(e) => events.push(e),
                Record::Malformed(m) => bad.push(m),
            }
        }
        (events, bad)
    }
}
