//! The documented event format (samples/README.md, samples/event.schema.json)
//! and the `QueryEvent` type stay in step.

use std::collections::BTreeSet;
use std::sync::Arc;

use sqlsift_analyzer::QueryEvent;
use sqlsift_analyzer::time::Timestamp;

fn full_event() -> QueryEvent {
    let s = |v: &str| Some(Arc::<str>::from(v));
    QueryEvent {
        ts: Timestamp::parse("2026-11-27T10:00:00Z"),
        sql: "SELECT 1".into(),
        params: vec![Some("1".into()), None],
        duration_ms: Some(1.0),
        rows: Some(1),
        rows_examined: Some(1),
        session: s("pid:1"),
        request: s("GET /"),
        txn: s("3/4"),
        db: s("app"),
        user: s("web"),
        source: s("test"),
        error: Some("boom".into()),
        origin: None,
    }
}

#[test]
fn schema_properties_are_exactly_the_event_fields() {
    let event = serde_json::to_value(full_event()).unwrap();
    let fields: BTreeSet<String> = event.as_object().unwrap().keys().cloned().collect();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("samples/event.schema.json").unwrap())
            .unwrap();
    let props: BTreeSet<String> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(fields, props);
    let readme = std::fs::read_to_string("samples/README.md").unwrap();
    for f in &fields {
        assert!(
            readme.contains(&format!("| `{f}` |")),
            "samples/README.md does not document `{f}`"
        );
    }
}

#[test]
fn a_full_event_round_trips_through_json() {
    let e = full_event();
    let back: QueryEvent = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(back, e);
}

#[test]
fn bundled_jsonl_sample_reads_as_events() {
    let text = std::fs::read_to_string("samples/events.jsonl").unwrap();
    let mut n = 0;
    for line in text.lines() {
        let e: QueryEvent = serde_json::from_str(line).unwrap();
        assert!(!e.sql.is_empty());
        n += 1;
    }
    assert!(n > 100);
}
