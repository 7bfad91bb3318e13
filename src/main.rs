//! The `sqlsift` command line: parses arguments, wires inputs to the analyzer
//! and renders results. No analysis logic lives here.

mod analysis;
mod cli;
mod commands;
mod config;
mod progress;
mod report;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// Each statement analysed allocates its text, its parameters and its share
/// of a batch: with mimalloc the proxy's capture does about a tenth fewer
/// instructions than with glibc's allocator, for about 18 MB more resident
/// memory (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`sqlsift report … | head`) is not a failure.
            if err.chain().any(is_broken_pipe) {
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "sqlsift: error: {err}");
            for cause in err.chain().skip(1) {
                let _ = writeln!(stderr, "  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let pipe = Some(std::io::ErrorKind::BrokenPipe);
    e.downcast_ref::<std::io::Error>().map(std::io::Error::kind) == pipe
        || e.downcast_ref::<serde_json::Error>()
            .and_then(serde_json::Error::io_error_kind)
            == pipe
}
