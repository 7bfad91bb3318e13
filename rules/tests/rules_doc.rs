//! RULES.md is generated from the registry; this test fails when the
//! committed file no longer matches what the rules say about themselves.
//! Regenerate with `UPDATE_RULES_DOC=1 cargo test -p sqlsift-rules --test rules_doc`.

use std::path::Path;

#[test]
fn rules_md_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("RULES.md");
    let rendered = sqlsift_rules::render_index();
    if std::env::var_os("UPDATE_RULES_DOC").is_some_and(|v| v == "1") {
        std::fs::write(&path, &rendered).expect("write RULES.md");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "rules/RULES.md is stale: run `UPDATE_RULES_DOC=1 cargo test -p sqlsift-rules --test rules_doc` and commit the result"
    );
}
