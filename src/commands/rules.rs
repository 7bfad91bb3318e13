//! `sqlsift rules`: the lint rules' own documentation, from their metadata.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::RulesArgs;

pub fn run(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let Some(id) = &args.rule {
        let rule = sqlsift_rules::lookup(id)
            .ok_or_else(|| anyhow::anyhow!("no rule `{id}`; `sqlsift rules` lists them all"))?;
        write!(out, "{}", sqlsift_rules::render_doc(rule.meta()))?;
    } else {
        writeln!(
            out,
            "{:<6}  {:<34}  {:<8}  summary",
            "code", "name", "severity"
        )?;
        for rule in sqlsift_rules::registry() {
            let m = rule.meta();
            writeln!(
                out,
                "{:<6}  {:<34}  {:<8}  {}{}",
                m.code,
                m.name,
                m.severity,
                m.summary,
                if m.needs_catalog {
                    " (needs --schema)"
                } else {
                    ""
                }
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
