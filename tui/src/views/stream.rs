//! Live stream: the newest statements first, their duration coloured
//! (yellow from 10 ms, red from 100 ms); `p` pauses updates.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::{Cell, Row};

use crate::app::{App, View};
use crate::ui::{ms, table};

/// Durations from which a statement is shown as slow, then very slow.
const SLOW_MS: f64 = 10.0;
const VERY_SLOW_MS: f64 = 100.0;

/// Draws the Stream view.
pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let header = Row::new(vec!["time", "ms", "statement"]);
    let rows: Vec<Row<'static>> = app
        .visible_stream()
        .into_iter()
        .map(|s| {
            let colour = match s.duration_ms {
                Some(d) if d >= VERY_SLOW_MS => Color::Red,
                Some(d) if d >= SLOW_MS => Color::Yellow,
                Some(_) => Color::Green,
                None => Color::Reset,
            };
            Row::new(vec![
                Cell::from(clock(s.ts.as_deref())),
                Cell::from(ms(s.duration_ms)).style(Style::new().fg(colour)),
                Cell::from(one_line(&s.sql)),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(12),
        Constraint::Length(7),
        Constraint::Fill(1),
    ];
    let title = if app.paused() {
        " Live stream, newest first (paused: p resumes) ".to_owned()
    } else {
        " Live stream, newest first ".to_owned()
    };
    table(
        frame,
        area,
        title,
        header,
        &widths,
        rows,
        app.selected(View::Stream),
    );
}

/// The time of day of an ISO timestamp (`…T10:00:00.123…` → `10:00:00.123`).
fn clock(ts: Option<&str>) -> String {
    let Some(ts) = ts else {
        return String::new();
    };
    let time = ts.split_once('T').map_or(ts, |(_, t)| t);
    time.chars().take(12).collect()
}

/// A statement on one line: whitespace runs folded to one space.
pub fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_keeps_the_time_of_day() {
        assert_eq!(clock(Some("2026-11-27T03:09:32.152272Z")), "03:09:32.152");
        assert_eq!(clock(None), "");
        assert_eq!(one_line("select 1\n  from t"), "select 1 from t");
    }
}
