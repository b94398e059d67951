//! From a binary to a plan: which probes of the catalogue can be attached, at which file
//! offsets, with which struct offsets, and why any cannot. `autotel attach --check` prints it;
//! `run` attaches it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::binary::{Arch, Binary};
use crate::buildinfo::BuildInfo;
use crate::disasm;
use crate::drivers::SqlDrivers;
use crate::error::AttachError;
use crate::offsets::{Field, Offsets, Source, Table};
use crate::pclntab::{Func, Pclntab};
use crate::libs::{self, Analysis, LIBRARIES};
use crate::probes::{ProbeId, ProbeSpec, NOT_YET};
use crate::progress::Progress;
use crate::verify::{DecodedFunction, Expect};

/// A probe that will be attached.
#[derive(Debug, Clone)]
pub struct PlannedProbe {
    pub spec: ProbeSpec,
    pub func: Func,
    /// Addresses (link-time) of the entry program's uprobes: the cheapest instruction of the
    /// function's prologue, or its calls to the spec's `at_calls_to`.
    pub entry_addrs: Vec<u64>,
    /// Their file offsets.
    pub entry_offsets: Vec<u64>,
    /// The function whose calls carry the entry probes (the spec's `at_calls_to` or the one
    /// of its `also_calls_to` this binary has).
    pub calls_to: Option<Func>,
    /// File offsets of every `RET` in the function.
    pub ret_offsets: Vec<u64>,
    /// Optional features lost for lack of an offset (e.g. `http.route` before Go 1.23).
    pub degraded: Vec<String>,
    /// The function named by the spec's `ignore_calls_from`, when the binary has it.
    pub ignored_caller: Option<Func>,
}

/// A probe that will not be attached, and why.
#[derive(Debug, Clone)]
pub struct SkippedProbe {
    pub spec: ProbeSpec,
    pub reason: String,
}

/// What `autotel attach --check PATH` prints: what would be instrumented and why anything
/// would not. Its `Display` is the report.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub path: PathBuf,
    pub arch: Arch,
    pub build_info: BuildInfo,
    pub stripped_symbols: bool,
    pub has_dwarf: bool,
    pub function_count: usize,
    pub text_start: u64,
    pub probes: Vec<PlannedProbe>,
    pub skipped: Vec<SkippedProbe>,
    pub offsets: Offsets,
    /// Dependencies build mode instruments and attach does not yet.
    pub not_yet: Vec<String>,
    pub notes: Vec<String>,
    /// HTTP header maps can be read (Go 1.24+ swiss tables with known offsets).
    pub swiss_headers: bool,
    /// The functions that name a database/sql call's driver.
    pub sql_drivers: SqlDrivers,
    /// The manifest of a program built by `autotel go build`: it already carries build-mode
    /// instrumentation, so nothing is planned and `run` refuses it.
    pub built_by_autotel: Option<manifest::Manifest>,
}

/// Why a program built by `autotel go build` is not attached to, after "… and": the finding
/// of `--check` and the error of `run`.
pub const ALREADY_INSTRUMENTED: &str = "already carries build-mode instrumentation, so attaching would record every span \
     twice; run it as is (it exports its own spans), or attach to a build of the program made with plain `go build`";

/// Which instrumentations the `OTEL_GO_*_INSTRUMENTATIONS` variables allow.
#[derive(Debug, Clone, Default)]
pub struct Enabled {
    pub only: Option<Vec<String>>,
    pub disabled: Vec<String>,
}

impl Enabled {
    pub fn from_env() -> Enabled {
        let list = |v: &str| -> Option<Vec<String>> {
            let s = std::env::var(v).ok()?;
            Some(
                s.split(',')
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty())
                    .collect(),
            )
        };
        Enabled {
            only: list("OTEL_GO_ENABLED_INSTRUMENTATIONS"),
            disabled: list("OTEL_GO_DISABLED_INSTRUMENTATIONS").unwrap_or_default(),
        }
    }

    fn allows(&self, name: &str) -> bool {
        // The goroutine probe serves every other one and has no switch of its own.
        if name == "runtime" {
            return true;
        }
        if self.disabled.iter().any(|d| d == name) {
            return false;
        }
        match &self.only {
            Some(only) => only.iter().any(|o| o == name),
            None => true,
        }
    }
}

/// Analyses `path` and plans the probes (no root needed).
pub fn check(path: &Path) -> Result<CheckReport, AttachError> {
    plan(path, &Enabled::from_env(), &Table::embedded(), &mut Progress::silent())
}

/// Analyses `path` and plans the probes, each step of the analysis shown on `progress`.
pub fn plan(path: &Path, enabled: &Enabled, table: &Table, progress: &mut Progress) -> Result<CheckReport, AttachError> {
    progress.step("reading the binary");
    let bin = Binary::open(path)?;
    let info = BuildInfo::read(&bin)?;
    // A program built by `autotel go build` traces itself: nothing more is planned for it.
    let built_by_autotel = manifest::Manifest::find(&bin.data);
    progress.step("reading the function table");
    let pcln = Pclntab::read(&bin)?;
    if built_by_autotel.is_some() {
        return Ok(CheckReport { built_by_autotel, ..unplanned(path, &bin, &pcln, info) });
    }
    let all_fields: Vec<Field> = {
        let mut v: Vec<Field> = libs::all_probes().flat_map(|p| p.fields.iter().copied()).collect();
        v.sort_by_key(|f| (f.strukt, f.field));
        v.dedup();
        v
    };
    progress.step(if bin.has_dwarf { "reading struct offsets from DWARF" } else { "looking up struct offsets" });
    let offsets = Offsets::resolve(&bin, &info, &all_fields, table)?;
    progress.step("finding and verifying probe sites");
    let mut probes = Vec::new();
    let mut skipped = Vec::new();
    let mut notes = Vec::new();
    let go = info.go_semver();
    // Header maps can be read in Go 1.24+ (swiss tables) when their layout is known.
    let swiss_headers = go.map(|(_, minor, _)| minor >= 24).unwrap_or(false)
        && [
            crate::libs::nethttp::MAP_DIRPTR,
            crate::libs::nethttp::MAP_DIRLEN,
            crate::libs::nethttp::TABLE_GROUPS,
            crate::libs::nethttp::GROUPSREF_DATA,
            crate::libs::nethttp::GROUPSREF_MASK,
        ]
        .iter()
        .all(|f| offsets.get(*f).is_some());
    let analysis = Analysis {
        info: &info,
        offsets: &offsets,
        swiss_headers,
    };
    for (lib, spec) in LIBRARIES.iter().flat_map(|l| l.probes().iter().map(move |s| (*l, s))) {
        let skip = |reason: String| SkippedProbe { spec: *spec, reason };
        if !enabled.allows(lib.name()) {
            skipped.push(skip(format!(
                "instrumentation `{}` disabled by OTEL_GO_*_INSTRUMENTATIONS",
                spec.instrumentation
            )));
            continue;
        }
        let Some(func) = std::iter::once(spec.function)
            .chain(spec.also.iter().copied())
            .find_map(|f| pcln.find(f))
        else {
            // A part of a library the program does not use is not worth a line (the linker
            // left it out: a gRPC service links net/http without its server); a function
            // missing beside its type's other methods is (another release renamed it).
            if owner_linked(&pcln, spec.function) {
                skipped.push(skip(format!("{} is not in this binary", spec.function)));
            }
            continue;
        };
        let missing: Vec<String> = spec
            .fields
            .iter()
            .filter(|f| !f.optional && offsets.get(**f).is_none())
            .map(|f| format!("{}.{}", f.strukt, f.field))
            .collect();
        if !missing.is_empty() {
            let module = spec
                .fields
                .iter()
                .filter(|f| !f.optional && offsets.get(**f).is_none())
                .find_map(|f| info.module_of(f.strukt))
                .map(|m| format!("{} {}", m.path, m.effective_version()))
                .unwrap_or_else(|| info.go_version.clone());
            skipped.push(skip(format!(
                "no offset for {} with {module} (no DWARF and not in the fallback table)",
                missing.join(", "),
            )));
            continue;
        }
        let callee = spec.at_calls_to.into_iter().chain(spec.also_calls_to.iter().copied()).find_map(|c| pcln.find(c));
        let entry_addrs = match (spec.at_calls_to, callee) {
            (Some(_), Some(c)) => disasm::call_sites(&bin, func, c.entry),
            (Some(_), None) => Vec::new(),
            (None, _) => vec![disasm::entry_probe_address(&bin, func)],
        };
        let entry_offsets: Vec<u64> = entry_addrs.iter().filter_map(|a| bin.vaddr_to_offset(*a)).collect();
        if entry_offsets.is_empty() || entry_offsets.len() != entry_addrs.len() {
            let what = spec.at_calls_to.map(|c| format!("no call to {c} in")).unwrap_or_else(|| "outside the file's segments:".into());
            skipped.push(skip(format!("{what} {}", func.name)));
            continue;
        }
        let exit_calls = spec.exit_at_calls.and_then(|(caller, callee)| Some((pcln.find(caller)?, pcln.find(callee)?)));
        let rets = match (spec.exit_at_calls, exit_calls) {
            _ if !spec.has_exit() => Vec::new(),
            (Some(_), Some((caller, callee))) => disasm::call_sites(&bin, caller, callee.entry),
            (Some(_), None) => Vec::new(),
            (None, _) => disasm::ret_addresses(&bin, func).unwrap_or_default(),
        };
        let ret_offsets: Vec<u64> = rets.iter().filter_map(|a| bin.vaddr_to_offset(*a)).collect();
        if ret_offsets.is_empty() && spec.has_exit() {
            let what = match spec.exit_at_calls {
                Some((caller, callee)) => format!("no call to {callee} in {caller}"),
                None => format!("no RET instruction found in {}", func.name),
            };
            skipped.push(skip(what));
            continue;
        }
        // Every address is proven to be the instruction the plan expects, or the probe is
        // refused whole (design invariant 8).
        let entry_expect = callee.map_or(Expect::Entry, |c| Expect::CallTo(c.entry));
        let mut checks: Vec<(&Func, u64, Expect)> = entry_addrs.iter().map(|a| (func, *a, entry_expect)).collect();
        match exit_calls {
            Some((caller, callee)) => checks.extend(rets.iter().map(|a| (caller, *a, Expect::CallTo(callee.entry)))),
            None => checks.extend(rets.iter().map(|a| (func, *a, Expect::Ret))),
        }
        if let Err(why) = verify_all(&bin, &checks) {
            skipped.push(skip(format!("refused, a probe address failed verification: {why}")));
            continue;
        }
        let degraded = lib.degraded(spec, &analysis);
        probes.push(PlannedProbe {
            spec: *spec,
            func: func.clone(),
            entry_addrs,
            entry_offsets,
            calls_to: callee.cloned(),
            ret_offsets,
            degraded,
            ignored_caller: spec.ignore_calls_from.and_then(|f| pcln.find(f)).cloned(),
        });
    }
    let not_yet = NOT_YET
        .iter()
        .filter(|(module, _)| {
            if module.contains('.') {
                info.dep(module).is_some()
            } else {
                let prefix = format!("{module}.");
                pcln.funcs.iter().any(|f| f.name.starts_with(&prefix))
            }
        })
        .map(|(module, name)| match info.dep(module) {
            Some(m) => format!("{name} ({} {})", m.path, m.effective_version()),
            None => name.to_string(),
        })
        .collect();
    for lib in LIBRARIES {
        notes.extend(lib.review(&mut probes, &mut skipped, &analysis));
    }
    notes.push(
        "outgoing traceparent injection needs bpf_probe_write_user; `attach` tests for it when it starts \
         (not injected yet in this version)"
            .into(),
    );
    let sql_drivers = SqlDrivers::from_pclntab(&pcln);
    Ok(CheckReport { probes, skipped, offsets, not_yet, notes, swiss_headers, sql_drivers, ..unplanned(path, &bin, &pcln, info) })
}

/// The report of `path` with nothing planned yet: what the binary is, no probe.
fn unplanned(path: &Path, bin: &Binary, pcln: &Pclntab, build_info: BuildInfo) -> CheckReport {
    CheckReport {
        path: path.to_owned(),
        arch: bin.arch,
        has_dwarf: bin.has_dwarf,
        stripped_symbols: bin.section(".symtab").is_none(),
        function_count: pcln.funcs.len(),
        text_start: pcln.text_start,
        build_info,
        probes: Vec::new(),
        skipped: Vec::new(),
        offsets: Offsets::default(),
        not_yet: Vec::new(),
        notes: Vec::new(),
        swiss_headers: false,
        sql_drivers: SqlDrivers::default(),
        built_by_autotel: None,
    }
}

/// Decodes each function once and checks every address planned in it.
fn verify_all(bin: &Binary, checks: &[(&Func, u64, Expect)]) -> Result<(), String> {
    let mut decoded: Vec<DecodedFunction> = Vec::new();
    for (func, addr, expect) in checks {
        let index = match decoded.iter().position(|d| d.func() == *func) {
            Some(i) => i,
            None => {
                decoded.push(DecodedFunction::decode(bin, func)?);
                decoded.len() - 1
            }
        };
        decoded[index].check(*addr, *expect)?;
    }
    Ok(())
}

/// Whether the binary has other code of what `function` belongs to ([`owner_prefix`]).
fn owner_linked(pcln: &Pclntab, function: &str) -> bool {
    owner_prefix(function).is_some_and(|prefix| pcln.funcs.iter().any(|f| f.name.starts_with(prefix)))
}

/// The name prefix of what `function` belongs to: in the standard library its receiver type's
/// methods (`net/http.(*ServeMux).`, `net/http.serverHandler.`; a plain function's, or a
/// closure's, package), as the linker leaves out the parts of a package a program does not use;
/// in a module its package, whose release may have renamed the type.
fn owner_prefix(function: &str) -> Option<&str> {
    let slash = function.rfind('/').map(|i| i + 1).unwrap_or(0);
    let package_end = slash + function[slash..].find('.')? + 1;
    let standard = !function[..package_end - 1].split('/').next().is_some_and(|first| first.contains('.'));
    let rest = &function[package_end..];
    let type_end = if !standard {
        None
    } else if rest.starts_with('(') {
        rest.find(").").map(|i| i + 2)
    } else {
        // `T.M`, but not `F.func1` (a closure of the function F) or `F` alone.
        rest.split_once('.')
            .filter(|(_, member)| !(member.starts_with("func") || member.starts_with("gowrap")))
            .map(|(owner, _)| owner.len() + 1)
    };
    Some(&function[..package_end + type_end.unwrap_or(0)])
}

impl CheckReport {
    /// True when at least one span-producing probe would be attached.
    pub fn instruments_anything(&self) -> bool {
        self.probes.iter().any(|p| p.spec.id != ProbeId::Goroutines)
    }

    pub fn probe(&self, id: ProbeId) -> Option<&PlannedProbe> {
        self.probes.iter().find(|p| p.spec.id == id)
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = &self.build_info;
        writeln!(f, "{}", self.path.display())?;
        writeln!(
            f,
            "  Go {} linux/{}, main module {}",
            info.go_version,
            self.arch,
            info.main
                .as_ref()
                .map(|m| format!("{} {}", m.path, m.version))
                .unwrap_or_else(|| "(unknown)".into())
        )?;
        writeln!(
            f,
            "  {} functions in .gopclntab (text starts at {:#x}); symbol table: {}; DWARF: {}",
            self.function_count,
            self.text_start,
            if self.stripped_symbols { "stripped" } else { "present" },
            if self.has_dwarf { "present" } else { "absent (using the fallback offset table)" },
        )?;
        if let Some(cgo) = info.setting("CGO_ENABLED") {
            writeln!(f, "  CGO_ENABLED={cgo}")?;
        }
        writeln!(f)?;
        if let Some(manifest) = &self.built_by_autotel {
            writeln!(f, "Would instrument: nothing. This program was built by `autotel go build` and {ALREADY_INSTRUMENTED}.")?;
            writeln!(f)?;
            return write!(f, "{manifest}");
        }
        writeln!(f, "Would instrument:")?;
        if self.probes.is_empty() {
            writeln!(f, "  nothing")?;
        }
        for p in &self.probes {
            let offsets: Vec<String> = p.entry_offsets.iter().map(|o| format!("{o:#x}")).collect();
            let entry = match &p.calls_to {
                Some(callee) => format!("calls to {} at file offset {}", callee.name, offsets.join(", ")),
                None => format!("entry at file offset {}", offsets.join(", ")),
            };
            let at = match (p.spec.exit_at_calls, p.ret_offsets.len()) {
                _ if !p.spec.has_exit() => format!("{entry}, entry only"),
                (Some((caller, callee)), n) => format!("{entry}, exit at {n} call{} to {callee} in {caller}", if n == 1 { "" } else { "s" }),
                (None, 1) => format!("{entry}, 1 RET"),
                (None, n) => format!("{entry}, {n} RETs"),
            };
            writeln!(f, "  + {:<28} {} ({at})", p.spec.what, p.func.name)?;
            for d in &p.degraded {
                writeln!(f, "      degraded: {d}")?;
            }
        }
        if !self.skipped.is_empty() || !self.not_yet.is_empty() {
            writeln!(f)?;
            writeln!(f, "Would not instrument:")?;
            for s in &self.skipped {
                writeln!(f, "  - {:<28} {}", s.spec.what, s.reason)?;
            }
            for n in &self.not_yet {
                writeln!(f, "  - {n:<28} not supported by attach yet (use `autotel go build`)")?;
            }
        }
        writeln!(f)?;
        writeln!(f, "Struct offsets:")?;
        let mut fields: Vec<_> = self.offsets.values.iter().collect();
        fields.sort_by_key(|(k, _)| (k.strukt, k.field));
        for (k, (off, src)) in fields {
            let src = match src {
                Source::Dwarf => "DWARF".to_string(),
                Source::Table(s) => format!("fallback table: {s}"),
            };
            writeln!(f, "  {}.{} = {} ({})", k.strukt, k.field, off, src)?;
        }
        if !self.notes.is_empty() {
            writeln!(f)?;
            for n in &self.notes {
                writeln!(f, "Note: {n}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::owner_prefix;

    #[test]
    /// A missing standard-library probe function is worth a warning only beside the rest of its
    /// type: the linker leaves out the parts of a package a program does not use.
    fn a_probe_functions_owner_is_its_receiver_type_else_its_package() {
        assert_eq!(owner_prefix("net/http.serverHandler.ServeHTTP"), Some("net/http.serverHandler."));
        assert_eq!(owner_prefix("net/http.(*ServeMux).ServeHTTP"), Some("net/http.(*ServeMux)."));
        assert_eq!(owner_prefix("net/http.(*http2serverConn).runHandler.func1"), Some("net/http.(*http2serverConn)."));
        // A module's release may rename the type too: its package is the owner.
        assert_eq!(owner_prefix("github.com/redis/go-redis/v9.(*baseClient).process"), Some("github.com/redis/go-redis/v9."));
        assert_eq!(owner_prefix("runtime.newproc.func1"), Some("runtime."));
        assert_eq!(owner_prefix("runtime.(*g).m"), Some("runtime.(*g)."));
        assert_eq!(owner_prefix("database/sql.Open"), Some("database/sql."));
        assert_eq!(owner_prefix("nodot"), None);
    }
}
