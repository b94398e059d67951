//! What `attach` shows while it starts, and how long each step of the start took.
//!
//! On a terminal, one status line on stderr names the current step (`autotel attach: reading
//! DWARF…`) and is rewritten in place as the steps go; it is erased before any other message
//! and when the start is over, so it never mixes with the log. When stderr is not a terminal
//! (a script, a service manager, a test) nothing is drawn. Either way every step is timed: the
//! line that says tracing began gives the total, and `-v` the time of each step.
//!
//! Owns the status line and the clock only; what the steps are is the caller's business.

use std::io::Write;
use std::time::{Duration, Instant};

/// The start's clock and, on a terminal, its status line.
#[derive(Debug)]
pub struct Progress {
    draw: bool,
    /// The status line is on the screen.
    shown: bool,
    started: Instant,
    current: Option<(&'static str, Instant)>,
    steps: Vec<(&'static str, Duration)>,
}

impl Progress {
    /// Times the steps and draws nothing.
    pub fn silent() -> Progress {
        Progress::new(false)
    }

    /// Times the steps and draws the status line when stderr is a terminal.
    pub fn on_stderr() -> Progress {
        // SAFETY: isatty has no preconditions; fd 2 may be closed, which it reports as false.
        Progress::new(unsafe { libc::isatty(libc::STDERR_FILENO) } == 1)
    }

    fn new(draw: bool) -> Progress {
        Progress {
            draw,
            shown: false,
            started: Instant::now(),
            current: None,
            steps: Vec::new(),
        }
    }

    /// Ends the current step and starts `what` (a present participle: `reading DWARF`).
    pub fn step(&mut self, what: &'static str) {
        self.end_step();
        self.current = Some((what, Instant::now()));
        self.redraw(None);
    }

    /// Shows how far the current step is (`attaching uprobes 12/52`), on a terminal only.
    pub fn count(&mut self, done: usize, total: usize) {
        self.redraw(Some((done, total)));
    }

    /// Prints `msg` on its own line, with the status line erased first and drawn again after.
    pub fn say(&mut self, msg: &str) {
        self.erase();
        eprintln!("autotel attach: {msg}");
        self.redraw(None);
    }

    /// Ends the last step, erases the status line, and returns the time since the start.
    pub fn finish(&mut self) -> Duration {
        self.end_step();
        self.erase();
        self.started.elapsed()
    }

    /// The time of each finished step, for `-v`: `reading the binary 0.05 s, …`.
    pub fn breakdown(&self) -> String {
        self.steps
            .iter()
            .map(|(what, took)| format!("{what} {}", seconds(*took)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn end_step(&mut self) {
        if let Some((what, since)) = self.current.take() {
            self.steps.push((what, since.elapsed()));
        }
    }

    fn redraw(&mut self, count: Option<(usize, usize)>) {
        let Some((what, _)) = self.current.filter(|_| self.draw) else {
            return;
        };
        let count = count.map(|(done, total)| format!(" {done}/{total}")).unwrap_or_default();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2Kautotel attach: {what}{count}…");
        let _ = err.flush();
        self.shown = true;
    }

    fn erase(&mut self) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.shown = false;
        }
    }
}

impl Drop for Progress {
    /// A start that fails leaves no status line behind its error message.
    fn drop(&mut self) {
        self.erase();
    }
}

/// `1.23 s`, or `45 ms` under a second.
pub fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_timed_in_order_and_the_last_ends_at_finish() {
        let mut p = Progress::silent();
        p.step("reading the binary");
        p.step("reading DWARF");
        let total = p.finish();
        assert_eq!(p.steps.iter().map(|(w, _)| *w).collect::<Vec<_>>(), ["reading the binary", "reading DWARF"]);
        assert!(total >= p.steps[0].1 + p.steps[1].1);
        let breakdown = p.breakdown();
        assert!(breakdown.starts_with("reading the binary ") && breakdown.contains(", reading DWARF "), "{breakdown}");
    }

    #[test]
    fn durations_read_as_milliseconds_then_seconds() {
        assert_eq!(seconds(Duration::from_millis(45)), "45 ms");
        assert_eq!(seconds(Duration::from_millis(1234)), "1.23 s");
    }
}
