//! The JSON report (version 1): stable keys, documented in the README.

use std::io::Write;

use super::Report;

/// Writes `report` as pretty-printed JSON.
///
/// # Errors
/// When writing fails.
pub fn write_json(report: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)?;
    Ok(())
}
