//! `sqlsift.toml`: the project's settings, found beside the code the way
//! ruff finds `ruff.toml`. Command-line flags override what it says; keys it
//! does not know are an error, so a typo never silently does nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::cli::Gate;

/// The file name looked for in the current directory and its ancestors.
pub const FILE_NAME: &str = "sqlsift.toml";

/// Everything `sqlsift.toml` can say.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Loop and unit detection (`--loop-min`, `--idle-gap-ms` override).
    #[serde(default)]
    pub detect: DetectSection,
    /// When a statement counts as slow or as reading too much.
    #[serde(default)]
    pub thresholds: sqlsift_analyzer::detect::slow::SlowConfig,
    /// The database the statements run against (`--schema` overrides `source`).
    #[serde(default)]
    pub schema: SchemaSection,
    /// The lowest severity of a new finding that fails `report`, or `none`
    /// (`--fail-on` overrides).
    #[serde(default, deserialize_with = "gate")]
    pub fail_on: Option<Gate>,
    /// Which lint rules run, and at what severity.
    #[serde(default)]
    pub rules: sqlsift_rules::RulesConfig,
    /// Findings nobody wants to hear about.
    #[serde(default)]
    pub ignore: crate::report::gate::Ignore,
    /// The file this was read from, for resolving relative paths and for errors.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectSection {
    /// Executions of one query with differing values in one unit that make an N+1 loop.
    pub loop_min: Option<u32>,
    /// Milliseconds of silence that end a session's unit of work.
    pub idle_gap_ms: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaSection {
    /// A SQLite database file, a `postgresql://` URL or a schema `.sql` file;
    /// a relative path is relative to `sqlsift.toml`.
    pub source: Option<String>,
    /// Row counts by table: production sizes for a schema file (which has
    /// none) or for a small development database.
    #[serde(default)]
    pub rows: BTreeMap<String, f64>,
}

impl Config {
    /// Reads `explicit` if given, else the nearest `sqlsift.toml` from the
    /// current directory upwards, else the defaults.
    ///
    /// # Errors
    /// The file cannot be read or is not valid settings; the message names
    /// the file, line and column.
    pub fn discover(explicit: Option<&Path>) -> anyhow::Result<Config> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => std::env::current_dir()
                .ok()
                .and_then(|dir| find_upwards(&dir)),
        };
        match path {
            Some(p) => Config::read(&p),
            None => Ok(Config::default()),
        }
    }

    /// Reads one settings file.
    ///
    /// # Errors
    /// As [`Config::discover`].
    pub fn read(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read settings", path.display()))?;
        let mut config: Config = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
        // Values the types allow but sqlsift does not: typos and slips like
        // an unknown key, so they name the file and line too.
        let at = |needle: &str| {
            text.lines()
                .position(|l| l.contains(needle))
                .map_or_else(String::new, |n| format!(" (line {})", n + 1))
        };
        if let Err(unknown) = config.rules.validate() {
            anyhow::bail!("{}{}: {unknown}", path.display(), at(&unknown.0));
        }
        if let Some(n) = config.detect.loop_min.filter(|n| *n < 2) {
            anyhow::bail!(
                "{}{}: detect.loop_min must be at least 2 (a loop runs a query more than once), not {n}",
                path.display(),
                at("loop_min")
            );
        }
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// The schema source: the flag if given, else the file's (made relative
    /// to the file's directory when it is a path, not a URL).
    pub fn schema_source(&self, flag: Option<&str>) -> Option<String> {
        if let Some(s) = flag {
            return Some(s.to_string());
        }
        let source = self.schema.source.as_deref()?;
        if source.contains("://") {
            return Some(source.to_string());
        }
        let base = self.path.as_deref().and_then(Path::parent);
        Some(match base {
            Some(dir) if Path::new(source).is_relative() => {
                dir.join(source).to_string_lossy().into_owned()
            }
            _ => source.to_string(),
        })
    }
}

fn find_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// `fail_on`: a severity or `none`, as `--fail-on` takes them.
fn gate<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Gate>, D::Error> {
    let s = String::deserialize(d)?;
    crate::cli::parse_gate(&s)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Config> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text)?;
        Config::read(&path)
    }

    #[test]
    fn reads_every_section() {
        let c = parse(
            "fail_on = \"warning\"\n[ignore]\ntables = [\"audit\"]\n\
             [detect]\nloop_min = 3\nidle_gap_ms = 250\n\
             [thresholds]\nslow_ms = 50\n[schema]\nsource = \"app.db\"\nrows = { posts = 1000000 }\n",
        )
        .unwrap();
        assert_eq!(c.detect.loop_min, Some(3));
        assert_eq!(
            c.fail_on,
            Some(Gate::At(sqlsift_analyzer::detect::Severity::Warning))
        );
        assert_eq!(c.ignore.tables, ["audit"]);
        assert!((c.thresholds.slow_ms - 50.0).abs() < f64::EPSILON);
        assert!(
            (c.thresholds.p95_ms - 500.0).abs() < f64::EPSILON,
            "defaults fill the rest"
        );
        assert_eq!(c.schema.rows.get("posts"), Some(&1_000_000.0));
        let source = c.schema_source(None).unwrap();
        assert!(source.ends_with("app.db") && source.len() > "app.db".len());
        assert_eq!(c.schema_source(Some("x.sql")).as_deref(), Some("x.sql"));
    }

    #[test]
    fn unknown_keys_name_the_file_and_line() {
        let err = parse("[detect]\nloop_mni = 3\n").unwrap_err().to_string();
        assert!(err.contains(FILE_NAME), "{err}");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("loop_mni"), "{err}");
    }

    #[test]
    fn urls_are_not_made_relative() {
        let c = parse("[schema]\nsource = \"postgresql://u@h/db\"\n").unwrap();
        assert_eq!(
            c.schema_source(None).as_deref(),
            Some("postgresql://u@h/db")
        );
    }
}
