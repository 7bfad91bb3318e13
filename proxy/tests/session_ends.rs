//! Every session the proxy opens is counted ended, however it ends: the
//! connection advice's lifetimes and open counts depend on it, and the sink
//! is told, so the pipeline lets the session's last unit of work go. Runs
//! against a stand-in upstream, so it needs no PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlsift_analyzer::QueryEvent;
use sqlsift_proxy::{
    ConnectionConfig, Decoder, EventSink, Notice, ProxyConfig, TapQueue, TlsMode, Traffic,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Keeps only the sessions it was told ended.
#[derive(Default)]
struct Ends(Mutex<Vec<String>>);

impl EventSink for Ends {
    fn record(&self, _event: QueryEvent) {}

    fn end_session(&self, session: &Arc<str>) {
        self.0.lock().unwrap().push(session.to_string());
    }

    fn dropped(&self, _statements: u64) {
        unreachable!("no statements are sent");
    }
}

/// A `StartupMessage` (protocol 3.0) for user `u`.
fn startup() -> Vec<u8> {
    let body = b"\x00\x03\x00\x00user\0u\0\0";
    let mut m = u32::try_from(body.len() + 4)
        .unwrap()
        .to_be_bytes()
        .to_vec();
    m.extend_from_slice(body);
    m
}

/// Runs decoder passes into `ends` until `traffic` satisfies `done` (or a
/// few seconds pass): the decoder counts sessions ended.
async fn wait_for(
    traffic: &Traffic,
    decoder: &mut Decoder,
    ends: &Ends,
    done: impl Fn(&sqlsift_proxy::ConnectionStats) -> bool,
) {
    for _ in 0..300 {
        decoder.pass(ends);
        if done(&traffic.counts()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("traffic never got there: {:?}", traffic.counts());
}

#[tokio::test]
async fn sessions_that_fail_or_are_cut_off_by_the_shutdown_are_counted_ended() {
    // The stand-in upstream: the first session it resets after the startup
    // message, the second it holds open.
    let upstream = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_addr = upstream.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        for n in 0.. {
            let (mut socket, _) = upstream.accept().await.unwrap();
            let mut buf = [0_u8; 64];
            let _ = socket.read(&mut buf).await;
            if n == 0 {
                socket.set_zero_linger().unwrap();
                drop(socket); // a reset, not a clean close
            } else {
                held.push(socket);
            }
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let traffic = Arc::new(Traffic::default());
    let taps = Arc::new(TapQueue::default());
    let mut decoder = Decoder::new(taps.clone(), traffic.clone());
    let ends = Ends::default();
    let (stop, stopped) = oneshot::channel::<()>();
    let proxy = tokio::spawn(sqlsift_proxy::run(
        listener,
        ProxyConfig {
            connection: ConnectionConfig {
                upstream: upstream_addr,
                tls: TlsMode::Decline,
                startup_timeout: sqlsift_proxy::STARTUP_TIMEOUT,
            },
            max_connections: 8,
        },
        taps,
        traffic.clone(),
        Arc::new(|_: Notice| {}),
        async {
            let _ = stopped.await;
        },
    ));

    // A session whose upstream resets ends with an error, and is counted ended.
    let mut first = TcpStream::connect(addr).await.unwrap();
    first.write_all(&startup()).await.unwrap();
    wait_for(&traffic, &mut decoder, &ends, |c| {
        c.sessions == 1 && c.ended == 1
    })
    .await;

    // A session still open when the proxy shuts down is counted ended too.
    let mut second = TcpStream::connect(addr).await.unwrap();
    second.write_all(&startup()).await.unwrap();
    wait_for(&traffic, &mut decoder, &ends, |c| {
        c.sessions == 2 && c.open() == 1
    })
    .await;
    stop.send(()).unwrap();
    proxy.await.unwrap();
    decoder.pass(&ends);
    let counts = traffic.counts();
    assert_eq!((counts.sessions, counts.ended, counts.open()), (2, 2, 0));
    assert!(counts.lifetime_min.is_some());
    assert_eq!(*ends.0.lock().unwrap(), ["proxy:1", "proxy:2"]);
}
