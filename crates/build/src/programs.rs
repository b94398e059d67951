//! Which hook packages each program of the build links.
//!
//! A program (a main package, or the test main `pkg.test` of a package under `go test`) needs
//! the SDK bootstrap, the hooks of the rules for every main package, and the hook package of
//! every rule whose target it contains: a rewritten target calls its hooks through pull
//! linknames, so the link fails without them, and a hook package imports its library, so one
//! whose target is absent would add that library to the program. The hook packages' own
//! dependencies count too (net/http's hooks come with the SDK's exporter), so the set is grown
//! until it stops changing. The program's contents come from `go list -deps [-test]`; those of
//! the hook packages from the listing that builds their archives.

use crate::golist::Package;
use crate::runtime::SDK_PACKAGE;
use std::collections::{BTreeMap, BTreeSet};

/// The import path without its test-variant suffix: `pkg [pkg.test]` is `pkg` rewritten the same.
pub fn without_variant(import_path: &str) -> &str {
    import_path.split_once(" [").map_or(import_path, |(path, _)| path)
}

/// The hook packages of each program in `graph`, by its import path (`pkg.test` for a test
/// main); the SDK bootstrap first, then by import path.
///
/// `hooks_by_target` comes from rule matching (`main` keys the rules of every main package);
/// `hook_deps` holds the dependencies of each hook package.
pub fn hook_imports(
    graph: &[Package],
    hooks_by_target: &BTreeMap<String, BTreeSet<String>>,
    hook_deps: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    programs(graph)
        .map(|program| (program.import_path.clone(), program_hooks(program, hooks_by_target, hook_deps)))
        .collect()
}

/// The programs of `graph`: its main packages and test mains (not the test variants of mains).
pub fn programs(graph: &[Package]) -> impl Iterator<Item = &Package> {
    graph.iter().filter(|p| p.name == "main" && !p.import_path.contains(" ["))
}

fn program_hooks(
    program: &Package,
    hooks_by_target: &BTreeMap<String, BTreeSet<String>>,
    hook_deps: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let mut contents: BTreeSet<&str> =
        program.deps.iter().map(|d| without_variant(d)).chain(["main"]).collect();
    let mut hooks: BTreeSet<&str> = BTreeSet::from([SDK_PACKAGE]);
    loop {
        for hook in &hooks {
            contents.insert(hook);
            contents.extend(hook_deps.get(*hook).into_iter().flatten().map(|d| without_variant(d)));
        }
        let grown: BTreeSet<&str> = contents
            .iter()
            .filter_map(|target| hooks_by_target.get(*target))
            .flatten()
            .map(String::as_str)
            .chain([SDK_PACKAGE])
            .collect();
        if grown == hooks {
            break;
        }
        hooks = grown;
    }
    std::iter::once(SDK_PACKAGE).chain(hooks.into_iter().filter(|h| *h != SDK_PACKAGE)).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(path: &str, name: &str, deps: &[&str]) -> Package {
        Package {
            import_path: path.into(),
            name: name.into(),
            deps: deps.iter().map(|d| d.to_string()).collect(),
            ..Package::default()
        }
    }

    fn hooks(pairs: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
        let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (target, hooks) in pairs {
            map.entry(target.to_string()).or_default().insert(hooks.to_string());
        }
        map
    }

    #[test]
    fn each_program_gets_the_hooks_of_the_targets_it_contains() {
        let graph = [
            package("example.com/lib", "lib", &["net/http"]),
            package("example.com/lib [example.com/lib.test]", "lib", &["net/http"]),
            package("example.com/lib.test", "main", &["example.com/lib [example.com/lib.test]", "net/http", "testing"]),
            package("example.com/lib/internal/bytes.test", "main", &["example.com/lib/internal/bytes", "testing"]),
            package("example.com/cmd/api", "main", &["example.com/lib", "database/sql"]),
        ];
        let by_target = hooks(&[
            ("example.com/lib", "example.com/lib/hooks"),
            ("net/http", "autotel.dev/go/hooks/nethttp"),
            ("database/sql", "autotel.dev/go/hooks/databasesql"),
            ("runtime", "autotel.dev/go/gls"),
            ("main", SDK_PACKAGE),
        ]);
        // The SDK's exporter brings net/http and the runtime into every program.
        let deps = BTreeMap::from([(SDK_PACKAGE.to_string(), vec!["net/http".to_string(), "runtime".to_string()])]);
        let imports = hook_imports(&graph, &by_target, &deps);
        assert_eq!(imports.len(), 3, "{imports:?}");
        assert_eq!(
            imports["example.com/lib.test"],
            [SDK_PACKAGE, "autotel.dev/go/gls", "autotel.dev/go/hooks/nethttp", "example.com/lib/hooks"]
        );
        assert_eq!(imports["example.com/lib/internal/bytes.test"], [SDK_PACKAGE, "autotel.dev/go/gls", "autotel.dev/go/hooks/nethttp"]);
        assert_eq!(
            imports["example.com/cmd/api"],
            [SDK_PACKAGE, "autotel.dev/go/gls", "autotel.dev/go/hooks/databasesql", "autotel.dev/go/hooks/nethttp", "example.com/lib/hooks"]
        );
    }

    #[test]
    fn targets_that_only_hook_packages_bring_count() {
        let graph = [package("example.com/cmd/tool", "main", &["fmt"])];
        let by_target = hooks(&[("example.com/kv", "example.com/kv/hooks"), ("log", "autotel.dev/go/hooks/stdlog")]);
        let deps = BTreeMap::from([(SDK_PACKAGE.to_string(), vec!["log".to_string()])]);
        assert_eq!(hook_imports(&graph, &by_target, &deps)["example.com/cmd/tool"], [SDK_PACKAGE, "autotel.dev/go/hooks/stdlog"]);
    }
}
