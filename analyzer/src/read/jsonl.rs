//! sqlsift's canonical JSONL events, one per line.

use super::Record;
use super::lines::{LineFormat, Lines};
use crate::event::{Origin, QueryEvent};

/// JSONL has no state across lines.
pub struct Jsonl;

impl LineFormat for Jsonl {
    fn line(&mut self, no: u64, line: &str, src: &Lines) -> Option<Record> {
        if line.trim().is_empty() {
            return None;
        }
        Some(match serde_json::from_str::<QueryEvent>(line) {
            Ok(mut e) => {
                if e.source.is_none() {
                    e.source = Some(std::sync::Arc::from("jsonl"));
                }
                e.origin = Some(Origin {
                    file: src.file.clone(),
                    line: no,
                });
                Record::Event(e)
            }
            Err(err) => Record::Malformed(src.malformed(no, format!("invalid event: {err}"))),
        })
    }

    fn end(&mut self, _src: &Lines) -> Option<Record> {
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::read::{Format, test_util::read};

    #[test]
    fn reads_events_and_reports_bad_lines() {
        let text = r#"{"sql":"SELECT 1","duration_ms":0.5,"params":["42",null]}

{"sql": 
{"duration_ms":1}
{"ts":"2026-11-27T10:00:00.123456Z","sql":"SELECT 2","session":"pid:1","extra":"kept out"}
"#;
        let (events, bad) = read(Format::Jsonl, text);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].params, vec![Some("42".to_string()), None]);
        assert_eq!(
            events[1].ts.unwrap().to_string(),
            "2026-11-27T10:00:00.123456Z"
        );
        assert_eq!(events[1].origin.as_ref().unwrap().line, 5);
        assert_eq!(bad.iter().map(|m| m.line).collect::<Vec<_>>(), [3, 4]);
        assert!(
            bad[1].reason.contains("missing field `sql`"),
            "{}",
            bad[1].reason
        );
    }
}
