//! A client that connects and never finishes its startup is closed when
//! the startup phase's deadline passes, with one log line each, and its
//! connection slot goes to the next client. Runs with no upstream: no
//! client here gets as far as connecting to one.

mod common;

use std::time::Duration;

use common::LoggedProxy;
use sqlsift_proxy::{ConnectionConfig, TlsMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// An `SSLRequest`.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// How long a test waits for what should happen long before (a guard
/// against hanging, not a measure of speed).
const PATIENCE: Duration = Duration::from_secs(20);

#[tokio::test]
async fn clients_silent_in_startup_are_closed_and_free_their_slots() {
    let proxy = LoggedProxy::start(ConnectionConfig {
        startup_timeout: Duration::from_millis(300),
        ..common::config("127.0.0.1:1", TlsMode::Decline)
    })
    .await;
    let addr = ("127.0.0.1", proxy.port);
    // Every slot taken (the helper allows 4): two say nothing, one sends
    // half a startup message, one is declined TLS and then says nothing.
    let mut silent = Vec::new();
    for _ in 0..2 {
        silent.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(&[0, 0, 0, 40, 0, 3]).await.unwrap();
    silent.push(half);
    let mut declined = TcpStream::connect(addr).await.unwrap();
    declined.write_all(&SSL_REQUEST).await.unwrap();
    let mut answer = [0; 1];
    declined.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"N");
    silent.push(declined);
    // Each is closed by the proxy.
    for client in &mut silent {
        let mut rest = Vec::new();
        timeout(PATIENCE, client.read_to_end(&mut rest))
            .await
            .expect("the proxy closes a client silent in its startup")
            .unwrap();
        assert!(rest.is_empty(), "{rest:?}");
    }
    // Their slots are free: a fifth client is served.
    let mut fifth = TcpStream::connect(addr).await.unwrap();
    fifth.write_all(&SSL_REQUEST).await.unwrap();
    timeout(PATIENCE, fifth.read_exact(&mut answer))
        .await
        .expect("a freed slot serves the next client")
        .unwrap();
    assert_eq!(&answer, b"N");
    drop(fifth);
    let notices = proxy.stop().await;
    let timed_out = notices
        .iter()
        .filter(|n| n.contains("no complete startup message within 300ms"))
        .count();
    assert_eq!(timed_out, 4, "{notices:?}");
}
