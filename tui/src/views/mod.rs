//! One module per view; each draws from the [`crate::app::App`] state alone.

pub mod advice;
pub mod detail;
pub mod help;
pub mod loops;
pub mod stream;
pub mod top;
