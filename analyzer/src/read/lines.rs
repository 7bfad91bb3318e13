//! Line-at-a-time reading with one reused buffer, lossy UTF-8 and line numbers.

use std::io::{BufRead, Read as _};
use std::sync::Arc;

use super::{Malformed, Record};

/// Longest line kept whole; longer lines are truncated (and reported) so one
/// runaway line cannot exhaust memory.
pub const MAX_LINE: usize = 64 * 1024 * 1024;

pub struct Lines {
    reader: Box<dyn BufRead + Send>,
    /// A returned line's bytes, reused for the next line.
    spare: Vec<u8>,
    line: u64,
    pub file: Arc<str>,
    done: bool,
}

impl Lines {
    pub fn new(reader: Box<dyn BufRead + Send>, file: Arc<str>) -> Self {
        Lines {
            reader,
            spare: Vec::with_capacity(1024),
            line: 0,
            file,
            done: false,
        }
    }

    /// A malformed record at `line` of this file.
    pub fn malformed(&self, line: u64, reason: impl Into<String>) -> Malformed {
        Malformed {
            file: self.file.clone(),
            line,
            reason: reason.into(),
            excerpt: None,
        }
    }

    /// Gives a line's buffer back so the next line can reuse its allocation.
    pub fn recycle(&mut self, line: String) {
        if line.capacity() > self.spare.capacity() {
            self.spare = line.into_bytes();
        }
    }

    /// The next line (1-based number, text without its line ending), or a read
    /// error (reported once, after which the input ends).
    pub fn next_line(&mut self) -> Option<Result<(u64, String), Malformed>> {
        if self.done {
            return None;
        }
        let mut buf = std::mem::take(&mut self.spare);
        buf.clear();
        let read = (&mut self.reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf);
        match read {
            Ok(0) => {
                self.done = true;
                return None;
            }
            Ok(_) => {}
            Err(e) => {
                self.done = true;
                return Some(Err(
                    self.malformed(self.line + 1, format!("read error: {e}"))
                ));
            }
        }
        self.line += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else if buf.len() >= MAX_LINE {
            // Skip the rest of an over-long line.
            let mut sink = Vec::new();
            let _ = self.reader.read_until(b'\n', &mut sink);
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        // Valid UTF-8 becomes the line without a copy; anything else is read lossily.
        let text = String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Some(Ok((self.line, text)))
    }
}

/// A line-oriented log format: its parsing state, fed one line at a time.
pub trait LineFormat {
    /// Takes line `no`; returns a record to yield at once, if any.
    fn line(&mut self, no: u64, line: &str, src: &Lines) -> Option<Record>;
    /// The input ended: returns the last record, if any.
    fn end(&mut self, src: &Lines) -> Option<Record>;
    /// Records completed earlier and waiting to be yielded.
    fn ready(&mut self) -> Option<Record> {
        None
    }
}

/// Drives a [`LineFormat`] over an input, as an iterator of records.
pub struct LineReader<F> {
    lines: Lines,
    format: F,
    done: bool,
}

impl<F: LineFormat> LineReader<F> {
    pub fn new(lines: Lines, format: F) -> Self {
        LineReader {
            lines,
            format,
            done: false,
        }
    }
}

impl<F: LineFormat> Iterator for LineReader<F> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        loop {
            if let Some(r) = self.format.ready() {
                return Some(r);
            }
            if self.done {
                return None;
            }
            let r = match self.lines.next_line() {
                None => {
                    self.done = true;
                    self.format.end(&self.lines)
                }
                Some(Err(bad)) => Some(Record::Malformed(bad)),
                Some(Ok((no, line))) => {
                    let r = self.format.line(no, &line, &self.lines);
                    self.lines.recycle(line);
                    r
                }
            };
            if r.is_some() {
                return r;
            }
        }
    }
}
