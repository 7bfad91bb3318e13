//! One module per subcommand.

mod fingerprint;
mod report;

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
    }
}
