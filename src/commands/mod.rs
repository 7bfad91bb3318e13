//! One module per subcommand.

mod events;
mod fingerprint;
mod ingest;
mod report;
mod rewrite;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the chosen subcommand.
///
/// # Errors
/// Whatever stopped the command from doing its job (exit code 2).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Report(args) => report::run(&args),
        Command::Fingerprint(args) => fingerprint::run(&args),
        Command::Events(args) => events::run(&args),
        Command::Rewrite(args) => rewrite::run(&args),
        Command::Ingest(args) => ingest::run(&args),
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
