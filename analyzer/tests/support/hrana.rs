//! A test endpoint speaking Hrana over HTTP (version 3, the one libsql 0.10's
//! remote client speaks), executing every statement on a real SQLite file
//! through rusqlite: no sqld server can be installed where these tests run,
//! and this is the protocol a Turso or sqld server answers.
//!
//! What it serves is what the client sends: `POST /v3/pipeline` with
//! `execute`, `batch` (with step conditions), `describe`, `sequence`,
//! `get_autocommit` and `close` requests, and `POST /v3/cursor` answering a
//! batch as newline-delimited entries. A stream (a baton) is one SQLite
//! connection, so a transaction the client opens spans its requests.
//! HTTP/1.1 with keep-alive and `Content-Length` bodies, one thread per
//! client connection.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::Value as Sql;
use serde_json::{Value as Json, json};

/// A running endpoint; it serves until the test process ends.
pub struct Hrana {
    /// `http://127.0.0.1:<port>`: what the client is given.
    pub url: String,
    state: Arc<State>,
}

struct State {
    db: PathBuf,
    /// Open streams by baton: each holds its own connection to the file.
    streams: Mutex<HashMap<String, rusqlite::Connection>>,
    batons: AtomicU64,
    /// Pipeline and cursor requests served, for tests that count round trips.
    requests: AtomicU64,
    /// The last request's `Authorization` header: what token the client sent.
    authorization: Mutex<Option<String>>,
}

impl Hrana {
    /// Serves the SQLite file at `db` (created on first use) on a free port.
    pub fn start(db: &Path) -> Hrana {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test endpoint");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let state = Arc::new(State {
            db: db.to_owned(),
            streams: Mutex::new(HashMap::new()),
            batons: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            authorization: Mutex::new(None),
        });
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(&state, client));
            }
        });
        Hrana { url, state }
    }

    /// Pipeline and cursor requests served so far.
    #[allow(dead_code)] // not every test binary counts
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// The `Authorization` header of the last request.
    #[allow(dead_code)] // not every test binary checks it
    pub fn authorization(&self) -> Option<String> {
        self.state
            .authorization
            .lock()
            .expect("authorization")
            .clone()
    }
}

/// Answers one client connection's requests until it closes.
fn serve(state: &State, client: TcpStream) {
    let Ok(write_half) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(client);
    let mut out = write_half;
    while let Some((path, authorization, body)) = read_request(&mut reader) {
        state.requests.fetch_add(1, Ordering::SeqCst);
        *state.authorization.lock().expect("authorization") = authorization;
        let (status, reply) = match (
            path.split('?').next(),
            serde_json::from_slice::<Json>(&body),
        ) {
            (Some("/v3/pipeline"), Ok(req)) => ("200 OK", pipeline(state, &req).to_string()),
            (Some("/v3/cursor"), Ok(req)) => ("200 OK", cursor(state, &req)),
            (_, Err(e)) => ("400 Bad Request", e.to_string()),
            _ => ("404 Not Found", format!("no route {path}")),
        };
        // One write: a head and a body sent apart would wait on Nagle's delayed ACK.
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{reply}",
            reply.len()
        );
        if out.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// The next request's path, `Authorization` header and body, or `None` at
/// the end of the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Option<String>, Vec<u8>)> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut length = 0;
    let mut authorization = None;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok().filter(|n| *n > 0)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            } else if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_owned());
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((path, authorization, body))
}

/// The stream `baton` names, or a new one.
fn take_stream(state: &State, baton: &Json) -> rusqlite::Connection {
    let held = baton
        .as_str()
        .and_then(|b| state.streams.lock().expect("streams").remove(b));
    held.unwrap_or_else(|| {
        let conn = rusqlite::Connection::open(&state.db).expect("open the endpoint's database");
        conn.busy_timeout(Duration::from_secs(10))
            .expect("busy timeout");
        conn
    })
}

/// Keeps `conn` for the client's next request; its new baton.
fn keep_stream(state: &State, conn: rusqlite::Connection) -> String {
    let baton = format!("baton-{}", state.batons.fetch_add(1, Ordering::SeqCst));
    state
        .streams
        .lock()
        .expect("streams")
        .insert(baton.clone(), conn);
    baton
}

fn pipeline(state: &State, req: &Json) -> Json {
    let conn = take_stream(state, &req["baton"]);
    let mut closed = false;
    let mut results = Vec::new();
    for r in req["requests"].as_array().into_iter().flatten() {
        let response = match r["type"].as_str().unwrap_or_default() {
            "execute" => execute(&conn, &r["stmt"])
                .map(|result| json!({"type": "execute", "result": result})),
            "batch" => Ok(json!({"type": "batch", "result": batch(&conn, &r["batch"])})),
            "describe" => describe(&conn, r["sql"].as_str().unwrap_or_default()),
            "sequence" => conn
                .execute_batch(r["sql"].as_str().unwrap_or_default())
                .map(|()| json!({"type": "sequence"}))
                .map_err(|e| error(&e)),
            "get_autocommit" => {
                Ok(json!({"type": "get_autocommit", "is_autocommit": conn.is_autocommit()}))
            }
            "close" => {
                closed = true;
                Ok(json!({"type": "close"}))
            }
            other => Err(
                json!({"message": format!("unsupported request {other}"), "code": "UNSUPPORTED"}),
            ),
        };
        results.push(match response {
            Ok(response) => json!({"type": "ok", "response": response}),
            Err(error) => json!({"type": "error", "error": error}),
        });
    }
    let baton = if closed {
        None
    } else {
        Some(keep_stream(state, conn))
    };
    json!({"baton": baton, "base_url": null, "results": results})
}

/// A batch's steps as cursor entries, one JSON object a line.
fn cursor(state: &State, req: &Json) -> String {
    let conn = take_stream(state, &req["baton"]);
    let mut lines = Vec::new();
    let mut outcomes = Vec::new();
    for (i, step) in req["batch"]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if !condition(&conn, &step["condition"], &outcomes) {
            outcomes.push(None);
            continue;
        }
        match run(&conn, &step["stmt"]) {
            Ok(done) => {
                lines.push(json!({"type": "step_begin", "step": i, "cols": done.cols}));
                for row in done.rows {
                    lines.push(json!({"type": "row", "row": row}));
                }
                lines.push(
                    json!({"type": "step_end", "affected_row_count": done.affected,
                                  "last_inserted_rowid": done.last_rowid.to_string()}),
                );
                outcomes.push(Some(true));
            }
            Err(e) => {
                lines.push(json!({"type": "step_error", "step": i, "error": e}));
                outcomes.push(Some(false));
            }
        }
    }
    let baton = keep_stream(state, conn);
    let mut body = json!({"baton": baton, "base_url": null}).to_string();
    for line in lines {
        body.push('\n');
        body.push_str(&line.to_string());
    }
    body.push('\n');
    body
}

fn batch(conn: &rusqlite::Connection, batch: &Json) -> Json {
    let mut results = Vec::new();
    let mut errors = Vec::new();
    let mut outcomes = Vec::new();
    for step in batch["steps"].as_array().into_iter().flatten() {
        let (result, error, outcome) = if condition(conn, &step["condition"], &outcomes) {
            match execute(conn, &step["stmt"]) {
                Ok(r) => (r, Json::Null, Some(true)),
                Err(e) => (Json::Null, e, Some(false)),
            }
        } else {
            (Json::Null, Json::Null, None)
        };
        results.push(result);
        errors.push(error);
        outcomes.push(outcome);
    }
    json!({"step_results": results, "step_errors": errors})
}

/// Whether a batch step runs, given the earlier steps' outcomes (`None`: skipped).
fn condition(conn: &rusqlite::Connection, test: &Json, outcomes: &[Option<bool>]) -> bool {
    let step = |c: &Json| {
        outcomes
            .get(c["step"].as_u64().and_then(|i| usize::try_from(i).ok())?)
            .copied()
            .flatten()
    };
    let all = |c: &Json| {
        c["conds"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| condition(conn, c, outcomes))
            .collect::<Vec<_>>()
    };
    match test["type"].as_str() {
        None => true,
        Some("ok") => step(test) == Some(true),
        Some("error") => step(test) == Some(false),
        Some("not") => !condition(conn, &test["cond"], outcomes),
        Some("and") => all(test).into_iter().all(|b| b),
        Some("or") => all(test).into_iter().any(|b| b),
        Some("is_autocommit") => conn.is_autocommit(),
        Some(_) => false,
    }
}

/// What running one statement gave.
struct Done {
    cols: Vec<Json>,
    rows: Vec<Vec<Json>>,
    affected: u64,
    last_rowid: i64,
}

fn execute(conn: &rusqlite::Connection, stmt: &Json) -> Result<Json, Json> {
    let want_rows = stmt["want_rows"].as_bool().unwrap_or(true);
    let done = run(conn, stmt)?;
    Ok(json!({
        "cols": done.cols,
        "rows": if want_rows { done.rows } else { Vec::new() },
        "affected_row_count": done.affected,
        "last_insert_rowid": done.last_rowid.to_string(),
    }))
}

fn run(conn: &rusqlite::Connection, stmt: &Json) -> Result<Done, Json> {
    let sql = stmt["sql"].as_str().ok_or_else(
        || json!({"message": "no sql (stored SQL is unsupported)", "code": "UNSUPPORTED"}),
    )?;
    let mut prepared = conn.prepare(sql).map_err(|e| error(&e))?;
    for (i, arg) in stmt["args"].as_array().into_iter().flatten().enumerate() {
        prepared
            .raw_bind_parameter(i + 1, to_sql(arg)?)
            .map_err(|e| error(&e))?;
    }
    for named in stmt["named_args"].as_array().into_iter().flatten() {
        let name = named["name"].as_str().unwrap_or_default();
        let index = prepared.parameter_index(name).map_err(|e| error(&e))?;
        let index = index.ok_or_else(
            || json!({"message": format!("no parameter {name}"), "code": "SQLITE_RANGE"}),
        )?;
        prepared
            .raw_bind_parameter(index, to_sql(&named["value"])?)
            .map_err(|e| error(&e))?;
    }
    let cols = columns(&prepared);
    let width = cols.len();
    let readonly = prepared.readonly();
    let mut rows = Vec::new();
    let mut raw = prepared.raw_query();
    while let Some(row) = raw.next().map_err(|e| error(&e))? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(to_json(row.get::<_, Sql>(i).map_err(|e| error(&e))?)?);
        }
        rows.push(values);
    }
    Ok(Done {
        cols,
        rows,
        affected: if readonly { 0 } else { conn.changes() },
        last_rowid: conn.last_insert_rowid(),
    })
}

fn describe(conn: &rusqlite::Connection, sql: &str) -> Result<Json, Json> {
    let prepared = conn.prepare(sql).map_err(|e| error(&e))?;
    let params: Vec<Json> = (1..=prepared.parameter_count())
        .map(|i| json!({"name": prepared.parameter_name(i)}))
        .collect();
    let cols = columns(&prepared);
    Ok(json!({"type": "describe", "result": {
        "params": params, "cols": cols, "is_explain": false, "is_readonly": prepared.readonly()}}))
}

/// A statement's result columns (declared types are not reported: the
/// client does not need them).
fn columns(prepared: &rusqlite::Statement<'_>) -> Vec<Json> {
    prepared
        .column_names()
        .map(|name| json!({"name": name, "decltype": null}))
        .collect()
}

fn to_sql(v: &Json) -> Result<Sql, Json> {
    let unsupported =
        || json!({"message": format!("unsupported value {v}"), "code": "UNSUPPORTED"});
    Ok(match v["type"].as_str() {
        Some("null") => Sql::Null,
        Some("integer") => Sql::Integer(
            v["value"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(unsupported)?,
        ),
        Some("float") => Sql::Real(v["value"].as_f64().ok_or_else(unsupported)?),
        Some("text") => Sql::Text(v["value"].as_str().ok_or_else(unsupported)?.to_owned()),
        _ => return Err(unsupported()),
    })
}

fn to_json(v: Sql) -> Result<Json, Json> {
    Ok(match v {
        Sql::Null => json!({"type": "null"}),
        Sql::Integer(n) => json!({"type": "integer", "value": n.to_string()}),
        Sql::Real(x) => json!({"type": "float", "value": x}),
        Sql::Text(s) => json!({"type": "text", "value": s}),
        Sql::Blob(_) => {
            return Err(json!({"message": "blobs are unsupported here", "code": "UNSUPPORTED"}));
        }
    })
}

fn error(e: &rusqlite::Error) -> Json {
    json!({"message": e.to_string(), "code": "SQLITE_ERROR"})
}
