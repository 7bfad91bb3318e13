//! The key help (`?`), drawn over the current view.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Every key and what it does, as the help and the README list them.
pub const KEYS: &[(&str, &str)] = &[
    ("Tab, 1-5", "switch view: Top, Stream, N+1, Advice, Detail"),
    ("j/k, arrows", "move (scroll in Detail); g/G first/last"),
    ("Enter", "open the detail of the selected row"),
    ("Esc", "go back (close help, clear the filter)"),
    ("s", "sort Top by total, calls, mean, p95, rows"),
    ("/", "filter rows by text (Enter keeps, Esc clears)"),
    ("p", "pause or resume updates"),
    ("y", "copy the SQL, rewrite or DDL"),
    ("?", "this help"),
    ("q", "quit"),
];

/// Draws the help box centred in `area`.
pub fn draw(frame: &mut Frame, area: Rect) {
    let height = u16::try_from(KEYS.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(66)])
        .flex(Flex::Center)
        .areas(row);
    let text: Vec<String> = KEYS
        .iter()
        .map(|(k, what)| format!("{k:<12} {what}"))
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(text.join("\n")).block(
            Block::new()
                .borders(Borders::ALL)
                .title(" Keys (Esc closes) "),
        ),
        rect,
    );
}
