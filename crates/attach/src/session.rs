//! `run`: resolve the target, plan, load the BPF programs, attach every planned uprobe, read
//! the ring buffer, export, and detach on Ctrl-C, SIGTERM or target exit.

// Without the BPF programs most of this module has no caller.
#![cfg_attr(not(bpf_built), allow(dead_code))]

use std::collections::{BTreeSet, HashMap};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::AttachError;
use crate::export::{ExportConfig, ProcessInfo};
use crate::offsets::Table;
use crate::plan::{self, CheckReport, Enabled};
use crate::progress::Progress;
use crate::text::valid_text;
use crate::{AttachOptions, Target};

pub fn run(opts: AttachOptions) -> Result<(), AttachError> {
    // First thing: a Ctrl-C or SIGTERM during the analysis or the loading is honoured (and a
    // SIGINT a starting script set to be ignored is handled again).
    if !opts.check_only {
        install_signal_handlers()?;
    }
    VERBOSE.store(opts.verbose, Ordering::SeqCst);
    let (path, pid) = resolve_target(&opts.target)?;
    if opts.check_only {
        println!("{}", plan::check(&path)?);
        return Ok(());
    }
    let mut progress = if opts.quiet { Progress::silent() } else { Progress::on_stderr() };
    // On an error the status line goes with `progress`, before the error is printed.
    let report = plan::plan(&path, &Enabled::from_env(), &Table::embedded(), &mut progress).map_err(|e| exited_or(pid, e))?;
    if let Some(manifest) = report.built_by_autotel {
        let target = match pid {
            Some(pid) => format!("process {pid} (`{}`)", std::fs::read_link(&path).unwrap_or(path).display()),
            None => format!("`{}`", path.display()),
        };
        return Err(AttachError::BuiltByAutotel { target, autotel: manifest.autotel, go: manifest.go });
    }
    if !report.instruments_anything() {
        return Err(AttachError::NothingToInstrument {
            path,
            reason: "no supported library was found (run `autotel attach --check` for details)".into(),
        });
    }
    if !crate::BPF_BUILT {
        return Err(AttachError::BpfNotBuilt);
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(AttachError::NotRoot);
    }
    let export = match &opts.export {
        Some(e) => e.clone(),
        None => ExportConfig::from_env()?,
    };
    if stop_requested(&opts) {
        return Ok(());
    }
    imp::run(&opts, &path, pid, &report, export, progress)
}

/// The executable to analyse and attach to, and the pid filter (`None`: every process).
fn resolve_target(t: &Target) -> Result<(PathBuf, Option<u32>), AttachError> {
    match t {
        Target::Exe(p) => {
            let canon = std::fs::canonicalize(p).map_err(|source| AttachError::Read {
                path: p.clone(),
                source,
            })?;
            Ok((canon, None))
        }
        Target::Pid(pid) => {
            let link = PathBuf::from(format!("/proc/{pid}/exe"));
            std::fs::metadata(&link).map_err(|source| AttachError::NoSuchProcess { pid: *pid, source })?;
            // Analyse and attach through the magic link: it reaches the inode even when the
            // file was replaced or deleted since the process started.
            Ok((link, Some(*pid)))
        }
    }
}

/// `e`, or `TargetExited` when the traced process is gone (reaped, or a zombie: its `exe` link
/// is gone with its memory): reading its executable or putting a uprobe on it fails then, and
/// that failure is only a symptom.
fn exited_or(pid: Option<u32>, e: AttachError) -> AttachError {
    let gone = |p: u32| matches!(std::fs::metadata(format!("/proc/{p}/exe")), Err(err) if err.kind() == std::io::ErrorKind::NotFound);
    match pid {
        Some(p) if gone(p) => AttachError::TargetExited { pid: p },
        _ => e,
    }
}

/// Processes whose executable is the inode `(dev, ino)`.
pub(crate) fn processes_of(dev: u64, ino: u64) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if let Ok(m) = std::fs::metadata(format!("/proc/{pid}/exe")) {
            if m.dev() == dev && m.ino() == ino {
                out.insert(pid);
            }
        }
    }
    out
}

static STOP: AtomicBool = AtomicBool::new(false);
/// Whether BPF errors carry libbpf's log (`-v`).
static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Whether a signal or the embedder asked `run` to stop.
fn stop_requested(opts: &AttachOptions) -> bool {
    STOP.load(Ordering::SeqCst) || opts.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst))
}

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn install_signal_handlers() -> Result<(), AttachError> {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        let prev = unsafe { libc::signal(sig, on_signal as *const () as libc::sighandler_t) };
        if prev == libc::SIG_ERR {
            return Err(AttachError::Signal(std::io::Error::last_os_error()));
        }
    }
    Ok(())
}

fn process_info(pid: u32, cache: &mut HashMap<u32, ProcessInfo>, fallback: &Path) -> ProcessInfo {
    cache
        .entry(pid)
        .or_insert_with(|| ProcessInfo {
            pid,
            executable_path: valid_text(
                std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_else(|_| fallback.to_owned()).as_os_str().as_bytes(),
            )
            .trim_end_matches(" (deleted)")
            .into(),
        })
        .clone()
}

#[cfg(not(bpf_built))]
mod imp {
    use super::*;
    pub fn run(
        _: &AttachOptions,
        _: &Path,
        _: Option<u32>,
        _: &CheckReport,
        _: ExportConfig,
        _: Progress,
    ) -> Result<(), AttachError> {
        Err(AttachError::BpfNotBuilt)
    }
}

#[cfg(bpf_built)]
use crate::bpf::{attach_skel as skel, probe_write_skel};

/// libbpf's messages (verifier logs included), kept instead of printed: they are shown only
/// when loading or attaching fails.
#[cfg(bpf_built)]
static LIBBPF_LOG: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

#[cfg(bpf_built)]
fn capture_libbpf_log(_level: libbpf_rs::PrintLevel, msg: String) {
    if let Ok(mut log) = LIBBPF_LOG.lock() {
        // Keep the tail: the verifier's verdict is at the end.
        if log.len() > 64 * 1024 {
            let cut = log.len() - 32 * 1024;
            let cut = (cut..log.len()).find(|i| log.is_char_boundary(*i)).unwrap_or(0);
            log.drain(..cut);
        }
        log.push_str(&msg);
    }
}

#[cfg(bpf_built)]
fn take_libbpf_log() -> String {
    LIBBPF_LOG.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default()
}

/// Whether the kernel lets BPF programs call `bpf_probe_write_user` (lockdown refuses it when
/// the program is loaded). libbpf's messages about the refusal are kept, not printed.
#[cfg(bpf_built)]
pub fn probe_write_user_allowed() -> bool {
    use libbpf_rs::skel::{OpenSkel, SkelBuilder};
    libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Debug, capture_libbpf_log)));
    let mut obj = std::mem::MaybeUninit::uninit();
    let allowed = match probe_write_skel::ProbeWriteSkelBuilder::default().open(&mut obj) {
        Ok(open) => open.load().is_ok(),
        Err(_) => false,
    };
    take_libbpf_log();
    allowed
}

#[cfg(not(bpf_built))]
pub fn probe_write_user_allowed() -> bool {
    false
}

/// Whether the running kernel's BTF names the type `name` (a byte search of its string table:
/// type names are stored whole and NUL-terminated).
#[cfg(bpf_built)]
fn kernel_has_btf_type(name: &str) -> bool {
    let Ok(btf) = std::fs::read("/sys/kernel/btf/vmlinux") else {
        return false;
    };
    let needle = [name.as_bytes(), b"\0"].concat();
    btf.windows(needle.len() + 1).any(|w| w[0] == 0 && w[1..] == needle[..])
}

#[cfg(bpf_built)]
mod imp {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::{Duration, Instant};

    use libbpf_rs::skel::{OpenSkel, Skel, SkelBuilder};
    use libbpf_rs::{Link, RingBufferBuilder};

    use super::*;
    use crate::event::SpanEvent;
    use crate::export::{Exporter, Queued};
    use crate::libs::{library, LIBRARIES};
    use crate::offsets::*;
    use crate::spans::{encode_span, Clock, Semantics};

    /// The cookie of an entry uprobe at link-time address `addr`: the address (the program
    /// subtracts it from the probed instruction's to get a PIE's load bias) and, in the top
    /// byte, the library's tag (`Library::entry_cookie_tag`; database/sql: the receiver).
    fn entry_cookie(p: &crate::plan::PlannedProbe, addr: u64) -> u64 {
        let tag = library(p.spec.instrumentation).map_or(0, |l| l.entry_cookie_tag(p)) as u64;
        (addr & 0x00ff_ffff_ffff_ffff) | tag << 56
    }

    fn bpf_err(what: impl Into<String>) -> impl FnOnce(libbpf_rs::Error) -> AttachError {
        let what = what.into();
        move |e| {
            let log = take_libbpf_log();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            let what = match (tail.is_empty(), VERBOSE.load(Ordering::SeqCst)) {
                (true, _) => what,
                (false, true) => format!("{what}\n--- libbpf log (last lines) ---\n{}\n---\n", tail.join("\n")),
                (false, false) => format!("{what} (run with -v for libbpf's log)"),
            };
            AttachError::Bpf { what, source: Box::new(e) }
        }
    }

    pub fn run(
        opts: &AttachOptions,
        path: &Path,
        pid: Option<u32>,
        report: &CheckReport,
        export: ExportConfig,
        mut progress: Progress,
    ) -> Result<(), AttachError> {
        let say = |msg: &str| {
            if !opts.quiet {
                eprintln!("autotel attach: {msg}");
            }
        };
        let sem = Semantics {
            db_system: crate::spans::sql_system(&report.build_info),
            sql_drivers: report.sql_drivers.clone(),
            query_text: crate::spans::QueryText::from_env()?,
        };
        libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Debug, capture_libbpf_log)));
        for p in &report.probes {
            for d in &p.degraded {
                if !opts.quiet {
                    progress.say(&format!("{}: {d}", p.spec.what));
                }
            }
        }
        for s in &report.skipped {
            progress.say(&format!("warning: not instrumenting {}: {}", s.spec.what, s.reason));
        }
        progress.step("asking the kernel about bpf_probe_write_user");
        let write_allowed = probe_write_user_allowed();
        if !write_allowed {
            progress.say(
                "the kernel refuses bpf_probe_write_user (lockdown), so outgoing requests cannot carry a traceparent \
                 header; everything else is traced",
            );
        } else if !opts.quiet {
            progress.say("outgoing HTTP/1.1 requests carry a traceparent header (the kernel allows bpf_probe_write_user)");
        }

        progress.step("loading the BPF programs");
        let mut obj = std::mem::MaybeUninit::uninit();
        let mut open = skel::AttachSkelBuilder::default()
            .open(&mut obj)
            .map_err(bpf_err("opening the BPF object"))?;
        {
            let o = &report.offsets;
            let ro = open
                .maps
                .rodata_data
                .as_deref_mut()
                .ok_or_else(|| AttachError::Bpf {
                    what: "the BPF object has no .rodata".into(),
                    source: "missing rodata".into(),
                })?;
            let get = |f: Field| o.get(f).unwrap_or(0);
            ro.off_g_goid = get(G_GOID);
            for lib in LIBRARIES {
                lib.configure(ro, report);
            }
            // net/http's, but known only here: whether the kernel allows the write.
            ro.inject_traceparent = write_allowed as u8;
        }
        // Only the programs the plan attaches are loaded: verifying them is most of the start.
        let wanted: BTreeSet<&str> = report
            .probes
            .iter()
            .flat_map(|p| {
                let (entry, exit) = p.spec.programs;
                std::iter::once(entry).chain(exit)
            })
            .collect();
        for mut prog in open.open_object_mut().progs_mut() {
            let load = prog.name().to_str().is_some_and(|name| wanted.contains(name));
            prog.set_autoload(load);
        }
        // The peer tracepoint (server.address of database/sql and redigo spans) runs at every
        // socket send on the machine, so it is loaded only for a program with such clients; it
        // needs the kernel's BTF and its sock_send_length tracepoint (Linux 6.4+), without
        // which only that attribute is lost.
        let wants_peers = report
            .probes
            .iter()
            .any(|p| library(p.spec.instrumentation).is_some_and(|l| l.reads_peers()));
        let peer_tracepoint = wants_peers && kernel_has_btf_type("btf_trace_sock_send_length");
        if peer_tracepoint {
            open.progs.sock_send.set_autoload(true);
        } else if wants_peers {
            say("the kernel has no BTF tracepoint sock_send_length: database/sql and redigo spans carry no server.address");
        }
        let skel = open.load().map_err(bpf_err("loading the BPF programs (verifier)"))?;
        let target_gone = |e: AttachError| exited_or(pid, e);

        progress.step("attaching uprobes");
        let programs: HashMap<String, libbpf_rs::ProgramMut> =
            skel.object().progs_mut().map(|p| (p.name().to_string_lossy().into_owned(), p)).collect();
        let program = |name: &str| {
            programs.get(name).ok_or_else(|| AttachError::Bpf {
                what: format!("the BPF object has no program {name}"),
                source: "missing program".into(),
            })
        };
        let pid_arg: i32 = pid.map(|p| p as i32).unwrap_or(-1);
        let total: usize = report.probes.iter().map(|p| p.entry_offsets.len() + p.ret_offsets.len()).sum();
        let mut links: Vec<Link> = Vec::new();
        for p in &report.probes {
            if stop_requested(opts) {
                progress.finish();
                say("stopped before tracing began");
                return Ok(());
            }
            let (enter, exit) = p.spec.programs;
            let cookies = p.entry_addrs.iter().map(|addr| entry_cookie(p, *addr));
            let sites = p.entry_offsets.iter().zip(cookies).map(|(off, cookie)| (enter, *off, cookie));
            let sites = sites.chain(exit.into_iter().flat_map(|exit| p.ret_offsets.iter().map(move |off| (exit, *off, 0))));
            for (name, off, cookie) in sites {
                let what = format!("attaching a uprobe to {} at {}+{off:#x}", p.func.name, path.display());
                let link = program(name)?.attach_uprobe_with_opts(
                    pid_arg,
                    path,
                    off as usize,
                    libbpf_rs::UprobeOpts { cookie, ..Default::default() },
                );
                links.push(link.map_err(bpf_err(what)).map_err(target_gone)?);
                progress.count(links.len(), total);
            }
        }
        let uprobes = links.len();
        if peer_tracepoint {
            links.push(
                program("sock_send")?
                    .attach()
                    .map_err(bpf_err("attaching the BPF program to the sock_send_length tracepoint"))?,
            );
        }
        let took = progress.finish();
        if opts.verbose {
            say(&format!("start: {}", progress.breakdown()));
        }
        say(&format!(
            "tracing after {}: {} probes ({} uprobes) on {}{}",
            crate::progress::seconds(took),
            report.probes.len(),
            uprobes,
            path.display(),
            match pid {
                Some(p) => format!(" (pid {p})"),
                None => " (every process of this executable)".into(),
            }
        ));

        let queue: Rc<RefCell<Vec<SpanEvent>>> = Rc::default();
        let bad_events = Rc::new(RefCell::new(0u64));
        let mut builder = RingBufferBuilder::new();
        {
            let q = queue.clone();
            let bad = bad_events.clone();
            builder
                .add(&skel.maps.events, move |data: &[u8]| {
                    match SpanEvent::decode(data) {
                        Ok(e) => q.borrow_mut().push(e),
                        Err(_) => *bad.borrow_mut() += 1,
                    }
                    0
                })
                .map_err(bpf_err("setting up the ring buffer"))?;
        }
        let ring = builder.build().map_err(bpf_err("setting up the ring buffer"))?;

        let exporter = Exporter::spawn(export);
        let clock = Clock::now();

        let mut procs: HashMap<u32, ProcessInfo> = HashMap::new();
        let ident = std::fs::metadata(path).map(|m| (m.dev(), m.ino())).ok();
        let mut seen: BTreeSet<u32> = BTreeSet::new();
        let mut last_scan = Instant::now() - Duration::from_secs(10);
        let mut waiting_since: Option<(Instant, Option<Instant>)> = None;
        let mut spans_total = 0u64;
        let mut reason = "stopped by signal";

        let debug = std::env::var_os("AUTOTEL_ATTACH_DEBUG").is_some();
        let drain = |queue: &Rc<RefCell<Vec<SpanEvent>>>, procs: &mut HashMap<u32, ProcessInfo>, total: &mut u64| {
            let mut queue = queue.borrow_mut();
            let mut spans = Vec::with_capacity(queue.len());
            for e in queue.drain(..) {
                if debug {
                    eprintln!("autotel attach: event {e:?}");
                }
                let process = process_info(e.pid, procs, path);
                spans.push(Queued { process, span: encode_span(&e, &clock, &sem) });
            }
            *total += spans.len() as u64;
            exporter.send(spans);
        };

        while !stop_requested(opts) {
            // Woken early only when a batch is waiting; otherwise drain on this timer.
            let _ = ring.poll(Duration::from_millis(100));
            let _ = ring.consume();
            drain(&queue, &mut procs, &mut spans_total);

            if last_scan.elapsed() >= Duration::from_millis(500) {
                last_scan = Instant::now();
                match pid {
                    Some(p) => {
                        if !Path::new(&format!("/proc/{p}")).exists() {
                            reason = "the target process exited";
                            break;
                        }
                    }
                    None => {
                        let now = ident.map(|(d, i)| processes_of(d, i)).unwrap_or_default();
                        for p in now.difference(&seen) {
                            say(&format!("tracing pid {p}"));
                        }
                        for p in seen.difference(&now) {
                            say(&format!("pid {p} exited"));
                            procs.remove(p);
                        }
                        if now.is_empty() {
                            // Say so at once, then every 30 s while nothing runs.
                            let (since, told) = waiting_since.get_or_insert((Instant::now(), None));
                            if told.is_none_or(|t: Instant| t.elapsed() >= Duration::from_secs(30)) {
                                say(&format!(
                                    "waiting for a process of {} to start ({}s)",
                                    path.display(),
                                    since.elapsed().as_secs()
                                ));
                                *told = Some(Instant::now());
                            }
                        } else {
                            waiting_since = None;
                        }
                        seen = now;
                    }
                }
            }
        }
        // Detach first, then read what the programs sent before they went away.
        drop(links);
        let _ = ring.consume();
        drain(&queue, &mut procs, &mut spans_total);
        drop(ring);
        let dropped = exporter.dropped.clone();
        let exported = exporter.exported.clone();
        exporter.shutdown();
        for lib in LIBRARIES {
            if let Some(summary) = lib.summary(skel.object(), report) {
                say(&summary);
            }
        }
        say(&format!(
            "detached ({reason}): {spans_total} spans, {} exported, {} dropped{}",
            exported.load(Ordering::Relaxed),
            dropped.load(Ordering::Relaxed),
            match *bad_events.borrow() {
                0 => String::new(),
                n => format!(", {n} malformed events ignored"),
            }
        ));
        Ok(())
    }
}
