//! Advice: indexes, partitions, rewrites, slow statements and lint findings,
//! most serious first; the panel below shows the selected one's SQL or DDL.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

use crate::app::{App, View};
use crate::model::Severity;
use crate::ui::{preview, table};

/// The colour a severity is shown in.
pub fn colour(s: Severity) -> Color {
    match s {
        Severity::Info => Color::Blue,
        Severity::Warning => Color::Yellow,
        Severity::Error => Color::Red,
    }
}

/// Draws the Advice view.
pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let [list, panel] = Layout::vertical([Constraint::Min(4), Constraint::Length(7)]).areas(area);
    let advice = app.visible_advice();
    let header = Row::new(vec!["severity", "kind", "advice"]);
    let rows: Vec<Row<'static>> = advice
        .iter()
        .map(|a| {
            Row::new(vec![
                Cell::from(a.severity.name()).style(Style::new().fg(colour(a.severity))),
                Cell::from(a.kind.clone()),
                Cell::from(a.message.clone()),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    let selected = app.selected(View::Advice);
    table(
        frame,
        list,
        " Advice ".into(),
        header,
        &widths,
        rows,
        selected,
    );
    let Some(a) = advice.get(selected) else {
        return;
    };
    let mut lines: Vec<Line<'static>> = a
        .sql
        .iter()
        .map(|s| Line::from(super::stream::one_line(s)))
        .collect();
    if let Some(note) = &a.note {
        lines.push(Line::from(note.clone()));
    }
    if lines.is_empty() {
        lines.push(Line::from(a.message.clone()));
    }
    preview(frame, panel, lines);
}
