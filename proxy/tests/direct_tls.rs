//! A client that opens with TLS at once (PostgreSQL 17's
//! `sslnegotiation=direct`): relayed byte for byte under `--tls-passthrough`,
//! closed with one log line otherwise (TLS cannot be declined there). Runs
//! against a stand-in upstream that echoes what it receives, so it needs no
//! PostgreSQL.

mod common;

use common::LoggedProxy;
use sqlsift_proxy::TlsMode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The start of a TLS ClientHello record: what a direct-TLS client sends first.
const CLIENT_HELLO: &[u8] = &[0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x03];

/// Sends `CLIENT_HELLO` through a proxy in `tls` mode to an upstream that
/// echoes it back: what the client receives, and the proxy's log lines.
async fn open_with_tls(tls: TlsMode) -> (Vec<u8>, Vec<String>) {
    let upstream = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_addr = upstream.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = upstream.accept().await.unwrap();
        let mut got = vec![0; CLIENT_HELLO.len()];
        s.read_exact(&mut got).await.unwrap();
        s.write_all(&got).await.unwrap();
    });
    let proxy = LoggedProxy::start(common::config(upstream_addr.to_string(), tls)).await;
    let mut client = TcpStream::connect(("127.0.0.1", proxy.port)).await.unwrap();
    client.write_all(CLIENT_HELLO).await.unwrap();
    let mut echoed = vec![0; CLIENT_HELLO.len()];
    let got = match client.read_exact(&mut echoed).await {
        Ok(_) => echoed,
        Err(_) => Vec::new(),
    };
    drop(client);
    (got, proxy.stop().await)
}

#[tokio::test]
async fn direct_tls_is_relayed_untouched_under_passthrough() {
    let (got, notices) = open_with_tls(TlsMode::Passthrough).await;
    assert_eq!(got, CLIENT_HELLO);
    assert!(notices.is_empty(), "{notices:?}");
}

#[tokio::test]
async fn direct_tls_is_closed_with_one_log_line_when_tls_is_declined() {
    let (got, notices) = open_with_tls(TlsMode::Decline).await;
    assert!(got.is_empty(), "{got:?}");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains("sslnegotiation=direct") && notices[0].contains("--tls-passthrough"),
        "{notices:?}"
    );
}
