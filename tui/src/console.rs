//! The event loop: draws the [`App`], turns keys into actions, applies the
//! snapshots a source sends on a channel (a replayed file being followed, or
//! a live proxy), and ticks so that status messages fade.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event};

use crate::app::{Action, App, Effect};
use crate::event::{Mode, action_for};
use crate::model::Snapshot;
use crate::terminal::Screen;
use crate::{TuiError, clipboard, ui};

/// How often the console ticks (and looks at the channel) without input.
const TICK: Duration = Duration::from_millis(250);

/// Runs the console on this terminal until the user quits: shows `initial`,
/// then every snapshot `updates` delivers (a closed channel just means no
/// more updates).
///
/// # Errors
/// When the terminal cannot be set up, read or drawn on.
pub fn run_console(initial: Snapshot, updates: &Receiver<Snapshot>) -> Result<(), TuiError> {
    let mut screen = Screen::enter()?;
    let mut app = App::new(initial);
    let mut last_tick = Instant::now();
    while !app.should_quit() {
        screen.terminal.draw(|f| ui::draw(&app, f))?;
        if event::poll(TICK.saturating_sub(last_tick.elapsed()))? {
            // Resizes need nothing but the redraw at the top of the loop.
            if let Event::Key(key) = event::read()? {
                let mode = if app.filtering() {
                    Mode::Filter
                } else {
                    Mode::Normal
                };
                if let Some(action) = action_for(key, mode) {
                    apply(&mut app, action);
                }
            }
        }
        // Empty or closed, the channel has nothing more for now.
        while let Ok(s) = updates.try_recv() {
            apply(&mut app, Action::Update(Box::new(s)));
        }
        if last_tick.elapsed() >= TICK {
            apply(&mut app, Action::Tick);
            last_tick = Instant::now();
        }
    }
    Ok(())
}

/// Updates `app` and carries out the work it asks for.
fn apply(app: &mut App, action: Action) {
    if let Some(Effect::Copy(text)) = app.update(action) {
        let status = match clipboard::copy(&text) {
            Ok(dest) => format!("copied {} line(s) to {dest}", text.lines().count()),
            Err(e) => format!("copy failed: {e}"),
        };
        app.update(Action::Status(status));
    }
}
