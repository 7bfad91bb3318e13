//! The JUnit XML report, for CI systems that show test results: one test
//! case per check and fingerprint it found something on (or one passing case
//! per check that found nothing), a `<failure>` for each finding the gate
//! fails on. Without a gate nothing fails; findings are still listed.

use std::fmt::Write as _;
use std::io::Write;

use super::{Finding, Report};

/// Writes `report` as JUnit XML.
///
/// # Errors
/// When writing fails.
pub fn write_junit(r: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    let gate = r.gate.as_ref().and_then(|g| g.fail_on);
    let fails = |f: &Finding| f.status == "new" && gate.is_some_and(|g| f.severity >= g);
    let mut cases = String::new();
    let (mut tests, mut failures) = (0, 0);
    for (kind, title) in super::KIND_TITLES {
        // A check this run could not make is not a passing case.
        if !super::checked(r, kind) {
            continue;
        }
        let list: Vec<&Finding> = r.findings.iter().filter(|f| f.kind == *kind).collect();
        if list.is_empty() {
            tests += 1;
            writeln!(
                cases,
                "    <testcase classname=\"sqlsift.{kind}\" name=\"{}: none found\"/>",
                xml(title)
            )?;
            continue;
        }
        for f in list {
            tests += 1;
            let name = match &f.rule {
                Some(rule) => format!("{rule} {}", f.fingerprint),
                None if f.fingerprint.is_empty() => (*title).to_owned(),
                None => f.fingerprint.clone(),
            };
            let body = format!("{}\n\n{}", f.message, f.shape);
            if fails(f) {
                failures += 1;
                writeln!(
                    cases,
                    "    <testcase classname=\"sqlsift.{kind}\" name=\"{}\">\n      \
                     <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    xml(&name),
                    f.severity,
                    xml(&f.message),
                    xml(&body)
                )?;
            } else {
                writeln!(
                    cases,
                    "    <testcase classname=\"sqlsift.{kind}\" name=\"{}\">\n      \
                     <system-out>[{}{}] {}</system-out>\n    </testcase>",
                    xml(&name),
                    f.severity,
                    if f.status == "known" { ", known" } else { "" },
                    xml(&body)
                )?;
            }
        }
    }
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"sqlsift\" tests=\"{tests}\" failures=\"{failures}\">"
    )?;
    writeln!(
        out,
        "  <testsuite name=\"sqlsift report\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    )?;
    out.write_all(cases.as_bytes())?;
    writeln!(out, "  </testsuite>\n</testsuites>")?;
    Ok(())
}

/// Text escaped for XML attributes and content; characters XML 1.0 cannot
/// hold at all (most control characters) become U+FFFD.
fn xml(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            '\t' | '\n' | '\r' => s.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => s.push('\u{fffd}'),
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(
            xml("a<b & 'c' \"d\"\u{1}"),
            "a&lt;b &amp; &apos;c&apos; &quot;d&quot;\u{fffd}"
        );
    }
}
