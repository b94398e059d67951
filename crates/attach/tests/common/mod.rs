//! Shared helpers of attach's integration tests: building the Go test programs and asking the
//! Go toolchain for the ground truth.
#![allow(dead_code)]

pub mod receiver;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn app_dir(name: &str) -> PathBuf {
    repo_root().join("testdata/apps").join(name)
}

/// The `go` command; a test that needs it fails with a clear message when it is missing.
pub fn go() -> Command {
    let ok = Command::new("go").arg("version").output().is_ok_and(|o| o.status.success());
    assert!(ok, "these tests need the Go toolchain (`go` on PATH)");
    Command::new("go")
}

fn out_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("attach-tests-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("create test output dir");
        d
    })
}

/// Builds `testdata/apps/<app>` with extra `go build` flags and environment; returns the binary.
pub fn build(app: &str, variant: &str, flags: &[&str], env: &[(&str, &str)]) -> PathBuf {
    // Tests run in parallel and share builds: one go build at a time.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let exe = out_dir().join(format!("{app}-{variant}"));
    if exe.exists() {
        return exe;
    }
    let mut cmd = go();
    cmd.arg("build").arg("-o").arg(&exe).args(flags).arg(".").current_dir(app_dir(app));
    cmd.env("GOFLAGS", "-mod=mod");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run go build");
    assert!(
        out.status.success(),
        "go build of {app} ({variant}) failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// `go tool nm` text symbols: name → addresses (a name can appear more than once).
pub fn nm(exe: &Path) -> std::collections::HashMap<String, Vec<u64>> {
    let out = go().args(["tool", "nm"]).arg(exe).output().expect("go tool nm");
    assert!(out.status.success(), "go tool nm failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut m = std::collections::HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() >= 3 && (f[1] == "T" || f[1] == "t") {
            if let Ok(addr) = u64::from_str_radix(f[0], 16) {
                m.entry(f[2..].join(" ")).or_insert_with(Vec::new).push(addr);
            }
        }
    }
    m
}

/// One instruction of `go tool objdump`: address, hex bytes, assembly text.
pub struct Insn {
    pub addr: u64,
    pub hex: String,
    pub asm: String,
}

pub fn objdump(exe: &Path, func: &str) -> Vec<Insn> {
    let pat = format!("^{}$", regex_escape(func));
    let out = go().args(["tool", "objdump", "-s", &pat]).arg(exe).output().expect("go tool objdump");
    assert!(out.status.success(), "go tool objdump failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').map(str::trim).filter(|s| !s.is_empty()).collect();
            if f.len() < 4 {
                return None;
            }
            let addr = u64::from_str_radix(f[1].trim_start_matches("0x"), 16).ok()?;
            Some(Insn {
                addr,
                hex: f[2].to_owned(),
                asm: f[3].to_owned(),
            })
        })
        .collect()
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| if "()*.[]+?^$|{}\\".contains(c) { format!("\\{c}") } else { c.to_string() })
        .collect()
}
