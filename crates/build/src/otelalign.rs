//! Keeps the user's dependencies where they are when the hook runtime joins their build, and says
//! exactly what moved when something must.
//!
//! The runtime requires the oldest OpenTelemetry Go release it supports ([`TRAINS`]`[0]`, whose
//! own requirements are low), so minimal version selection raises nothing a module already has
//! at or above those floors. OpenTelemetry's modules are released in trains: `versions.yaml` of
//! the otel repository gives one version to its stable module set and another to the
//! experimental logs set. A user's graph on a newer train gets every otel module of the runtime
//! raised to that train in the alternate go.mod, so that one build never mixes releases
//! (otel/log v1.47.0 beside sdk/log v0.12.0 does not compile). The trains autotel knows are the
//! table below, refreshed deliberately when OpenTelemetry releases; a newer one is read from
//! `versions.yaml` in the user's own `go.opentelemetry.io/otel` module (the release's own word,
//! downloaded as the user's build would download it).
//!
//! It owns the user's module graph as it is without the runtime (listed once per build and kept
//! in the state directory), the chosen train, and the report of what moved and why. It writes no
//! module file (modfile.rs does) and does not decide which runtime modules a build needs.

use crate::error::BuildError;
use crate::golist::Go;
use crate::runtime::RuntimeModule;
use rules::Version;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

/// One OpenTelemetry Go release train: the versions of its module sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Train {
    /// The stable set (`go.opentelemetry.io/otel`, trace, metric, sdk, the trace and metric
    /// exporters, and from v1.47.0 on the Logs API and SDK).
    pub otel: &'static str,
    /// The Logs API and SDK (`otel/log`, `otel/sdk/log`): experimental until v1.47.0.
    pub logs_api: &'static str,
    /// The experimental logs set: the log exporters.
    pub log_exporters: &'static str,
}

/// The trains from the oldest the runtime supports (its go.mod's) to the newest autotel knows,
/// as their `versions.yaml` gives them (`go mod download go.opentelemetry.io/otel@vX`, then
/// `module-sets` in `versions.yaml`; a test checks the newest entry against the file).
pub const TRAINS: &[Train] = &[
    Train {
        otel: "v1.36.0",
        logs_api: "v0.12.0",
        log_exporters: "v0.12.0",
    },
    Train {
        otel: "v1.37.0",
        logs_api: "v0.13.0",
        log_exporters: "v0.13.0",
    },
    Train {
        otel: "v1.38.0",
        logs_api: "v0.14.0",
        log_exporters: "v0.14.0",
    },
    Train {
        otel: "v1.39.0",
        logs_api: "v0.15.0",
        log_exporters: "v0.15.0",
    },
    Train {
        otel: "v1.40.0",
        logs_api: "v0.16.0",
        log_exporters: "v0.16.0",
    },
    Train {
        otel: "v1.41.0",
        logs_api: "v0.17.0",
        log_exporters: "v0.17.0",
    },
    Train {
        otel: "v1.42.0",
        logs_api: "v0.18.0",
        log_exporters: "v0.18.0",
    },
    Train {
        otel: "v1.43.0",
        logs_api: "v0.19.0",
        log_exporters: "v0.19.0",
    },
    Train {
        otel: "v1.44.0",
        logs_api: "v0.20.0",
        log_exporters: "v0.20.0",
    },
    Train {
        otel: "v1.45.0",
        logs_api: "v0.21.0",
        log_exporters: "v0.21.0",
    },
    Train {
        otel: "v1.46.0",
        logs_api: "v0.22.0",
        log_exporters: "v0.22.0",
    },
    Train {
        otel: "v1.47.0",
        logs_api: "v1.47.0",
        log_exporters: "v0.23.0",
    },
];

/// The module path of OpenTelemetry Go's API, whose module zip carries `versions.yaml`.
const OTEL: &str = "go.opentelemetry.io/otel";
const LOGS_API: [&str; 2] = [
    "go.opentelemetry.io/otel/log",
    "go.opentelemetry.io/otel/sdk/log",
];
const LOG_EXPORTERS: [&str; 3] = [
    "go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc",
    "go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp",
    "go.opentelemetry.io/otel/exporters/stdout/stdoutlog",
];
/// The stable modules the runtime uses (versions.yaml's `stable-v1` has a few more).
const STABLE: [&str; 12] = [
    "go.opentelemetry.io/otel",
    "go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc",
    "go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp",
    "go.opentelemetry.io/otel/exporters/otlp/otlptrace",
    "go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc",
    "go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp",
    "go.opentelemetry.io/otel/exporters/stdout/stdoutmetric",
    "go.opentelemetry.io/otel/exporters/stdout/stdouttrace",
    "go.opentelemetry.io/otel/metric",
    "go.opentelemetry.io/otel/sdk",
    "go.opentelemetry.io/otel/sdk/metric",
    "go.opentelemetry.io/otel/trace",
];

impl Train {
    /// Module path → version for the modules of the train that the runtime uses.
    pub fn modules(&self) -> BTreeMap<String, String> {
        let sets = [
            (&STABLE[..], self.otel),
            (&LOGS_API[..], self.logs_api),
            (&LOG_EXPORTERS[..], self.log_exporters),
        ];
        sets.iter()
            .flat_map(|(paths, v)| paths.iter().map(|p| (p.to_string(), v.to_string())))
            .collect()
    }
}

/// Module path → version of every module in the `module-sets` of an otel `versions.yaml`.
pub fn parse_versions_yaml(text: &str) -> Result<BTreeMap<String, String>, String> {
    #[derive(Deserialize)]
    struct File {
        #[serde(rename = "module-sets")]
        module_sets: BTreeMap<String, Set>,
    }
    #[derive(Deserialize)]
    struct Set {
        version: String,
        modules: Vec<String>,
    }
    let file: File = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    Ok(file
        .module_sets
        .into_values()
        .flat_map(|s| s.modules.into_iter().map(move |m| (m, s.version.clone())))
        .collect())
}

/// The otel release the runtime's otel modules are raised to, when the user's graph is newer
/// than the runtime's own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The stable set's version: `v1.47.0`.
    pub otel: String,
    /// Module path → version in that release.
    pub modules: BTreeMap<String, String>,
    /// The user's module (path, version) that made this release the one.
    pub because: (String, String),
}

/// The first Logs API (`otel/log`) whose values are `attribute.Value`: otel v1.45.0's train.
/// Earlier ones have their own `log.Value`.
pub const FIRST_ATTRIBUTE_VALUED_LOGS_API: &str = "v0.21.0";

impl Release {
    /// Whether the Logs API of this release takes `attribute.Value`s (otel/log v0.21.0 and
    /// later, v1.x included) rather than its own `log.Value`.
    pub fn logs_api_takes_attribute_values(&self) -> bool {
        self.modules
            .get(LOGS_API[0])
            .is_some_and(|v| v == FIRST_ATTRIBUTE_VALUED_LOGS_API || newer(v, FIRST_ATTRIBUTE_VALUED_LOGS_API))
    }
}

fn newer(a: &str, b: &str) -> bool {
    matches!((Version::parse(a), Version::parse(b)), (Ok(x), Ok(y)) if x > y)
}

/// The release for a user graph (module path → selected version), or `None` when the runtime's
/// own release already is the newest otel in it. `versions_yaml` reads `versions.yaml` of an
/// otel version that the table does not know.
pub fn choose_release(
    user: &BTreeMap<String, String>,
    versions_yaml: impl FnOnce(&str) -> Result<String, BuildError>,
) -> Result<Option<Release>, BuildError> {
    let otel: Vec<(&String, &String)> = user
        .iter()
        .filter(|(p, v)| {
            !v.is_empty() && (p.as_str() == OTEL || p.starts_with("go.opentelemetry.io/otel/"))
        })
        .collect();
    let fits = |modules: &BTreeMap<String, String>| {
        otel.iter()
            .all(|(p, v)| modules.get(p.as_str()).is_none_or(|ours| !newer(v, ours)))
    };
    let release = |otel_version: &str, modules: BTreeMap<String, String>| {
        let because = otel
            .iter()
            .filter(|(p, v)| modules.get(p.as_str()) == Some(*v))
            .min_by_key(|(p, _)| (p.as_str() != OTEL, p.as_str()))
            .map(|(p, v)| (p.to_string(), v.to_string()))
            .unwrap_or_default();
        Release {
            otel: otel_version.to_string(),
            modules,
            because,
        }
    };
    if let Some(index) = TRAINS.iter().position(|t| fits(&t.modules())) {
        return Ok((index > 0).then(|| release(TRAINS[index].otel, TRAINS[index].modules())));
    }
    // Newer than every train in the table: the newest stable module names the release.
    let newest = otel
        .iter()
        .filter(|(p, _)| STABLE.contains(&p.as_str()))
        .map(|(_, v)| v.as_str())
        .max_by(|a, b| Version::parse(a).ok().cmp(&Version::parse(b).ok()));
    let Some(newest) = newest else {
        return Ok(None);
    };
    let text = versions_yaml(newest)?;
    let modules = parse_versions_yaml(&text).map_err(|e| BuildError::Go {
        command: format!("read versions.yaml of {OTEL}@{newest}"),
        stderr: e,
    })?;
    Ok(Some(release(newest, modules)))
}

/// `versions.yaml` of `go.opentelemetry.io/otel@version`, downloaded through the module proxy.
pub fn download_versions_yaml(go: &Go, version: &str) -> Result<String, BuildError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Downloaded {
        dir: String,
    }
    let args = ["mod", "download", "-json", &format!("{OTEL}@{version}")].map(String::from);
    let out = go.output(&args)?;
    let dir: Downloaded = serde_json::from_slice(&out).map_err(|e| BuildError::Go {
        command: args.join(" "),
        stderr: format!("unreadable output: {e}"),
    })?;
    let file = Path::new(&dir.dir).join("versions.yaml");
    std::fs::read_to_string(&file).map_err(BuildError::io("read", file))
}

/// What the plan knows about the user's graph, kept in the state directory for the build.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Alignment {
    /// The user's module graph without the runtime: path → selected version.
    pub user: BTreeMap<String, String>,
    pub release: Option<Release>,
}

const ALIGNMENT_FILE: &str = "alignment.json";

impl Alignment {
    /// The alignment of the build whose state directory is `state`, planned on first use from the
    /// user's go.mod or go.work `base`. A go.mod's graph is listed from a copy (`-mod=mod` may
    /// complete the copy); a workspace's as it is.
    pub fn of_build(base: &Path, state: &Path) -> Result<Alignment, BuildError> {
        let file = state.join(ALIGNMENT_FILE);
        if let Ok(json) = std::fs::read(&file) {
            if let Ok(alignment) = serde_json::from_slice(&json) {
                return Ok(alignment);
            }
        }
        let dir = base.parent().unwrap_or(Path::new("."));
        let user = if base.extension().is_some_and(|e| e == "work") {
            let go = Go {
                dir,
                env: vec![("GOWORK".into(), base.as_os_str().to_owned())],
            };
            list_modules(&go, &["list", "-m", "-json", "-e", "all"].map(String::from))?
        } else {
            let copy = state.join("user.mod");
            std::fs::copy(base, &copy).map_err(BuildError::io("copy", base))?;
            let _ = std::fs::copy(
                crate::modfile::sum_path(base),
                crate::modfile::sum_path(&copy),
            );
            list_modules(
                &Go {
                    dir,
                    env: Vec::new(),
                },
                &with_modfile(&copy),
            )?
        };
        let go = Go {
            dir,
            env: Vec::new(),
        };
        let release = choose_release(&user, |v| download_versions_yaml(&go, v))?;
        let alignment = Alignment { user, release };
        alignment.save(state)?;
        Ok(alignment)
    }

    /// Keeps the alignment for the rest of the build (`of_build` reads it back).
    pub fn save(&self, state: &Path) -> Result<(), BuildError> {
        let file = state.join(ALIGNMENT_FILE);
        std::fs::write(
            &file,
            serde_json::to_vec(self).expect("alignment serializes"),
        )
        .map_err(BuildError::io("write", &file))
    }

    /// The requirements the alternate go.mod adds: the runtime's otel modules at the release.
    pub fn requirements(&self, runtime: &[&RuntimeModule]) -> Vec<(String, String)> {
        let Some(release) = &self.release else {
            return Vec::new();
        };
        let ours: BTreeSet<&str> = runtime
            .iter()
            .flat_map(|m| m.requires.iter())
            .map(|(p, _)| p.as_str())
            .collect();
        release
            .modules
            .iter()
            .filter(|(p, _)| ours.contains(p.as_str()))
            .map(|(p, v)| (p.clone(), v.clone()))
            .collect()
    }

    pub fn logs_api_takes_attribute_values(&self) -> bool {
        self.release.as_ref().is_some_and(Release::logs_api_takes_attribute_values)
    }
}

/// `go list -m -json -e all` with go.mod file `modfile`. `-e`: a module whose go.mod cannot
/// be read (a `replace` to a directory that is not there) is listed without its requirements,
/// as `go build` never reads it unless the build imports from it; without `-e` the listing
/// fails where the user's own build works.
fn with_modfile(modfile: &Path) -> Vec<String> {
    [
        "list".to_string(),
        "-m".into(),
        "-json".into(),
        "-e".into(),
        "-mod=mod".into(),
        format!("-modfile={}", modfile.display()),
        "all".into(),
    ]
    .into()
}

/// Runs `go list -m -json …` (`args`): module path → selected version (a replacement's version
/// when it has one; empty for directory replacements and main modules).
fn list_modules(go: &Go, args: &[String]) -> Result<BTreeMap<String, String>, BuildError> {
    let out = go.output(args)?;
    let modules: Vec<crate::golist::Module> = serde_json::Deserializer::from_slice(&out)
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|e| BuildError::Go {
            command: format!("go {}", args.join(" ")),
            stderr: format!("unreadable output: {e}"),
        })?;
    Ok(modules
        .into_iter()
        .map(|m| {
            (
                m.path.clone(),
                m.effective_version().unwrap_or("").to_string(),
            )
        })
        .collect())
}

/// One of the user's linked modules at another version in the instrumented build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moved {
    pub path: String,
    pub from: String,
    pub to: String,
    /// Why: the chain of requirements from a runtime module, or the otel release alignment.
    pub why: String,
}

/// The user's modules among `linked` whose version differs between `before` and `after`.
pub fn moved(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    linked: &BTreeSet<String>,
) -> Vec<(String, String, String)> {
    linked
        .iter()
        .filter_map(|path| {
            let (from, to) = (before.get(path)?, after.get(path)?);
            (!from.is_empty() && !to.is_empty() && from != to)
                .then(|| (path.clone(), from.clone(), to.clone()))
        })
        .collect()
}

/// Why `path@to` is in the graph: `go mod graph` edges (`a@v b@v` lines; the main module has no
/// version), walked from the runtime's modules. Prefers a requirer that is not itself a runtime
/// module (`autotel.dev/go → go.opentelemetry.io/otel/sdk@v1.36.0 → golang.org/x/sys@v0.33.0`
/// says more than the runtime's own tidy listing of x/sys).
pub fn explain<'g>(
    mod_graph: &'g str,
    runtime_paths: &BTreeSet<String>,
    path: &str,
    to: &str,
) -> Option<String> {
    let mut edges: BTreeMap<&'g str, Vec<&'g str>> = BTreeMap::new();
    for line in mod_graph.lines() {
        if let Some((a, b)) = line.split_once(' ') {
            edges.entry(a).or_default().push(b.trim());
        }
    }
    let is_runtime = |node: &str| runtime_paths.contains(node.split('@').next().unwrap_or(node));
    let mut parent: BTreeMap<&'g str, &'g str> = BTreeMap::new();
    let mut queue: VecDeque<&str> = edges.keys().copied().filter(|n| is_runtime(n)).collect();
    let mut seen: BTreeSet<&str> = queue.iter().copied().collect();
    while let Some(node) = queue.pop_front() {
        for &next in edges.get(node).into_iter().flatten() {
            if seen.insert(next) {
                parent.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    let target = format!("{path}@{to}");
    let requirers = seen
        .iter()
        .copied()
        .filter(|n| edges.get(n).is_some_and(|e| e.contains(&target.as_str())));
    let chain = |mut node: &'g str| {
        let mut chain = vec![node];
        while let Some(&p) = parent.get(node) {
            chain.push(p);
            node = p;
        }
        chain.reverse();
        chain
    };
    let best = requirers
        .map(chain)
        .min_by_key(|c| (c.iter().all(|n| is_runtime(n)), c.len()))?;
    let shown: Vec<String> = best
        .iter()
        .map(|n| {
            if is_runtime(n) {
                n.split('@').next().unwrap_or(n).to_string()
            } else {
                n.to_string()
            }
        })
        .chain([target])
        .collect();
    Some(shown.join(" → "))
}

/// `go mod graph` lines for the modules the runtime's modules require (`a@v b@v`), read from
/// their go.mod files in the module cache (`cache/download/<escaped path>/@v/<version>.mod`).
fn requirements_of_runtime_dependencies(mod_graph: &str, runtime_paths: &BTreeSet<String>, modcache: &Path) -> String {
    let escape = |s: &str| s.chars().fold(String::new(), |mut out, c| {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
        out
    });
    let listed: BTreeSet<&str> = mod_graph.lines().filter_map(|l| l.split_once(' ')).map(|(a, _)| a).collect();
    let dependencies: BTreeSet<&str> = mod_graph
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(a, b)| runtime_paths.contains(a.split('@').next().unwrap_or(a)) && !listed.contains(b.trim()))
        .map(|(_, b)| b.trim())
        .collect();
    let mut out = String::new();
    for node in dependencies {
        let Some((path, version)) = node.split_once('@') else { continue };
        let file = modcache.join("cache/download").join(escape(path)).join("@v").join(format!("{}.mod", escape(version)));
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        for (required, v) in crate::modfile::required_versions(&text) {
            out.push_str(&format!("{node} {required}@{v}\n"));
        }
    }
    out
}

/// The note the build prints: one line per moved module, each with its reason.
pub fn report_text(moves: &[Moved]) -> Option<String> {
    if moves.is_empty() {
        return None;
    }
    let lines: Vec<String> = moves
        .iter()
        .map(|m| format!("  {} {} → {} ({})", m.path, m.from, m.to, m.why))
        .collect();
    Some(format!(
        "autotel: note: the hook runtime needs newer versions of some of your dependencies; the instrumented \
         build uses (your go.mod is unchanged):\n{}",
        lines.join("\n")
    ))
}

/// Lists the instrumented build's graph from the alternate go.mod `alternate` and says which of the
/// user's modules linked into the build (`linked`) moved, from what to what, and why.
pub fn moves_of_build(
    base: &Path,
    state: &Path,
    alternate: &Path,
    linked: &BTreeSet<String>,
    runtime: &[RuntimeModule],
) -> Result<Vec<Moved>, BuildError> {
    let alignment = Alignment::of_build(base, state)?;
    let go = Go {
        dir: base.parent().unwrap_or(Path::new(".")),
        env: Vec::new(),
    };
    let after = list_modules(&go, &with_modfile(alternate))?;
    let runtime_paths: BTreeSet<String> = runtime.iter().map(|m| m.path.clone()).collect();
    let changed: Vec<_> = moved(&alignment.user, &after, linked)
        .into_iter()
        .filter(|(p, _, _)| !runtime_paths.contains(p))
        .collect();
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    let args = [
        "mod".to_string(),
        "graph".into(),
        format!("-modfile={}", alternate.display()),
    ];
    let mut graph = String::from_utf8_lossy(&go.output(&args)?).to_string();
    // The build's graph is pruned: it lists what the runtime's modules require, not what their
    // requirements require. Those go.mod files are in the module cache (the go command read them).
    let modcache = go.output(&["env".to_string(), "GOMODCACHE".into()])?;
    graph.push_str(&requirements_of_runtime_dependencies(&graph, &runtime_paths, Path::new(String::from_utf8_lossy(&modcache).trim())));
    Ok(changed
        .into_iter()
        .map(|(path, from, to)| {
            let aligned = alignment.release.as_ref().filter(|r| r.modules.get(&path) == Some(&to));
            let why = match aligned {
                Some(r) => format!(
                    "the hook runtime's OpenTelemetry modules move together, to release {} of your {} {}",
                    r.otel, r.because.0, r.because.1
                ),
                None => explain(&graph, &runtime_paths, &path, &to).unwrap_or_else(|| "required through the hook runtime".into()),
            };
            Moved { path, from, to, why }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(p, v)| (p.to_string(), v.to_string()))
            .collect()
    }

    fn no_download(v: &str) -> Result<String, BuildError> {
        panic!("the table knows every train up to the newest, asked for {v}")
    }

    #[test]
    fn trains_ascend_and_the_log_api_turns_v1_at_1_47() {
        for pair in TRAINS.windows(2) {
            assert!(
                newer(pair[1].otel, pair[0].otel) && !newer(pair[0].logs_api, pair[1].logs_api),
                "{pair:?}"
            );
        }
        let last = TRAINS.last().unwrap().modules();
        assert_eq!(last["go.opentelemetry.io/otel/sdk/log"], "v1.47.0");
        assert_eq!(
            last["go.opentelemetry.io/otel/exporters/stdout/stdoutlog"],
            "v0.23.0"
        );
    }

    #[test]
    fn no_otel_or_older_otel_keeps_the_runtime_release() {
        assert_eq!(
            choose_release(&graph(&[("golang.org/x/sys", "v0.13.0")]), no_download).unwrap(),
            None
        );
        let old = graph(&[
            (OTEL, "v1.20.0"),
            ("go.opentelemetry.io/otel/trace", "v1.20.0"),
        ]);
        assert_eq!(choose_release(&old, no_download).unwrap(), None);
    }

    #[test]
    fn a_newer_graph_raises_every_runtime_otel_module_to_its_train() {
        let user = graph(&[
            (OTEL, "v1.40.0"),
            ("go.opentelemetry.io/otel/log", "v0.16.0"),
            ("go.opentelemetry.io/otel/trace", "v1.40.0"),
        ]);
        let release = choose_release(&user, no_download).unwrap().unwrap();
        assert_eq!(release.otel, "v1.40.0");
        assert_eq!(
            release.modules["go.opentelemetry.io/otel/sdk/log"],
            "v0.16.0"
        );
        assert_eq!(release.because, (OTEL.to_string(), "v1.40.0".to_string()));
        assert!(!release.logs_api_takes_attribute_values());
        for (otel, attribute_values) in [("v1.44.0", false), ("v1.45.0", true), ("v1.46.0", true)] {
            let release = choose_release(&graph(&[(OTEL, otel)]), no_download).unwrap().unwrap();
            assert_eq!(release.logs_api_takes_attribute_values(), attribute_values, "otel {otel}");
        }
        // A graph that mixes trains gets the one that covers all of it.
        let mixed = graph(&[
            ("go.opentelemetry.io/otel/trace", "v1.36.0"),
            ("go.opentelemetry.io/otel/sdk/log", "v1.47.0"),
        ]);
        let release = choose_release(&mixed, no_download).unwrap().unwrap();
        assert_eq!(
            (release.otel.as_str(), release.logs_api_takes_attribute_values()),
            ("v1.47.0", true)
        );
    }

    #[test]
    fn an_unknown_train_is_read_from_its_versions_yaml() {
        let yaml = "module-sets:\n  stable-v1:\n    version: v1.48.0\n    modules:\n      - go.opentelemetry.io/otel\n      - go.opentelemetry.io/otel/log\n  experimental-logs:\n    version: v0.24.0\n    modules:\n      - go.opentelemetry.io/otel/exporters/stdout/stdoutlog\nexcluded-modules:\n  - x\n";
        let user = graph(&[(OTEL, "v1.48.0")]);
        let release = choose_release(&user, |v| {
            assert_eq!(v, "v1.48.0");
            Ok(yaml.to_string())
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            release.modules["go.opentelemetry.io/otel/exporters/stdout/stdoutlog"],
            "v0.24.0"
        );
        assert!(release.logs_api_takes_attribute_values());
    }

    #[test]
    fn only_linked_modules_that_changed_moved() {
        let before = graph(&[("a", "v1.0.0"), ("b", "v1.0.0"), ("c", "v1.0.0")]);
        let after = graph(&[
            ("a", "v1.1.0"),
            ("b", "v1.0.0"),
            ("c", "v2.0.0"),
            ("d", "v1.0.0"),
        ]);
        let linked: BTreeSet<String> = ["a", "b", "d"].map(String::from).into();
        assert_eq!(
            moved(&before, &after, &linked),
            vec![("a".into(), "v1.0.0".into(), "v1.1.0".into())]
        );
    }

    #[test]
    fn reads_the_requirements_of_the_runtime_dependencies_from_the_module_cache() {
        let cache = tempfile::tempdir().unwrap();
        let dir = cache.path().join("cache/download/github.com/!burnt!sushi/toml/@v");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("v1.0.0.mod"), "module github.com/BurntSushi/toml\n\nrequire golang.org/x/sys v0.28.0\n").unwrap();
        let g = "autotel.dev/go@v0.0.0 github.com/BurntSushi/toml@v1.0.0\nautotel.dev/go@v0.0.0 golang.org/x/sys@v0.28.0\n";
        let runtime: BTreeSet<String> = ["autotel.dev/go".to_string()].into();
        let extra = requirements_of_runtime_dependencies(g, &runtime, cache.path());
        assert_eq!(extra, "github.com/BurntSushi/toml@v1.0.0 golang.org/x/sys@v0.28.0\n");
        assert_eq!(
            explain(&format!("{g}{extra}"), &runtime, "golang.org/x/sys", "v0.28.0").as_deref(),
            Some("autotel.dev/go → github.com/BurntSushi/toml@v1.0.0 → golang.org/x/sys@v0.28.0")
        );
    }

    #[test]
    fn explains_a_move_through_the_requirer_that_is_not_the_runtime() {
        let g = "example.com/app autotel.dev/go@v0.0.0\nexample.com/app golang.org/x/sys@v0.13.0\n\
                 autotel.dev/go@v0.0.0 golang.org/x/sys@v0.28.0\nautotel.dev/go@v0.0.0 go.opentelemetry.io/otel/sdk@v1.33.0\n\
                 go.opentelemetry.io/otel/sdk@v1.33.0 golang.org/x/sys@v0.28.0\n";
        let runtime: BTreeSet<String> = ["autotel.dev/go".to_string()].into();
        assert_eq!(
            explain(g, &runtime, "golang.org/x/sys", "v0.28.0").as_deref(),
            Some(
                "autotel.dev/go → go.opentelemetry.io/otel/sdk@v1.33.0 → golang.org/x/sys@v0.28.0"
            )
        );
        assert_eq!(explain(g, &runtime, "golang.org/x/sys", "v0.13.0"), None);
    }
}
