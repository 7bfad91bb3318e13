//! A `CancelRequest`'s connection stays open until the server closes it:
//! clients (libpq's `PQcancel`, tokio-postgres) read until that close to
//! know the server has processed the request before they send their next
//! command. Runs against a stand-in upstream, so it needs no PostgreSQL.

mod common;

use std::time::Duration;

use common::LoggedProxy;
use sqlsift_proxy::TlsMode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A `CancelRequest` for backend 42, key 7.
const CANCEL: [u8; 16] = [0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 42, 0, 0, 0, 7];

#[tokio::test]
async fn a_cancel_is_closed_to_the_client_only_once_the_server_has_closed_it() {
    let upstream = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_addr = upstream.local_addr().unwrap();
    let (processed, processed_rx) = oneshot::channel::<[u8; 16]>();
    tokio::spawn(async move {
        let (mut s, _) = upstream.accept().await.unwrap();
        let mut request = [0; 16];
        s.read_exact(&mut request).await.unwrap();
        // The server takes a while to signal the backend, then closes.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = processed.send(request);
        drop(s);
    });
    let proxy =
        LoggedProxy::start(common::config(upstream_addr.to_string(), TlsMode::Decline)).await;
    let mut client = TcpStream::connect(("127.0.0.1", proxy.port)).await.unwrap();
    client.write_all(&CANCEL).await.unwrap();
    let mut answer = Vec::new();
    client.read_to_end(&mut answer).await.unwrap();
    // The close told the client the request was processed: it must be so.
    let mut processed_rx = processed_rx;
    let request = processed_rx
        .try_recv()
        .expect("the client saw the close before the server had processed the cancel");
    assert_eq!(request, CANCEL);
    assert!(answer.is_empty(), "{answer:?}");
    let notices = proxy.stop().await;
    assert!(notices.is_empty(), "{notices:?}");
}
