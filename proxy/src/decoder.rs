//! The decoder: takes what every connection's tap queued ([`crate::tap`]),
//! runs each session's protocol state machine over it, and hands the
//! statements to the sink — off the relay's thread.
//!
//! It runs in passes, on a thread its host already has: the proxy command
//! runs it as its analysis pipeline's intake
//! (`Interceptor::start_with_intake`), so the pipeline's thread decodes
//! and then aggregates in one wake-up. A thread of its own, woken every few
//! milliseconds, cost the relay more than the decoding it took away
//! (bench/README.md).

use std::sync::Arc;

use foldhash::HashMap;

use crate::session::{EventSink, Session, SessionStats};
use crate::tap::{Batch, Record, TapQueue};
use crate::traffic::Traffic;

/// The open sessions of every connection that taps into one queue.
pub struct Decoder {
    queue: Arc<TapQueue>,
    traffic: Arc<Traffic>,
    open: HashMap<u64, Session>,
    /// The batch taken last, kept for its allocations.
    batch: Batch,
}

impl Decoder {
    /// Decodes `queue`, counting each session that ends into `traffic`.
    pub fn new(queue: Arc<TapQueue>, traffic: Arc<Traffic>) -> Self {
        Decoder {
            queue,
            traffic,
            open: HashMap::default(),
            batch: Batch::default(),
        }
    }

    /// Decodes everything queued so far into `sink`, then flushes it;
    /// whether there was anything. After the proxy has stopped, one more
    /// pass takes its connections' last statements.
    pub fn pass(&mut self, sink: &dyn EventSink) -> bool {
        self.queue.take(&mut self.batch);
        let dropped = self.queue.take_dropped();
        if dropped > 0 {
            sink.dropped(dropped);
        }
        if self.batch.records.is_empty() {
            return dropped > 0;
        }
        for record in &self.batch.records {
            match record {
                Record::Opened { conn, info } => {
                    self.open.insert(*conn, Session::new(info.clone()));
                }
                Record::Message {
                    conn,
                    side,
                    tag,
                    at,
                    body,
                } => {
                    if let Some(session) = self.open.get_mut(conn) {
                        session.on_message(*side, *tag, &self.batch.bytes[body.clone()], *at, sink);
                    }
                }
                Record::Resync { conn } => {
                    if let Some(session) = self.open.get_mut(conn) {
                        session.resync();
                    }
                }
                Record::Closed { conn, lifetime } => {
                    let stats = self
                        .open
                        .remove(conn)
                        .map_or_else(SessionStats::default, |s| {
                            sink.end_session(s.id());
                            s.stats()
                        });
                    self.traffic.closed(*lifetime, stats);
                }
            }
        }
        sink.flush();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Framer;
    use crate::message::msg;
    use crate::session::{SessionInfo, Side};
    use crate::tap::TapError;
    use sqlsift_analyzer::QueryEvent;
    use std::sync::Mutex;
    use std::time::Duration;

    #[derive(Default)]
    struct Collect {
        events: Mutex<Vec<QueryEvent>>,
        ended: Mutex<Vec<String>>,
        dropped: Mutex<u64>,
        flushed: Mutex<u64>,
    }

    impl EventSink for Collect {
        fn record(&self, event: QueryEvent) {
            self.events.lock().unwrap().push(event);
        }
        fn end_session(&self, session: &Arc<str>) {
            self.ended.lock().unwrap().push(session.to_string());
        }
        fn dropped(&self, statements: u64) {
            *self.dropped.lock().unwrap() += statements;
        }
        fn flush(&self) {
            *self.flushed.lock().unwrap() += 1;
        }
    }

    fn info(id: &str) -> SessionInfo {
        SessionInfo {
            id: Arc::from(id),
            user: None,
            database: None,
        }
    }

    /// Two sessions interleaved in one queue come out as their own
    /// statements; a session's close ends it in the sink and counts it in
    /// the traffic with its statements; and what the taps dropped reaches
    /// the sink.
    #[test]
    fn decodes_interleaved_sessions_and_counts_their_ends() {
        let sink = Collect::default();
        let traffic = Arc::new(Traffic::default());
        let queue = Arc::new(TapQueue::with_limit(4096));
        let mut decoder = Decoder::new(queue.clone(), traffic.clone());
        assert!(!decoder.pass(&sink));
        let (a, b) = (
            queue.open(1, info("proxy:1")),
            queue.open(2, info("proxy:2")),
        );
        let (mut a_client, mut a_server) = (Framer::default(), Framer::default());
        let (mut b_client, mut b_server) = (Framer::default(), Framer::default());
        let ready = msg(b'Z', b"I");
        a.feed(&mut a_server, Side::Server, &ready);
        b.feed(&mut b_server, Side::Server, &ready);
        a.feed(&mut a_client, Side::Client, &msg(b'Q', b"SELECT 'a'\0"));
        b.feed(&mut b_client, Side::Client, &msg(b'Q', b"SELECT 'b'\0"));
        // A pass between a statement and its completion: the session's
        // state carries over to the next pass.
        assert!(decoder.pass(&sink));
        let answer = [msg(b'C', b"SELECT 1\0"), ready.clone()].concat();
        b.feed(&mut b_server, Side::Server, &answer);
        a.feed(&mut a_server, Side::Server, &answer);
        assert_eq!(a.error(), None);
        a.close(Duration::from_millis(40));
        // A statement too big for the queue is counted, not queued.
        let big = msg(b'Q', &[b"SELECT '", &[b'x'; 5000][..], b"'\0"].concat());
        b.feed(&mut b_client, Side::Client, &big);
        assert_eq!(b.error(), Some(TapError::Behind));
        b.close(Duration::from_millis(50));
        assert!(decoder.pass(&sink));

        let events = sink.events.lock().unwrap();
        let by = |s: &str| {
            events
                .iter()
                .filter(|e| e.session.as_deref() == Some(s))
                .map(|e| e.sql.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(by("proxy:1"), ["SELECT 'a'"]);
        assert_eq!(by("proxy:2"), ["SELECT 'b'"]);
        assert_eq!(*sink.ended.lock().unwrap(), ["proxy:1", "proxy:2"]);
        assert_eq!(*sink.dropped.lock().unwrap(), 1);
        assert_eq!(*sink.flushed.lock().unwrap(), 2);
        let counts = traffic.counts();
        assert_eq!((counts.ended, counts.statements), (2, 2));
        assert_eq!(counts.lifetime_max, Duration::from_millis(50));
    }
}
