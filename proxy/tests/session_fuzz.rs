//! The session state machine never panics, whatever the peers send: one
//! decoder thread runs every connection's session, so a panic there would
//! stop the analysis of all of them. Sequences are built from messages real
//! clients and servers send (names that collide, COPY, pipelines,
//! transactions, errors), each possibly cut short, damaged or extended.

use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use sqlsift_analyzer::QueryEvent;
use sqlsift_proxy::EventSink;
use sqlsift_proxy::session::{Session, SessionInfo, Side};

struct Discard;

impl EventSink for Discard {
    fn record(&self, _event: QueryEvent) {}

    fn dropped(&self, _statements: u64) {}
}

const SQL: [&str; 9] = [
    "SELECT 1",
    "SELECT $1::int",
    "BEGIN",
    "COMMIT",
    "START TRANSACTION",
    "COPY t FROM STDIN",
    "SELECT 1; SELECT 2",
    "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END; SELECT 3",
    "",
];
const NAMES: [&str; 3] = ["", "s1", "p1"];
const TAGS: [&str; 9] = [
    "SELECT 3",
    "INSERT 0 1",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "COPY 2",
    "START TRANSACTION",
    "UPDATE 99999999999999999999",
    "",
];

fn cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

/// Up to two parameter types, all int4 or all text.
fn type_oids(out: &mut Vec<u8>, a: u8, b: u8) {
    let n = i16::from(a % 3);
    out.extend_from_slice(&n.to_be_bytes());
    for _ in 0..n {
        out.extend_from_slice(&(if b % 2 == 0 { 23i32 } else { 25 }).to_be_bytes());
    }
}

/// One message's tag and body, chosen by `pick` with `a` and `b` as choices
/// inside it.
fn message(pick: u8, a: u8, b: u8) -> (Side, u8, Vec<u8>) {
    let name = NAMES[usize::from(a) % NAMES.len()];
    let other = NAMES[usize::from(b) % NAMES.len()];
    let sql = SQL[usize::from(b) % SQL.len()];
    let mut body = Vec::new();
    let (side, tag) = match pick % 22 {
        0 => {
            cstr(&mut body, sql);
            (Side::Client, b'Q')
        }
        1 => {
            cstr(&mut body, name);
            cstr(&mut body, sql);
            type_oids(&mut body, a, b);
            (Side::Client, b'P')
        }
        2 => {
            cstr(&mut body, other);
            cstr(&mut body, name);
            // One format code for all parameters: text or binary.
            body.extend_from_slice(&1i16.to_be_bytes());
            body.extend_from_slice(&i16::from(b % 2).to_be_bytes());
            let n = i16::from(a % 3);
            body.extend_from_slice(&n.to_be_bytes());
            for i in 0..n {
                if (b >> i) & 4 == 0 {
                    body.extend_from_slice(&4i32.to_be_bytes());
                    body.extend_from_slice(b"abcd");
                } else {
                    body.extend_from_slice(&(-1i32).to_be_bytes());
                }
            }
            body.extend_from_slice(&0i16.to_be_bytes());
            (Side::Client, b'B')
        }
        3 => {
            body.push(if b % 2 == 0 { b'S' } else { b'P' });
            cstr(&mut body, name);
            (Side::Client, b'D')
        }
        4 => {
            cstr(&mut body, name);
            body.extend_from_slice(&i32::from(b % 2).to_be_bytes());
            (Side::Client, b'E')
        }
        5 => (Side::Client, b'S'),
        6 => {
            body.push(if b % 2 == 0 { b'S' } else { b'P' });
            cstr(&mut body, name);
            (Side::Client, b'C')
        }
        7 => (Side::Client, b'H'),
        8 => {
            body.extend_from_slice(b"1\n");
            (Side::Client, b'd')
        }
        9 => (Side::Client, b'c'),
        10 => {
            cstr(&mut body, "stop");
            (Side::Client, b'f')
        }
        11 => (
            Side::Server,
            [b'1', b'2', b'3', b'n', b'I', b's'][usize::from(a) % 6],
        ),
        12 => {
            cstr(&mut body, TAGS[usize::from(b) % TAGS.len()]);
            (Side::Server, b'C')
        }
        13 => {
            for (field, value) in [(b'S', "ERROR"), (b'C', "42P05"), (b'M', "no")] {
                body.push(field);
                cstr(&mut body, value);
            }
            body.push(0);
            (Side::Server, b'E')
        }
        14 | 15 => {
            body.push([b'I', b'T', b'E'][usize::from(b) % 3]);
            (Side::Server, b'Z')
        }
        16 => {
            body.push(0);
            body.extend_from_slice(&1i16.to_be_bytes());
            body.extend_from_slice(&0i16.to_be_bytes());
            (Side::Server, [b'G', b'H', b'W'][usize::from(b) % 3])
        }
        17 => {
            type_oids(&mut body, a, b);
            (Side::Server, b't')
        }
        18 => {
            body.extend_from_slice(&1i16.to_be_bytes());
            body.extend_from_slice(&4i32.to_be_bytes());
            body.extend_from_slice(b"1234");
            (Side::Server, b'D')
        }
        19 => {
            body.extend_from_slice(&0i16.to_be_bytes());
            (Side::Server, b'T')
        }
        20 => {
            cstr(&mut body, "TimeZone");
            cstr(&mut body, "UTC");
            (Side::Server, b'S')
        }
        _ => (Side::Server, b'd'),
    };
    (side, tag, body)
}

/// Damages `body` by `how` (most messages are left whole).
fn damage(body: &mut Vec<u8>, how: u8, at: u16) {
    let at = usize::from(at) % (body.len() + 1);
    match how % 8 {
        0 => body.truncate(at),
        1 if !body.is_empty() => {
            let i = at.min(body.len() - 1);
            body[i] ^= 0xff;
        }
        2 => body.splice(at..at, [0xff, 0xfe, 0, 0x80]).for_each(drop),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1024),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn sessions_survive_any_message_sequence(
        steps in prop::collection::vec(any::<(u8, u8, u8, u8, u16)>(), 0..80),
        resync_at in any::<u8>(),
    ) {
        let mut session = Session::new(SessionInfo {
            id: Arc::from("proxy:1"),
            user: None,
            database: None,
        });
        let t0 = Instant::now();
        for (i, (pick, a, b, how, at)) in steps.into_iter().enumerate() {
            if i == usize::from(resync_at) {
                session.resync();
            }
            let (side, tag, mut body) = message(pick, a, b);
            damage(&mut body, how, at);
            let now = t0 + Duration::from_micros(u64::try_from(i).unwrap() * 10);
            session.on_message(side, tag, &body, now, &Discard);
        }
        let _ = session.stats();
    }
}
