//! N+1 & duplicates: each repeated statement with its size, time and the
//! round trips a rewrite saves; the panel below shows the selected loop's
//! parent query and its first rewrite.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Row;

use crate::app::{App, View};
use crate::ui::{heading, ms, preview, table};

/// Draws the N+1 view.
pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let [list, panel] = Layout::vertical([Constraint::Min(4), Constraint::Length(8)]).areas(area);
    let loops = app.visible_loops();
    let header = Row::new(vec!["kind", "query", "size", "units", "ms", "saved"]);
    let rows: Vec<Row<'static>> = loops
        .iter()
        .map(|l| {
            Row::new(vec![
                l.kind.clone(),
                l.shape.clone(),
                l.size.to_string(),
                l.units.to_string(),
                ms(Some(l.total_ms)),
                l.round_trips_saved.to_string(),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(6),
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(6),
    ];
    let selected = app.selected(View::Loops);
    table(
        frame,
        list,
        " N+1 loops & duplicates (saved = round trips) ".into(),
        header,
        &widths,
        rows,
        selected,
    );
    let Some(l) = loops.get(selected) else {
        return;
    };
    let mut lines = vec![Line::from(format!(
        "parent: {}",
        l.parent.as_deref().unwrap_or("(none seen)")
    ))];
    match l.rewrites.first() {
        Some((form, sql)) => {
            lines.push(heading(&format!("rewrite ({form}), Enter for all:")));
            lines.push(Line::from(super::stream::one_line(sql)));
        }
        None => lines.push(Line::from(l.note.clone().unwrap_or_default())),
    }
    preview(frame, panel, lines);
}
