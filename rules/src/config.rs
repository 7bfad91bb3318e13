//! The `[rules]` table of `sqlsift.toml` and the [`Linter`] it configures:
//! which rules run, at what severity, with inline suppressions honoured.
//! Unknown codes are an error up front, so a typo never silently disables
//! nothing.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Context, Rule, Severity, Violation, lookup, registry, suppressions};

/// The `[rules]` table. Keys are codes (`SQ001`) or names (`select-star`),
/// case-insensitive; `"all"` means every rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// Rules to run; empty means all of them (every rule is on by default).
    pub enable: Vec<String>,
    /// Rules not to run, applied after `enable`.
    pub disable: Vec<String>,
    /// Severity overrides per rule.
    pub severity: BTreeMap<String, Severity>,
}

/// A code or name in the config that no rule has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule `{0}` in [rules] (run `sqlsift rules` for the list)")]
pub struct UnknownRule(pub String);

impl RulesConfig {
    /// Checks that every key names a rule (or is `"all"`).
    ///
    /// # Errors
    /// The first unknown code or name.
    pub fn validate(&self) -> Result<(), UnknownRule> {
        self.enable
            .iter()
            .chain(&self.disable)
            .chain(self.severity.keys())
            .try_for_each(|key| resolve(key).map(drop))
    }
}

/// The rules `key` selects: every rule for `"all"`, else the one it names.
fn resolve(key: &str) -> Result<Vec<&'static dyn Rule>, UnknownRule> {
    if key.trim().eq_ignore_ascii_case("all") {
        return Ok(registry().to_vec());
    }
    lookup(key.trim())
        .map(|r| vec![r])
        .ok_or_else(|| UnknownRule(key.to_owned()))
}

/// Runs the enabled rules with their configured severities.
pub struct Linter {
    /// Enabled rules in code order, each with its effective severity
    /// (`None`: the rule's own, which may vary per finding).
    rules: Vec<(&'static dyn Rule, Option<Severity>)>,
}

impl Linter {
    /// A linter for `config`.
    ///
    /// # Errors
    /// A code or name in the config that no rule has.
    pub fn new(config: &RulesConfig) -> Result<Linter, UnknownRule> {
        let mut enabled: Vec<&'static dyn Rule> = if config.enable.is_empty() {
            registry().to_vec()
        } else {
            let mut picked = Vec::new();
            for key in &config.enable {
                picked.extend(resolve(key)?);
            }
            picked
        };
        for key in &config.disable {
            let off = resolve(key)?;
            enabled.retain(|r| !off.iter().any(|o| o.meta().code == r.meta().code));
        }
        let mut overrides: BTreeMap<&'static str, Severity> = BTreeMap::new();
        for (key, severity) in &config.severity {
            for rule in resolve(key)? {
                overrides.insert(rule.meta().code, *severity);
            }
        }
        let mut rules: Vec<(&'static dyn Rule, Option<Severity>)> = Vec::new();
        for rule in registry() {
            let code = rule.meta().code;
            if enabled.iter().any(|r| r.meta().code == code) {
                rules.push((*rule, overrides.get(code).copied()));
            }
        }
        Ok(Linter { rules })
    }

    /// The codes of the rules this linter runs, in code order.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.rules.iter().map(|(r, _)| r.meta().code)
    }

    /// Violations of the enabled rules in `ctx`, minus those its
    /// `sqlsift:ignore` comments silence.
    #[must_use]
    pub fn check(&self, ctx: &Context<'_>) -> Vec<Violation> {
        let ignored = suppressions(ctx.sql, ctx.dialect);
        if ignored.iter().any(|s| s == "all") {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (rule, severity) in &self.rules {
            let meta = rule.meta();
            if ignored
                .iter()
                .any(|s| s.eq_ignore_ascii_case(meta.code) || s.eq_ignore_ascii_case(meta.name))
            {
                continue;
            }
            let start = out.len();
            rule.check(ctx, &mut out);
            if let Some(severity) = severity {
                for v in &mut out[start..] {
                    v.severity = *severity;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parse;
    use sqlsift_analyzer::Dialect;

    fn lint(config: &RulesConfig, sql: &str) -> Vec<(&'static str, Severity)> {
        let stmt = parse(sql, Dialect::PostgreSql);
        let ctx = Context {
            statement: &stmt,
            sql,
            dialect: Dialect::PostgreSql,
            catalog: None,
        };
        Linter::new(config)
            .expect("valid config")
            .check(&ctx)
            .into_iter()
            .map(|v| (v.code, v.severity))
            .collect()
    }

    const BAD: &str = "SELECT * FROM users ORDER BY random()";

    #[test]
    fn default_runs_every_rule() {
        let found = lint(&RulesConfig::default(), BAD);
        assert!(found.contains(&("SQ001", Severity::Warning)));
        assert!(found.contains(&("SQ009", Severity::Warning)));
        assert_eq!(
            Linter::new(&RulesConfig::default())
                .unwrap()
                .codes()
                .count(),
            registry().len()
        );
    }

    #[test]
    fn toml_enable_disable_and_severity_by_code_or_name() {
        let config: RulesConfig = toml::from_str(
            "enable = [\"all\"]\ndisable = [\"order-by-random\"]\n[severity]\nsq001 = \"error\"\n",
        )
        .expect("parses");
        config.validate().expect("known rules");
        let found = lint(&config, BAD);
        assert!(found.contains(&("SQ001", Severity::Error)));
        assert!(!found.iter().any(|(c, _)| *c == "SQ009"));

        let only: RulesConfig = toml::from_str("enable = [\"SQ009\"]").expect("parses");
        assert_eq!(lint(&only, BAD), [("SQ009", Severity::Warning)]);
    }

    #[test]
    fn unknown_rules_are_named() {
        let config: RulesConfig = toml::from_str("disable = [\"SQ999\"]").expect("parses");
        assert_eq!(config.validate(), Err(UnknownRule("SQ999".into())));
        assert!(matches!(Linter::new(&config), Err(UnknownRule(c)) if c == "SQ999"));
        let typo = RulesConfig {
            severity: BTreeMap::from([("select-stars".to_owned(), Severity::Info)]),
            ..RulesConfig::default()
        };
        assert_eq!(typo.validate(), Err(UnknownRule("select-stars".into())));
    }

    #[test]
    fn inline_suppressions_drop_listed_rules_or_all() {
        let config = RulesConfig::default();
        let one = lint(
            &config,
            "SELECT * FROM users ORDER BY random() -- sqlsift:ignore select-star",
        );
        assert!(!one.iter().any(|(c, _)| *c == "SQ001"));
        assert!(one.iter().any(|(c, _)| *c == "SQ009"));
        assert!(
            lint(
                &config,
                "SELECT * FROM users ORDER BY random() /* sqlsift:ignore */"
            )
            .is_empty()
        );
    }
}
