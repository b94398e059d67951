//! Ctrl-C and SIGTERM reach attach from its first instant, as root. A shell script starts the
//! target (`testdata/apps/attach-nethttp`) and attach (the crate's `attach` example, the same
//! `attach::run` the CLI calls) as background jobs, which a non-interactive shell starts with
//! SIGINT ignored; the script ignores SIGINT itself as well. The test signals attach as soon as
//! it catches the signal (its `/proc/PID/status` says so), while it is still analysing or
//! loading, and once tracing began: attach must exit 0 promptly, and the target keep running.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const SCRIPT: &str = r#"trap '' INT
"$1" -addr 127.0.0.1:0 -addrfile "$2" >/dev/null & target=$!
while [ ! -s "$2" ]; do sleep 0.05; done
"$3" --pid "$target" 2>"$4" & attach=$!
echo "$target $attach"
wait "$attach"
echo "attach exited $?"
kill -0 "$target" && echo "target alive"
kill "$target"; wait "$target"
"#;

/// The crate's `attach` example, built (once) next to this test binary.
fn attach_example() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let status = Command::new(env!("CARGO"))
                .args(["build", "-q", "-p", "autotel-attach", "--example", "attach"])
                .status()
                .expect("cargo build --example attach");
            assert!(status.success(), "building the attach example failed");
            let exe = std::env::current_exe().expect("test exe");
            exe.parent().and_then(|d| d.parent()).expect("target dir").join("examples/attach")
        })
        .clone()
}

/// Whether `pid` catches `sig` (the `SigCgt` mask of its status).
fn catches(pid: u32, sig: i32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .is_some_and(|m| m & (1 << (sig - 1)) != 0)
}

/// Kills what the script started when a test fails halfway.
struct Cleanup(Vec<u32>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for pid in &self.0 {
            // SAFETY: kill on pids our script started; a pid already gone is harmless.
            unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
        }
    }
}

fn stop_attach(signal: i32, after_tracing_began: bool) {
    require_root_and_bpf();
    // One attach at a time: loading the BPF programs is the slow part on a busy machine.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = build("attach-nethttp", "plain", &[], &[("CGO_ENABLED", "0")]);
    let dir = std::env::temp_dir().join(format!("attach-signals-{}-{signal}-{after_tracing_began}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (addr, log) = (dir.join("addr"), dir.join("attach.log"));
    let mut script = Command::new("bash")
        .args(["-c", SCRIPT, "script"])
        .arg(&app)
        .arg(&addr)
        .arg(attach_example())
        .arg(&log)
        .stdout(Stdio::piped())
        .spawn()
        .expect("bash");
    let mut out = BufReader::new(script.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("pids");
    let pids: Vec<u32> = line.split_whitespace().map(|p| p.parse().expect("pid")).collect();
    let attach = pids[1];
    let _cleanup = Cleanup(pids.clone());
    let start = Instant::now();
    let ready = |pid: u32| {
        catches(pid, signal)
            && (!after_tracing_began || std::fs::read_to_string(&log).unwrap_or_default().contains("uprobes) on"))
    };
    while !ready(attach) {
        assert!(start.elapsed() < Duration::from_secs(180), "attach never got ready:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        std::thread::sleep(Duration::from_millis(2));
    }
    // SAFETY: kill on a pid our script started and still waits for.
    unsafe { libc::kill(attach as i32, signal) };
    let signalled = Instant::now();
    let mut rest = String::new();
    for l in out.lines() {
        rest.push_str(&l.expect("line"));
        rest.push('\n');
    }
    let took = signalled.elapsed();
    script.wait().expect("script");
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(rest, "attach exited 0\ntarget alive\n", "attach's log:\n{log}");
    assert!(took < Duration::from_secs(10), "attach took {took:?} to stop:\n{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigint_while_starting_stops_attach_though_the_script_ignores_it() {
    stop_attach(libc::SIGINT, false);
}

#[test]
fn sigterm_while_starting_stops_attach() {
    stop_attach(libc::SIGTERM, false);
}

#[test]
fn sigint_after_tracing_began_stops_attach() {
    stop_attach(libc::SIGINT, true);
}
