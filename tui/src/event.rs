//! Keys to [`Action`]s, as in the consoles people know (pg_activity, k9s):
//! Tab and 1–5 switch views, j/k and arrows move, Enter opens, Esc goes back.
//!
//! Kept apart from the event loop so that the mapping is a pure function.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::app::{Action, View};

/// How keys are read at the moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Keys are commands.
    Normal,
    /// Keys type into the `/` filter.
    Filter,
}

/// The action a key press asks for, if any (releases and repeats of
/// non-movement keys are ignored).
pub fn action_for(key: KeyEvent, mode: Mode) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c')).then_some(Action::Quit);
    }
    if mode == Mode::Filter {
        return match key.code {
            KeyCode::Char(c) => Some(Action::FilterInput(c)),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Enter => Some(Action::FilterEnd),
            KeyCode::Esc => Some(Action::Back),
            _ => None,
        };
    }
    let action = match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Tab => Action::NextView,
        KeyCode::BackTab => Action::PrevView,
        KeyCode::Char(c @ '1'..='5') => {
            let i = usize::from(c as u8 - b'1');
            Action::Show(View::ALL[i])
        }
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::PageDown | KeyCode::Char(' ') => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::Char('g') | KeyCode::Home => Action::First,
        KeyCode::Char('G') | KeyCode::End => Action::Last,
        KeyCode::Enter => Action::Open,
        KeyCode::Esc | KeyCode::Backspace => Action::Back,
        KeyCode::Char('s') => Action::Sort,
        KeyCode::Char('/') => Action::FilterStart,
        KeyCode::Char('p') => Action::Pause,
        KeyCode::Char('y') => Action::Copy,
        KeyCode::Char('?') => Action::Help,
        _ => return None,
    };
    Some(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn digits_pick_views_and_letters_act() {
        assert_eq!(
            action_for(key(KeyCode::Char('3')), Mode::Normal),
            Some(Action::Show(View::Loops))
        );
        assert_eq!(
            action_for(key(KeyCode::Char('5')), Mode::Normal),
            Some(Action::Show(View::Detail))
        );
        assert_eq!(action_for(key(KeyCode::Char('6')), Mode::Normal), None);
        assert_eq!(
            action_for(key(KeyCode::Char('j')), Mode::Normal),
            Some(Action::Down)
        );
        assert_eq!(action_for(key(KeyCode::Up), Mode::Normal), Some(Action::Up));
        assert_eq!(
            action_for(key(KeyCode::Char('q')), Mode::Normal),
            Some(Action::Quit)
        );
    }

    #[test]
    fn filter_mode_types_letters_instead_of_acting() {
        assert_eq!(
            action_for(key(KeyCode::Char('q')), Mode::Filter),
            Some(Action::FilterInput('q'))
        );
        assert_eq!(
            action_for(key(KeyCode::Enter), Mode::Filter),
            Some(Action::FilterEnd)
        );
        assert_eq!(
            action_for(key(KeyCode::Esc), Mode::Filter),
            Some(Action::Back)
        );
    }

    #[test]
    fn ctrl_c_quits_in_any_mode() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(ctrl_c, Mode::Filter), Some(Action::Quit));
        assert_eq!(action_for(ctrl_c, Mode::Normal), Some(Action::Quit));
    }
}
