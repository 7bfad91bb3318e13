//! Detail: one query, loop or piece of advice in full — normalized SQL, a
//! real sample, digest figures with latency bars, the cost breakdown, the
//! planner's plan, the rewrites and the DDL ready to copy (`y`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Target};
use crate::model::{AdviceRow, LoopRow, QueryRow};
use crate::ui::{block, heading, ms};

/// Widest latency bar, in cells.
const BAR: f64 = 36.0;

/// Draws the Detail view.
pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let (title, lines) = match app.detail() {
        None => (
            " Detail ".to_owned(),
            vec![Line::from(
                "  Select a row in Top, N+1 or Advice and press Enter.",
            )],
        ),
        Some(t) => page(app, t),
    };
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((app.detail_scroll(), 0))
        .block(block(title));
    frame.render_widget(p, area);
}

/// Lines of the detail page shown (before wrapping): how far it scrolls.
pub fn page_len(app: &App) -> usize {
    app.detail().map_or(0, |t| page(app, t).1.len())
}

/// The title and lines of the page about `target`.
fn page(app: &App, target: &Target) -> (String, Vec<Line<'static>>) {
    let mut lines = Vec::new();
    let (title, fingerprint) = match target {
        Target::Query(id) => (
            " Query (y copies the sample) ".to_owned(),
            Some(id.as_str()),
        ),
        Target::Loop { kind, fingerprint } => {
            if let Some(l) = app.find_loop(kind, fingerprint) {
                loop_lines(l, &mut lines);
            }
            (
                format!(" {kind} (y copies the rewrite) "),
                Some(fingerprint.as_str()),
            )
        }
        Target::Advice { kind, message } => {
            let a = app.find_advice(kind, message);
            if let Some(a) = a {
                advice_lines(a, &mut lines);
            }
            (
                format!(" {kind} (y copies the SQL) "),
                a.and_then(|a| a.fingerprint.as_deref()),
            )
        }
    };
    match fingerprint.and_then(|id| app.query(id)) {
        Some(q) => query_lines(q, &mut lines),
        None if lines.is_empty() => {
            lines.push(Line::from("  No longer in the workload."));
        }
        None => {}
    }
    (title, lines)
}

fn sql_lines(sql: &str, lines: &mut Vec<Line<'static>>) {
    lines.extend(
        sql.lines()
            .map(|l| Line::from(format!("  {l}")).style(Style::new().fg(Color::Green))),
    );
}

fn loop_lines(l: &LoopRow, lines: &mut Vec<Line<'static>>) {
    lines.push(Line::from(l.message.clone()));
    lines.push(Line::from(format!(
        "size {} · units {} · {} ms · {} round trips saved",
        l.size,
        l.units,
        ms(Some(l.total_ms)),
        l.round_trips_saved
    )));
    lines.push(heading("Parent"));
    lines.push(Line::from(format!(
        "  {}",
        l.parent.as_deref().unwrap_or("(none seen)")
    )));
    for (form, sql) in &l.rewrites {
        lines.push(heading(&format!("Rewrite: {form}")));
        sql_lines(sql, lines);
    }
    if let Some(note) = &l.note {
        lines.push(Line::from(note.clone()));
    }
    lines.push(Line::default());
}

fn advice_lines(a: &AdviceRow, lines: &mut Vec<Line<'static>>) {
    lines.push(Line::from(vec![
        Span::styled(
            format!("{} ", a.severity.name()),
            Style::new().fg(super::advice::colour(a.severity)),
        ),
        Span::raw(a.message.clone()),
    ]));
    if !a.sql.is_empty() {
        lines.push(heading("SQL"));
        for s in &a.sql {
            sql_lines(s, lines);
        }
    }
    if let Some(note) = &a.note {
        lines.push(Line::from(note.clone()));
    }
    lines.push(Line::default());
}

fn query_lines(q: &QueryRow, lines: &mut Vec<Line<'static>>) {
    lines.push(heading(&format!("Normalized SQL ({})", q.id)));
    lines.push(Line::from(format!("  {}", q.shape)));
    lines.push(heading("Sample"));
    sql_lines(&q.sample, lines);
    lines.push(heading("Figures"));
    lines.push(Line::from(format!(
        "  calls {} · total {} ms · mean {} · p95 {} · rows {}{}",
        q.calls,
        ms(Some(q.total_ms)),
        ms(q.mean_ms),
        ms(q.p95_ms),
        q.rows,
        if q.flags.is_empty() {
            String::new()
        } else {
            format!(" · {}", q.flags.join(" "))
        }
    )));
    let max = q.latency.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    if max > 0.0 {
        lines.push(heading("Latency (ms)"));
        for (label, v) in &q.latency {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let cells = ((v / max) * BAR).round().max(1.0) as usize;
            lines.push(Line::from(vec![
                Span::raw(format!("  {label:>4} {:>8} ", ms(Some(*v)))),
                Span::styled("█".repeat(cells), Style::new().fg(Color::Magenta)),
            ]));
        }
    }
    if let Some(cost) = q.cost {
        lines.push(heading(&format!("Cost {cost:.1}")));
        for (points, reason) in &q.cost_terms {
            lines.push(Line::from(format!("  {points:>7.1}  {reason}")));
        }
    }
    if !q.plan.is_empty() {
        lines.push(heading("Plan"));
        lines.extend(q.plan.iter().map(|p| Line::from(format!("  {p}"))));
    }
}
