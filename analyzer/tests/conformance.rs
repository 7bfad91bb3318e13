//! Fingerprint and reader conformance.
//!
//! Our own fixtures (`tests/fixtures/`) always run. The published corpora in
//! `../shared/conformance` (Percona Toolkit, libpg_query, ProxySQL) run when that
//! folder is present, and say they were skipped when not.
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use sqlsift_analyzer::Dialect;
use sqlsift_analyzer::normalize::normalize;
use sqlsift_analyzer::read::{Format, Record};

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance");
    p.is_dir().then_some(p)
}

fn skipped(what: &str) {
    eprintln!("skipped: {what} (../shared/conformance is not present)");
}

#[test]
fn fixture_classes_share_and_separate_fingerprints() {
    let text = include_str!("fixtures/fingerprint_classes.txt");
    // (dialect, class) -> ids
    let mut classes: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(head) = line.strip_prefix("## ") {
            let (name, dialect) = head
                .rsplit_once(" [")
                .expect("class header `## name [dialect]`");
            current = Some((dialect.trim_end_matches(']').to_owned(), name.to_owned()));
            continue;
        }
        if line.trim().is_empty() || line.starts_with("# ") || line == "#" {
            continue;
        }
        let key = current.clone().expect("statement before any class");
        let dialect: Dialect = key.0.parse().unwrap();
        let n = normalize(line, dialect);
        classes
            .entry(key)
            .or_default()
            .push((n.id.to_string(), line.to_owned()));
    }
    let mut owner: HashMap<(String, String), String> = HashMap::new();
    for ((dialect, name), members) in &classes {
        let first = &members[0];
        for (id, sql) in members {
            assert_eq!(
                id, &first.0,
                "class `{name}`: `{sql}` and `{}` differ",
                first.1
            );
        }
        if let Some(other) = owner.insert((dialect.clone(), first.0.clone()), name.clone()) {
            panic!(
                "classes `{other}` and `{name}` share fingerprint {}",
                first.0
            );
        }
    }
    assert!(classes.len() >= 25);
}

/// Percona's `QueryRewriter::fingerprint` cases: statements it puts in one
/// class we put in one class, and those it separates we separate — except
/// where sqlsift deliberately differs (listed, with why).
#[test]
fn percona_fingerprint_classes() {
    let Some(root) = shared() else {
        return skipped("percona fingerprint");
    };
    let cases: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(root.join("percona-toolkit/QueryRewriter.extracted.json"))
            .unwrap(),
    )
    .unwrap();
    // pt fingerprints that merge what sqlsift keeps apart, on purpose.
    let deliberate: [(&str, &str); 3] = [
        (
            "select * from foo limit ?",
            "LIMIT n, m and LIMIT n OFFSET m page deeper than LIMIT n",
        ),
        ("call foo", "the call's argument list is kept as a shape"),
        (
            "insert into foo(a, b, c) values(?+)",
            "sqlsift keeps VALUE and VALUES spellings apart",
        ),
    ];
    let mut by_pt: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for c in cases.iter().filter(|c| {
        c["function"] == "fingerprint"
            && c["options"]
                .as_object()
                .is_none_or(serde_json::Map::is_empty)
    }) {
        let input = c["input"].as_str().unwrap();
        // pt's output keeps stray spaces where comments were; they carry no meaning.
        let expected = c["expected"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        by_pt.entry(expected).or_default().push((
            normalize(input, Dialect::MySql).id.to_string(),
            input.to_owned(),
        ));
    }
    let mut checked = 0;
    for (pt, members) in &by_pt {
        if deliberate.iter().any(|(d, _)| d == pt) {
            continue;
        }
        for (id, input) in members {
            assert_eq!(
                id, &members[0].0,
                "pt puts `{input}` and `{}` in one class `{pt}`",
                members[0].1
            );
            checked += 1;
        }
    }
    // No two pt classes merged by sqlsift.
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (pt, members) in &by_pt {
        for (id, _) in members {
            if let Some(other) = seen.insert(id, pt)
                && other != pt
            {
                panic!("sqlsift merges pt classes `{other}` and `{pt}`");
            }
        }
    }
    assert!(checked >= 25, "only {checked} cases checked");
}

/// libpg_query hashes the parse tree: it ignores aliases and sorts lists, which
/// a text fingerprint deliberately does not. What must carry over: statements
/// it separates, sqlsift separates too (no false merges), and the groups below
/// it merges, sqlsift merges as well.
#[test]
fn libpg_query_fingerprint_classes() {
    let Some(root) = shared() else {
        return skipped("libpg_query fingerprint");
    };
    let cases: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(root.join("libpg_query/fingerprint.json")).unwrap(),
    )
    .unwrap();
    let mut ours_to_theirs: HashMap<String, (String, String)> = HashMap::new();
    let mut theirs_to_ours: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for c in &cases {
        let input = c["input"].as_str().unwrap();
        let hash = c["expectedHash"].as_str().unwrap().to_owned();
        let ours = normalize(input, Dialect::PostgreSql).id.to_string();
        if let Some((h, other)) =
            ours_to_theirs.insert(ours.clone(), (hash.clone(), input.to_owned()))
        {
            assert_eq!(
                h, hash,
                "sqlsift merges `{input}` and `{other}`, which libpg_query separates"
            );
        }
        theirs_to_ours
            .entry(hash)
            .or_default()
            .push((ours, input.to_owned()));
    }
    // Groups a text fingerprint agrees on: multi-row VALUES and IN-lists of casts.
    for must_merge in [
        "INSERT INTO films (code, title, did) VALUES ($1, $2, $3)",
        "SELECT * FROM x WHERE y IN ( $1::uuid )",
    ] {
        let group = theirs_to_ours
            .values()
            .find(|g| g.iter().any(|(_, i)| i == must_merge))
            .unwrap();
        let ids: Vec<_> = group
            .iter()
            .filter(|(_, i)| i.contains("VALUES") || i.contains("::uuid"))
            .map(|(id, _)| id)
            .collect();
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{group:?}");
    }
}

/// ProxySQL's crash corpus and digest corner cases must not crash the lexer.
#[test]
fn proxysql_corpus_does_not_crash_the_normalizer() {
    let Some(root) = shared() else {
        return skipped("proxysql corpus");
    };
    let mut files = 0;
    for entry in std::fs::read_dir(root.join("proxysql")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for d in [
            Dialect::Generic,
            Dialect::PostgreSql,
            Dialect::MySql,
            Dialect::Sqlite,
        ] {
            let _ = normalize(&text, d);
            for line in text.lines() {
                let n = normalize(line, d);
                assert_eq!(
                    normalize(&n.shape, d).shape,
                    n.shape,
                    "not idempotent on `{line}`"
                );
            }
        }
        files += 1;
    }
    assert!(files > 0);
}

/// Percona's 72 slow-log samples: each reads without a malformed line, except
/// the samples that are malformed on purpose (a truncated entry, a MySQL
/// `Query_time` overflow bug, anonymized `# Time:` values).
#[test]
fn percona_slow_logs_read_cleanly() {
    let Some(root) = shared() else {
        return skipped("percona slow logs");
    };
    let expected_malformed: HashMap<&str, u64> =
        [("slow015.txt", 1), ("slow017.txt", 1), ("slow022.txt", 6)].into();
    let mut files = 0;
    let mut events = 0;
    for entry in std::fs::read_dir(root.join("percona-toolkit/slowlogs")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (_, records) =
            sqlsift_analyzer::read::open(&path, Some(Format::MysqlSlow), None).unwrap();
        let mut malformed = Vec::new();
        for r in records {
            match r {
                Record::Event(_) => events += 1,
                Record::Malformed(m) => malformed.push(m.to_string()),
            }
        }
        let want = expected_malformed.get(name.as_str()).copied().unwrap_or(0);
        assert_eq!(malformed.len() as u64, want, "{name}: {malformed:?}");
        files += 1;
    }
    assert_eq!(files, 72);
    assert!(events > 200, "{events}");
}
