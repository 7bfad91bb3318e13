//! One module per subcommand.

mod advise;
mod events;
mod fingerprint;
mod ingest;
mod lint;
mod proxy;
mod report;
mod rewrite;
mod rules;
mod tui;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::config::Config;

/// Runs the chosen subcommand.
///
/// # Errors
/// Whatever stopped the command from doing its job (exit code 2).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::discover(cli.config.as_deref())?;
    match cli.command {
        Command::Report(args) => report::run(&args, &config),
        Command::Fingerprint(args) => fingerprint::run(&args),
        Command::Events(args) => events::run(&args),
        Command::Rewrite(args) => rewrite::run(&args, &config),
        Command::Lint(args) => lint::run(&args, &config),
        Command::Rules(args) => rules::run(&args),
        Command::Ingest(args) => ingest::run(&args, &config),
        Command::Advise(args) => advise::run(&args, &config),
        Command::Tui(args) => tui::run(&args, &config),
        Command::Proxy(args) => proxy::run(&args, &config),
    }
}

/// Fails early, naming the path, when an input is missing or not a file.
fn check_inputs(inputs: &[std::path::PathBuf]) -> anyhow::Result<()> {
    for path in inputs {
        if !path.is_file() {
            anyhow::bail!("{}: no such file (or not a regular file)", path.display());
        }
    }
    Ok(())
}
