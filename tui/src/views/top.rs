//! Top queries: one row per fingerprint with its digest figures, ranked by
//! the sort key `s` cycles (total, calls, mean, p95, rows).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use crate::app::{App, SortKey, View};
use crate::ui::{ms, table};

/// Draws the Top view.
pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let sort = app.sort();
    let mark = |key: SortKey, name: &'static str| {
        Cell::from(if key == sort {
            format!("{name}▼")
        } else {
            name.to_owned()
        })
    };
    let header = Row::new(vec![
        Cell::from("query"),
        mark(SortKey::Calls, "calls"),
        mark(SortKey::Total, "total"),
        mark(SortKey::Mean, "mean"),
        mark(SortKey::P95, "p95"),
        mark(SortKey::Rows, "rows"),
        Cell::from("cost"),
        Cell::from("flags"),
    ]);
    let rows: Vec<Row<'static>> = app
        .visible_queries()
        .into_iter()
        .map(|q| {
            Row::new(vec![
                q.shape.clone(),
                q.calls.to_string(),
                ms(Some(q.total_ms)),
                ms(q.mean_ms),
                ms(q.p95_ms),
                q.rows.to_string(),
                q.cost.map_or_else(|| "-".into(), |c| format!("{c:.0}")),
                q.flags.join(" "),
            ])
        })
        .collect();
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(9),
    ];
    let title = format!(" Top queries by {} (ms) ", sort.name());
    table(
        frame,
        area,
        title,
        header,
        &widths,
        rows,
        app.selected(View::Top),
    );
}
