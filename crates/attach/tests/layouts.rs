//! The layout matrix (no root): `testdata/apps/attach-cgo` (cgo, net/http server and client,
//! database/sql transactions) built with internal and external linking, as an executable and
//! with `-buildmode=pie`, each plain and `-s -w` stripped, by every Go release in
//! `AUTOTEL_GO_VERSIONS` (comma-separated `GOTOOLCHAIN` values such as
//! `go1.23.12,go1.27.4`; default: the installed `go` only, so CI's matrix chooses). For each,
//! `attach::check`'s plan is compared with the plain twin's symbols and `go tool objdump`:
//! every probed function's entry, every entry probe on an instruction of its prologue, every
//! RET, every call site, and the stripped build plans exactly what the plain one does.
//!
//! It also replays the crash this guards against: in the externally linked build, functions
//! placed relative to the `.text` section (which starts with C code) instead of the runtime's
//! text start must fail verification.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use attach::binary::Binary;
use attach::pclntab::{Func, Pclntab};
use attach::verify::{DecodedFunction, Expect};
use common::*;

fn versions() -> Vec<String> {
    match std::env::var("AUTOTEL_GO_VERSIONS") {
        Ok(v) if !v.trim().is_empty() => v.split(',').map(|s| s.trim().to_owned()).collect(),
        _ => vec!["local".to_owned()],
    }
}

/// `go` of one release (`GOTOOLCHAIN`), fetched through the module proxy when missing.
fn go_of(toolchain: &str) -> Command {
    let mut cmd = go();
    cmd.env("GOTOOLCHAIN", toolchain);
    cmd
}

fn build_with(toolchain: &str, layout: &Layout, stripped: bool) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("attach-layouts");
    std::fs::create_dir_all(&dir).expect("output dir");
    let exe = dir.join(format!("{toolchain}-{}", layout.variant(stripped)));
    let flags = layout.flags(stripped);
    let out = go_of(toolchain)
        .arg("build")
        .arg("-o")
        .arg(&exe)
        .args(&flags)
        .arg(".")
        .current_dir(app_dir("attach-cgo"))
        .env("CGO_ENABLED", "1")
        .output()
        .expect("go build");
    assert!(out.status.success(), "{toolchain} {}: go build failed:\n{}", layout.name, String::from_utf8_lossy(&out.stderr));
    exe
}

/// `go tool objdump -s '^name$'` of that release: (address, assembly).
fn objdump_of(toolchain: &str, exe: &Path, func: &str) -> Vec<(u64, String)> {
    let escaped: String = func.chars().map(|c| if "()*.[]+?^$|{}\\".contains(c) { format!("\\{c}") } else { c.to_string() }).collect();
    let out = go_of(toolchain).args(["tool", "objdump", "-s", &format!("^{escaped}$")]).arg(exe).output().expect("objdump");
    assert!(out.status.success(), "objdump: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').map(str::trim).filter(|s| !s.is_empty()).collect();
            (f.len() >= 4).then(|| Some((u64::from_str_radix(f[1].trim_start_matches("0x"), 16).ok()?, f[3].to_owned()))).flatten()
        })
        .collect()
}

fn offsets_of(bin: &Binary, addrs: impl IntoIterator<Item = u64>) -> Vec<u64> {
    addrs.into_iter().map(|a| bin.vaddr_to_offset(a).expect("address in a segment")).collect()
}

/// The plan's probes by id: (function, entry file offsets, exit file offsets).
fn planned(report: &attach::CheckReport) -> BTreeMap<String, (String, Vec<u64>, Vec<u64>)> {
    report
        .probes
        .iter()
        .map(|p| (format!("{:?}", p.spec.id), (p.func.name.clone(), p.entry_offsets.clone(), p.ret_offsets.clone())))
        .collect()
}

fn check_layout(toolchain: &str, layout: &Layout) {
    let plain = build_with(toolchain, layout, false);
    let stripped = build_with(toolchain, layout, true);
    let what = format!("{toolchain} {}", layout.name);
    let nm = nm(&plain);
    let plain_bin = Binary::open(&plain).expect("open");
    let text = nm.get("runtime.text").expect("runtime.text")[0];
    let plain_report = attach::check(&plain).expect("check plain");
    let report = attach::check(&stripped).expect("check stripped");
    assert_eq!(report.text_start, text, "{what}: text start of the stripped build\n{report}");
    assert!(report.stripped_symbols && !report.has_dwarf, "{what}: -s -w did not strip");
    assert!(!report.to_string().contains("refused"), "{what}: a probe was refused:\n{report}");
    for name in ["net/http client spans", "net/http server spans", "goroutine ancestry", "database/sql commits", "database/sql Tx prepares"] {
        assert!(report.probes.iter().any(|p| p.spec.what.starts_with(name)), "{what}: no `{name}` probe planned:\n{report}");
    }
    assert_eq!(planned(&report), planned(&plain_report), "{what}: the stripped build plans differently from the plain one");
    for p in &report.probes {
        let f = &p.func;
        let at = format!("{what}: {} ({:?})", f.name, p.spec.id);
        assert!(nm.get(&f.name).is_some_and(|a| a.contains(&f.entry)), "{at}: entry {:#x}, nm says {:x?}", f.entry, nm.get(&f.name));
        let insns = objdump_of(toolchain, &plain, &f.name);
        assert_eq!(insns.first().map(|i| i.0), Some(f.entry), "{at}: objdump's first instruction");
        match p.calls_to.as_ref().map(|c| c.name.as_str()) {
            Some(callee) => {
                let calls = insns.iter().filter(|(_, asm)| *asm == format!("CALL {callee}(SB)")).map(|i| i.0);
                assert_eq!(p.entry_offsets, offsets_of(&plain_bin, calls), "{at}: calls to {callee}");
            }
            None => {
                let (addr, asm) = insns.iter().find(|i| Some(i.0) == p.entry_addrs.first().copied()).unwrap_or_else(|| panic!("{at}: entry probe not on an instruction"));
                assert!(*addr == f.entry || asm.starts_with("PUSHQ BP") || asm.starts_with('J'), "{at}: entry probe on {asm}");
            }
        }
        if !p.spec.id.has_exit() {
            continue;
        }
        let exits: Vec<u64> = match p.spec.exit_at_calls {
            Some((caller, callee)) => objdump_of(toolchain, &plain, caller)
                .into_iter()
                .filter(|(_, asm)| *asm == format!("CALL {callee}(SB)"))
                .map(|i| i.0)
                .collect(),
            None => insns.iter().filter(|(_, asm)| asm.starts_with("RET")).map(|i| i.0).collect(),
        };
        assert!(!exits.is_empty(), "{at}: objdump shows no exit");
        assert_eq!(p.ret_offsets, offsets_of(&plain_bin, exits), "{at}: exits");
    }
    // The crash this guards against: with C code first, functions placed from the section's
    // start sit mid-instruction in other functions, and verification refuses them.
    let section = plain_bin.section(".text").expect(".text").addr;
    if layout.name.ends_with("external") {
        assert!(section < text, "{what}: C code should precede Go code in .text");
        let sb = Binary::open(&stripped).expect("open");
        let tab = Pclntab::read(&sb).expect("pclntab");
        let shift = text - section;
        let refused = report
            .probes
            .iter()
            .filter(|p| {
                let f = tab.find(&p.func.name).expect("function");
                let wrong = Func { name: f.name.clone(), entry: f.entry - shift, end: f.end - shift };
                let expect = if p.calls_to.is_some() { Expect::CallTo(0) } else { Expect::Entry };
                let addr = attach::disasm::entry_probe_address(&sb, &wrong);
                DecodedFunction::decode(&sb, &wrong).and_then(|d| d.check(addr, expect)).is_err()
            })
            .count();
        // The entry itself is an instruction boundary whatever the range: what must fail is
        // decoding the shifted range (or the expected instruction); allow none through.
        assert_eq!(refused, report.probes.len(), "{what}: some probes placed from the .text section passed verification");
    }
}

#[test]
fn plans_match_the_toolchain_in_every_layout() {
    for toolchain in versions() {
        for layout in LAYOUTS {
            check_layout(&toolchain, layout);
        }
    }
}
