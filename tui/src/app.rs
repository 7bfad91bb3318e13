//! The console's state and every transition it makes: a pure value updated
//! by [`Action`]s (keys, ticks, pipeline updates), so that it is tested
//! without a terminal and rendering is a function of it.

use crate::model::{AdviceRow, LoopRow, QueryRow, Snapshot, StreamRow};

/// The console's views, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Top,
    Stream,
    Loops,
    Advice,
    Detail,
}

impl View {
    /// Every view, in Tab order (keys 1–5).
    pub const ALL: [View; 5] = [
        View::Top,
        View::Stream,
        View::Loops,
        View::Advice,
        View::Detail,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            View::Top => "Top",
            View::Stream => "Stream",
            View::Loops => "N+1",
            View::Advice => "Advice",
            View::Detail => "Detail",
        }
    }

    /// Position in [`View::ALL`].
    pub fn index(self) -> usize {
        match self {
            View::Top => 0,
            View::Stream => 1,
            View::Loops => 2,
            View::Advice => 3,
            View::Detail => 4,
        }
    }

    fn offset(self, by: usize) -> View {
        View::ALL[(self.index() + by) % View::ALL.len()]
    }
}

/// What the Top view ranks queries by; `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Total,
    Calls,
    Mean,
    P95,
    Rows,
}

impl SortKey {
    /// The next key in the cycle.
    #[must_use]
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Total => SortKey::Calls,
            SortKey::Calls => SortKey::Mean,
            SortKey::Mean => SortKey::P95,
            SortKey::P95 => SortKey::Rows,
            SortKey::Rows => SortKey::Total,
        }
    }

    /// The name shown in the header of the sorted column.
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Total => "total",
            SortKey::Calls => "calls",
            SortKey::Mean => "mean",
            SortKey::P95 => "p95",
            SortKey::Rows => "rows",
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn value(self, q: &QueryRow) -> f64 {
        match self {
            SortKey::Total => q.total_ms,
            SortKey::Calls => q.calls as f64,
            SortKey::Mean => q.mean_ms.unwrap_or(0.0),
            SortKey::P95 => q.p95_ms.unwrap_or(0.0),
            SortKey::Rows => q.rows as f64,
        }
    }
}

/// What a detail page shows, by a key that survives pipeline updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A query, by fingerprint id.
    Query(String),
    /// A loop, by kind and fingerprint id.
    Loop { kind: String, fingerprint: String },
    /// A piece of advice, by kind and message.
    Advice { kind: String, message: String },
}

/// Everything that changes the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Quit,
    NextView,
    PrevView,
    Show(View),
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    /// Open the detail of the selected row.
    Open,
    /// Close help, cancel the filter, or leave the detail page.
    Back,
    /// Cycle the Top view's sort key.
    Sort,
    /// Start typing a filter.
    FilterStart,
    FilterInput(char),
    FilterBackspace,
    /// Keep the typed filter and return to the keys.
    FilterEnd,
    /// Pause or resume pipeline updates.
    Pause,
    /// Copy the SQL or DDL in view.
    Copy,
    /// Show or hide the key help.
    Help,
    /// Time passed (status messages fade).
    Tick,
    /// New data from the pipeline.
    Update(Box<Snapshot>),
    /// Say something on the status line (e.g. where a copy went).
    Status(String),
}

/// Work the state asks its runner to do outside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Put this text on the clipboard (or in a file).
    Copy(String),
}

/// Rows a page key moves by.
const PAGE: isize = 10;
/// Ticks a status message stays on screen.
const STATUS_TICKS: u8 = 20;

/// The console's whole state.
#[derive(Debug, Clone, Default)]
pub struct App {
    snapshot: Snapshot,
    /// The newest update received while paused, applied on resume.
    pending: Option<Snapshot>,
    view: ViewState,
    /// Selected row per list view (Top, Stream, Loops, Advice).
    selected: [usize; 4],
    sort: SortKey,
    filter: String,
    overlay: Overlay,
    paused: bool,
    /// Detail pages opened, the current one last; Esc pops.
    details: Vec<Target>,
    detail_scroll: u16,
    status: Option<(String, u8)>,
    quit: bool,
}

/// What takes the keys over the view, if anything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Overlay {
    #[default]
    None,
    /// Keys type into the filter.
    Filter,
    /// The key help is shown.
    Help,
}

/// The view shown and the list view Detail returns to.
#[derive(Debug, Clone, Copy)]
struct ViewState {
    current: View,
    list: View,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            current: View::Top,
            list: View::Top,
        }
    }
}

impl App {
    /// A console showing `snapshot`.
    pub fn new(snapshot: Snapshot) -> App {
        App {
            snapshot,
            ..App::default()
        }
    }

    /// Applies `action`; returns work for the runner, if any.
    pub fn update(&mut self, action: Action) -> Option<Effect> {
        match action {
            Action::Quit => self.quit = true,
            Action::NextView => self.show(self.view.current.offset(1)),
            Action::PrevView => self.show(self.view.current.offset(View::ALL.len() - 1)),
            Action::Show(v) => self.show(v),
            Action::Up => self.step(-1),
            Action::Down => self.step(1),
            Action::PageUp => self.step(-PAGE),
            Action::PageDown => self.step(PAGE),
            Action::First => self.step(isize::MIN),
            Action::Last => self.step(isize::MAX),
            Action::Open => self.open(),
            Action::Back => self.back(),
            Action::Sort => {
                self.sort = self.sort.next();
                self.selected[0] = 0;
            }
            Action::FilterStart => self.overlay = Overlay::Filter,
            Action::FilterInput(c) => {
                self.filter.push(c);
                self.selected = [0; 4];
            }
            Action::FilterBackspace => {
                self.filter.pop();
            }
            Action::FilterEnd => self.overlay = Overlay::None,
            Action::Pause => {
                self.paused = !self.paused;
                if !self.paused
                    && let Some(s) = self.pending.take()
                {
                    self.apply(s);
                }
            }
            Action::Copy => {
                if let Some(text) = self.copy_text() {
                    return Some(Effect::Copy(text));
                }
                self.say("nothing to copy here".into());
            }
            Action::Help => {
                self.overlay = if self.overlay == Overlay::Help {
                    Overlay::None
                } else {
                    Overlay::Help
                };
            }
            Action::Tick => {
                if let Some((_, ticks)) = &mut self.status {
                    *ticks = ticks.saturating_sub(1);
                    if *ticks == 0 {
                        self.status = None;
                    }
                }
            }
            Action::Update(s) => {
                if self.paused {
                    self.pending = Some(*s);
                } else {
                    self.apply(*s);
                }
            }
            Action::Status(text) => self.say(text),
        }
        None
    }

    fn say(&mut self, text: String) {
        self.status = Some((text, STATUS_TICKS));
    }

    fn apply(&mut self, snapshot: Snapshot) {
        self.snapshot = snapshot;
        for view in [View::Top, View::Stream, View::Loops, View::Advice] {
            let last = self.list_len(view).saturating_sub(1);
            let sel = &mut self.selected[view.index()];
            *sel = (*sel).min(last);
        }
    }

    fn show(&mut self, view: View) {
        self.overlay = Overlay::None;
        if view == View::Detail {
            if self.details.is_empty() {
                self.open();
            } else {
                self.view.current = View::Detail;
            }
            return;
        }
        self.view = ViewState {
            current: view,
            list: view,
        };
    }

    fn step(&mut self, by: isize) {
        if self.view.current == View::Detail {
            // Scrolls no further than the page's last line at the top.
            let last = crate::views::detail::page_len(self).saturating_sub(1);
            let scroll = usize::from(self.detail_scroll)
                .saturating_add_signed(by)
                .min(last);
            self.detail_scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
            return;
        }
        let len = self.list_len(self.view.current);
        let sel = &mut self.selected[self.view.current.index()];
        *sel = sel.saturating_add_signed(by).min(len.saturating_sub(1));
    }

    /// The detail target of the selected row of list view `view`.
    fn target_in(&self, view: View) -> Option<Target> {
        match view {
            View::Top => self
                .visible_queries()
                .get(self.selected[0])
                .map(|q| Target::Query(q.id.clone())),
            View::Loops => self
                .visible_loops()
                .get(self.selected[2])
                .map(|l| Target::Loop {
                    kind: l.kind.clone(),
                    fingerprint: l.fingerprint.clone(),
                }),
            View::Advice => self
                .visible_advice()
                .get(self.selected[3])
                .map(|a| Target::Advice {
                    kind: a.kind.clone(),
                    message: a.message.clone(),
                }),
            View::Stream | View::Detail => None,
        }
    }

    fn open(&mut self) {
        let target = self.target_in(self.view.list);
        match target {
            Some(t) => {
                self.details.push(t);
                self.detail_scroll = 0;
                self.view.current = View::Detail;
            }
            None => self.say("no row to open here".into()),
        }
    }

    fn back(&mut self) {
        if self.overlay == Overlay::Help {
            self.overlay = Overlay::None;
        } else if self.overlay == Overlay::Filter
            || (!self.filter.is_empty() && self.view.current != View::Detail)
        {
            self.overlay = Overlay::None;
            self.filter.clear();
        } else if self.view.current == View::Detail {
            self.details.pop();
            self.detail_scroll = 0;
            if self.details.is_empty() {
                self.view.current = self.view.list;
            }
        }
    }

    /// The text `y` copies: the rewrite or DDL where there is one, else the SQL.
    pub fn copy_text(&self) -> Option<String> {
        let target = match self.view.current {
            View::Detail => self.details.last().cloned(),
            View::Stream => {
                return self
                    .visible_stream()
                    .get(self.selected[1])
                    .map(|s| s.sql.clone());
            }
            list => self.target_in(list),
        }?;
        match target {
            Target::Query(id) => self.query(&id).map(|q| q.sample.clone()),
            Target::Loop { kind, fingerprint } => {
                let l = self.find_loop(&kind, &fingerprint)?;
                Some(
                    l.rewrites
                        .first()
                        .map_or_else(|| l.shape.clone(), |(_, sql)| sql.clone()),
                )
            }
            Target::Advice { kind, message } => {
                let a = self.find_advice(&kind, &message)?;
                (!a.sql.is_empty()).then(|| statements(&a.sql))
            }
        }
    }

    fn matches(&self, texts: &[&str]) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let needle = self.filter.to_lowercase();
        texts.iter().any(|t| t.to_lowercase().contains(&needle))
    }

    /// The Top view's rows: filtered, ranked by the sort key.
    pub fn visible_queries(&self) -> Vec<&QueryRow> {
        let mut rows: Vec<&QueryRow> = self
            .snapshot
            .queries
            .iter()
            .filter(|q| self.matches(&[&q.shape, &q.sample, &q.id]))
            .collect();
        rows.sort_by(|a, b| {
            self.sort
                .value(b)
                .total_cmp(&self.sort.value(a))
                .then_with(|| a.id.cmp(&b.id))
        });
        rows
    }

    /// The stream's rows, newest first, filtered.
    pub fn visible_stream(&self) -> Vec<&StreamRow> {
        self.snapshot
            .stream
            .iter()
            .rev()
            .filter(|s| self.matches(&[&s.sql]))
            .collect()
    }

    /// The loops, filtered.
    pub fn visible_loops(&self) -> Vec<&LoopRow> {
        self.snapshot
            .loops
            .iter()
            .filter(|l| self.matches(&[&l.shape, &l.kind, l.parent.as_deref().unwrap_or("")]))
            .collect()
    }

    /// The advice, filtered.
    pub fn visible_advice(&self) -> Vec<&AdviceRow> {
        self.snapshot
            .advice
            .iter()
            .filter(|a| self.matches(&[&a.message, &a.kind]))
            .collect()
    }

    fn list_len(&self, view: View) -> usize {
        match view {
            View::Top => self.visible_queries().len(),
            View::Stream => self.visible_stream().len(),
            View::Loops => self.visible_loops().len(),
            View::Advice => self.visible_advice().len(),
            View::Detail => 0,
        }
    }

    /// The query with fingerprint `id`.
    pub fn query(&self, id: &str) -> Option<&QueryRow> {
        self.snapshot.queries.iter().find(|q| q.id == id)
    }

    /// The loop of `kind` on `fingerprint`.
    pub fn find_loop(&self, kind: &str, fingerprint: &str) -> Option<&LoopRow> {
        self.snapshot
            .loops
            .iter()
            .find(|l| l.kind == kind && l.fingerprint == fingerprint)
    }

    /// The advice of `kind` saying `message`.
    pub fn find_advice(&self, kind: &str, message: &str) -> Option<&AdviceRow> {
        self.snapshot
            .advice
            .iter()
            .find(|a| a.kind == kind && a.message == message)
    }

    /// The data shown.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The view on screen.
    pub fn view(&self) -> View {
        self.view.current
    }

    /// The selected row of a list view.
    pub fn selected(&self, view: View) -> usize {
        self.selected.get(view.index()).copied().unwrap_or(0)
    }

    /// The Top view's sort key.
    pub fn sort(&self) -> SortKey {
        self.sort
    }

    /// The filter text (empty: no filter).
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Whether keys are typing into the filter.
    pub fn filtering(&self) -> bool {
        self.overlay == Overlay::Filter
    }

    /// Whether pipeline updates are held back.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Whether the key help is shown.
    pub fn help(&self) -> bool {
        self.overlay == Overlay::Help
    }

    /// The detail page shown, if any.
    pub fn detail(&self) -> Option<&Target> {
        self.details.last()
    }

    /// How far the detail page is scrolled, in lines.
    pub fn detail_scroll(&self) -> u16 {
        self.detail_scroll
    }

    /// The status message, if one is showing.
    pub fn status(&self) -> Option<&str> {
        self.status.as_ref().map(|(s, _)| s.as_str())
    }

    /// Whether the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }
}

/// Statements ready to paste: each ends with a semicolon, one per line.
pub fn statements(sql: &[String]) -> String {
    sql.iter()
        .map(|s| {
            let s = s.trim_end();
            if s.ends_with(';') {
                s.to_owned()
            } else {
                format!("{s};")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
