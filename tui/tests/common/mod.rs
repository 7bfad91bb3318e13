//! A small hand-made workload the state and view tests share.

use sqlsift_tui::model::{AdviceRow, LoopRow, QueryRow, Severity, Snapshot, StreamRow, Totals};

fn query(id: &str, shape: &str, calls: u64, total_ms: f64, rows: u64) -> QueryRow {
    #[allow(clippy::cast_precision_loss)]
    let mean = total_ms / calls as f64;
    QueryRow {
        id: id.into(),
        shape: shape.into(),
        sample: shape.replace('?', "7"),
        calls,
        total_ms,
        mean_ms: Some(mean),
        p95_ms: Some(mean * 2.0),
        rows,
        latency: vec![
            ("min".into(), mean / 2.0),
            ("p50".into(), mean),
            ("p95".into(), mean * 2.0),
            ("max".into(), mean * 3.0),
        ],
        ..QueryRow::default()
    }
}

/// Three queries (authors looked up in a loop after a books scan), one N+1
/// loop with its rewrites, one duplicate, an index and a lint advice.
pub fn workload() -> Snapshot {
    let mut authors = query(
        "00000000000000a1",
        "select authors.id, authors.name from authors where authors.id = ?",
        200,
        40.0,
        200,
    );
    authors.cost = Some(2.2);
    authors.cost_terms = vec![(
        2.2,
        "index lookup on authors: rowid reads ~1 of 50 rows".into(),
    )];
    authors.plan = vec![
        "QUERY PLAN".into(),
        "`--SEARCH authors USING INTEGER PRIMARY KEY (rowid=?)".into(),
    ];
    authors.flags = vec!["N+1".into(), "dup".into()];
    let mut books = query(
        "00000000000000b2",
        "select books.id, books.author_id from books",
        10,
        120.0,
        20_000,
    );
    books.cost = Some(20_000.0);
    books.flags = vec!["lint".into()];
    let reviews = query(
        "00000000000000c3",
        "select * from reviews where book_id = ? order by id",
        500,
        25.0,
        900,
    );
    Snapshot {
        source: "app.jsonl".into(),
        totals: Totals {
            events: 710,
            fingerprints: 3,
            total_ms: 185.0,
            malformed: 0,
            dropped: 0,
            units_cut: 0,
        },
        queries: vec![authors, books, reviews],
        loops: vec![
            LoopRow {
                kind: "N+1".into(),
                fingerprint: "00000000000000a1".into(),
                shape: "select authors.id, authors.name from authors where authors.id = ?".into(),
                parent: Some("select books.id, books.author_id from books".into()),
                size: 20,
                units: 10,
                total_ms: 40.0,
                round_trips_saved: 190,
                message: "N+1: authors looked up one id at a time".into(),
                rewrites: vec![
                    (
                        "literal IN".into(),
                        "SELECT authors.id, authors.name FROM authors WHERE authors.id IN (1, 2, 3)"
                            .into(),
                    ),
                    (
                        "parameterized IN".into(),
                        "SELECT authors.id, authors.name FROM authors WHERE authors.id IN (?, ?, ?)"
                            .into(),
                    ),
                ],
                note: None,
            },
            LoopRow {
                kind: "dup".into(),
                fingerprint: "00000000000000a1".into(),
                shape: "select authors.id, authors.name from authors where authors.id = ?".into(),
                parent: None,
                size: 3,
                units: 2,
                total_ms: 1.5,
                round_trips_saved: 4,
                message: "Duplicate: the same author read again".into(),
                rewrites: Vec::new(),
                note: Some("memoize per request".into()),
            },
        ],
        advice: vec![
            AdviceRow {
                kind: "index".into(),
                severity: Severity::Warning,
                message: "index reviews (book_id, id) serves 500 calls".into(),
                fingerprint: Some("00000000000000c3".into()),
                sql: vec!["CREATE INDEX reviews_book_id_id ON reviews (book_id, id)".into()],
                note: Some("validated on the SQLite planner".into()),
            },
            AdviceRow {
                kind: "lint".into(),
                severity: Severity::Info,
                message: "SQ011 unbounded-select: SELECT reads all of books".into(),
                fingerprint: Some("00000000000000b2".into()),
                sql: Vec::new(),
                note: None,
            },
        ],
        stream: vec![
            StreamRow {
                ts: Some("2026-11-27T10:00:00.100000Z".into()),
                duration_ms: Some(0.2),
                sql: "SELECT books.id, books.author_id FROM books".into(),
            },
            StreamRow {
                ts: Some("2026-11-27T10:00:00.200000Z".into()),
                duration_ms: Some(15.0),
                sql: "SELECT authors.id, authors.name FROM authors WHERE authors.id = 1".into(),
            },
            StreamRow {
                ts: Some("2026-11-27T10:00:00.300000Z".into()),
                duration_ms: Some(150.0),
                sql: "SELECT * FROM reviews WHERE book_id = 9 ORDER BY id".into(),
            },
        ],
    }
}
