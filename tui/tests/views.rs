//! Screen snapshots of every view at 80×24 through ratatui's TestBackend,
//! compared with the text files under `tests/snapshots/`. Set
//! `SQLSIFT_UPDATE_SNAPSHOTS=1` to rewrite them after a deliberate change
//! (and read the diff before committing).

mod common;

use std::path::PathBuf;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sqlsift_tui::app::{Action, App, View};
use sqlsift_tui::ui;

/// The screen after `actions`, as text: one line per row, trailing blanks cut.
fn screen(actions: &[Action], width: u16, height: u16) -> String {
    screen_of(common::workload(), actions, width, height)
}

fn screen_of(
    snapshot: sqlsift_tui::model::Snapshot,
    actions: &[Action],
    width: u16,
    height: u16,
) -> String {
    let mut app = App::new(snapshot);
    for a in actions {
        app.update(a.clone());
    }
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| ui::draw(&app, f)).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let line: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn check(name: &str, actions: &[Action]) {
    let got = screen(actions, 80, 24);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("SQLSIFT_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &got).expect("write snapshot");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (SQLSIFT_UPDATE_SNAPSHOTS=1 writes it)",
            path.display()
        )
    });
    assert_eq!(
        got,
        want,
        "{name}: the screen differs from {}",
        path.display()
    );
}

#[test]
fn top_view() {
    check("top", &[]);
}

#[test]
fn top_view_sorted_by_calls_and_filtered() {
    check(
        "top_calls_filtered",
        &[
            Action::Sort,
            Action::FilterStart,
            Action::FilterInput('a'),
            Action::FilterInput('u'),
        ],
    );
}

#[test]
fn stream_view() {
    check("stream", &[Action::Show(View::Stream), Action::Pause]);
}

#[test]
fn loops_view() {
    check("loops", &[Action::Show(View::Loops)]);
}

#[test]
fn advice_view() {
    check("advice", &[Action::Show(View::Advice)]);
}

#[test]
fn detail_of_a_loop() {
    check("detail_loop", &[Action::Show(View::Loops), Action::Open]);
}

#[test]
fn detail_of_a_query() {
    check("detail_query", &[Action::Down, Action::Down, Action::Open]);
}

#[test]
fn help_over_a_view() {
    check("help", &[Action::Help]);
}

/// What the figures leave out is on screen: statements a live source
/// dropped, and units of work a memory bound cut (their loops show in parts).
#[test]
fn the_summary_says_what_was_dropped_and_cut() {
    let mut gappy = common::workload();
    gappy.totals.dropped = 4;
    gappy.totals.units_cut = 2;
    let top = screen_of(gappy, &[], 120, 24);
    assert!(top.contains(" · 4 dropped · 2 units cut"), "{top}");
    assert!(!screen(&[], 120, 24).contains("units cut"));
}

#[test]
fn small_and_large_terminals_render_without_panicking() {
    for (w, h) in [(20, 5), (40, 10), (200, 60), (1, 1)] {
        for v in View::ALL {
            let s = screen(&[Action::Show(v)], w, h);
            assert_eq!(s.lines().count(), usize::from(h));
        }
    }
}
