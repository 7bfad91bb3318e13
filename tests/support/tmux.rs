//! A terminal for end-to-end console tests: a command in a detached tmux
//! pane of a given size on a private tmux server, driven by `send-keys` and
//! read with `capture-pane`. Outside CI a missing tmux skips the test (saying
//! so); under `CI=true` it fails it.

use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A private tmux server running one pane; killed on drop.
pub struct Pane {
    socket: String,
}

impl Pane {
    /// Runs the shell command `cmd` in a `width`×`height` pane in `dir`.
    #[allow(clippy::print_stdout)] // the skip must be visible in the test output
    pub fn start(cmd: &str, dir: &std::path::Path, width: u16, height: u16) -> Option<Pane> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "tmux is not installed, and CI=true: the console's end-to-end tests must run in CI"
            );
            println!("skipped: tmux not installed (apt-get install -y tmux)");
            return None;
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let pane = Pane {
            socket: format!("sqlsift-test-{}-{nanos}", std::process::id()),
        };
        let out = pane.tmux(&[
            "new-session",
            "-d",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "-c",
            &dir.display().to_string(),
            cmd,
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
        Some(pane)
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("run tmux")
    }

    /// Types `keys` (tmux key names: `Enter`, `Escape`, or literal text).
    pub fn send(&self, keys: &str) {
        let out = self.tmux(&["send-keys", "-t", "0", keys]);
        assert!(out.status.success(), "tmux send-keys {keys}: {out:?}");
    }

    /// The pane's text now.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "0"]).stdout).into_owned()
    }

    /// The screen once `ready` holds for it; fails the test after 20 s,
    /// showing the last screen.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ready(&s) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
