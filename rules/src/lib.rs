//! sqlsift-rules: lint rules over one parsed statement at a time. Each rule
//! lives in its own file under [`rules`] with a stable code, a kebab-case
//! name, a default severity, its rationale and a bad/good example; the
//! [`registry`] lists them in code order, [`config`] turns the `[rules]`
//! table of `sqlsift.toml` into a [`Linter`], and [`suppress`] reads the
//! inline `sqlsift:ignore` comments the linter honours.

use sqlparser::ast::Statement;
use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::catalog::Catalog;

pub use sqlsift_analyzer::detect::Severity;

mod ast;
pub mod config;
mod doc;
mod meta;
pub mod registry;
pub mod rules;
pub mod suppress;
#[cfg(test)]
mod testing;

pub use config::{Linter, RulesConfig, UnknownRule};
pub use doc::{render_doc, render_index};
pub use registry::{lookup, registry};
pub use suppress::suppressions;

/// What a rule knows of itself: the text `sqlsift rules <code>` prints and
/// RULES.md lists. Each rule declares it once, with `declare_rule!`, which
/// also turns the same text into the rule type's doc comment.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code (`SQ001`); reports, baselines and suppressions name it.
    pub code: &'static str,
    /// Kebab-case name (`select-star`), accepted wherever a code is.
    pub name: &'static str,
    /// The severity unless the config overrides it.
    pub severity: Severity,
    /// One line for the index.
    pub summary: &'static str,
    /// What the rule looks for.
    pub what: &'static str,
    /// Why it matters to an application.
    pub why: &'static str,
    /// SQL the rule fires on.
    pub bad: &'static str,
    /// The same intent written so the rule stays silent.
    pub good: &'static str,
    /// The rule says nothing (or only a weaker note) without a catalog.
    pub needs_catalog: bool,
}

/// One lint rule.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Appends one violation per problem found in `ctx.statement`.
    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Violation>);
}

/// What a rule looks at: one statement, the SQL it was parsed from (for
/// suppression comments), its dialect and, when given, the catalog.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub statement: &'a Statement,
    pub sql: &'a str,
    pub dialect: Dialect,
    pub catalog: Option<&'a Catalog>,
}

/// One problem a rule found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// One actionable line naming the table and column involved.
    pub message: String,
    /// A concrete rewrite or action, where the rule can give one.
    pub fix: Option<String>,
    pub table: Option<String>,
    pub columns: Vec<String>,
}

impl Violation {
    /// A violation of `meta`'s rule at its default severity.
    pub fn new(meta: &'static RuleMeta, message: impl Into<String>) -> Self {
        Violation {
            code: meta.code,
            name: meta.name,
            severity: meta.severity,
            message: message.into(),
            fix: None,
            table: None,
            columns: Vec::new(),
        }
    }

    #[must_use]
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    #[must_use]
    pub fn table(mut self, table: Option<String>) -> Self {
        self.table = table;
        self
    }

    #[must_use]
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.columns.push(column.into());
        self
    }

    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}
