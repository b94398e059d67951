//! The autotel binary runs wherever Go builds run: it needs only the C library (libelf, zlib and
//! libbpf are linked in statically), checked with `ldd`, and it runs in a root filesystem that
//! holds nothing but itself, the C library and a Go program to analyse (a `chroot`, so root).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared objects of glibc and GCC's runtime, present in every Debian-based image.
const C_LIBRARY: [&str; 7] =
    ["linux-vdso.so.1", "libc.so.6", "libm.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2", "libpthread.so.0", "libdl.so.2"];

fn autotel() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_autotel"))
}

/// `ldd`'s lines as (soname, path on this machine if any).
fn shared_objects(binary: &Path) -> Vec<(String, Option<PathBuf>)> {
    let output = Command::new("ldd").arg(binary).output().expect("ldd (Debian's libc-bin) runs");
    assert!(output.status.success(), "ldd: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let (name, rest) = line.split_once(' ').unwrap_or((line, ""));
            let path = rest.split_whitespace().find(|w| w.starts_with('/')).map(PathBuf::from);
            let path = path.or_else(|| name.starts_with('/').then(|| PathBuf::from(name)));
            let soname = Path::new(name).file_name()?.to_string_lossy().to_string();
            Some((soname, path))
        })
        .collect()
}

#[test]
fn only_the_c_library_is_loaded_dynamically() {
    let names: BTreeSet<String> = shared_objects(&autotel()).into_iter().map(|(name, _)| name).collect();
    let others: Vec<&String> = names.iter().filter(|n| !C_LIBRARY.contains(&n.as_str())).collect();
    assert!(others.is_empty(), "autotel loads {others:?} besides the C library ({names:?})");
}

#[test]
fn runs_in_a_root_filesystem_with_only_the_c_library() {
    let root = tempfile::tempdir().unwrap();
    let inside = |path: &Path| root.path().join(path.strip_prefix("/").unwrap());
    for (_, path) in shared_objects(&autotel()) {
        let Some(path) = path else { continue };
        let target = inside(&path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(std::fs::canonicalize(&path).unwrap(), &target).unwrap();
    }
    std::fs::copy(autotel(), root.path().join("autotel")).unwrap();
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/apps/attach-nethttp");
    let built = Command::new("go")
        .args(["build", "-o"])
        .arg(root.path().join("app"))
        .arg(".")
        .current_dir(&app)
        .env("CGO_ENABLED", "0")
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));

    let run = |args: &[&str]| {
        let output = Command::new("chroot").arg(root.path()).arg("/autotel").args(args).output().expect("chroot (coreutils) runs");
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "autotel {args:?} in the bare root failed:\n{text}");
        text
    };
    assert!(run(&["version"]).contains(env!("CARGO_PKG_VERSION")));
    let check = run(&["attach", "--check", "/app"]);
    assert!(check.contains("net/http server spans"), "{check}");
}
