//! Binary analysis against the Go toolchain's own answers: functions found through
//! `.gopclntab` match `go tool nm`, RETs match `go tool objdump`, file offsets hold the
//! function's bytes, and DWARF offsets match the fallback table, for plain, `-s -w` stripped
//! and cgo builds. Needs `go`, no root.

mod common;

use attach::binary::Binary;
use attach::buildinfo::BuildInfo;
use attach::disasm::ret_addresses;
use attach::offsets::{Offsets, Table, STD_FIELDS};
use attach::pclntab::Pclntab;
use common::*;

const PROBED: &[&str] = &[
    "runtime.newproc1",
    "net/http.serverHandler.ServeHTTP",
    "net/http.(*Transport).roundTrip",
];

fn plain() -> std::path::PathBuf {
    build("attach-nethttp", "plain", &[], &[("CGO_ENABLED", "0")])
}
fn stripped() -> std::path::PathBuf {
    build("attach-nethttp", "stripped", &["-ldflags=-s -w"], &[("CGO_ENABLED", "0")])
}
fn cgo() -> std::path::PathBuf {
    build("attach-cgo", "cgo", &[], &[("CGO_ENABLED", "1")])
}

#[test]
fn pclntab_functions_match_go_tool_nm() {
    for exe in [plain(), cgo()] {
        let bin = Binary::open(&exe).expect("open");
        let tab = Pclntab::read(&bin).expect("pclntab");
        let nm = nm(&exe);
        let mut compared = 0;
        for f in &tab.funcs {
            // ABI0 wrappers carry the plain name in the table and a `.abi0` suffix in nm.
            let abi0 = nm.get(&format!("{}.abi0", f.name));
            if let Some(addrs) = nm.get(&f.name) {
                let addrs: Vec<u64> = addrs.iter().chain(abi0.into_iter().flatten()).copied().collect();
                assert!(addrs.contains(&f.entry), "{}: entry of {} is {:#x}, nm says {addrs:x?}", exe.display(), f.name, f.entry);
                compared += 1;
            }
        }
        assert!(compared > 1000, "{}: only {compared} functions compared with nm", exe.display());
        for name in PROBED.iter().filter(|n| exe.ends_with("attach-nethttp-plain") || !n.contains("serverHandler")) {
            let f = tab.find(name).unwrap_or_else(|| panic!("{name} not found in {}", exe.display()));
            assert!(f.end > f.entry);
        }
    }
}

#[test]
fn cgo_binary_uses_the_tables_own_text_start() {
    let exe = cgo();
    let bin = Binary::open(&exe).expect("open");
    let tab = Pclntab::read(&bin).expect("pclntab");
    let runtime_text = nm(&exe).get("runtime.text").expect("runtime.text in nm")[0];
    let section_text = bin.section(".text").expect(".text").addr;
    assert_ne!(section_text, runtime_text, "the cgo build should put C code before Go code");
    assert_eq!(tab.text_start, runtime_text);
    let info = BuildInfo::read(&bin).expect("buildinfo");
    assert_eq!(info.setting("CGO_ENABLED"), Some("1"));
}

#[test]
fn stripped_binary_has_the_same_functions_as_the_plain_one() {
    let (p, s) = (plain(), stripped());
    let sb = Binary::open(&s).expect("open stripped");
    assert!(sb.section(".symtab").is_none() && !sb.has_dwarf, "-s -w should strip symbols and DWARF");
    let st = Pclntab::read(&sb).expect("pclntab of the stripped binary");
    let nm = nm(&p);
    for name in PROBED {
        let f = st.find(name).unwrap_or_else(|| panic!("{name} not found in the stripped binary"));
        assert_eq!(nm.get(*name), Some(&vec![f.entry]), "{name}: stripped entry differs from plain nm");
    }
}

#[test]
fn rets_match_go_tool_objdump() {
    for exe in [plain(), stripped(), cgo()] {
        // objdump needs symbols, so the truth for the stripped build is the plain build.
        let truth_exe = if exe.ends_with("attach-nethttp-stripped") { plain() } else { exe.clone() };
        let bin = Binary::open(&exe).expect("open");
        let tab = Pclntab::read(&bin).expect("pclntab");
        for name in PROBED {
            let Some(f) = tab.find(name) else {
                assert!(exe.ends_with("attach-cgo-cgo") && name.contains("serverHandler"), "{name} missing");
                continue;
            };
            let ours = ret_addresses(&bin, f).expect("function bytes in file");
            let insns = objdump(&truth_exe, name);
            let theirs: Vec<u64> = insns.iter().filter(|i| i.asm.starts_with("RET")).map(|i| i.addr).collect();
            assert!(!theirs.is_empty(), "objdump shows no RET in {name}");
            assert_eq!(ours, theirs, "{}: RETs of {name}", exe.display());
            // The file offset holds the function's first instruction.
            let off = bin.vaddr_to_offset(f.entry).expect("entry in a segment") as usize;
            let first = &insns[0];
            let want: Vec<u8> = (0..first.hex.len() / 2)
                .map(|i| u8::from_str_radix(&first.hex[2 * i..2 * i + 2], 16).expect("hex"))
                .collect();
            assert_eq!(&bin.data[off..off + want.len()], &want[..], "{name}: bytes at file offset {off:#x}");
        }
    }
}

#[test]
fn build_info_names_go_version_and_main_module() {
    let bin = Binary::open(&stripped()).expect("open");
    let info = BuildInfo::read(&bin).expect("buildinfo");
    let out = go().args(["env", "GOVERSION"]).output().expect("go env");
    let goversion = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(info.go_version, goversion);
    assert_eq!(info.path, "autotel.test/attach-nethttp");
    assert_eq!(info.main.as_ref().map(|m| m.path.as_str()), Some("autotel.test/attach-nethttp"));
    assert_eq!(info.setting("-ldflags"), Some("\"-s -w\""));
}

#[test]
fn dwarf_offsets_agree_with_the_fallback_table() {
    let exe = plain();
    let bin = Binary::open(&exe).expect("open");
    let info = BuildInfo::read(&bin).expect("buildinfo");
    let from_dwarf = Offsets::resolve(&bin, &info, STD_FIELDS, &Table::default()).expect("dwarf");
    let table = Table::embedded();
    let mut checked = 0;
    for f in STD_FIELDS {
        let Some(d) = from_dwarf.get(*f) else { continue };
        if let Some((t, src)) = table.lookup_std(f, &info.go_version) {
            assert_eq!(d, t, "{}.{}: DWARF {d} but table {t} ({src})", f.strukt, f.field);
            checked += 1;
        }
    }
    assert!(from_dwarf.get(attach::offsets::G_GOID).is_some(), "runtime.g.goid not in DWARF");
    assert!(checked >= 10, "only {checked} fields compared; regenerate offsets.json for {}", info.go_version);
    // Stripped: everything the probes need comes from the table (fields of packages this
    // program does not link, such as database/sql, are in the table but not in its DWARF).
    let sb = Binary::open(&stripped()).expect("open");
    let from_table = Offsets::resolve(&sb, &info, STD_FIELDS, &table).expect("table");
    for f in STD_FIELDS.iter().filter(|f| from_dwarf.get(**f).is_some()) {
        assert_eq!(from_table.get(*f), from_dwarf.get(*f), "{}.{} stripped vs DWARF", f.strukt, f.field);
    }
}

/// Entry probes sit on the prologue's `PUSHQ BP` (an instruction the kernel emulates), and the
/// goroutine probe on newproc's call of runqput, as `go tool objdump` shows them.
#[test]
fn entry_probes_sit_on_emulated_instructions() {
    let exe = plain();
    let bin = Binary::open(&exe).expect("open");
    let tab = Pclntab::read(&bin).expect("pclntab");
    for name in ["net/http.serverHandler.ServeHTTP", "net/http.(*Transport).roundTrip"] {
        let f = tab.find(name).expect("function");
        let at = attach::disasm::entry_probe_address(&bin, f);
        let insn = objdump(&exe, name).into_iter().find(|i| i.addr == at).expect("an instruction there");
        assert!(insn.asm.starts_with("PUSHQ BP"), "{name}: entry probe on {:?}", insn.asm);
    }
    let closure = tab.find("runtime.newproc.func1").expect("newproc's closure");
    let runqput = tab.find("runtime.runqput").expect("runqput");
    let calls = attach::disasm::call_sites(&bin, closure, runqput.entry);
    let theirs: Vec<u64> =
        objdump(&exe, "runtime.newproc.func1").iter().filter(|i| i.asm.starts_with("CALL runtime.runqput(SB)")).map(|i| i.addr).collect();
    assert_eq!(calls, theirs);
    assert_eq!(calls.len(), 1);
}

#[test]
fn check_report_lists_probes_and_offset_sources() {
    let report = attach::check(&stripped()).expect("check");
    let text = report.to_string();
    for name in ["runtime.newproc.func1", "net/http.serverHandler.ServeHTTP", "net/http.(*Transport).roundTrip"] {
        assert!(text.contains(name), "report does not mention {name}:\n{text}");
    }
    assert!(text.contains("calls to runtime.runqput at file offset"), "{text}");
    assert!(text.contains("DWARF: absent"), "{text}");
    assert!(text.contains("fallback table"), "{text}");
    assert!(report.skipped.is_empty(), "{text}");
    let plain_text = attach::check(&plain()).expect("check").to_string();
    assert!(plain_text.contains("runtime.g.goid = ") && plain_text.contains("(DWARF)"), "{plain_text}");
}

#[test]
fn check_explains_what_it_cannot_read() {
    let err = attach::check(std::path::Path::new("/nonexistent/binary")).expect_err("missing file");
    assert!(err.to_string().contains("cannot read `/nonexistent/binary`"), "{err}");
    let not_go = std::path::Path::new("/bin/sh");
    let err = attach::check(not_go).expect_err("not Go");
    assert!(err.to_string().contains("not a Go program"), "{err}");
}

/// For each library test program, the offsets in its DWARF equal the fallback table's for the
/// library versions it links, and its stripped build gets every one of them from the table.
#[test]
fn library_offsets_agree_with_the_fallback_table() {
    let table = Table::embedded();
    for (app, probe) in [("attach-redis", "redis"), ("attach-grpc", "grpc"), ("attach-kafka", "kafka")] {
        let mp = attach::offsets::MODULE_PROBES
            .iter()
            .find(|m| m.probe.ends_with(probe))
            .expect("module probe");
        let exe = build(app, "analysis-plain", &[], &[("CGO_ENABLED", "0")]);
        let bin = Binary::open(&exe).expect("open");
        let info = BuildInfo::read(&bin).expect("buildinfo");
        let from_dwarf = Offsets::resolve(&bin, &info, mp.fields, &Table::default()).expect("dwarf");
        let sb = Binary::open(&build(app, "analysis-stripped", &["-ldflags=-s -w"], &[("CGO_ENABLED", "0")])).expect("open");
        let from_table = Offsets::resolve(&sb, &info, mp.fields, &table).expect("table");
        for f in mp.fields {
            let d = from_dwarf.get(*f);
            assert!(d.is_some(), "{app}: {}.{} not in DWARF", f.strukt, f.field);
            assert_eq!(from_table.get(*f), d, "{app}: {}.{} table vs DWARF ({:?})", f.strukt, f.field, from_table.source(*f));
        }
    }
}

/// arm64 (cross-built): functions, RETs and the probe plan of a plain and a stripped build,
/// against `go tool nm` and `go tool objdump` of the plain one.
#[test]
fn arm64_functions_rets_and_plan_match_the_toolchain() {
    let env = [("CGO_ENABLED", "0"), ("GOARCH", "arm64")];
    let plain = build("attach-nethttp", "arm64-plain", &[], &env);
    let stripped = build("attach-nethttp", "arm64-stripped", &["-ldflags=-s -w"], &env);
    let nm = nm(&plain);
    for exe in [&plain, &stripped] {
        let bin = Binary::open(exe).expect("open");
        assert_eq!(bin.arch, attach::binary::Arch::Aarch64);
        let tab = Pclntab::read(&bin).expect("pclntab");
        for name in PROBED {
            let f = tab.find(name).unwrap_or_else(|| panic!("{name} not found in {}", exe.display()));
            assert_eq!(nm.get(*name), Some(&vec![f.entry]), "{}: entry of {name}", exe.display());
            let theirs: Vec<u64> = objdump(&plain, name).iter().filter(|i| i.asm.starts_with("RET")).map(|i| i.addr).collect();
            assert!(!theirs.is_empty(), "objdump shows no RET in {name}");
            assert_eq!(ret_addresses(&bin, f).expect("function bytes"), theirs, "{}: RETs of {name}", exe.display());
        }
        let report = attach::check(exe).expect("check");
        let text = report.to_string();
        for what in ["+ net/http server spans", "+ net/http client spans", "+ goroutine ancestry"] {
            assert!(text.contains(what), "{}: {what} planned:\n{text}", exe.display());
        }
    }
}
