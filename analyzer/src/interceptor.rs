//! The embeddable interceptor: applications and proxies hand it the
//! statements they execute and carry on at once.
//!
//! [`Recorder::record`] never blocks: events go into a bounded channel, and a
//! background thread runs the same normalize → aggregate → detect stages as
//! file ingestion ([`Stager`], [`Aggregator`]). When the channel is full the
//! event is dropped and counted — traffic is never slowed by analysis.
//! [`Interceptor::snapshot`] reads the digests and findings so far;
//! [`Interceptor::shutdown`] flushes every queued event and hands back the
//! whole workload (for a report or a [`crate::store::Store`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::detect::{DetectConfig, Finding};
use crate::dialect::Dialect;
use crate::digest::Digest;
use crate::event::QueryEvent;
use crate::workload::{Aggregator, Stager, Workload};

/// How the interceptor is set up.
#[derive(Debug, Clone, Copy)]
pub struct InterceptorConfig {
    /// Entries the queue holds before new ones are dropped: single events,
    /// or an adaptor's batches ([`Recorder::record_all`]).
    pub capacity: usize,
    /// The dialect the recorded SQL is lexed and parsed with.
    pub dialect: Dialect,
    /// Detector thresholds and unit boundaries.
    pub detect: DetectConfig,
}

impl Default for InterceptorConfig {
    fn default() -> Self {
        InterceptorConfig {
            capacity: 65_536,
            dialect: Dialect::Generic,
            detect: DetectConfig::default(),
        }
    }
}

/// What the background pipeline knows at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Events aggregated so far.
    pub events: u64,
    /// Digests by fingerprint, costliest (total time) first.
    pub digests: Vec<Digest>,
    /// Findings, counting the units of work still open as if they closed now.
    pub findings: Vec<Finding>,
    /// Events accepted into the channel, over the interceptor's life.
    pub recorded: u64,
    /// Events dropped because the channel was full.
    pub dropped: u64,
    /// Units of work still open (held in memory until they close).
    pub open_units: usize,
    /// Units closed at a memory bound so far ([`Workload::units_cut`]).
    pub units_cut: u64,
}

/// What travels to the background thread.
// A boxed event would cost an allocation per `record`; the queue's slots are this size anyway.
#[allow(clippy::large_enum_variant)]
enum Message {
    Event(QueryEvent),
    /// Events an adaptor gathered: one channel operation for many statements.
    Events(Batch),
    /// Sessions that ended, after all their events.
    Ended(Vec<Arc<str>>),
    /// Answer with a snapshot once every earlier message is aggregated.
    Snapshot(SyncSender<Snapshot>),
    /// Aggregate nothing more: recorders may outlive the interceptor (an
    /// adaptor keeps one per connection), so their senders cannot end it.
    Stop,
}

/// Events of one session, handed over together.
struct Batch {
    /// Set on each event without one, on the pipeline's thread: the
    /// application's thread then touches the session's reference count once
    /// per batch, not once per event.
    session: Option<Arc<str>>,
    events: Vec<QueryEvent>,
}

/// The counters recorders and the interceptor share.
#[derive(Debug, Default)]
struct Counters {
    recorded: AtomicU64,
    dropped: AtomicU64,
    /// The pipeline has stopped taking events: recorders count them as
    /// dropped without queueing them.
    closed: AtomicBool,
}

/// A cheap, cloneable handle that records events from any thread.
#[derive(Clone)]
pub struct Recorder {
    tx: SyncSender<Message>,
    counters: Arc<Counters>,
}

impl Recorder {
    /// Queues `event` for analysis, or drops and counts it when the queue is
    /// full (or the interceptor has shut down). Never blocks.
    pub fn record(&self, event: QueryEvent) {
        if self.counters.closed.load(Ordering::Acquire) {
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match self.tx.try_send(Message::Event(event)) {
            Ok(()) => {
                self.counters.recorded.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Queues `events` together as one entry of the queue (an adaptor's
    /// batch), or drops and counts them all when it is full. Never blocks.
    /// Events without a session get `session`.
    pub fn record_all(&self, session: Option<&Arc<str>>, events: Vec<QueryEvent>) {
        let n = events.len() as u64;
        if n == 0 {
            return;
        }
        if self.counters.closed.load(Ordering::Acquire) {
            self.counters.dropped.fetch_add(n, Ordering::Relaxed);
            return;
        }
        let batch = Batch {
            session: session.cloned(),
            events,
        };
        let counter = match self.tx.try_send(Message::Events(batch)) {
            Ok(()) => &self.counters.recorded,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => &self.counters.dropped,
        };
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts `n` events dropped before they reached this recorder (a
    /// proxy's tap that fell behind, say), so the workload's `dropped`
    /// tells of every event lost, wherever it was lost.
    pub fn count_dropped(&self, n: u64) {
        self.counters.dropped.fetch_add(n, Ordering::Relaxed);
    }

    /// Tells the pipeline that `sessions` ended (call it after their last
    /// events are recorded): their open units of work close now, so their
    /// loops are detected at once and nothing of them is held afterwards.
    /// Never blocks.
    ///
    /// # Errors
    /// Hands `sessions` back when the queue is full (or the pipeline has
    /// stopped), to be told again later.
    pub fn end_sessions(&self, sessions: Vec<Arc<str>>) -> Result<(), Vec<Arc<str>>> {
        if sessions.is_empty() {
            return Ok(());
        }
        self.tx
            .try_send(Message::Ended(sessions))
            .map_err(|e| match e {
                TrySendError::Full(Message::Ended(s))
                | TrySendError::Disconnected(Message::Ended(s)) => s,
                // Only `Ended` was sent.
                TrySendError::Full(_) | TrySendError::Disconnected(_) => Vec::new(),
            })
    }

    /// The digests and findings once every event recorded before this call
    /// is aggregated. Waits for the queue ahead of it (so call it off any
    /// thread that must not block); `None` if the pipeline has stopped.
    #[must_use]
    pub fn snapshot(&self) -> Option<Snapshot> {
        let (tx, rx) = sync_channel(1);
        self.tx.send(Message::Snapshot(tx)).ok()?;
        rx.recv().ok()
    }

    /// Events queued so far (and aggregated, or to be).
    #[must_use]
    pub fn recorded(&self) -> u64 {
        self.counters.recorded.load(Ordering::Relaxed)
    }

    /// Events dropped so far.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.counters.dropped.load(Ordering::Relaxed)
    }
}

/// The background pipeline and its entrance. Dropping it flushes and stops
/// the pipeline, like [`Interceptor::shutdown`] without the result.
pub struct Interceptor {
    recorder: Recorder,
    worker: Option<JoinHandle<Workload>>,
}

impl Interceptor {
    /// Starts the background pipeline.
    ///
    /// # Errors
    /// When the operating system refuses a thread.
    pub fn start(config: InterceptorConfig) -> std::io::Result<Self> {
        Interceptor::start_with_intake(config, |_| false)
    }

    /// Starts the background pipeline, which also calls `intake` whenever
    /// it finds its queue empty, before pausing: a host that gathers events
    /// in a form of its own (a proxy's tapped bytes, say) turns them into
    /// events there, recording them through the [`Recorder`] it is given,
    /// on the pipeline's thread rather than one more thread that wakes on
    /// its own. `intake` says whether it recorded anything.
    ///
    /// # Errors
    /// When the operating system refuses a thread.
    pub fn start_with_intake(
        config: InterceptorConfig,
        mut intake: impl FnMut(&Recorder) -> bool + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel(config.capacity.max(1));
        let recorder = Recorder {
            tx,
            counters: Arc::new(Counters::default()),
        };
        let own = recorder.clone();
        let worker = std::thread::Builder::new()
            .name("sqlsift-interceptor".into())
            .spawn(move || run(&rx, config, &own.counters, || intake(&own)))?;
        Ok(Interceptor {
            recorder,
            worker: Some(worker),
        })
    }

    /// A handle to record from other threads (or to give an adaptor).
    #[must_use]
    pub fn recorder(&self) -> Recorder {
        self.recorder.clone()
    }

    /// Queues `event` (see [`Recorder::record`]). Never blocks.
    pub fn record(&self, event: QueryEvent) {
        self.recorder.record(event);
    }

    /// The digests and findings so far (see [`Recorder::snapshot`]).
    #[must_use]
    pub fn snapshot(&self) -> Option<Snapshot> {
        self.recorder.snapshot()
    }

    /// Stops taking events (recorders still held count theirs as dropped),
    /// aggregates every queued one and closes every unit of work: the whole
    /// workload, with its detections. `None` if the pipeline thread failed.
    #[must_use]
    pub fn shutdown(mut self) -> Option<Workload> {
        self.stop()
    }

    fn stop(&mut self) -> Option<Workload> {
        let worker = self.worker.take()?;
        // Queued behind every event recorded so far: they are all aggregated first.
        let _ = self.recorder.tx.send(Message::Stop);
        let mut workload = worker.join().ok()?;
        workload.dropped += self.recorder.dropped();
        Some(workload)
    }
}

impl Drop for Interceptor {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The first and the longest pause of the pipeline on an empty queue: the
/// longest bounds how late an idle pipeline answers a snapshot. The first is
/// long enough that a steady stream is taken in batches: at 30,000
/// statements a second a 100 µs pause woke the thread 4,500 times a second,
/// and those context switches cost the relay beside it more than the
/// analysis did. A 1 ms pause still woke it about once per 30 statements,
/// mostly to find nothing (the proxy then handed over every 128 statements
/// or 10 ms); at 5 ms pgbench through the proxy gained about 6 %
/// (bench/README.md). The queue holds far more than 5 ms of traffic, and so
/// does the proxy's tap queue, which the proxy's intake decodes.
const MIN_PAUSE: Duration = Duration::from_millis(5);
const MAX_PAUSE: Duration = Duration::from_millis(20);

/// The background thread: aggregates until told to stop.
///
/// It polls the queue, backing off while it is empty, instead of parking on
/// it: with a parked receiver every `record` pays a futex wake-up, measured
/// at ≈ 5 µs per statement on the application's thread (bench/README.md).
fn run(
    rx: &Receiver<Message>,
    config: InterceptorConfig,
    counters: &Counters,
    mut intake: impl FnMut() -> bool,
) -> Workload {
    let mut stager = Stager::new(config.dialect);
    let mut aggregator = Aggregator::new(config.dialect, config.detect);
    let mut pause = Duration::ZERO;
    let mut taken = false;
    loop {
        let message = match rx.try_recv() {
            Ok(m) => {
                pause = Duration::ZERO;
                m
            }
            Err(TryRecvError::Empty) => {
                // Once per pause: what the intake records is drained first.
                if !taken && intake() {
                    taken = true;
                    continue;
                }
                taken = false;
                pause = (pause * 2).clamp(MIN_PAUSE, MAX_PAUSE);
                std::thread::sleep(pause);
                continue;
            }
            Err(TryRecvError::Disconnected) => break,
        };
        match message {
            Message::Event(e) => add(&mut stager, &mut aggregator, e),
            Message::Events(batch) => {
                for mut e in batch.events {
                    if e.session.is_none() {
                        e.session.clone_from(&batch.session);
                    }
                    add(&mut stager, &mut aggregator, e);
                }
            }
            Message::Ended(sessions) => {
                for s in &sessions {
                    aggregator.end_session(s);
                }
            }
            Message::Stop => break,
            Message::Snapshot(reply) => {
                let findings = aggregator.findings_so_far();
                let w = aggregator.workload();
                let mut digests: Vec<Digest> = w.digests.values().cloned().collect();
                digests.sort_by(|a, b| b.total_ms.total_cmp(&a.total_ms).then(a.id.cmp(&b.id)));
                let _ = reply.send(Snapshot {
                    events: w.events,
                    digests,
                    findings,
                    recorded: counters.recorded.load(Ordering::Relaxed),
                    dropped: counters.dropped.load(Ordering::Relaxed),
                    open_units: aggregator.open_units(),
                    units_cut: w.units_cut,
                });
            }
        }
    }
    // Recorders raced the stop: what they queued behind it was counted as
    // recorded but will not be aggregated. From here on they drop and count
    // instead of queueing; what they queued before they saw that is counted
    // as dropped below, once the last units are closed. (Only a recorder
    // paused between its check and its send for all of that time could
    // still land an event counted as recorded.)
    counters.closed.store(true, Ordering::Release);
    let workload = aggregator.finish();
    let late: u64 = rx
        .try_iter()
        .map(|m| match m {
            Message::Event(_) => 1,
            Message::Events(b) => b.events.len() as u64,
            Message::Ended(_) | Message::Snapshot(_) | Message::Stop => 0,
        })
        .sum();
    counters.recorded.fetch_sub(late, Ordering::Relaxed);
    counters.dropped.fetch_add(late, Ordering::Relaxed);
    workload
}

fn add(stager: &mut Stager, aggregator: &mut Aggregator, e: QueryEvent) {
    let (marks, shape) = stager.stage(&e);
    aggregator.add(e, &marks, shape.as_deref());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::FindingKind;

    fn lookup(session: &str, id: u64) -> QueryEvent {
        QueryEvent {
            session: Some(Arc::from(session)),
            duration_ms: Some(0.25),
            ..QueryEvent::new(format!("SELECT * FROM authors WHERE id = {id}"))
        }
    }

    #[test]
    fn records_from_eight_threads_at_once() {
        let interceptor = Interceptor::start(InterceptorConfig::default()).unwrap();
        std::thread::scope(|s| {
            for t in 0..8 {
                let r = interceptor.recorder();
                s.spawn(move || {
                    for i in 0..2_000 {
                        r.record(lookup(&format!("thread:{t}"), i));
                    }
                });
            }
        });
        let snap = interceptor.snapshot().unwrap();
        assert_eq!(
            (snap.recorded, snap.dropped, snap.events),
            (16_000, 0, 16_000)
        );
        assert_eq!(snap.digests.len(), 1);
        assert_eq!(snap.digests[0].calls, 16_000);
        let w = interceptor.shutdown().unwrap();
        assert_eq!((w.events, w.dropped), (16_000, 0));
    }

    #[test]
    fn an_ended_session_is_detected_at_once_and_not_held() {
        let interceptor = Interceptor::start(InterceptorConfig::default()).unwrap();
        let r = interceptor.recorder();
        r.record_all(None, (0..20).map(|i| lookup("gone", i)).collect());
        r.record_all(None, (0..3).map(|i| lookup("still here", i)).collect());
        assert_eq!(interceptor.snapshot().unwrap().open_units, 2);
        r.end_sessions(vec![Arc::from("gone")]).unwrap();
        let snap = interceptor.snapshot().unwrap();
        assert_eq!(snap.open_units, 1);
        let loops: Vec<_> = snap
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::NPlusOne)
            .collect();
        assert_eq!(loops.len(), 1);
        assert_eq!(loops[0].loop_size, 20);
        let w = interceptor.shutdown().unwrap();
        assert_eq!(w.events, 23);
    }

    #[test]
    fn a_full_queue_drops_and_counts_and_never_blocks() {
        let interceptor = Interceptor::start(InterceptorConfig {
            capacity: 1,
            ..InterceptorConfig::default()
        })
        .unwrap();
        let sent: u64 = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let r = interceptor.recorder();
                    s.spawn(move || {
                        let mut n = 0;
                        // Four threads against a one-slot queue: drops come quickly.
                        while r.dropped() == 0 || n < 1_000 {
                            r.record(lookup(&format!("t{t}"), n));
                            n += 1;
                        }
                        n
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        let snap = interceptor.snapshot().unwrap();
        assert!(snap.dropped > 0);
        assert_eq!(snap.recorded + snap.dropped, sent);
        // Every event the queue took was aggregated, and only those.
        assert_eq!(snap.events, snap.recorded);
        let w = interceptor.shutdown().unwrap();
        assert_eq!(w.dropped, snap.dropped);
    }

    #[test]
    fn a_batch_is_queued_whole_or_dropped_whole() {
        let interceptor = Interceptor::start(InterceptorConfig {
            capacity: 2,
            ..InterceptorConfig::default()
        })
        .unwrap();
        let r = interceptor.recorder();
        let mut sent = 0;
        while r.dropped() == 0 {
            r.record_all(None, (0..64).map(|i| lookup("batch", i)).collect());
            sent += 64;
        }
        let snap = interceptor.snapshot().unwrap();
        assert_eq!(snap.dropped % 64, 0);
        assert_eq!(
            (snap.recorded + snap.dropped, snap.events),
            (sent, snap.recorded)
        );
    }

    #[test]
    fn a_batch_without_sessions_gets_the_batch_session() {
        let interceptor = Interceptor::start(InterceptorConfig::default()).unwrap();
        let r = interceptor.recorder();
        let untagged = |from: u64| {
            (from..from + 5)
                .map(|id| lookup("", id))
                .map(|e| QueryEvent { session: None, ..e })
                .collect()
        };
        r.record_all(Some(&Arc::from("conn:1")), untagged(0));
        r.record_all(Some(&Arc::from("conn:2")), untagged(100));
        let w = interceptor.shutdown().unwrap();
        let findings = w.detection.unwrap().findings(&w.digests);
        assert_eq!(
            (findings[0].unit_count, findings[0].loop_size),
            (2, 5),
            "two sessions, two loops"
        );
    }

    #[test]
    fn events_racing_shutdown_are_aggregated_or_counted_as_dropped() {
        let interceptor = Interceptor::start(InterceptorConfig::default()).unwrap();
        let recorders: Vec<Recorder> = (0..4).map(|_| interceptor.recorder()).collect();
        let last = recorders[0].clone();
        let workload = std::thread::scope(|s| {
            for (t, r) in recorders.into_iter().enumerate() {
                s.spawn(move || {
                    for i in 0..20_000 {
                        r.record(lookup(&format!("t{t}"), i));
                    }
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
            interceptor.shutdown().unwrap()
        });
        // Every event is either in the workload or counted as dropped, none both.
        assert_eq!(last.recorded(), workload.events);
        assert_eq!(last.recorded() + last.dropped(), 80_000);
    }

    #[test]
    fn snapshot_sees_a_loop_in_a_unit_still_open() {
        let interceptor = Interceptor::start(InterceptorConfig::default()).unwrap();
        interceptor.record(QueryEvent {
            session: Some(Arc::from("app")),
            ..QueryEvent::new("SELECT id, author_id FROM books LIMIT 10")
        });
        for id in 1..=10 {
            interceptor.record(lookup("app", id));
        }
        let snap = interceptor.snapshot().unwrap();
        let loops: Vec<_> = snap
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::NPlusOne)
            .collect();
        assert_eq!(loops.len(), 1, "{:?}", snap.findings);
        assert_eq!(loops[0].loop_size, 10);
        assert_eq!(loops[0].columns, ["id"]);
        // The unit is still open: a later snapshot sees the loop grow, counted once.
        interceptor.record(lookup("app", 11));
        let snap = interceptor.snapshot().unwrap();
        let f = &snap.findings[0];
        assert_eq!(
            (f.kind, f.loop_size, f.unit_count),
            (FindingKind::NPlusOne, 11, 1)
        );
        assert_eq!(snap.units_cut, 0);
    }

    /// Units a memory budget cut are counted live, not only at the end.
    #[test]
    fn snapshot_counts_units_cut_at_the_memory_budget() {
        let mut config = InterceptorConfig::default();
        config.detect.units.max_held_bytes = 2_000;
        let interceptor = Interceptor::start(config).unwrap();
        for id in 1..=40 {
            interceptor.record(lookup("app", id));
        }
        let snap = interceptor.snapshot().unwrap();
        assert!(snap.units_cut > 0, "{snap:?}");
        let w = interceptor.shutdown().unwrap();
        assert_eq!((w.events, w.units_cut), (40, snap.units_cut));
    }

    /// The intake runs on the pipeline's own thread when its queue is
    /// empty, and what it records is aggregated like any other event.
    #[test]
    fn the_intake_records_on_the_pipeline_thread() {
        let (tx, rx) = std::sync::mpsc::channel::<u64>();
        let calls = Arc::new(AtomicU64::new(0));
        let counted = calls.clone();
        let interceptor = Interceptor::start_with_intake(InterceptorConfig::default(), move |r| {
            counted.fetch_add(1, Ordering::Relaxed);
            assert_eq!(std::thread::current().name(), Some("sqlsift-interceptor"));
            let ids: Vec<u64> = rx.try_iter().collect();
            for &id in &ids {
                r.record(lookup("tapped", id));
            }
            !ids.is_empty()
        })
        .unwrap();
        for id in 1..=5 {
            tx.send(id).unwrap();
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let snap = loop {
            let snap = interceptor.snapshot().unwrap();
            if snap.events == 5 || std::time::Instant::now() > deadline {
                break snap;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!((snap.events, snap.recorded), (5, 5));
        assert!(calls.load(Ordering::Relaxed) >= 1);
        let w = interceptor.shutdown().unwrap();
        assert_eq!(w.digests.len(), 1);
    }

    #[test]
    fn shutdown_flushes_every_queued_event() {
        let interceptor = Interceptor::start(InterceptorConfig {
            capacity: 50_000,
            ..InterceptorConfig::default()
        })
        .unwrap();
        let recorder = interceptor.recorder();
        for i in 0..20_000 {
            recorder.record(lookup(&format!("s{}", i % 7), i));
        }
        let w = interceptor.shutdown().unwrap();
        assert_eq!((w.events, w.dropped), (20_000, 0));
        let findings = w.detection.unwrap().findings(&w.digests);
        assert_eq!(findings.len(), 1, "one loop shape");
        assert_eq!(findings[0].unit_count, 7, "found in every session");
        // The recorder outlives the pipeline: what it records now is dropped, not lost silently.
        recorder.record(lookup("late", 1));
        assert_eq!(recorder.dropped(), 1);
    }
}
