//! A target that exits while attach starts, as root: attach returns one sentence saying the
//! process exited (or no longer exists, when it was gone before attach looked), never libbpf's
//! "failed to create uprobe … perf event: No such process" dump.

mod common;

use attach::{AttachError, Target};
use common::*;

#[test]
fn a_target_exiting_during_startup_is_reported_as_such() {
    require_root_and_bpf();
    let exe = build("attach-nethttp", "plain", &[], &[("CGO_ENABLED", "0")]);
    let rx = receiver();
    let app = App::start(&exe, &["-addr", "127.0.0.1:0"], &[]);
    let pid = app.child.id();
    let attached = attach_to(Target::Pid(pid), &rx);
    // Attach needs ~0.1 s at best (reading the binary, loading the BPF programs) before its
    // first uprobe goes in; the target is stopped at once, so it is gone before that: either
    // before attach looked (NoSuchProcess) or while it analysed and loaded (TargetExited).
    let _ = app.stop();
    let result = attached.thread.join().expect("attach thread");
    let err = result.expect_err("attach to a process that exited must fail");
    assert!(
        matches!(err, AttachError::TargetExited { pid: p } if p == pid) || matches!(err, AttachError::NoSuchProcess { pid: p, .. } if p == pid),
        "unexpected error: {err}"
    );
    let text = err.to_string();
    eprintln!("attach: {text}");
    assert!(!text.contains("libbpf") && !text.contains('\n'), "not one sentence: {text}");
    assert!(text.contains(&pid.to_string()), "{text}");
}
