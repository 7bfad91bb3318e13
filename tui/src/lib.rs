//! sqlsift-tui: the ratatui console that shows a workload — top queries, the
//! live stream, N+1 loops, advice and a detail page — over a replayed log or
//! beside a live source.
//!
//! The console is fed plain data ([`model::Snapshot`]) through a channel, so
//! it depends on no analysis crate: whoever runs the pipeline converts. Its
//! state ([`app::App`]) is pure and rendering ([`ui::draw`]) is a function of
//! it, which is what the tests drive.

pub mod app;
pub mod clipboard;
mod console;
pub mod event;
pub mod model;
pub mod terminal;
pub mod ui;
pub mod views;

pub use console::run_console;
pub use model::Snapshot;

/// What stops the console.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The terminal could not be set up, read or drawn on.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}
