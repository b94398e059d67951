//! Compiles the C BPF programs in `bpf/` with clang (through libbpf-cargo's SkeletonBuilder)
//! into skeletons that `src/session.rs` includes. `attach.bpf.c` is one compilation unit made of
//! `common.bpf.h` and one `lib/<library>.bpf.h` per library.
//!
//! Like aya-template's build script, it never makes the crate unbuildable for lack of the BPF
//! toolchain: when clang cannot be found (or `AUTOTEL_ATTACH_NO_BPF=1` is set) it compiles
//! nothing and leaves the `bpf_built` cfg unset, so the rest of the crate (binary analysis,
//! `--check`) builds and tests as usual and `attach::run` reports `AttachError::BpfNotBuilt`.
//! When clang is there, a C error fails the build: a broken program is never silently stubbed.
//!
//! `vmlinux.h` is generated from the build machine's kernel BTF with bpftool when both are
//! available, else the hand-written `bpf/vmlinux_min.h` (the programs only need `pt_regs`).

use std::path::{Path, PathBuf};
use std::process::Command;

const PROGRAMS: &[&str] = &["attach", "probe_write"];

fn main() {
    println!("cargo::rustc-check-cfg=cfg(bpf_built)");
    println!("cargo:rerun-if-env-changed=AUTOTEL_ATTACH_NO_BPF");
    println!("cargo:rerun-if-env-changed=CLANG");
    println!("cargo:rerun-if-changed=bpf");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let bpf_dir = manifest.join("bpf");
    for dir in [bpf_dir.clone(), bpf_dir.join("lib")] {
        for entry in std::fs::read_dir(&dir).expect("crates/attach/bpf and bpf/lib exist").flatten() {
            println!("cargo:rerun-if-changed={}", entry.path().display());
        }
    }

    if std::env::var("AUTOTEL_ATTACH_NO_BPF").is_ok_and(|v| v == "1") {
        println!("cargo:warning=AUTOTEL_ATTACH_NO_BPF=1: BPF programs not built; `autotel attach` will say so");
        return;
    }
    let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang".into());
    let clang_ok = Command::new(&clang)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !clang_ok {
        println!(
            "cargo:warning=clang not found: BPF programs not built; `autotel attach` will report that \
             BPF support is missing (install clang and rebuild)"
        );
        return;
    }

    let include = out.join("include");
    std::fs::create_dir_all(&include).expect("create OUT_DIR/include");
    write_vmlinux_h(&include.join("vmlinux.h"), &bpf_dir.join("vmlinux_min.h"));

    for name in PROGRAMS {
        let src = bpf_dir.join(format!("{name}.bpf.c"));
        let skel = out.join(format!("{name}.skel.rs"));
        libbpf_cargo::SkeletonBuilder::new()
            .source(&src)
            .clang(&clang)
            .clang_args([
                "-I".into(),
                include.clone().into_os_string(),
                "-I".into(),
                bpf_dir.clone().into_os_string(),
                "-Wall".into(),
            ])
            .build_and_generate(&skel)
            .unwrap_or_else(|e| panic!("compiling {}: {e:#}", src.display()));
    }
    println!("cargo:rustc-cfg=bpf_built");
}

fn write_vmlinux_h(dest: &Path, fallback: &Path) {
    let btf = Path::new("/sys/kernel/btf/vmlinux");
    if btf.exists() {
        if let Ok(o) = Command::new("bpftool")
            .args(["btf", "dump", "file"])
            .arg(btf)
            .args(["format", "c"])
            .output()
        {
            if o.status.success() && !o.stdout.is_empty() {
                std::fs::write(dest, &o.stdout).expect("write vmlinux.h");
                return;
            }
        }
    }
    std::fs::copy(fallback, dest).expect("copy vmlinux_min.h");
}
