//! The proxy against the real PostgreSQL that `SQLSIFT_PG_URL` names:
//! tokio-postgres (simple and extended protocols, transactions, errors,
//! COPY, prepared statements, cancel), `psql`, md5 and SCRAM logins, byte
//! exactness over a large result set, N+1 detection, startups left to the
//! server (another encoding, another protocol version), and failures that stay
//! inside their own connection. Skipped (saying so) when the variable is
//! unset, except under `CI=true`, where that fails.
//!
//! The md5 and SCRAM tests log in as the roles `.ci/pg_auth_roles.sh` creates.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

use common::LoggedProxy;
use futures_util::{SinkExt, StreamExt};
use sqlsift_analyzer::detect::FindingKind;
use sqlsift_analyzer::interceptor::{Interceptor, InterceptorConfig, Recorder, Snapshot};
use sqlsift_analyzer::{Dialect, QueryEvent};
use sqlsift_proxy::{
    ConnectionConfig, Decoder, EventSink, Notice, ProxyConfig, TapQueue, TlsMode, Traffic,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_postgres::{Client, Config, NoTls, SimpleQueryMessage};

/// A proxy running in the test's runtime, decoded into its own interceptor
/// (as its intake, like the proxy command does).
struct Proxy {
    port: u16,
    upstream: String,
    interceptor: Interceptor,
    decoder: Arc<Mutex<Decoder>>,
    tee: Arc<Tee>,
    traffic: Arc<Traffic>,
    notices: Arc<Mutex<Vec<String>>>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Stops accepting, closes every connection, waits for the server to
    /// end and decodes what its connections' taps still queued.
    async fn stop(mut self) -> Interceptor {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.unwrap();
        pass(&self.decoder, &self.tee, &self.interceptor.recorder());
        self.interceptor
    }

    /// A tokio-postgres config pointing at the proxy.
    fn config(&self, user: &str) -> Config {
        let mut c = Config::new();
        c.host("127.0.0.1")
            .port(self.port)
            .user(user)
            .dbname("postgres");
        c
    }

    async fn connect(&self) -> Client {
        connect(&self.config("postgres")).await
    }

    /// Waits until the pipeline's snapshot satisfies `ok` (events are
    /// decoded from the relayed bytes a pass of the decoder later, so a
    /// client sees its answer first).
    async fn snapshot_until(&self, ok: impl Fn(&Snapshot) -> bool) -> Snapshot {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let snap = self.interceptor.snapshot().unwrap();
            if ok(&snap) || Instant::now() > deadline {
                return snap;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Events also kept in order, for assertions on single statements.
#[derive(Default)]
struct Tee {
    events: Mutex<Vec<QueryEvent>>,
}

/// The decoder's sink for one pass: the tee, and the pipeline's recorder.
struct TeeInto<'a> {
    tee: &'a Tee,
    recorder: &'a Recorder,
}

impl EventSink for TeeInto<'_> {
    fn record(&self, event: QueryEvent) {
        self.tee.events.lock().unwrap().push(event.clone());
        EventSink::record(self.recorder, event);
    }

    fn end_session(&self, session: &Arc<str>) {
        EventSink::end_session(self.recorder, session);
    }

    fn dropped(&self, statements: u64) {
        EventSink::dropped(self.recorder, statements);
    }
}

fn pass(decoder: &Mutex<Decoder>, tee: &Tee, recorder: &Recorder) -> bool {
    decoder.lock().unwrap().pass(&TeeInto { tee, recorder })
}

async fn connect(config: &Config) -> Client {
    let (client, conn) = config.connect(NoTls).await.unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// `host:port` of the server `SQLSIFT_PG_URL` names; `None` (after saying
/// so) when unset, unless `CI=true`.
#[allow(clippy::print_stdout)] // the skip must be visible in the test output
fn upstream() -> Option<String> {
    let Ok(url) = std::env::var("SQLSIFT_PG_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "SQLSIFT_PG_URL is not set, and CI=true: the proxy tests must run in CI \
             (e.g. SQLSIFT_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres)"
        );
        println!("skipped: SQLSIFT_PG_URL not set");
        return None;
    };
    let config: Config = url.parse().expect("SQLSIFT_PG_URL is not a PostgreSQL URL");
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    Some(format!("{host}:{port}"))
}

async fn start(tls: TlsMode) -> Option<(Proxy, Arc<Tee>)> {
    let upstream = upstream()?;
    let traffic = Arc::new(Traffic::default());
    let taps = Arc::new(TapQueue::default());
    let decoder = Arc::new(Mutex::new(Decoder::new(taps.clone(), traffic.clone())));
    let tee = Arc::new(Tee::default());
    let interceptor = Interceptor::start_with_intake(
        InterceptorConfig {
            dialect: Dialect::PostgreSql,
            ..InterceptorConfig::default()
        },
        {
            let (decoder, tee) = (decoder.clone(), tee.clone());
            move |recorder| pass(&decoder, &tee, recorder)
        },
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let notices = Arc::new(Mutex::new(Vec::new()));
    let log_to = notices.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let config = ProxyConfig {
        connection: ConnectionConfig {
            upstream: upstream.clone(),
            tls,
            startup_timeout: sqlsift_proxy::STARTUP_TIMEOUT,
        },
        max_connections: 64,
    };
    let task = tokio::spawn(sqlsift_proxy::run(
        listener,
        config,
        taps,
        traffic.clone(),
        Arc::new(move |n: Notice| log_to.lock().unwrap().push(n.to_string())),
        async {
            let _ = stopped.await;
        },
    ));
    Some((
        Proxy {
            port,
            upstream,
            interceptor,
            decoder,
            tee: tee.clone(),
            traffic,
            notices,
            stop: Some(stop),
            task,
        },
        tee,
    ))
}

fn events_matching(tee: &Tee, needle: &str) -> Vec<QueryEvent> {
    tee.events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.sql.contains(needle))
        .cloned()
        .collect()
}

/// Waits until `n` recorded events contain `needle`.
async fn wait_events(tee: &Tee, needle: &str, n: usize) -> Vec<QueryEvent> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let found = events_matching(tee, needle);
        if found.len() >= n || Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_and_extended_protocols_are_recorded_per_statement() {
    let Some((proxy, tee)) = start(TlsMode::Decline).await else {
        return;
    };
    let client = proxy.connect().await;
    // Simple protocol: three statements in one Query, each its own event.
    client
        .batch_execute(
            "CREATE TEMP TABLE simple_t (id int, name text); \
             INSERT INTO simple_t SELECT g, 'n' || g FROM generate_series(1, 5) g; \
             SELECT * FROM simple_t WHERE id > 2",
        )
        .await
        .unwrap();
    let inserted = wait_events(&tee, "INSERT INTO simple_t", 1).await;
    assert_eq!(inserted[0].rows, Some(5));
    let selected = wait_events(&tee, "SELECT * FROM simple_t", 1).await;
    assert_eq!(selected[0].rows, Some(3));
    // Extended protocol: a typed, binary parameter.
    let rows = client
        .query("SELECT name FROM simple_t WHERE id = $1", &[&4_i32])
        .await
        .unwrap();
    assert_eq!(rows[0].get::<_, &str>(0), "n4");
    let ext = wait_events(&tee, "WHERE id = $1", 1).await;
    assert_eq!(ext[0].params, [Some("4".to_owned())]);
    assert_eq!(ext[0].rows, Some(1));
    let e = &ext[0];
    assert!(
        e.duration_ms.is_some_and(|d| d > 0.0 && d < 1000.0),
        "{e:?}"
    );
    assert!(
        e.session
            .as_deref()
            .is_some_and(|s| s.starts_with("proxy:"))
    );
    assert_eq!(
        (e.user.as_deref(), e.db.as_deref()),
        (Some("postgres"), Some("postgres"))
    );
    let snap = proxy
        .snapshot_until(|s| s.digests.iter().any(|d| d.shape.contains("simple_t")))
        .await;
    assert_eq!(snap.dropped, 0);
    drop(client);
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_errors_and_reused_prepared_statements() {
    let Some((proxy, tee)) = start(TlsMode::Decline).await else {
        return;
    };
    let mut client = proxy.connect().await;
    client
        .batch_execute("CREATE TEMP TABLE txn_t (id int primary key)")
        .await
        .unwrap();
    let tx = client.transaction().await.unwrap();
    tx.execute("INSERT INTO txn_t VALUES ($1)", &[&1_i32])
        .await
        .unwrap();
    tx.execute("INSERT INTO txn_t VALUES ($1)", &[&2_i32])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let inserts = wait_events(&tee, "INSERT INTO txn_t", 2).await;
    assert!(inserts[0].txn.is_some());
    assert_eq!(inserts[0].txn, inserts[1].txn, "one transaction");
    // An error: recorded with its SQLSTATE, and the session goes on.
    let err = client
        .query("SELECT * FROM no_such_table_sqlsift", &[])
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE)
    );
    let failed = wait_events(&tee, "no_such_table_sqlsift", 1).await;
    assert!(
        failed[0]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("42P01")),
        "{failed:?}"
    );
    // One prepare, three executions: three events with their own parameters.
    let stmt = client
        .prepare("SELECT count(*) FROM txn_t WHERE id <= $1")
        .await
        .unwrap();
    for id in 1..=3_i32 {
        client.query_one(&stmt, &[&id]).await.unwrap();
    }
    let runs = wait_events(&tee, "count(*) FROM txn_t", 3).await;
    let params: Vec<_> = runs.iter().map(|e| e.params.clone()).collect();
    assert_eq!(
        params,
        [
            [Some("1".to_owned())],
            [Some("2".to_owned())],
            [Some("3".to_owned())]
        ]
    );
    assert!(
        runs.iter().all(|e| e.txn.is_none()),
        "outside a transaction"
    );
    drop(client);
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_in_and_out_are_relayed_and_counted() {
    let Some((proxy, tee)) = start(TlsMode::Decline).await else {
        return;
    };
    let client = proxy.connect().await;
    client
        .batch_execute("CREATE TEMP TABLE copy_t (id int, v text)")
        .await
        .unwrap();
    let mut data = String::new();
    for i in 0..1000 {
        let _ = writeln!(data, "{i}\tv{i}");
    }
    copy_in(&client, "COPY copy_t FROM STDIN", data.as_bytes()).await;
    let out = copy_out(&client, "COPY copy_t TO STDOUT").await;
    assert_eq!(out, data.as_bytes());
    let ins = wait_events(&tee, "COPY copy_t FROM", 1).await;
    assert_eq!(ins[0].rows, Some(1000));
    let outs = wait_events(&tee, "COPY copy_t TO", 1).await;
    assert_eq!(outs[0].rows, Some(1000));
    drop(client);
    proxy.stop().await;
}

async fn copy_in(client: &Client, sql: &str, data: &[u8]) {
    let sink = client.copy_in::<_, bytes::Bytes>(sql).await.unwrap();
    let mut sink = std::pin::pin!(sink);
    sink.send(bytes::Bytes::copy_from_slice(data))
        .await
        .unwrap();
    let rows = sink.finish().await.unwrap();
    assert_eq!(rows, 1000);
}

async fn copy_out(client: &Client, sql: &str) -> Vec<u8> {
    let stream = client.copy_out(sql).await.unwrap();
    let mut stream = std::pin::pin!(stream);
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_request_is_relayed_to_the_server() {
    let Some((proxy, tee)) = start(TlsMode::Decline).await else {
        return;
    };
    let client = proxy.connect().await;
    let token = client.cancel_token();
    let started = Instant::now();
    let sleeper = tokio::spawn(async move {
        let r = client.simple_query("SELECT pg_sleep(20)").await;
        (r.map(|_| ()), client)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The CancelRequest goes to the proxy on a new connection, as clients do.
    token.cancel_query(NoTls).await.unwrap();
    let (r, _client) = sleeper.await.unwrap();
    let err = r.unwrap_err();
    assert_eq!(
        err.code(),
        Some(&tokio_postgres::error::SqlState::QUERY_CANCELED)
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let ev = wait_events(&tee, "pg_sleep(20)", 1).await;
    assert!(
        ev[0]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("57014"))
    );
    assert_eq!(proxy.traffic.counts().cancels, 1);
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_runs_through_the_proxy_with_ssl_declined() {
    let Some((proxy, tee)) = start(TlsMode::Decline).await else {
        return;
    };
    let port = proxy.port.to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("psql")
            // sslmode=prefer: psql asks for TLS first, the proxy declines.
            .args([
                "-X",
                "-At",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
            ])
            .args(["-d", "postgres", "-c", "SELECT 40 + 2 AS psql_answer"])
            .args(["-c", "SELECT 'second' AS psql_second"])
            .env("PGSSLMODE", "prefer")
            .output()
            .expect("psql must be installed for the proxy tests")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42\nsecond\n");
    assert_eq!(wait_events(&tee, "psql_answer", 1).await[0].rows, Some(1));
    assert_eq!(wait_events(&tee, "psql_second", 1).await.len(), 1);
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn md5_and_scram_logins_are_relayed() {
    let Some((proxy, _tee)) = start(TlsMode::Decline).await else {
        return;
    };
    for (user, password) in [
        ("sqlsift_md5", "sqlsift_md5_pw"),
        ("sqlsift_scram", "sqlsift_scram_pw"),
    ] {
        let mut config = proxy.config(user);
        config.password(password);
        let client = connect(&config).await;
        let row = client
            .query_one("SELECT current_user::text", &[])
            .await
            .unwrap();
        assert_eq!(row.get::<_, &str>(0), user);
        // A wrong password fails as the server decides, through the proxy.
        config.password("wrong");
        let err = config
            .connect(NoTls)
            .await
            .err()
            .expect("wrong password accepted");
        assert_eq!(
            err.code(),
            Some(&tokio_postgres::error::SqlState::INVALID_PASSWORD),
            "{user}: {err}"
        );
    }
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_n_plus_one_loop_through_the_proxy_is_reported() {
    let Some((proxy, _tee)) = start(TlsMode::Decline).await else {
        return;
    };
    let client = proxy.connect().await;
    client
        .batch_execute(
            "CREATE TEMP TABLE authors_np1 (id int primary key, name text); \
             INSERT INTO authors_np1 SELECT g, 'a' || g FROM generate_series(1, 20) g",
        )
        .await
        .unwrap();
    let ids: Vec<i32> = client
        .query("SELECT id FROM authors_np1 ORDER BY id LIMIT 10", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for id in &ids {
        client
            .query_one("SELECT name FROM authors_np1 WHERE id = $1", &[id])
            .await
            .unwrap();
    }
    // The decoder takes the taps' queue in passes: wait for the whole loop.
    let snap = proxy
        .snapshot_until(|s| {
            s.findings
                .iter()
                .any(|f| f.kind == FindingKind::NPlusOne && f.loop_size >= 10)
        })
        .await;
    let loops: Vec<_> = snap
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::NPlusOne)
        .collect();
    assert_eq!(loops.len(), 1, "{:?}", snap.findings);
    assert_eq!(loops[0].loop_size, 10);
    assert_eq!(loops[0].columns, ["id"]);
    drop(client);
    proxy.stop().await;
}

/// A startup message: `code` (the protocol version), then `params`.
fn startup_message(code: u32, params: &[u8]) -> Vec<u8> {
    let mut m = u32::try_from(params.len() + 8)
        .unwrap()
        .to_be_bytes()
        .to_vec();
    m.extend_from_slice(&code.to_be_bytes());
    m.extend_from_slice(params);
    m
}

/// Sends `bytes` at once, then reads until the peer closes.
async fn exchange(addr: &str, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut all = Vec::new();
    let _ = stream.read_to_end(&mut all).await;
    all
}

/// Reads a whole session from raw bytes: startup with `params`, one query,
/// terminate. Returns the bytes the server sent after its first
/// `ReadyForQuery` (before it, `BackendKeyData` differs per connection).
async fn raw_session(addr: &str, params: &[u8], sql: &str) -> Vec<u8> {
    let mut out = startup_message(196_608, params);
    out.push(b'Q');
    out.extend_from_slice(&u32::try_from(sql.len() + 5).unwrap().to_be_bytes());
    out.extend_from_slice(sql.as_bytes());
    out.push(0);
    out.extend_from_slice(&[b'X', 0, 0, 0, 4]);
    let mut all = exchange(addr, &out).await;
    // Skip messages up to and including the first ReadyForQuery.
    let mut at = 0;
    while at + 5 <= all.len() {
        let tag = all[at];
        let len = u32::from_be_bytes([all[at + 1], all[at + 2], all[at + 3], all[at + 4]]) as usize;
        at += 1 + len;
        if tag == b'Z' {
            break;
        }
    }
    all.split_off(at.min(all.len()))
}

const POSTGRES: &[u8] = b"user\0postgres\0database\0postgres\0\0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_result_arrives_byte_for_byte_as_the_server_sent_it() {
    let Some((proxy, tee)) = start(TlsMode::Decline).await else {
        return;
    };
    let sql = "SELECT g, md5(g::text), repeat('x', g % 97) FROM generate_series(1, 200000) g";
    let direct = raw_session(&proxy.upstream, POSTGRES, sql).await;
    let proxied = raw_session(&format!("127.0.0.1:{}", proxy.port), POSTGRES, sql).await;
    assert!(direct.len() > 10_000_000, "{} bytes", direct.len());
    assert_eq!(
        (proxied.len(), checksum(&proxied)),
        (direct.len(), checksum(&direct))
    );
    assert_eq!(
        wait_events(&tee, "generate_series(1, 200000)", 1).await[0].rows,
        Some(200_000)
    );
    proxy.stop().await;
}

/// FNV-1a over the bytes.
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startups_the_proxy_cannot_read_are_the_servers_to_answer() {
    let Some((proxy, tee)) = start(TlsMode::Decline).await else {
        return;
    };
    let via = format!("127.0.0.1:{}", proxy.port);
    // An application name in LATIN1 ("café"): the session runs and is recorded.
    let latin1 = b"user\0postgres\0database\0postgres\0application_name\0caf\xe9\0\0";
    let sql = "SELECT 'after a latin1 startup'";
    let direct = raw_session(&proxy.upstream, latin1, sql).await;
    assert!(direct.contains(&b'D'), "{direct:?}");
    assert_eq!(raw_session(&via, latin1, sql).await, direct);
    let events = wait_events(&tee, "after a latin1 startup", 1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].user.as_deref(), Some("postgres"));
    // Protocol 2.0: the server's own refusal reaches the client unchanged.
    let v2 = startup_message(0x0002_0000, b"user\0postgres\0\0");
    let refusal = exchange(&proxy.upstream, &v2).await;
    assert!(
        String::from_utf8_lossy(&refusal).contains("unsupported frontend protocol"),
        "{refusal:?}"
    );
    assert_eq!(exchange(&via, &v2).await, refusal);
    // One log line, once the connection has ended, says it went unanalysed.
    let deadline = Instant::now() + Duration::from_secs(5);
    while proxy.notices.lock().unwrap().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let notices = proxy.notices.lock().unwrap().clone();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains("0x00020000") && notices[0].contains("relayed without analysis"),
        "{notices:?}"
    );
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_client_affects_only_its_own_connection() {
    let Some((proxy, _tee)) = start(TlsMode::Decline).await else {
        return;
    };
    let steady = proxy.connect().await;
    // One client disconnects in the middle of a query.
    let quitter = proxy.connect().await;
    let mid_query = tokio::spawn(async move { quitter.simple_query("SELECT pg_sleep(3)").await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    mid_query.abort();
    // Another sends bytes that are not the protocol.
    let mut garbage = TcpStream::connect(("127.0.0.1", proxy.port)).await.unwrap();
    garbage.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let mut rest = Vec::new();
    let _ = garbage.read_to_end(&mut rest).await;
    // The steady client is unaffected, during and after.
    for i in 0..5_i32 {
        let rows = steady.simple_query(&format!("SELECT {i}")).await.unwrap();
        assert!(
            matches!(&rows[1], SimpleQueryMessage::Row(r) if r.get(0) == Some(&*i.to_string()))
        );
    }
    let notices = proxy.notices.lock().unwrap().clone();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("malformed startup"), "{notices:?}");
    drop(steady);
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_upstream_is_one_log_line() {
    let Some((proxy, _tee)) = start(TlsMode::Decline).await else {
        return;
    };
    // A second proxy pointed at a closed port.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = closed.local_addr().unwrap();
    drop(closed);
    let second = LoggedProxy::start(common::config(dead.to_string(), TlsMode::Decline)).await;
    let mut config = Config::new();
    config.host("127.0.0.1").port(second.port).user("postgres");
    assert!(config.connect(NoTls).await.is_err());
    let notices = second.stop().await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains("cannot connect to upstream"),
        "{notices:?}"
    );
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_half_closes_after_its_query_still_gets_the_answer() {
    let Some((proxy, _tee)) = start(TlsMode::Decline).await else {
        return;
    };
    // Startup and a query, then the client shuts its sending side (as
    // `nc -N` or a script piping a file does) and reads until the server
    // closes: the server runs the query, answers, then sees the end.
    let mut out = startup_message(196_608, POSTGRES);
    let sql = b"SELECT 'answered after a half close'\0";
    out.push(b'Q');
    out.extend_from_slice(&u32::try_from(sql.len() + 4).unwrap().to_be_bytes());
    out.extend_from_slice(sql);
    let half_closed = async |addr: &str| {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&out).await.unwrap();
        stream.shutdown().await.unwrap();
        let mut all = Vec::new();
        let _ = stream.read_to_end(&mut all).await;
        all
    };
    let direct = half_closed(&proxy.upstream).await;
    let needle: &[u8] = b"answered after a half close";
    assert!(
        direct.windows(needle.len()).any(|w| w == needle),
        "{direct:?}"
    );
    let proxied = half_closed(&format!("127.0.0.1:{}", proxy.port)).await;
    assert!(
        proxied.windows(needle.len()).any(|w| w == needle),
        "the server's answer was dropped: {proxied:?}"
    );
    proxy.stop().await;
}
