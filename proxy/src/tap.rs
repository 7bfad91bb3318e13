//! The relay's half of the tap: each connection frames the bytes it has
//! relayed and copies the messages the decoder reads into one queue that
//! every connection shares, stamped with the time they arrived. Decoding
//! them into statements happens on the decoder's thread ([`crate::decoder`]),
//! so the relay's thread only frames and copies: decoding beside the relay
//! cost about as many instructions per extended-protocol transaction as the
//! relay itself, and the relay's thread is the one every client waits on
//! (bench/README.md).
//!
//! The queue is bounded. A connection whose messages find it full stops
//! being tapped and the statements it sends meanwhile are counted as
//! dropped. It is tapped again from the next point where the server has
//! answered every request (a `ReadyForQuery` for each `Query` and `Sync`,
//! but the `Sync`s it ignores while it takes COPY data),
//! where the decoder can start its state machine afresh
//! ([`Record::Resync`]).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::message::{FrameError, Framer, backend_wants, frontend_wants};
use crate::session::{SessionInfo, Side};

/// How much the queue holds (message bodies plus their records) before
/// taps are turned away: at pgbench rates about a second of traffic
/// for every millisecond the decoder takes per pass.
pub const QUEUE_BYTES: usize = 64 << 20;

/// Why a connection's tap stopped while its relay went on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TapError {
    /// The bytes are not PostgreSQL protocol.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The decoder fell behind and the queue was full: the connection's
    /// statements were counted as dropped until it was next idle.
    #[error(
        "analysis fell behind (tap queue full): statements were counted as dropped until the \
         connection was next idle"
    )]
    Behind,
    /// The client's first message is none this proxy reads (protocol 2,
    /// say): the connection was relayed untouched, its statements unseen.
    #[error("first message has code {code:#010x}, not one of protocol 3: relayed without analysis")]
    UnknownStartup { code: u32 },
}

/// What the connections hand the decoder, in the order it happened.
#[derive(Debug)]
pub enum Record {
    /// A session finished its startup message.
    Opened { conn: u64, info: SessionInfo },
    /// A message relayed from `side` at `at`; its body is `bytes[body]`.
    Message {
        conn: u64,
        side: Side,
        tag: u8,
        at: Instant,
        body: Range<usize>,
    },
    /// The tap missed messages of the session (the queue was full) and
    /// resumes where the server has answered every request: what the
    /// session knew of statements in flight, portals and prepared
    /// statements may be stale.
    Resync { conn: u64 },
    /// The session's connection closed after `lifetime`.
    Closed { conn: u64, lifetime: Duration },
}

/// Records and the bytes of their bodies, taken by the decoder as a whole.
#[derive(Debug, Default)]
pub struct Batch {
    pub records: Vec<Record>,
    pub bytes: Vec<u8>,
}

impl Batch {
    /// The memory the batch holds, as the queue's bound counts it.
    fn footprint(&self) -> usize {
        self.bytes.len() + self.records.len() * size_of::<Record>()
    }

    /// Empties the batch, keeping its allocations for the next one.
    pub fn clear(&mut self) {
        self.records.clear();
        self.bytes.clear();
    }
}

/// The queue every connection's tap writes into.
#[derive(Debug)]
pub struct TapQueue {
    batch: Mutex<Batch>,
    limit: usize,
    /// Statements (`Query` and `Execute` messages) not tapped since the
    /// decoder last took the count.
    dropped: AtomicU64,
}

impl Default for TapQueue {
    fn default() -> Self {
        TapQueue::with_limit(QUEUE_BYTES)
    }
}

impl TapQueue {
    /// A queue turning taps away beyond `limit` bytes.
    pub fn with_limit(limit: usize) -> Self {
        TapQueue {
            batch: Mutex::new(Batch::default()),
            limit,
            dropped: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Batch> {
        self.batch.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Swaps what is queued for `spare` (emptied, its allocations reused).
    pub fn take(&self, spare: &mut Batch) {
        spare.clear();
        std::mem::swap(&mut *self.lock(), spare);
    }

    /// The statements dropped since the last call.
    pub fn take_dropped(&self) -> u64 {
        self.dropped.swap(0, Ordering::Relaxed)
    }

    /// Opens the tap of connection `conn`, whose session is `info`.
    pub fn open(&self, conn: u64, info: SessionInfo) -> Tap<'_> {
        self.lock().records.push(Record::Opened { conn, info });
        Tap {
            conn,
            queue: self,
            state: Mutex::new(TapState::default()),
        }
    }
}

/// One connection's tap, shared by its two directions. Each direction
/// keeps its own [`Framer`].
#[derive(Debug)]
pub struct Tap<'a> {
    conn: u64,
    queue: &'a TapQueue,
    state: Mutex<TapState>,
}

#[derive(Debug, Default)]
struct TapState {
    /// Why the tap stopped, first: a frame error for good, or falling behind.
    error: Option<TapError>,
    /// Messages are not queued now (the queue was full).
    behind: bool,
    /// Requests (`Query`, `Sync`) the server has not answered yet with a
    /// `ReadyForQuery`.
    awaiting: u64,
    /// The last request the client sent (`Q` or `S`).
    last_request: u8,
    /// The server takes COPY data and neither the client has ended it nor
    /// the server failed it: the server ignores `Sync` meanwhile.
    copy_in: bool,
}

impl TapState {
    /// Counts a message toward [`TapState::awaiting`].
    fn count(&mut self, side: Side, tag: u8) {
        match (side, tag) {
            (Side::Client, b'Q' | b'S') if !self.copy_in => {
                self.awaiting += 1;
                self.last_request = tag;
            }
            // The data ended, or the server failed the COPY (it then leaves
            // copy-in mode and drops whatever data still comes).
            (Side::Client, b'c' | b'f') | (Side::Server, b'E') => self.copy_in = false,
            // CopyInResponse: the server ignores every `Sync` until the data
            // ends, those a client pipelined behind the COPY's `Execute`
            // too. What it still answers: the `Query` that ran the COPY (its
            // ReadyForQuery follows the data), or in the extended protocol
            // only the `Sync` the client sends after its data.
            (Side::Server, b'G') => {
                self.copy_in = true;
                self.awaiting = u64::from(self.awaiting > 0 && self.last_request == b'Q');
            }
            (Side::Server, b'Z') => self.awaiting = self.awaiting.saturating_sub(1),
            _ => {}
        }
    }
}

impl Tap<'_> {
    /// Frames `data`, just relayed from `side`, and queues the messages
    /// the decoder reads. Never blocks for longer than the queue's lock.
    pub fn feed(&self, framer: &mut Framer, side: Side, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(state.error, Some(TapError::Frame(_))) {
            return;
        }
        let at = Instant::now();
        let limit = self.queue.limit;
        let mut batch = self.queue.lock();
        let mut dropped = 0;
        let result = frame(framer, side, data, |tag, body| {
            state.count(side, tag);
            if state.behind {
                // Resume at a ReadyForQuery that answers the last request,
                // once the queue has room again (half of it, so as not to
                // stop again at once).
                let idle = side == Side::Server && tag == b'Z' && state.awaiting == 0;
                if idle && batch.footprint() <= limit / 2 {
                    state.behind = false;
                    batch.records.push(Record::Resync { conn: self.conn });
                }
            } else if batch.footprint() + body.len() > limit {
                state.behind = true;
                state.error.get_or_insert(TapError::Behind);
            }
            if state.behind {
                dropped += u64::from(side == Side::Client && matches!(tag, b'Q' | b'E'));
                return;
            }
            let start = batch.bytes.len();
            batch.bytes.extend_from_slice(body);
            let end = batch.bytes.len();
            batch.records.push(Record::Message {
                conn: self.conn,
                side,
                tag,
                at,
                body: start..end,
            });
        });
        drop(batch);
        if dropped > 0 {
            self.queue.dropped.fetch_add(dropped, Ordering::Relaxed);
        }
        if let Err(e) = result {
            state.error = Some(e.into());
        }
    }

    /// Why the tap stopped, if it did.
    pub fn error(&self) -> Option<TapError> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .error
            .clone()
    }

    /// The connection closed after `lifetime`: the last record of the
    /// session (queued even when the queue is full: it is small, and the
    /// decoder lets the session go on it). Call it once: nothing of the
    /// session may be fed after it.
    pub fn close(&self, lifetime: Duration) {
        self.queue.lock().records.push(Record::Closed {
            conn: self.conn,
            lifetime,
        });
    }
}

/// Frames `data` from `side` and calls `on(tag, body)` for each message the
/// session state machine reads, with its body when the machine needs one.
/// Row data and COPY data are skipped: they are most of the bytes.
///
/// # Errors
/// When the bytes are not PostgreSQL protocol.
pub fn frame(
    framer: &mut Framer,
    side: Side,
    data: &[u8],
    mut on: impl FnMut(u8, &[u8]),
) -> Result<(), FrameError> {
    match side {
        Side::Client => framer.feed(data, frontend_wants, |tag, body| {
            if tag != b'd' {
                on(tag, body);
            }
        }),
        Side::Server => framer.feed(data, backend_wants, |tag, body| {
            if matches!(tag, b'C' | b'E' | b'Z' | b't' | b'1' | b'I' | b'G' | b's') {
                on(tag, body);
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{extended, msg};
    use std::sync::Arc;

    fn info() -> SessionInfo {
        SessionInfo {
            id: Arc::from("proxy:1"),
            user: None,
            database: None,
        }
    }

    /// The tags and bodies of the queued messages.
    fn messages(batch: &Batch) -> Vec<(u8, Vec<u8>)> {
        batch
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Message { tag, body, .. } => {
                    Some((*tag, batch.bytes[body.clone()].to_vec()))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn queues_what_the_decoder_reads_and_skips_rows() {
        let queue = TapQueue::default();
        let tap = queue.open(1, info());
        let mut server = Framer::default();
        let mut answer = msg(b'T', b"row description");
        for _ in 0..3 {
            answer.extend(msg(b'D', b"a row"));
        }
        answer.extend(msg(b'C', b"SELECT 3\0"));
        answer.extend(msg(b'Z', b"I"));
        // Split mid-message: the framer carries the rest over.
        tap.feed(&mut server, Side::Server, &answer[..40]);
        tap.feed(&mut server, Side::Server, &answer[40..]);
        assert_eq!(tap.error(), None);
        tap.close(Duration::from_millis(3));
        let mut batch = Batch::default();
        queue.take(&mut batch);
        assert_eq!(
            messages(&batch),
            [(b'C', b"SELECT 3\0".to_vec()), (b'Z', b"I".to_vec())]
        );
        assert!(matches!(batch.records[0], Record::Opened { conn: 1, .. }));
        assert!(matches!(
            batch.records.last(),
            Some(Record::Closed { conn: 1, .. })
        ));
        // Taken: the queue starts over.
        queue.take(&mut batch);
        assert!(batch.records.is_empty());
    }

    #[test]
    fn a_full_queue_stops_the_tap_until_the_connection_is_next_idle() {
        let query = msg(b'Q', b"SELECT 1\0");
        let execute = msg(b'E', b"\0\0\0\0\0");
        let extended = [
            msg(b'P', b"\0SELECT 2\0\0\0"),
            msg(b'B', b"\0\0\0\0\0\0\0\0"),
            execute.clone(),
            execute,
            msg(b'S', b""),
        ]
        .concat();
        let answer = [msg(b'C', b"SELECT 1\0"), msg(b'Z', b"I")].concat();
        // Room for the opening and about three queries.
        let queue = TapQueue::with_limit(3 * (size_of::<Record>() + 10) + size_of::<Record>());
        let tap = queue.open(7, info());
        let (mut client, mut server) = (Framer::default(), Framer::default());
        for _ in 0..3 {
            tap.feed(&mut client, Side::Client, &query);
        }
        assert_eq!(queue.take_dropped(), 0);
        // Full: this query, and what follows until the connection is idle,
        // is counted, not queued — even once the decoder has taken the queue.
        tap.feed(&mut client, Side::Client, &query);
        let mut batch = Batch::default();
        queue.take(&mut batch);
        assert_eq!(messages(&batch).len(), 3);
        tap.feed(&mut client, Side::Client, &extended);
        // Five requests out; four answered: not idle yet.
        for _ in 0..4 {
            tap.feed(&mut server, Side::Server, &answer);
        }
        assert_eq!(queue.take_dropped(), 3);
        queue.take(&mut batch);
        assert!(batch.records.is_empty());
        // The last answer: the tap resumes with it.
        tap.feed(&mut server, Side::Server, &answer);
        tap.feed(&mut client, Side::Client, &query);
        assert_eq!(queue.take_dropped(), 0);
        assert_eq!(tap.error(), Some(TapError::Behind));
        tap.close(Duration::ZERO);
        queue.take(&mut batch);
        assert!(matches!(batch.records[0], Record::Resync { conn: 7 }));
        assert_eq!(
            messages(&batch),
            [(b'Z', b"I".to_vec()), (b'Q', b"SELECT 1\0".to_vec())]
        );
        assert!(matches!(
            batch.records.last(),
            Some(Record::Closed { conn: 7, .. })
        ));
    }

    #[test]
    fn the_tap_resumes_after_a_copy_whose_early_sync_the_server_ignored() {
        let big = msg(b'Q', &[&b"SELECT '"[..], &[b'x'; 8000], b"'\0"].concat());
        let answer = [msg(b'C', b"SELECT 1\0"), msg(b'Z', b"I")].concat();
        // libpq's extended COPY: the batch with its Sync, then the data,
        // CopyDone and another Sync; the server ignores the first Sync.
        let copy = extended(b"COPY t FROM STDIN");
        let data = [msg(b'd', b"1\n"), msg(b'c', b""), msg(b'S', b"")].concat();
        let copied = [msg(b'C', b"COPY 1\0"), msg(b'Z', b"I")].concat();
        let queue = TapQueue::with_limit(64 * size_of::<Record>());
        let tap = queue.open(5, info());
        let (mut client, mut server) = (Framer::default(), Framer::default());
        // Too big for the queue: behind from here.
        tap.feed(&mut client, Side::Client, &big);
        tap.feed(&mut client, Side::Client, &copy);
        tap.feed(&mut server, Side::Server, &answer);
        tap.feed(&mut server, Side::Server, &msg(b'G', b"\0\0\0"));
        tap.feed(&mut client, Side::Client, &data);
        let mut batch = Batch::default();
        queue.take(&mut batch);
        // Only the session's opening: the COPY's first Sync, which the
        // server ignored, is not awaited, but the one after the data is.
        assert!(messages(&batch).is_empty());
        tap.feed(&mut server, Side::Server, &copied);
        // A simple-protocol COPY, tapped again: its Query is answered after the data.
        tap.feed(
            &mut client,
            Side::Client,
            &msg(b'Q', b"COPY t FROM STDIN\0"),
        );
        tap.feed(&mut server, Side::Server, &msg(b'G', b"\0\0\0"));
        tap.feed(&mut client, Side::Client, &data[..data.len() - 5]);
        tap.feed(&mut server, Side::Server, &copied);
        // An extended COPY the server fails mid-data: it leaves copy-in
        // mode, so the Sync the client sends next is answered and counted.
        tap.feed(&mut client, Side::Client, &copy);
        tap.feed(&mut server, Side::Server, &msg(b'G', b"\0\0\0"));
        tap.feed(&mut server, Side::Server, &msg(b'E', b"SERROR\0\0"));
        tap.feed(&mut client, Side::Client, &msg(b'S', b""));
        tap.feed(&mut client, Side::Client, &msg(b'Q', b"SELECT 1\0"));
        tap.feed(&mut server, Side::Server, &msg(b'Z', b"I"));
        assert_eq!(
            tap.state.lock().unwrap().awaiting,
            1,
            "the Query still owes its answer"
        );
        queue.take(&mut batch);
        assert!(matches!(batch.records[0], Record::Resync { conn: 5 }));
        let tags: Vec<u8> = messages(&batch).iter().map(|(t, _)| *t).collect();
        assert_eq!(tags, b"ZQGcCZPBESGESQZ");
        assert_eq!(queue.take_dropped(), 2);
    }

    #[test]
    fn malformed_bytes_stop_the_tap_only() {
        let queue = TapQueue::default();
        let tap = queue.open(2, info());
        let mut client = Framer::default();
        tap.feed(&mut client, Side::Client, &[b'Q', 0, 0, 0, 2]);
        tap.feed(&mut client, Side::Client, &msg(b'Q', b"SELECT 1\0"));
        assert!(matches!(
            tap.error(),
            Some(TapError::Frame(FrameError::BadLength { tag: b'Q', len: 2 }))
        ));
        tap.close(Duration::ZERO);
        let mut batch = Batch::default();
        queue.take(&mut batch);
        assert!(messages(&batch).is_empty());
    }
}
