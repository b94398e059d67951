//! The Go releases autotel is tested with, from `go-releases.txt` (which scripts/go-matrix
//! reads too), so the oldest supported release is written down once.

const LIST: &str = include_str!("../go-releases.txt");

/// Every tested release (`go1.23.12`), oldest first.
pub fn tested() -> impl Iterator<Item = &'static str> {
    LIST.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The oldest Go release autotel supports.
pub fn oldest() -> &'static str {
    tested().next().expect("go-releases.txt lists at least one release")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list is what its readers expect, and its oldest release is of the oldest minor line
    /// the hook runtime's modules declare in their `go` lines.
    #[test]
    fn the_oldest_release_is_the_runtimes_go_line() {
        let releases: Vec<&str> = tested().collect();
        for r in &releases {
            let parts: Vec<&str> = r.strip_prefix("go1.").unwrap_or_else(|| panic!("{r}: not go1.N.P")).split('.').collect();
            assert!(parts.len() == 2 && parts.iter().all(|p| p.parse::<u32>().is_ok()), "{r}: not go1.N.P");
        }
        let minor = |r: &str| r.split('.').nth(1).unwrap().parse::<u32>().unwrap();
        assert!(releases.windows(2).all(|w| minor(w[0]) < minor(w[1])), "{releases:?}: not oldest first, one per minor");
        // `go 1.23.0` → 23
        let line_minor = |m: &crate::runtime::RuntimeModule| {
            let line = m.go_version.clone().unwrap_or_else(|| panic!("{} has no go line", m.path));
            line.split('.').nth(1).and_then(|n| n.parse::<u32>().ok()).unwrap_or_else(|| panic!("{}: go {line}", m.path))
        };
        let oldest_line = crate::runtime::modules().iter().map(line_minor).min().expect("the runtime has modules");
        assert_eq!(minor(oldest()), oldest_line, "the oldest tested Go against the runtime's oldest go line");
    }
}
