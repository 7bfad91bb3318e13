//! `PostgreSQL` 15+ `jsonlog`: one JSON object per message.

use serde::Deserialize;

use super::Record;
use std::sync::Arc;

use super::lines::{LineFormat, Lines};
use super::pg::{Assembler, Message, severity};
use crate::time::Timestamp;

#[derive(Deserialize)]
struct JsonMessage {
    timestamp: Option<String>,
    user: Option<String>,
    dbname: Option<String>,
    pid: Option<u64>,
    vxid: Option<String>,
    error_severity: Option<String>,
    message: Option<String>,
    detail: Option<String>,
    statement: Option<String>,
}

pub struct PgJson {
    asm: Assembler,
}

impl PgJson {
    pub fn new(file: Arc<str>) -> Self {
        PgJson {
            asm: Assembler::new("pg-json", file),
        }
    }
}

impl LineFormat for PgJson {
    fn line(&mut self, no: u64, line: &str, src: &Lines) -> Option<Record> {
        if line.trim().is_empty() {
            return None;
        }
        match serde_json::from_str::<JsonMessage>(line) {
            Ok(j) => {
                let i = &mut self.asm.interner;
                let m = Message {
                    line: no,
                    ts: j.timestamp.as_deref().and_then(Timestamp::parse),
                    user: j.user.as_deref().map(|u| i.get(u)),
                    db: j.dbname.as_deref().map(|d| i.get(d)),
                    session: j.pid.map(|p| i.get_prefixed("pid:", &p.to_string())),
                    vxid: j.vxid.as_deref().map(Arc::from),
                    severity: j.error_severity.as_deref().and_then(severity).unwrap_or(""),
                    text: j.message.unwrap_or_default(),
                    detail: j.detail,
                    statement: j.statement,
                };
                self.asm.push(m);
                None
            }
            Err(e) => Some(Record::Malformed(
                src.malformed(no, format!("invalid jsonlog line: {e}")),
            )),
        }
    }

    fn end(&mut self, _src: &Lines) -> Option<Record> {
        self.asm.finish();
        None
    }

    fn ready(&mut self) -> Option<Record> {
        self.asm.out.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use crate::read::{Format, test_util::read};

    #[test]
    fn reads_messages() {
        let log = r#"{"timestamp":"2026-11-27 10:00:00.123 UTC","user":"app","dbname":"appdb","pid":42,"vxid":"3/9","error_severity":"LOG","message":"duration: 1.500 ms  statement: SELECT 1"}
{"timestamp":"2026-11-27 10:00:00.200 UTC","user":"app","dbname":"appdb","pid":42,"error_severity":"ERROR","message":"division by zero","statement":"SELECT 1/0"}
{not json
"#;
        let (ev, bad) = read(Format::PgJson, log);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].duration_ms, Some(1.5));
        assert_eq!(ev[0].session.as_deref(), Some("pid:42"));
        assert_eq!(ev[1].error.as_deref(), Some("division by zero"));
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 3);
    }
}
