//! Golden-file tests: `report` on the ORM sample (with its SQLite schema and
//! a warning gate) in every format, compared byte for byte with the files in
//! `tests/golden/`. A change to any renderer shows up here as a diff to
//! review; `UPDATE_GOLDEN=1 cargo test --test golden` rewrites the files.

use assert_cmd::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn check(format: &str, ext: &str) {
    let out = Command::cargo_bin("sqlsift")
        .unwrap()
        .current_dir(ROOT)
        .args([
            "report",
            "samples/orm/sqlite.jsonl",
            "--schema",
            "samples/orm/app.db",
            "--fail-on",
            "warning",
            "--format",
            format,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the sample's N+1 loops fail a warning gate"
    );
    let got = String::from_utf8(out.stdout).unwrap();
    let path = format!("{ROOT}/tests/golden/orm.{ext}");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (UPDATE_GOLDEN=1 writes it)"));
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(g, w)| g != w)
            .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
        panic!(
            "{format} output differs from {path} at line {}:\n  got:  {:?}\n  want: {:?}\n(UPDATE_GOLDEN=1 rewrites it after review)",
            line + 1,
            got.lines().nth(line),
            want.lines().nth(line)
        );
    }
}

#[test]
fn text() {
    check("text", "txt");
}

#[test]
fn json() {
    check("json", "json");
}

#[test]
fn markdown() {
    check("markdown", "md");
}

#[test]
fn junit() {
    check("junit", "xml");
}

#[test]
fn sarif() {
    check("sarif", "sarif");
}
