//! Terminal setup and restore: raw mode and the alternate screen while the
//! console runs, restored on every way out — return, error or panic (ratatui's
//! panic hook restores before the panic message prints).

use std::io;

use ratatui::DefaultTerminal;

/// The terminal in console mode; dropping it restores the terminal.
pub struct Screen {
    /// The ratatui terminal drawing on stdout.
    pub terminal: DefaultTerminal,
}

impl Screen {
    /// Enters raw mode and the alternate screen, and installs the panic hook.
    ///
    /// # Errors
    /// When stdout is not a terminal that can be put in raw mode.
    pub fn enter() -> io::Result<Screen> {
        Ok(Screen {
            terminal: ratatui::try_init()?,
        })
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        // Nothing sensible remains to do when restoring fails on the way out.
        let _ = ratatui::try_restore();
    }
}
