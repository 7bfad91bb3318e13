//! The README's key table and the console's help list the same keys.

use sqlsift_tui::views::help::KEYS;

#[test]
fn readme_documents_every_key_the_help_lists() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let section = readme
        .split("### Console: `sqlsift tui")
        .nth(1)
        .expect("README has a Console section");
    // The first cell of each row of the key table, split into keys.
    let documented: Vec<String> = section
        .lines()
        .take_while(|l| !l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("| ")?.split(" |").next())
        .flat_map(|cell| cell.split(", "))
        .map(|k| k.replace('`', "").replace('–', "-"))
        .collect();
    for (keys, _) in KEYS {
        for key in keys.split(", ") {
            assert!(
                documented.iter().any(|d| d == key),
                "README's key table does not list {key}: {documented:?}"
            );
        }
    }
}
