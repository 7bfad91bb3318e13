//! `PostgreSQL` `csvlog`: one CSV record per message (quoted fields may span lines).
//!
//! Columns (`PostgreSQL` 13–17): `log_time`, `user_name`, `database_name`, `process_id`,
//! `connection_from`, `session_id`, `session_line_num`, `command_tag`, `session_start_time`,
//! `virtual_transaction_id`, `transaction_id`, `error_severity`, `sql_state_code`,
//! message, detail, hint, `internal_query`, `internal_query_pos`, context, query, …

use std::io::BufRead;
use std::sync::Arc;

use super::intern::Interner;
use super::pg::{Assembler, Message, severity};
use super::{Malformed, Record};
use crate::time::Timestamp;

pub struct PgCsv {
    csv: csv::Reader<Box<dyn BufRead + Send>>,
    record: csv::StringRecord,
    file: Arc<str>,
    asm: Assembler,
    done: bool,
}

impl PgCsv {
    pub fn new(reader: Box<dyn BufRead + Send>, file: Arc<str>) -> Self {
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        PgCsv {
            csv,
            record: csv::StringRecord::new(),
            asm: Assembler::new("pg-csv", file.clone()),
            file,
            done: false,
        }
    }

    fn malformed(&self, line: u64, reason: String) -> Record {
        Record::Malformed(Malformed {
            file: self.file.clone(),
            line,
            reason,
            excerpt: None,
        })
    }
}

fn field(r: &csv::StringRecord, i: usize, interner: &mut Interner) -> Option<Arc<str>> {
    r.get(i).filter(|s| !s.is_empty()).map(|s| interner.get(s))
}

impl Iterator for PgCsv {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        loop {
            if let Some(r) = self.asm.out.pop_front() {
                return Some(r);
            }
            if self.done {
                return None;
            }
            let line = self.csv.position().line().max(1);
            match self.csv.read_record(&mut self.record) {
                Ok(false) => {
                    self.done = true;
                    self.asm.finish();
                }
                Ok(true) => {
                    let r = &self.record;
                    if r.len() < 14 {
                        return Some(self.malformed(
                            line,
                            format!(
                                "csvlog record with {} fields (expected at least 14)",
                                r.len()
                            ),
                        ));
                    }
                    let i = &mut self.asm.interner;
                    let m = Message {
                        line,
                        ts: r.get(0).and_then(Timestamp::parse),
                        user: field(r, 1, i),
                        db: field(r, 2, i),
                        session: r
                            .get(3)
                            .filter(|p| !p.is_empty())
                            .map(|p| i.get_prefixed("pid:", p)),
                        vxid: r.get(9).filter(|v| !v.is_empty()).map(Arc::from),
                        severity: r.get(11).and_then(severity).unwrap_or(""),
                        text: r.get(13).unwrap_or_default().to_owned(),
                        detail: r.get(14).filter(|s| !s.is_empty()).map(str::to_owned),
                        statement: r.get(19).filter(|s| !s.is_empty()).map(str::to_owned),
                    };
                    self.asm.push(m);
                }
                Err(e) => {
                    let reason = format!("invalid csvlog record: {e}");
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                        self.done = true;
                        self.asm.finish();
                    }
                    return Some(self.malformed(line, reason));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::read::{Format, test_util::read};

    #[test]
    fn messages_details_and_failed_queries() {
        let log = r#"2026-11-27 10:00:00.123 UTC,"app","appdb",4711,"127.0.0.1:5000",6745d1a0.1267,1,"SELECT",2026-11-27 10:00:00 UTC,3/7,0,LOG,00000,"duration: 0.050 ms  execute <unnamed>: SELECT *
FROM t WHERE id = $1","parameters: $1 = '9'",,,,,,,,"psql","client backend",,0
2026-11-27 10:00:01.000 UTC,"app","appdb",4711,"127.0.0.1:5000",6745d1a0.1267,2,"SELECT",2026-11-27 10:00:00 UTC,3/8,0,ERROR,42703,"column ""x"" does not exist",,,,,,"SELECT x FROM t",8,,"psql","client backend",,0
"#;
        let (ev, bad) = read(Format::PgCsv, log);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].sql, "SELECT *\nFROM t WHERE id = $1");
        assert_eq!(ev[0].params, vec![Some("9".to_string())]);
        assert_eq!(ev[0].txn.as_deref(), Some("3/7"));
        assert_eq!(ev[1].sql, "SELECT x FROM t");
        assert_eq!(ev[1].error.as_deref(), Some("column \"x\" does not exist"));
        assert_eq!(ev[1].origin.as_ref().unwrap().line, 3);
    }

    #[test]
    fn short_records_are_reported() {
        let (ev, bad) = read(Format::PgCsv, "a,b,c\n");
        assert!(ev.is_empty());
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 1);
    }
}
