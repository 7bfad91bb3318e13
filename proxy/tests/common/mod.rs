//! What the proxy's integration tests share: a proxy served in the test's
//! runtime, with a shared-nothing tap, whose log lines land in a list.

use std::sync::{Arc, Mutex};

use sqlsift_proxy::{
    ConnectionConfig, Notice, ProxyConfig, STARTUP_TIMEOUT, TapQueue, TlsMode, Traffic,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The settings of a proxy relaying to `upstream` (`host:port`).
pub fn config(upstream: impl Into<String>, tls: TlsMode) -> ConnectionConfig {
    ConnectionConfig {
        upstream: upstream.into(),
        tls,
        startup_timeout: STARTUP_TIMEOUT,
    }
}

/// A running proxy and the log lines it wrote.
pub struct LoggedProxy {
    pub port: u16,
    notices: Arc<Mutex<Vec<String>>>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl LoggedProxy {
    /// Serves on a free port with `connection`'s settings ([`config`]).
    pub async fn start(connection: ConnectionConfig) -> LoggedProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let notices = Arc::new(Mutex::new(Vec::<String>::new()));
        let log_to = notices.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(sqlsift_proxy::run(
            listener,
            ProxyConfig {
                connection,
                max_connections: 4,
            },
            Arc::new(TapQueue::default()),
            Arc::new(Traffic::default()),
            Arc::new(move |n: Notice| log_to.lock().unwrap().push(n.to_string())),
            async {
                let _ = stopped.await;
            },
        ));
        LoggedProxy {
            port,
            notices,
            stop,
            task,
        }
    }

    /// Stops accepting, waits for every connection to end, and returns the
    /// log lines written.
    pub async fn stop(self) -> Vec<String> {
        let _ = self.stop.send(());
        self.task.await.unwrap();
        self.notices.lock().unwrap().clone()
    }
}
