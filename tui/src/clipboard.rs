//! `y`: text to the system clipboard through the first clipboard tool found
//! on PATH (`wl-copy`, `xclip`, `xsel`, `pbcopy`), else into a file in the
//! current directory, so that a copy over SSH or in a bare terminal still
//! lands somewhere the user is told of.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The file a copy goes to when no clipboard tool works.
pub const FALLBACK_FILE: &str = "sqlsift-copied.sql";

/// Clipboard tools: program, arguments, and the variable that says its
/// display server is there (a tool without one fails or hangs).
const TOOLS: &[(&str, &[&str], Option<&str>)] = &[
    ("wl-copy", &[], Some("WAYLAND_DISPLAY")),
    ("xclip", &["-selection", "clipboard"], Some("DISPLAY")),
    ("xsel", &["--clipboard", "--input"], Some("DISPLAY")),
    ("pbcopy", &[], None),
];

/// Where a copy went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// The clipboard, through this tool.
    Clipboard(&'static str),
    /// This file.
    File(PathBuf),
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Clipboard(tool) => write!(f, "the clipboard ({tool})"),
            Destination::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Copies `text` to the clipboard, else to [`FALLBACK_FILE`] in the current
/// directory.
///
/// # Errors
/// When no tool worked and the file could not be written.
pub fn copy(text: &str) -> io::Result<Destination> {
    let path = std::env::var_os("PATH");
    copy_with(text, path.as_deref(), &std::env::current_dir()?)
}

/// [`copy`] with the tool search path and the fallback directory given.
///
/// # Errors
/// When no tool worked and the file could not be written.
pub fn copy_with(text: &str, path: Option<&OsStr>, dir: &Path) -> io::Result<Destination> {
    for (tool, args, display) in TOOLS {
        if display.is_some_and(|var| std::env::var_os(var).is_none()) {
            continue;
        }
        let Some(program) = path.and_then(|p| find(p, tool)) else {
            continue;
        };
        if pipe_to(&program, args, text).is_ok() {
            return Ok(Destination::Clipboard(tool));
        }
    }
    let file = dir.join(FALLBACK_FILE);
    std::fs::write(&file, format!("{text}\n"))?;
    Ok(Destination::File(file))
}

/// The program `name` in the directories of `path`.
fn find(path: &OsStr, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Runs `program` with `text` on its standard input; fails unless it exits 0.
fn pipe_to(program: &Path, args: &[&str], text: &str) -> io::Result<()> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(text.as_bytes())?;
    }
    if child.wait()?.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!("{} failed", program.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_tool_the_copy_goes_to_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("no-tools");
        let got = copy_with("select 1;", Some(empty.as_os_str()), dir.path()).expect("copy");
        let file = dir.path().join(FALLBACK_FILE);
        assert_eq!(got, Destination::File(file.clone()));
        assert_eq!(std::fs::read_to_string(file).expect("read"), "select 1;\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_tool_on_path_receives_the_text() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("got.txt");
        // A stand-in `pbcopy` (the one tool needing no display variable).
        let tool = dir.path().join("pbcopy");
        std::fs::write(&tool, format!("#!/bin/sh\ncat > '{}'\n", out.display())).expect("write");
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let got = copy_with("select 2;", Some(dir.path().as_os_str()), dir.path()).expect("copy");
        // wl-copy/xclip/xsel are skipped or absent in this directory.
        assert_eq!(got, Destination::Clipboard("pbcopy"));
        assert_eq!(std::fs::read_to_string(out).expect("read"), "select 2;");
        assert!(!dir.path().join(FALLBACK_FILE).exists());
    }
}
