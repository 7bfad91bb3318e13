//! `sqlsift events`: convert any supported input into canonical JSONL events.

use std::io::Write;
use std::process::ExitCode;

use sqlsift_analyzer::Normalizer;
use sqlsift_analyzer::read::{self, Record};
use sqlsift_analyzer::redact::redact_sql;

use crate::cli::EventsArgs;

pub fn run(args: &EventsArgs) -> anyhow::Result<ExitCode> {
    super::check_inputs(&args.input.sources.inputs)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut stderr = std::io::stderr().lock();
    let mut malformed = 0u64;
    for path in &args.input.sources.inputs {
        let (format, records) = read::open(path, args.input.sources.input_format, None)?;
        let dialect = args.input.sources.dialect.unwrap_or(format.dialect());
        let mut normalizer = Normalizer::new(dialect);
        for r in records {
            match r {
                Record::Event(mut e) => {
                    if args.redact {
                        let norm = normalizer.normalize(&e.sql);
                        e.sql = redact_sql(&e.sql, &norm, dialect);
                        for p in e.params.iter_mut().flatten() {
                            "?".clone_into(p);
                        }
                    }
                    serde_json::to_writer(&mut out, &e)?;
                    out.write_all(b"\n")?;
                }
                Record::Malformed(m) => {
                    malformed += 1;
                    if args.redact {
                        writeln!(stderr, "sqlsift: {}:{}: {}", m.file, m.line, m.reason)?;
                    } else {
                        writeln!(stderr, "sqlsift: {m}")?;
                    }
                }
            }
        }
    }
    out.flush()?;
    if malformed > 0 {
        writeln!(
            stderr,
            "sqlsift: {malformed} malformed lines skipped (listed above)"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
