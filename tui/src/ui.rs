//! Rendering: a function of the [`App`] state onto a frame. The frame is a
//! header (tabs and totals), the current view, and a footer (filter prompt,
//! status or key hints); the help overlays whatever view is showing.

use std::fmt::Write;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, HighlightSpacing, Paragraph, Row, Table, TableState, Wrap};

use crate::app::{App, View};
use crate::views;

/// Draws the whole console.
pub fn draw(app: &App, frame: &mut Frame) {
    let [tabs, summary, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(tab_line(app), tabs);
    frame.render_widget(summary_line(app), summary);
    match app.view() {
        View::Top => views::top::draw(app, frame, body),
        View::Stream => views::stream::draw(app, frame, body),
        View::Loops => views::loops::draw(app, frame, body),
        View::Advice => views::advice::draw(app, frame, body),
        View::Detail => views::detail::draw(app, frame, body),
    }
    frame.render_widget(footer_line(app), footer);
    if app.help() {
        views::help::draw(frame, body);
    }
}

fn tab_line(app: &App) -> Line<'static> {
    let mut spans = Vec::new();
    for v in View::ALL {
        let text = format!(" {} {} ", v.index() + 1, v.title());
        spans.push(if v == app.view() {
            Span::styled(text, Style::new().reversed().bold())
        } else {
            Span::raw(text)
        });
    }
    if app.paused() {
        spans.push(Span::styled(
            " PAUSED ",
            Style::new().fg(Color::Yellow).bold(),
        ));
    }
    Line::from(spans)
}

fn summary_line(app: &App) -> Line<'static> {
    let s = app.snapshot();
    let t = &s.totals;
    let mut text = format!(
        " {} · {} events · {} queries · {} ms · {} loops",
        s.source,
        t.events,
        t.fingerprints,
        ms(Some(t.total_ms)),
        s.loops.len()
    );
    if t.malformed > 0 {
        let _ = write!(text, " · {} malformed", t.malformed);
    }
    if t.dropped > 0 {
        let _ = write!(text, " · {} dropped", t.dropped);
    }
    if t.units_cut > 0 {
        let _ = write!(text, " · {} units cut", t.units_cut);
    }
    Line::from(text).dim()
}

fn footer_line(app: &App) -> Line<'static> {
    if app.filtering() {
        return Line::from(vec![
            Span::styled(" /", Style::new().bold()),
            Span::raw(app.filter().to_owned()),
            Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK)),
            Span::raw("  Enter keep · Esc clear").dim(),
        ]);
    }
    if let Some(status) = app.status() {
        return Line::from(format!(" {status}")).yellow();
    }
    let mut spans = vec![];
    if !app.filter().is_empty() {
        spans.push(Span::styled(
            format!(" filter: {} ", app.filter()),
            Style::new().fg(Color::Cyan),
        ));
    }
    let hints = match app.view() {
        View::Detail => " j/k scroll · y copy · Esc back · ? help · q quit",
        View::Top => " Enter detail · s sort · / filter · y copy · ? help · q quit",
        _ => " Enter detail · / filter · p pause · y copy · ? help · q quit",
    };
    spans.push(Span::raw(hints).dim());
    Line::from(spans)
}

/// Milliseconds in a width that fits a column: `-` when unknown.
pub fn ms(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v.abs() < 10.0 => format!("{v:.3}"),
        Some(v) if v.abs() < 1000.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.0}"),
    }
}

/// The bordered block every view sits in.
pub fn block(title: String) -> Block<'static> {
    Block::new().borders(Borders::TOP).title(title)
}

/// A table of `rows` with the row `selected` highlighted, or a line saying
/// there is nothing to list.
pub fn table(
    frame: &mut Frame,
    area: Rect,
    title: String,
    header: Row<'static>,
    widths: &[Constraint],
    rows: Vec<Row<'static>>,
    selected: usize,
) {
    if rows.is_empty() {
        let empty = Paragraph::new("  nothing to show (yet, or for this filter)")
            .dim()
            .block(block(title));
        frame.render_widget(empty, area);
        return;
    }
    let table = Table::new(rows, widths)
        .header(header.bold().underlined())
        .block(block(title))
        .row_highlight_style(Style::new().reversed())
        .highlight_symbol("›")
        .highlight_spacing(HighlightSpacing::Always)
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, area, &mut state);
}

/// A wrapped text panel under a list, about its selected row.
pub fn preview(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>) {
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(" selected ".into()));
    frame.render_widget(p, area);
}

/// A section heading inside a page.
pub fn heading(text: &str) -> Line<'static> {
    Line::from(Span::styled(
        text.to_owned(),
        Style::new().fg(Color::Cyan).bold(),
    ))
}
