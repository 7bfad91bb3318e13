//! State transitions of the console, without a terminal.

mod common;

use sqlsift_tui::app::{Action, App, Effect, SortKey, Target, View};
use sqlsift_tui::model::Snapshot;

fn app() -> App {
    App::new(common::workload())
}

fn top_ids(app: &App) -> Vec<String> {
    app.visible_queries().iter().map(|q| q.id.clone()).collect()
}

#[test]
fn tab_cycles_views_and_digits_jump() {
    let mut a = app();
    assert_eq!(a.view(), View::Top);
    a.update(Action::NextView);
    assert_eq!(a.view(), View::Stream);
    a.update(Action::PrevView);
    a.update(Action::PrevView);
    // Backwards from Top wraps to Detail, which opens the selected query.
    assert_eq!(a.view(), View::Detail);
    assert_eq!(a.detail(), Some(&Target::Query("00000000000000b2".into())));
    a.update(Action::Show(View::Loops));
    assert_eq!(a.view(), View::Loops);
}

#[test]
fn sort_key_cycles_and_reorders_top() {
    let mut a = app();
    assert_eq!(a.sort(), SortKey::Total);
    assert_eq!(top_ids(&a)[0], "00000000000000b2");
    a.update(Action::Sort);
    assert_eq!(a.sort(), SortKey::Calls);
    assert_eq!(top_ids(&a)[0], "00000000000000c3");
    a.update(Action::Sort);
    a.update(Action::Sort);
    assert_eq!(a.sort(), SortKey::P95);
    a.update(Action::Sort);
    assert_eq!(a.sort(), SortKey::Rows);
    assert_eq!(top_ids(&a)[0], "00000000000000b2");
    a.update(Action::Sort);
    assert_eq!(a.sort(), SortKey::Total);
}

#[test]
fn movement_is_clamped_to_the_list() {
    let mut a = app();
    a.update(Action::Up);
    assert_eq!(a.selected(View::Top), 0);
    a.update(Action::Down);
    a.update(Action::Down);
    a.update(Action::Down);
    assert_eq!(a.selected(View::Top), 2);
    a.update(Action::First);
    assert_eq!(a.selected(View::Top), 0);
    a.update(Action::Last);
    assert_eq!(a.selected(View::Top), 2);
    // Each list keeps its own selection.
    a.update(Action::Show(View::Stream));
    assert_eq!(a.selected(View::Stream), 0);
}

#[test]
fn enter_opens_the_loop_and_esc_goes_back() {
    let mut a = app();
    a.update(Action::Show(View::Loops));
    a.update(Action::Open);
    assert_eq!(a.view(), View::Detail);
    assert_eq!(
        a.detail(),
        Some(&Target::Loop {
            kind: "N+1".into(),
            fingerprint: "00000000000000a1".into()
        })
    );
    a.update(Action::Down);
    assert_eq!(a.detail_scroll(), 1);
    // Scrolling stops at the page's last line, and back up works at once.
    a.update(Action::Last);
    let last = a.detail_scroll();
    assert!(last > 10 && last < 100, "{last}");
    a.update(Action::Down);
    assert_eq!(a.detail_scroll(), last);
    a.update(Action::Up);
    assert_eq!(a.detail_scroll(), last - 1);
    a.update(Action::Back);
    assert_eq!(a.view(), View::Loops);
    assert_eq!(a.detail(), None);
}

#[test]
fn filter_narrows_every_list_and_esc_clears_it() {
    let mut a = app();
    a.update(Action::FilterStart);
    assert!(a.filtering());
    for c in "REVIEW".chars() {
        a.update(Action::FilterInput(c));
    }
    a.update(Action::FilterEnd);
    assert!(!a.filtering());
    assert_eq!(a.filter(), "REVIEW");
    assert_eq!(top_ids(&a), ["00000000000000c3"]);
    assert_eq!(a.visible_stream().len(), 1);
    assert!(a.visible_loops().is_empty());
    assert_eq!(a.visible_advice().len(), 1);
    a.update(Action::Back);
    assert_eq!(a.filter(), "");
    assert_eq!(top_ids(&a).len(), 3);
}

#[test]
fn pause_holds_updates_until_resumed() {
    let mut a = app();
    a.update(Action::Pause);
    assert!(a.paused());
    let newer = Snapshot {
        source: "newer".into(),
        ..Snapshot::default()
    };
    a.update(Action::Update(Box::new(newer)));
    assert_eq!(a.snapshot().source, "app.jsonl");
    a.update(Action::Pause);
    assert!(!a.paused());
    assert_eq!(a.snapshot().source, "newer");
}

#[test]
fn an_update_keeps_the_selection_inside_the_new_list() {
    let mut a = app();
    a.update(Action::Last);
    let mut smaller = common::workload();
    smaller.queries.truncate(1);
    a.update(Action::Update(Box::new(smaller)));
    assert_eq!(a.selected(View::Top), 0);
}

#[test]
fn stream_shows_the_newest_first() {
    let a = app();
    let stream = a.visible_stream();
    assert!(stream[0].sql.contains("reviews"));
}

#[test]
fn copy_takes_the_rewrite_the_ddl_or_the_sample() {
    let mut a = app();
    a.update(Action::Show(View::Loops));
    assert_eq!(
        a.update(Action::Copy),
        Some(Effect::Copy(
            "SELECT authors.id, authors.name FROM authors WHERE authors.id IN (1, 2, 3)".into()
        ))
    );
    a.update(Action::Show(View::Advice));
    assert_eq!(
        a.update(Action::Copy),
        Some(Effect::Copy(
            "CREATE INDEX reviews_book_id_id ON reviews (book_id, id);".into()
        ))
    );
    // The lint advice has no SQL: nothing is copied and the user is told.
    a.update(Action::Down);
    assert_eq!(a.update(Action::Copy), None);
    assert_eq!(a.status(), Some("nothing to copy here"));
    a.update(Action::Show(View::Top));
    a.update(Action::Open);
    assert_eq!(
        a.update(Action::Copy),
        Some(Effect::Copy(
            "select books.id, books.author_id from books".into()
        ))
    );
}

#[test]
fn status_fades_after_ticks() {
    let mut a = app();
    a.update(Action::Status("copied".into()));
    assert_eq!(a.status(), Some("copied"));
    for _ in 0..100 {
        a.update(Action::Tick);
    }
    assert_eq!(a.status(), None);
}

#[test]
fn help_toggles_and_esc_closes_it_and_q_quits() {
    let mut a = app();
    a.update(Action::Help);
    assert!(a.help());
    a.update(Action::Back);
    assert!(!a.help());
    a.update(Action::Help);
    a.update(Action::Help);
    assert!(!a.help());
    assert!(!a.should_quit());
    a.update(Action::Quit);
    assert!(a.should_quit());
}

#[test]
fn detail_without_a_selection_says_so() {
    let mut a = App::new(Snapshot::default());
    a.update(Action::Open);
    assert_eq!(a.view(), View::Top);
    assert_eq!(a.status(), Some("no row to open here"));
}
