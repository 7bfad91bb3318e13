//! `sqlsift fingerprint`: the shape and id of statements.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use sqlsift_analyzer::Normalizer;
use sqlsift_analyzer::read::split_statements;

use crate::cli::FingerprintArgs;

pub fn run(args: &FingerprintArgs) -> anyhow::Result<ExitCode> {
    let text = if let Some(sql) = &args.sql {
        sql.clone()
    } else {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read SQL from standard input")?;
        s
    };
    let mut out = std::io::stdout().lock();
    let mut normalizer = Normalizer::new(args.dialect);
    let statements = split_statements(&text, args.dialect);
    if statements.is_empty() {
        anyhow::bail!("no SQL statement given");
    }
    for (_, sql) in statements {
        let n = normalizer.normalize(sql);
        if args.json {
            let literals: Vec<&str> = n.literals.iter().map(|l| l.text(sql)).collect();
            let tags: serde_json::Map<String, serde_json::Value> = n
                .tags
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            let line = serde_json::json!({
                "id": n.id.to_string(),
                "shape": n.shape,
                "literals": literals,
                "tags": tags,
            });
            writeln!(out, "{line}")?;
        } else {
            writeln!(out, "{}  {}", n.id, n.shape)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
