//! Framing and decoding of the PostgreSQL frontend/backend protocol (v3) for
//! the tapped copy of the traffic.
//!
//! The relay never waits on this module: it forwards bytes first and hands
//! them here afterwards. [`Framer`] splits a byte stream into messages
//! without copying the ones the tap ignores (`DataRow`, `CopyData`: the bulk
//! of the bytes), and keeps an incomplete message until the rest arrives —
//! incomplete means "read more", never an error. The decoders read only the
//! fields the tap needs.

use std::fmt::Write as _;

/// `SSLRequest`'s code, in place of a protocol version.
pub const SSL_REQUEST: u32 = 80_877_103;
/// `GSSENCRequest`'s code.
pub const GSSENC_REQUEST: u32 = 80_877_104;
/// `CancelRequest`'s code.
pub const CANCEL_REQUEST: u32 = 80_877_102;
/// The longest message accepted: PostgreSQL's own limit is 1 GB.
pub const MAX_LEN: u32 = 1 << 30;

/// Bytes that cannot be PostgreSQL protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A length below the 4 bytes of the length field itself, or above [`MAX_LEN`].
    #[error("message '{}' declares length {len}, outside 4..=1 GB", char::from(*tag))]
    BadLength {
        /// The message's type byte (0 for the untagged first message).
        tag: u8,
        /// The declared length.
        len: u32,
    },
}

/// The length of the untagged first message at the start of `buf`, once its
/// length field is there (the message itself may still be incomplete).
///
/// # Errors
/// When the declared length cannot be a startup-phase message.
pub fn initial_len(buf: &[u8]) -> Result<Option<usize>, FrameError> {
    let Some(head) = buf.get(..4) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    // Startup packets are small: PostgreSQL refuses those whose length,
    // less the length field's 4 bytes, is over 10 000 bytes.
    if !(8..=10_004).contains(&len) {
        return Err(FrameError::BadLength { tag: 0, len });
    }
    Ok(Some(len as usize))
}

/// The first message a client sends, which has no type byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Initial {
    /// Asks whether the server speaks TLS.
    SslRequest,
    /// Asks whether the server speaks GSSAPI encryption.
    GssEncRequest,
    /// Cancels the query running on another connection.
    CancelRequest,
    /// Starts a session.
    Startup {
        /// The `user` parameter.
        user: Option<String>,
        /// The `database` parameter (PostgreSQL defaults it to the user).
        database: Option<String>,
    },
    /// A code this proxy does not know (protocol 2, a later request): the
    /// server answers it, so it is relayed untouched.
    Other {
        /// The message's code, as the log line names it.
        code: u32,
    },
}

/// Decodes a whole untagged first message (length field included).
///
/// A startup's parameters are read as bytes: their encoding is the
/// client's, and a value that is not UTF-8 (an `application_name` in
/// LATIN1, say) is PostgreSQL's to accept, not the proxy's to refuse. The
/// user and database names are labels here, so they are decoded lossily.
#[must_use]
pub fn parse_initial(msg: &[u8]) -> Initial {
    let mut r = Reader::new(msg.get(4..).unwrap_or_default());
    let code = r.u32();
    match code {
        Some(SSL_REQUEST) => Initial::SslRequest,
        Some(GSSENC_REQUEST) => Initial::GssEncRequest,
        Some(CANCEL_REQUEST) => Initial::CancelRequest,
        // Protocol 3.x: the major version is 3, any minor.
        Some(c) if c >> 16 == 3 => {
            let (mut user, mut database) = (None, None);
            // A list cut short is the server's to reject; what came before is kept.
            while let Some(key) = r.cstr_bytes().filter(|k| !k.is_empty()) {
                let Some(value) = r.cstr_bytes() else { break };
                let value = || String::from_utf8_lossy(value).into_owned();
                match key {
                    b"user" => user = Some(value()),
                    b"database" => database = Some(value()),
                    _ => {}
                }
            }
            Initial::Startup { user, database }
        }
        _ => Initial::Other {
            code: code.unwrap_or(0),
        },
    }
}

/// Splits a stream of tagged messages (type byte, 4-byte length, body).
#[derive(Debug, Default)]
pub struct Framer {
    /// The header bytes seen so far of the message being read.
    header: [u8; 5],
    /// How many of `header` are filled.
    have: usize,
    /// Body bytes still to come of the current message.
    remaining: usize,
    /// Whether the current body is collected (the tap wants it) or skipped.
    keep: bool,
    /// The collected body of the current message.
    body: Vec<u8>,
}

impl Framer {
    /// Feeds `data`; calls `on(tag, body)` for each message completed by it,
    /// with the whole body when `wants(tag)`, else with an empty one.
    ///
    /// # Errors
    /// On a length that cannot be valid; the framer is then out of step and
    /// must not be fed again.
    pub fn feed(
        &mut self,
        mut data: &[u8],
        wants: impl Fn(u8) -> bool,
        mut on: impl FnMut(u8, &[u8]),
    ) -> Result<(), FrameError> {
        while !data.is_empty() {
            // Step 1: complete the header.
            if self.have < 5 {
                let take = (5 - self.have).min(data.len());
                self.header[self.have..self.have + take].copy_from_slice(&data[..take]);
                self.have += take;
                data = &data[take..];
                if self.have < 5 {
                    return Ok(());
                }
                let tag = self.header[0];
                let len = u32::from_be_bytes([
                    self.header[1],
                    self.header[2],
                    self.header[3],
                    self.header[4],
                ]);
                if !(4..=MAX_LEN).contains(&len) {
                    return Err(FrameError::BadLength { tag, len });
                }
                self.remaining = len as usize - 4;
                self.keep = wants(tag);
                self.body.clear();
            }
            // Step 2: a wanted body that lies wholly in `data` is handed out
            // where it lies (the common case: no copy); otherwise it is
            // collected (or skipped) across reads.
            if self.keep && self.body.is_empty() && data.len() >= self.remaining {
                let (body, rest) = data.split_at(self.remaining);
                on(self.header[0], body);
                self.remaining = 0;
                self.have = 0;
                data = rest;
                continue;
            }
            let take = self.remaining.min(data.len());
            if self.keep {
                self.body.extend_from_slice(&data[..take]);
            }
            self.remaining -= take;
            data = &data[take..];
            // Step 3: hand out a whole message.
            if self.remaining == 0 {
                on(self.header[0], &self.body);
                self.have = 0;
            }
        }
        Ok(())
    }
}

/// A message from the client, as far as the tap needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Frontend<'a> {
    /// Simple protocol: one or more statements. The text is left as
    /// bytes: it is in the client's encoding, which may not be UTF-8.
    Query(&'a [u8]),
    /// Prepares `sql` as statement `name` ("" = unnamed), with the parameter
    /// types the client gave (0 = unspecified).
    ///
    /// The text is left as bytes: drivers send the same text for every
    /// execution, and whoever keeps it checks its UTF-8 only when it is new.
    Parse {
        name: &'a str,
        sql: &'a [u8],
        types: Vec<u32>,
    },
    /// Binds parameters to a statement, making a portal.
    Bind {
        portal: &'a str,
        statement: &'a str,
        params: Params<'a>,
    },
    /// Runs a portal, returning at most `max_rows` rows (0: all of them).
    Execute { portal: &'a str, max_rows: u32 },
    /// Asks for a statement's parameter types (`statement`) or a portal's rows.
    Describe { statement: bool, name: &'a str },
    /// Drops a statement (`statement`) or a portal.
    Close { statement: bool, name: &'a str },
    /// Ends an extended-protocol batch: the server answers `ReadyForQuery`.
    Sync,
    /// Ends the data of a `COPY FROM STDIN` (`CopyDone` or `CopyFail`).
    CopyEnd,
    /// Anything else (`Flush`, `CopyData`, `Terminate`, …).
    Other,
}

/// One bound parameter value, still encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// Binary format (1) rather than text (0).
    pub binary: bool,
    /// The value's bytes; `None` for SQL NULL.
    pub value: Option<&'a [u8]>,
}

/// A `Bind`'s parameter values, still in the message: checked whole when
/// the message is parsed, decoded as they are read, so a `Bind` costs no
/// allocation of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params<'a> {
    /// Format codes, two bytes each: none (all text), one (for every
    /// parameter) or one per parameter.
    formats: &'a [u8],
    count: u16,
    /// Each value: its length (-1 for NULL), then its bytes.
    values: &'a [u8],
}

impl<'a> Params<'a> {
    /// Reads the format codes and values from `r`; `None` when they are
    /// malformed (fewer format codes than values, or values cut short).
    fn read(r: &mut Reader<'a>) -> Option<Self> {
        let formats = usize::from(r.u16()?);
        let formats = r.bytes(2 * formats)?;
        let count = r.u16()?;
        if formats.len() > 2 && formats.len() < 2 * usize::from(count) {
            return None;
        }
        let start = r.buf;
        for _ in 0..count {
            let len = r.u32()?;
            if len != u32::MAX {
                r.bytes(len as usize)?;
            }
        }
        let values = &start[..start.len() - r.buf.len()];
        Some(Params {
            formats,
            count,
            values,
        })
    }

    /// The parameters, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Param<'a>> + use<'a> {
        let Params {
            formats, values, ..
        } = *self;
        let mut r = Reader::new(values);
        (0..usize::from(self.count)).map(move |i| {
            let code = match formats.len() {
                0 => 0,
                2 => u16::from_be_bytes([formats[0], formats[1]]),
                _ => u16::from_be_bytes([formats[2 * i], formats[2 * i + 1]]),
            };
            // Checked whole by `read`: neither can fail.
            let len = r.u32().unwrap_or(u32::MAX);
            let value = (len != u32::MAX).then(|| r.bytes(len as usize).unwrap_or_default());
            Param {
                binary: code == 1,
                value,
            }
        })
    }
}

/// Client message types whose bodies the tap reads.
pub fn frontend_wants(tag: u8) -> bool {
    matches!(tag, b'Q' | b'P' | b'B' | b'E' | b'D' | b'C' | b'S')
}

/// Decodes a client message; `None` when its body is malformed.
pub fn parse_frontend(tag: u8, body: &[u8]) -> Option<Frontend<'_>> {
    let mut r = Reader::new(body);
    Some(match tag {
        b'Q' => Frontend::Query(r.cstr_bytes()?),
        b'P' => {
            let name = r.cstr()?;
            let sql = r.cstr_bytes()?;
            let n = r.u16()?;
            let types = (0..n).map(|_| r.u32()).collect::<Option<_>>()?;
            Frontend::Parse { name, sql, types }
        }
        b'B' => {
            let portal = r.cstr()?;
            let statement = r.cstr()?;
            let params = Params::read(&mut r)?;
            Frontend::Bind {
                portal,
                statement,
                params,
            }
        }
        b'E' => Frontend::Execute {
            portal: r.cstr()?,
            max_rows: r.u32()?,
        },
        b'D' | b'C' => {
            let statement = r.u8()? == b'S';
            let name = r.cstr()?;
            if tag == b'D' {
                Frontend::Describe { statement, name }
            } else {
                Frontend::Close { statement, name }
            }
        }
        b'S' => Frontend::Sync,
        b'c' | b'f' => Frontend::CopyEnd,
        _ => Frontend::Other,
    })
}

/// A message from the server, as far as the tap needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend<'a> {
    /// A statement finished; its command tag (`SELECT 3`, `INSERT 0 1`),
    /// as bytes: the tap reads it for every statement, and the tag is ASCII,
    /// so validating it as UTF-8 would be all cost.
    CommandComplete(&'a [u8]),
    /// A statement (or the batch around it) failed.
    Error {
        /// SQLSTATE.
        code: &'a str,
        /// The primary message.
        message: &'a str,
    },
    /// A `Parse` succeeded.
    ParseComplete,
    /// An empty statement finished.
    EmptyQuery,
    /// An `Execute` with a row limit stopped early.
    PortalSuspended,
    /// The server waits for the next command; transaction status `I`, `T` or `E`.
    ReadyForQuery(u8),
    /// The parameter types of a described statement.
    ParameterDescription(Vec<u32>),
    /// The server waits for `COPY FROM STDIN` data (and ignores `Sync` until it ends).
    CopyIn,
    /// Anything else.
    Other,
}

/// Server message types whose bodies the tap reads.
pub fn backend_wants(tag: u8) -> bool {
    matches!(tag, b'C' | b'E' | b'Z' | b't')
}

/// Decodes a server message; `None` when its body is malformed.
pub fn parse_backend(tag: u8, body: &[u8]) -> Option<Backend<'_>> {
    let mut r = Reader::new(body);
    Some(match tag {
        b'C' => Backend::CommandComplete(r.cstr_bytes()?),
        b'E' => {
            let (mut code, mut message) = ("", "");
            while let Some(field) = r.u8() {
                if field == 0 {
                    break;
                }
                let value = r.cstr()?;
                match field {
                    b'C' => code = value,
                    b'M' => message = value,
                    _ => {}
                }
            }
            Backend::Error { code, message }
        }
        b'1' => Backend::ParseComplete,
        b'I' => Backend::EmptyQuery,
        b'G' => Backend::CopyIn,
        b's' => Backend::PortalSuspended,
        b'Z' => Backend::ReadyForQuery(r.u8()?),
        b't' => {
            let n = r.u16()?;
            Backend::ParameterDescription((0..n).map(|_| r.u32()).collect::<Option<_>>()?)
        }
        _ => Backend::Other,
    })
}

/// The rows a command tag reports: its last number (`SELECT 3`, `INSERT 0 1`,
/// `COPY 10`); `None` for tags without one (`BEGIN`, `CREATE TABLE`).
///
/// Read byte by byte: it runs for every statement the proxy taps, and the
/// `str` pattern searchers cost more than the tag is long.
pub fn tag_rows(tag: &[u8]) -> Option<u64> {
    let verb_end = tag.iter().position(|&c| c == b' ')?;
    if !tag[..verb_end].iter().all(u8::is_ascii_uppercase) {
        return None;
    }
    let last_space = tag.iter().rposition(|&c| c == b' ')?;
    let digits = &tag[last_space + 1..];
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0_u64, |n, &d| {
        d.is_ascii_digit().then_some(())?;
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// A parameter value as SQL literal text: text-format values as sent,
/// binary ones decoded for the common types (by OID), else as `\x` hex.
pub fn param_text(p: Param<'_>, oid: u32) -> Option<String> {
    let v = p.value?;
    if !p.binary {
        return Some(String::from_utf8_lossy(v).into_owned());
    }
    let fixed = |n: usize| v.len() == n;
    Some(match oid {
        16 if fixed(1) => (if v[0] == 0 { "false" } else { "true" }).to_owned(),
        21 if fixed(2) => i16::from_be_bytes([v[0], v[1]]).to_string(),
        23 if fixed(4) => i32::from_be_bytes([v[0], v[1], v[2], v[3]]).to_string(),
        20 if fixed(8) => i64::from_be_bytes(eight(v)).to_string(),
        700 if fixed(4) => f32::from_be_bytes([v[0], v[1], v[2], v[3]]).to_string(),
        701 if fixed(8) => f64::from_be_bytes(eight(v)).to_string(),
        // text, varchar, bpchar, name, json: binary is the UTF-8 text itself.
        25 | 1043 | 1042 | 19 | 114 => String::from_utf8_lossy(v).into_owned(),
        2950 if fixed(16) => {
            let mut s = String::with_capacity(36);
            for (i, b) in v.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    s.push('-');
                }
                let _ = write!(s, "{b:02x}");
            }
            s
        }
        _ => {
            let mut s = String::with_capacity(2 + 2 * v.len());
            s.push_str("\\x");
            for b in v {
                let _ = write!(s, "{b:02x}");
            }
            s
        }
    })
}

fn eight(v: &[u8]) -> [u8; 8] {
    let mut a = [0; 8];
    a.copy_from_slice(&v[..8]);
    a
}

/// Reads big-endian integers and NUL-terminated strings off a body.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.buf.split_at_checked(n)?;
        self.buf = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }

    fn u16(&mut self) -> Option<u16> {
        let b = self.bytes(2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.bytes(4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn cstr(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.cstr_bytes()?).ok()
    }

    /// A NUL-terminated string's bytes, without the NUL.
    fn cstr_bytes(&mut self) -> Option<&'a [u8]> {
        let end = memchr::memchr(0, self.buf)?;
        let (s, rest) = self.buf.split_at(end);
        self.buf = &rest[1..];
        Some(s)
    }
}

/// One protocol message as a peer sends it (for the crate's tests).
#[cfg(test)]
pub(crate) fn msg(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![tag];
    m.extend_from_slice(&u32::try_from(body.len() + 4).unwrap().to_be_bytes());
    m.extend_from_slice(body);
    m
}

/// Messages back to back, as one read delivers them (for the crate's tests).
#[cfg(test)]
pub(crate) fn msgs(parts: &[(u8, &[u8])]) -> Vec<u8> {
    parts
        .iter()
        .flat_map(|&(tag, body)| msg(tag, body))
        .collect()
}

/// Parse, Bind, Execute and Sync of `sql`, unnamed and without parameters
/// (for the crate's tests).
#[cfg(test)]
pub(crate) fn extended(sql: &[u8]) -> Vec<u8> {
    let parse = [b"\0", sql, b"\0\0\0"].concat();
    msgs(&[
        (b'P', &parse),
        (b'B', b"\0\0\0\0\0\0\0\0"),
        (b'E', b"\0\0\0\0\0"),
        (b'S', b""),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framer_splits_messages_fed_one_byte_at_a_time_and_skips_unwanted_bodies() {
        let mut stream = msg(b'Q', b"SELECT 1\0");
        stream.extend(msg(b'D', &[7; 300]));
        stream.extend(msg(b'S', b""));
        let mut framer = Framer::default();
        let mut seen = Vec::new();
        for b in &stream {
            framer
                .feed(
                    std::slice::from_ref(b),
                    |t| t != b'D',
                    |t, body| seen.push((t, body.to_vec())),
                )
                .unwrap();
        }
        assert_eq!(
            seen,
            [
                (b'Q', b"SELECT 1\0".to_vec()),
                (b'D', vec![]),
                (b'S', vec![])
            ]
        );
    }

    #[test]
    fn framer_gives_the_same_messages_wherever_the_reads_split_the_stream() {
        let mut stream = msg(b'P', b"\0SELECT $1\0\0\0");
        stream.extend(msg(b'D', &[7; 40]));
        stream.extend(msg(b'Q', b"SELECT 2\0"));
        stream.extend(msg(b'S', b""));
        let want = [
            (b'P', b"\0SELECT $1\0\0\0".to_vec()),
            (b'D', vec![]),
            (b'Q', b"SELECT 2\0".to_vec()),
            (b'S', vec![]),
        ];
        for cut in 0..=stream.len() {
            let mut framer = Framer::default();
            let mut seen = Vec::new();
            for part in [&stream[..cut], &stream[cut..]] {
                framer
                    .feed(part, |t| t != b'D', |t, body| seen.push((t, body.to_vec())))
                    .unwrap();
            }
            assert_eq!(seen, want, "split at {cut}");
        }
    }

    #[test]
    fn framer_rejects_a_length_below_four() {
        let mut framer = Framer::default();
        let err = framer.feed(&[b'Q', 0, 0, 0, 2], |_| true, |_, _| {});
        assert_eq!(err, Err(FrameError::BadLength { tag: b'Q', len: 2 }));
    }

    #[test]
    fn startup_message_gives_user_and_database() {
        let mut body = 196_608_u32.to_be_bytes().to_vec();
        body.extend_from_slice(b"user\0web\0database\0app\0\0");
        let mut m = u32::try_from(body.len() + 4)
            .unwrap()
            .to_be_bytes()
            .to_vec();
        m.extend(body);
        assert_eq!(initial_len(&m), Ok(Some(m.len())));
        assert_eq!(
            parse_initial(&m),
            Initial::Startup {
                user: Some("web".into()),
                database: Some("app".into())
            }
        );
        let ssl = [0, 0, 0, 8, 4, 210, 22, 47];
        assert_eq!(parse_initial(&ssl), Initial::SslRequest);
        assert!(initial_len(&[0, 0, 0, 2]).is_err());
    }

    #[test]
    fn startup_lengths_are_those_postgresql_accepts() {
        // PostgreSQL subtracts the length field's 4 bytes, then refuses
        // below 4 (the version) or above 10 000: whole lengths 8..=10 004.
        for len in [8_u32, 10_000, 10_004] {
            assert_eq!(
                initial_len(&len.to_be_bytes()),
                Ok(Some(len as usize)),
                "{len}"
            );
        }
        for len in [7_u32, 10_005] {
            assert_eq!(
                initial_len(&len.to_be_bytes()),
                Err(FrameError::BadLength { tag: 0, len }),
                "{len}"
            );
        }
    }

    #[test]
    fn startup_parameters_in_another_encoding_are_read_not_refused() {
        let startup = |params: &[u8]| {
            let mut m = u32::try_from(params.len() + 8)
                .unwrap()
                .to_be_bytes()
                .to_vec();
            m.extend_from_slice(&196_608_u32.to_be_bytes());
            m.extend_from_slice(params);
            parse_initial(&m)
        };
        // LATIN1 "café" as the application name, then a LATIN1 user name.
        assert_eq!(
            startup(b"application_name\0caf\xe9\0user\0jos\xe9\0database\0app\0\0"),
            Initial::Startup {
                user: Some("jos\u{fffd}".into()),
                database: Some("app".into())
            }
        );
        // Cut short: what came before the cut is kept; the server rejects the rest.
        assert_eq!(
            startup(b"user\0web\0database"),
            Initial::Startup {
                user: Some("web".into()),
                database: None
            }
        );
        // Protocol 2.0 is the server's to answer.
        let mut v2 = 8_u32.to_be_bytes().to_vec();
        v2.extend_from_slice(&0x0002_0000_u32.to_be_bytes());
        assert_eq!(parse_initial(&v2), Initial::Other { code: 0x0002_0000 });
    }

    #[test]
    fn bind_decodes_text_binary_and_null_parameters() {
        let mut body = b"p1\0s1\0".to_vec();
        body.extend_from_slice(&[0, 2, 0, 0, 0, 1]); // formats: text, binary
        body.extend_from_slice(&[0, 3]); // three params
        body.extend_from_slice(&[0, 0, 0, 2, b'4', b'2']);
        body.extend_from_slice(&[0, 0, 0, 4, 0, 0, 1, 0]);
        body.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        // Three parameters but two format codes: malformed.
        assert_eq!(parse_frontend(b'B', &body), None);
        body[13] = 2; // now two params; drop the NULL
        body.truncate(body.len() - 4);
        let Some(Frontend::Bind {
            portal,
            statement,
            params,
        }) = parse_frontend(b'B', &body)
        else {
            panic!("not a bind");
        };
        assert_eq!((portal, statement), ("p1", "s1"));
        let params: Vec<Param> = params.iter().collect();
        assert_eq!(params.len(), 2);
        assert_eq!(param_text(params[0], 0).as_deref(), Some("42"));
        assert_eq!(param_text(params[1], 23).as_deref(), Some("256"));
        assert_eq!(param_text(params[1], 0).as_deref(), Some("\\x00000100"));
        let null = Param {
            binary: false,
            value: None,
        };
        assert_eq!(param_text(null, 0), None);
    }

    #[test]
    fn one_format_code_applies_to_every_parameter() {
        let mut body = b"\0\0".to_vec();
        body.extend_from_slice(&[0, 1, 0, 1]); // one format code: binary
        body.extend_from_slice(&[0, 2]); // two params
        body.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 7]);
        body.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 9]);
        let Some(Frontend::Bind { params, .. }) = parse_frontend(b'B', &body) else {
            panic!("not a bind");
        };
        let texts: Vec<_> = params.iter().map(|p| param_text(p, 23)).collect();
        assert_eq!(texts, [Some("7".to_owned()), Some("9".to_owned())]);
        // A value cut short is malformed.
        assert_eq!(parse_frontend(b'B', &body[..body.len() - 1]), None);
    }

    #[test]
    fn error_response_and_command_tags() {
        let body = b"SERROR\0C42P01\0Mrelation \"nope\" does not exist\0\0";
        assert_eq!(
            parse_backend(b'E', body),
            Some(Backend::Error {
                code: "42P01",
                message: "relation \"nope\" does not exist"
            })
        );
        assert_eq!(tag_rows(b"SELECT 3"), Some(3));
        assert_eq!(tag_rows(b"INSERT 0 12"), Some(12));
        assert_eq!(tag_rows(b"COPY 10"), Some(10));
        assert_eq!(tag_rows(b"SELECT 18446744073709551615"), Some(u64::MAX));
        assert_eq!(tag_rows(b"BEGIN"), None);
        assert_eq!(tag_rows(b"CREATE TABLE"), None);
        // Not a count: empty, signed, not digits, or past u64.
        for tag in [
            "SELECT ",
            "SELECT +3",
            "SELECT 3x",
            "SELECT 18446744073709551616",
        ] {
            assert_eq!(tag_rows(tag.as_bytes()), None, "{tag}");
        }
    }
}
