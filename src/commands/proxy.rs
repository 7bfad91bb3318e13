//! `sqlsift proxy`: listens for PostgreSQL clients, relays them to the real
//! server, and analyses every statement live through the interceptor; on
//! Ctrl-C, prints a summary (statements, dropped, findings, connection
//! advice) and, with `--store`, leaves the workload in a store file.
//!
//! The store only merges whole workloads (digests cannot be subtracted), so
//! with `--store` the pipeline is rotated every `--flush-secs`: a fresh
//! interceptor takes over and the old one's workload is saved, with the
//! connection statistics of the same interval (only the interval's: the
//! store adds up what it is given). A loop that straddles a rotation is seen
//! as two shorter ones.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use sqlsift_analyzer::detect::DetectConfig;
use sqlsift_analyzer::interceptor::{Interceptor, InterceptorConfig, Recorder};
use sqlsift_analyzer::store::{Store, StoreOptions};
use sqlsift_analyzer::workload::Workload;
use sqlsift_analyzer::{Dialect, QueryEvent};
use sqlsift_proxy::{
    ConnectionAdvice, ConnectionConfig, ConnectionStats, Decoder, EventSink, Notice, ProxyConfig,
    TapQueue, TlsMode, Traffic,
};

use crate::cli::{ProxyArgs, SortKey};
use crate::config::Config;
use crate::report;

mod live;

use live::Live;

/// Events queued for the JSONL writer before new ones are dropped.
const JSONL_QUEUE: usize = 65_536;

/// Events the decoder gathers before handing them to the pipeline as one
/// entry of its queue (it also hands over what it has after each pass), and
/// the queue's length in such batches (so at most `BATCH * BATCHES_QUEUED`
/// events wait). One queue operation per statement showed in profiles
/// under pgbench.
const BATCH: usize = 128;
const BATCHES_QUEUED: usize = 1024;

pub fn run(args: &ProxyArgs, config: &Config) -> anyhow::Result<ExitCode> {
    // Files first, so a bad path fails before any client is accepted.
    let store = args
        .store
        .as_deref()
        .map(|p| {
            Store::open(p, StoreOptions::default())
                .with_context(|| format!("{}: cannot open as a sqlsift store", p.display()))
        })
        .transpose()?;
    let jsonl = args
        .jsonl
        .as_deref()
        .map(|p| {
            File::options()
                .create(true)
                .append(true)
                .open(p)
                .with_context(|| format!("{}: cannot open for appending", p.display()))
        })
        .transpose()?;
    let runtime = runtime(args.threads).context("cannot start the async runtime")?;
    let writer = jsonl.map(JsonlWriter::start).transpose()?;
    let (console, updates) = if args.tui {
        if !std::io::stdout().is_terminal() {
            anyhow::bail!("--tui needs a terminal on standard output; without it, leave --tui out");
        }
        let (tx, rx) = sync_channel(2);
        let linter = sqlsift_rules::Linter::new(&config.rules)?;
        (Some(ConsoleFeed { tx, linter }), Some(rx))
    } else {
        (None, None)
    };
    let traffic = Arc::new(Traffic::default());
    let taps = Arc::new(TapQueue::default());
    let capture = Arc::new(Capture {
        taps: taps.clone(),
        decoder: Mutex::new(Decoder::new(taps, traffic.clone())),
        pending: Mutex::new(Pending::default()),
        jsonl: writer.as_ref().map(|w| w.tx.clone()),
        jsonl_dropped: AtomicU64::new(0),
        live: console.is_some().then(Live::default),
        console,
    });
    let interceptor = capture.start_pipeline(config)?;
    let workload = if let Some(updates) = &updates {
        let (capture, traffic) = (capture.clone(), traffic.clone());
        with_console(&args.listen, updates, |stop| {
            runtime.block_on(serve(
                args,
                config,
                interceptor,
                store,
                capture,
                traffic,
                stop,
            ))
        })?
    } else {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let serving = serve(
            args,
            config,
            interceptor,
            store,
            capture.clone(),
            traffic.clone(),
            ctrl_c,
        );
        runtime.block_on(serving)?
    };
    log().flush();
    let jsonl_dropped = capture.jsonl_dropped.load(Ordering::Relaxed);
    drop(capture);
    if let Some(w) = writer {
        w.finish()?;
    }
    summarize(args, config, &workload, &traffic, jsonl_dropped)?;
    Ok(ExitCode::SUCCESS)
}

/// The relay's runtime. One thread is tokio's current-thread scheduler,
/// which skips the work-stealing machinery a single worker never uses (its
/// cost per wake-up showed in profiles of the relay); more threads are the
/// multi-thread scheduler.
fn runtime(threads: u16) -> std::io::Result<tokio::runtime::Runtime> {
    if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(usize::from(threads))
            .enable_all()
            .build()
    }
}

/// Runs the proxy until Ctrl-C; the whole workload it saw, with its
/// connection statistics (loaded back from the store when there is one).
async fn serve(
    args: &ProxyArgs,
    config: &Config,
    interceptor: Interceptor,
    mut store: Option<Store>,
    capture: Arc<Capture>,
    traffic: Arc<Traffic>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Workload> {
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    say(&format!(
        "listening on {}, relaying to {} (Ctrl-C stops and summarizes)",
        listener.local_addr()?,
        args.upstream
    ));
    let proxy = tokio::spawn(sqlsift_proxy::run(
        listener,
        ProxyConfig {
            connection: ConnectionConfig {
                upstream: args.upstream.clone(),
                tls: if args.tls_passthrough {
                    TlsMode::Passthrough
                } else {
                    TlsMode::Decline
                },
                startup_timeout: sqlsift_proxy::STARTUP_TIMEOUT,
            },
            max_connections: args.max_connections,
        },
        capture.taps.clone(),
        Arc::clone(&traffic),
        Arc::new(|n: Notice| say(&n.to_string())),
        shutdown,
    ));
    let mut interceptor = interceptor;
    let mut flush = tokio::time::interval(Duration::from_secs(args.flush_secs.max(1)));
    flush.tick().await;
    let mut refresh = tokio::time::interval(REFRESH);
    tokio::pin!(proxy);
    loop {
        tokio::select! {
            r = &mut proxy => { r?; break; }
            _ = flush.tick(), if store.is_some() => {
                // Rotate: new events go to a fresh pipeline; the old one's workload is saved.
                let next = capture.start_pipeline(config)?;
                let old = std::mem::replace(&mut interceptor, next);
                if let Some(store) = store.as_mut() {
                    save(store, old, traffic.rotate(), capture.live.as_ref())?;
                }
            }
            _ = refresh.tick(), if capture.console.is_some() => {
                // The snapshot waits for the pipeline's queue: off the relay's thread.
                let recorder = interceptor.recorder();
                let snapshot = tokio::task::spawn_blocking(move || recorder.snapshot()).await.ok().flatten();
                if let (Some(now), Some(console), Some(live)) = (snapshot, &capture.console, &capture.live) {
                    // A console that is behind skips this one: the next is a second away.
                    let connections = ConnectionAdvice::from_counts(&traffic.counts());
                    let _ = console.tx.try_send(live.snapshot(now, &args.listen, &connections, config, &console.linter));
                }
            }
        }
    }
    // The connections' last statements, still in the taps' queue.
    capture.intake(&interceptor.recorder());
    let Some(store) = store.as_mut() else {
        let mut workload = interceptor
            .shutdown()
            .context("the analysis pipeline failed")?;
        workload.connections = Some(traffic.counts());
        return Ok(workload);
    };
    save(store, interceptor, traffic.rotate(), None)?;
    store.load().context("cannot read the store back")
}

/// Stops `interceptor` and merges its workload, with the `connections` seen
/// over the same interval, into `store` (and into what the console shows of
/// earlier pipelines, when there is one).
fn save(
    store: &mut Store,
    interceptor: Interceptor,
    connections: ConnectionStats,
    live: Option<&Live>,
) -> anyhow::Result<()> {
    let mut workload = interceptor
        .shutdown()
        .context("the analysis pipeline failed")?;
    workload.connections = Some(connections);
    if let Some(live) = live {
        live.retire(&workload);
    }
    store.save(&workload).context("cannot save to the store")
}

fn interceptor_config(config: &Config) -> InterceptorConfig {
    let mut detect = DetectConfig::default();
    if let Some(n) = config.detect.loop_min {
        detect.loop_min = n as usize;
        detect.insert_min = detect.loop_min;
    }
    if let Some(ms) = config.detect.idle_gap_ms {
        detect.units.idle_gap_ms = ms;
    }
    InterceptorConfig {
        dialect: Dialect::PostgreSql,
        detect,
        capacity: BATCHES_QUEUED,
    }
}

/// The exit summary on stderr, and the report on stdout when asked for.
fn summarize(
    args: &ProxyArgs,
    config: &Config,
    workload: &Workload,
    traffic: &Traffic,
    jsonl_dropped: u64,
) -> anyhow::Result<()> {
    let findings = workload
        .detection
        .as_ref()
        .map(|d| d.findings(&workload.digests))
        .unwrap_or_default();
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "sqlsift proxy: {} statements analysed, {} dropped, {} fingerprints, {} findings",
        workload.events,
        workload.dropped,
        workload.digests.len(),
        findings.len()
    )?;
    if workload.units_cut > 0 {
        writeln!(
            err,
            "sqlsift proxy: {} units of work cut at a memory bound: a loop across a cut is reported in parts",
            workload.units_cut
        )?;
    }
    if jsonl_dropped > 0 {
        writeln!(
            err,
            "sqlsift proxy: {jsonl_dropped} events not written to the JSONL file (writer behind)"
        )?;
    }
    for f in findings.iter().take(10) {
        writeln!(err, "  [{}] {}", f.severity, f.message)?;
    }
    write!(err, "{}", ConnectionAdvice::from_counts(&traffic.counts()))?;
    if args.report_on_exit {
        let linter = sqlsift_rules::Linter::new(&config.rules)?;
        let r = report::build(
            workload,
            &report::Options {
                sort: SortKey::Total,
                top: Some(20),
                redact: false,
                thresholds: config.thresholds,
                schema: None,
                linter: &linter,
                advice: None,
                unit_findings: None,
            },
        );
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        report::write_text(&r, &mut out)?;
        out.flush()?;
    }
    Ok(())
}

/// How often the console gets a fresh snapshot.
const REFRESH: Duration = Duration::from_secs(1);

/// The proxy's log: lines on stderr, or — while the console owns the
/// terminal — kept and printed once it has closed, so none is lost.
#[derive(Default)]
struct ProxyLog {
    deferred: Mutex<Option<Vec<String>>>,
}

impl ProxyLog {
    fn defer(&self) {
        *self.deferred.lock().unwrap_or_else(PoisonError::into_inner) = Some(Vec::new());
    }

    fn line(&self, line: &str) {
        let mut deferred = self.deferred.lock().unwrap_or_else(PoisonError::into_inner);
        match deferred.as_mut() {
            Some(kept) => kept.push(line.to_owned()),
            None => {
                let _ = writeln!(std::io::stderr().lock(), "sqlsift proxy: {line}");
            }
        }
    }

    /// Prints what was kept and goes back to printing at once.
    fn flush(&self) {
        let kept = self
            .deferred
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let mut err = std::io::stderr().lock();
        for line in kept.unwrap_or_default() {
            let _ = writeln!(err, "sqlsift proxy: {line}");
        }
    }
}

fn log() -> &'static ProxyLog {
    static LOG: std::sync::OnceLock<ProxyLog> = std::sync::OnceLock::new();
    LOG.get_or_init(ProxyLog::default)
}

/// One line of the proxy's log.
fn say(line: &str) {
    log().line(line);
}

/// A future that resolves when the proxy is to stop.
type Stop = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs `proxy` on a thread of its own while the console holds the
/// terminal; quitting the console (or Ctrl-C) resolves the proxy's stop.
fn with_console(
    listen: &str,
    updates: &Receiver<sqlsift_tui::Snapshot>,
    proxy: impl FnOnce(Stop) -> anyhow::Result<Workload> + Send,
) -> anyhow::Result<Workload> {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let stop: Stop = Box::pin(async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = stop_rx => {}
        }
    });
    log().defer();
    std::thread::scope(|scope| {
        let serving = scope.spawn(move || proxy(stop));
        let first = sqlsift_tui::Snapshot {
            source: listen.to_owned(),
            ..sqlsift_tui::Snapshot::default()
        };
        let shown = sqlsift_tui::run_console(first, updates);
        let _ = stop_tx.send(());
        let workload = serving
            .join()
            .map_err(|_| anyhow::anyhow!("the proxy thread failed"))?;
        shown.context("the console failed")?;
        workload
    })
}

/// What feeds the console (`--tui`): its channel, and the lint rules the
/// snapshots' reports apply.
struct ConsoleFeed {
    tx: SyncSender<sqlsift_tui::Snapshot>,
    linter: sqlsift_rules::Linter,
}

/// What the proxy's taps feed: the decoder of their queue, run as the
/// pipeline's intake, and what it decodes goes to: the pipeline, the JSONL
/// writer's queue and the console. None of it ever blocks the relay.
struct Capture {
    /// The queue the relay's taps write into.
    taps: Arc<TapQueue>,
    /// Shared by the pipelines a store rotation starts one after another.
    decoder: Mutex<Decoder>,
    /// What the pipeline has not been handed yet (see [`BATCH`]).
    pending: Mutex<Pending>,
    jsonl: Option<SyncSender<QueryEvent>>,
    /// Events the JSONL writer's full queue turned away.
    jsonl_dropped: AtomicU64,
    /// The newest statements and rotated pipelines, for the console.
    live: Option<Live>,
    console: Option<ConsoleFeed>,
}

/// Statements, and ends of sessions, not yet handed to the pipeline.
#[derive(Default)]
struct Pending {
    events: Vec<QueryEvent>,
    /// Sessions that ended after the statements gathered.
    ended: Vec<Arc<str>>,
}

impl Pending {
    /// Hands what was gathered so far to `recorder`'s pipeline. (Ends of
    /// sessions a full queue turned away stay, for the next time.)
    fn send(&mut self, recorder: &Recorder) {
        if !self.events.is_empty() {
            let events = std::mem::replace(&mut self.events, Vec::with_capacity(BATCH));
            recorder.record_all(None, events);
        }
        if let Err(back) = recorder.end_sessions(std::mem::take(&mut self.ended)) {
            self.ended = back;
        }
    }
}

impl Capture {
    /// A pipeline that decodes the taps' queue as its intake.
    fn start_pipeline(self: &Arc<Self>, config: &Config) -> std::io::Result<Interceptor> {
        let capture = self.clone();
        Interceptor::start_with_intake(interceptor_config(config), move |recorder| {
            capture.intake(recorder)
        })
    }

    /// One decoder pass into `recorder`'s pipeline; whether it found anything.
    fn intake(&self, recorder: &Recorder) -> bool {
        self.decoder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pass(&Feed {
                capture: self,
                recorder,
            })
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The decoder's sink during one pass: the capture, into one pipeline.
struct Feed<'a> {
    capture: &'a Capture,
    recorder: &'a Recorder,
}

impl EventSink for Feed<'_> {
    fn record(&self, event: QueryEvent) {
        let capture = self.capture;
        if let Some(tx) = &capture.jsonl
            && let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
                tx.try_send(event.clone())
        {
            capture.jsonl_dropped.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(live) = &capture.live {
            live.push(&event);
        }
        let mut pending = capture.pending();
        pending.events.push(event);
        if pending.events.len() >= BATCH {
            pending.send(self.recorder);
        }
    }

    fn end_session(&self, session: &Arc<str>) {
        self.capture.pending().ended.push(session.clone());
    }

    fn dropped(&self, statements: u64) {
        self.recorder.count_dropped(statements);
    }

    fn flush(&self) {
        self.capture.pending().send(self.recorder);
    }
}

/// A thread appending events to a JSONL file, one per line.
struct JsonlWriter {
    tx: SyncSender<QueryEvent>,
    thread: std::thread::JoinHandle<anyhow::Result<()>>,
}

impl JsonlWriter {
    fn start(file: File) -> anyhow::Result<Self> {
        let (tx, rx) = sync_channel(JSONL_QUEUE);
        let thread = std::thread::Builder::new()
            .name("sqlsift-jsonl".into())
            .spawn(move || write_jsonl(&rx, file))?;
        Ok(JsonlWriter { tx, thread })
    }

    /// Writes what is queued and closes the file.
    fn finish(self) -> anyhow::Result<()> {
        drop(self.tx);
        self.thread
            .join()
            .map_err(|_| anyhow::anyhow!("the JSONL writer failed"))?
    }
}

fn write_jsonl(rx: &Receiver<QueryEvent>, file: File) -> anyhow::Result<()> {
    let mut out = BufWriter::new(file);
    // Blocks for the first event, then drains what else is queued before flushing.
    while let Ok(event) = rx.recv() {
        serde_json::to_writer(&mut out, &event)?;
        out.write_all(b"\n")?;
        for event in rx.try_iter() {
            serde_json::to_writer(&mut out, &event)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    Ok(())
}
