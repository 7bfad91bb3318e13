//! A progress bar on stderr for big inputs, shown only when stderr is a terminal.

use std::path::PathBuf;
use std::sync::Arc;

use sqlsift_analyzer::read::Progress;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this finish before a bar would be worth drawing.
const MIN_BYTES: u64 = 32 * 1024 * 1024;

/// A bar over the total size of `inputs`, or `None` when not worth showing.
pub fn for_inputs(inputs: &[PathBuf]) -> Option<ProgressBar> {
    let total: u64 = inputs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    if total < MIN_BYTES {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if bar.is_hidden() {
        return None;
    }
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} reading {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {wide_bar}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// The callback the readers call with each chunk of bytes read.
pub fn callback(bar: &ProgressBar) -> Progress {
    let bar = bar.clone();
    Arc::new(move |n| bar.inc(n))
}
