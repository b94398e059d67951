//! The progress line shown on a terminal while go builds: packages compiled so far, and how many
//! of them were instrumented, counted from the bytes the toolexec processes append to the state
//! directory's `progress` file.

use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct Progress {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts a spinner labelled `what` (only when `show`), counting from the file's current end.
    pub fn start(file: &Path, what: &str, show: bool) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        if !show {
            return Progress { stop, thread: None };
        }
        let file: PathBuf = file.to_path_buf();
        let what = what.to_string();
        let start = std::fs::metadata(&file).map_or(0, |m| m.len()) as usize;
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let bar = ProgressBar::new_spinner();
            bar.set_style(ProgressStyle::with_template("{spinner} autotel: {msg} ({elapsed})").expect("valid template"));
            while !flag.load(Ordering::Relaxed) {
                let bytes = std::fs::read(&file).unwrap_or_default();
                let new = bytes.get(start..).unwrap_or_default();
                let instrumented = new.iter().filter(|&&b| b == b'i').count();
                bar.set_message(format!("{what}: {} packages compiled, {instrumented} instrumented", new.len()));
                bar.tick();
                std::thread::sleep(Duration::from_millis(120));
            }
            bar.finish_and_clear();
        });
        Progress { stop, thread: Some(thread) }
    }

    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
