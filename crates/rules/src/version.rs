//! Versions and version ranges of Go releases and Go modules.
//!
//! Rules carry ranges such as `">=1.23"` or `">=1.7.0, <2"`. They are parsed once, when a rule file
//! is loaded, into [`VersionRange`]; nothing past the parse boundary handles them as strings.
//! Go release names (`go1.26.8`, `go1.27rc1`), module versions (`v1.9.1`, pseudo-versions,
//! `+incompatible`) and bare numbers (`1.23`) all parse to the same [`Version`].

use std::cmp::Ordering;
use std::fmt;

/// A version: `major.minor.patch` with an optional pre-release part, which sorts before the
/// release it precedes (so `1.27rc1 < 1.27.0` and a pseudo-version `v0.0.0-2024…` < `v0.0.0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Option<String>,
}

impl Version {
    /// Parses `1`, `1.23`, `1.23.4`, with an optional `v` or `go` prefix, a pre-release after `-`
    /// or directly after the numbers (`go1.27rc1`), and a `+build` suffix that is ignored.
    pub fn parse(text: &str) -> Result<Version, String> {
        let original = text;
        let text = text.trim();
        let text = text.strip_prefix("go").or_else(|| text.strip_prefix('v')).unwrap_or(text);
        let text = text.split('+').next().unwrap_or(text);
        let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
        let (numbers, rest) = text.split_at(end);
        if numbers.is_empty() {
            return Err(format!("invalid version `{original}`: expected a number"));
        }
        let pre = rest.strip_prefix('-').unwrap_or(rest);
        let mut parts = numbers.split('.');
        let mut next = |what: &str, required: bool| -> Result<u64, String> {
            match parts.next() {
                Some(p) if !p.is_empty() => p
                    .parse()
                    .map_err(|_| format!("invalid {what} number in version `{original}`")),
                Some(_) => Err(format!("invalid version `{original}`")),
                None if required => unreachable!("checked above"),
                None => Ok(0),
            }
        };
        let version = Version {
            major: next("major", true)?,
            minor: next("minor", false)?,
            patch: next("patch", false)?,
            pre: (!pre.is_empty()).then(|| pre.to_string()),
        };
        if parts.next().is_some() {
            return Err(format!("invalid version `{original}`: too many components"));
        }
        Ok(version)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A conjunction of comparisons (`>=1.7.0, <2`); the empty range admits every version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionRange {
    bounds: Vec<(Op, Version)>,
}

impl VersionRange {
    /// The range that admits every version.
    pub fn any() -> VersionRange {
        VersionRange::default()
    }

    pub fn parse(text: &str) -> Result<VersionRange, String> {
        let mut bounds = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!("empty comparison in version range `{text}`"));
            }
            let (op, rest) = [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt), ("=", Op::Eq)]
                .iter()
                .find_map(|(prefix, op)| part.strip_prefix(prefix).map(|rest| (*op, rest)))
                .ok_or_else(|| {
                    format!("version range `{text}`: `{part}` must start with >=, >, <=, < or =")
                })?;
            bounds.push((op, Version::parse(rest)?));
        }
        Ok(VersionRange { bounds })
    }

    /// Whether `version` satisfies every bound. `<X` also leaves out the pre-releases of X
    /// (`<1.28` admits no `go1.28rc1`): a release candidate belongs to the release it precedes.
    pub fn contains(&self, version: &Version) -> bool {
        let pre_release_of = |bound: &Version| {
            bound.pre.is_none()
                && version.pre.is_some()
                && (version.major, version.minor, version.patch) == (bound.major, bound.minor, bound.patch)
        };
        self.bounds.iter().all(|(op, bound)| match op {
            Op::Eq => version == bound,
            Op::Lt => version < bound && !pre_release_of(bound),
            Op::Le => version <= bound,
            Op::Gt => version > bound,
            Op::Ge => version >= bound,
        })
    }

    /// Whether `version` satisfies the range's lower bounds (`>=`, `>`, `=`): it is inside the
    /// range or newer than it, never older.
    pub fn reaches(&self, version: &Version) -> bool {
        self.bounds.iter().all(|(op, bound)| match op {
            Op::Eq => version == bound,
            Op::Gt => version > bound,
            Op::Ge => version >= bound,
            Op::Lt | Op::Le => true,
        })
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bounds.is_empty() {
            return f.write_str("any");
        }
        for (i, (op, v)) in self.bounds.iter().enumerate() {
            let op = match op {
                Op::Eq => "=",
                Op::Lt => "<",
                Op::Le => "<=",
                Op::Gt => ">",
                Op::Ge => ">=",
            };
            write!(f, "{}{op}{v}", if i == 0 { "" } else { ", " })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn parses_go_and_module_versions() {
        assert_eq!(v("go1.26.8").to_string(), "1.26.8");
        assert_eq!(v("1.23").to_string(), "1.23.0");
        assert_eq!(v("v1.9.1").to_string(), "1.9.1");
        assert_eq!(v("go1.27rc1").to_string(), "1.27.0-rc1");
        assert_eq!(v("v2.0.0+incompatible").to_string(), "2.0.0");
        assert_eq!(v("v0.0.0-20240101120000-abcdef123456").to_string(), "0.0.0-20240101120000-abcdef123456");
        assert_eq!(Version::parse("x1").unwrap_err(), "invalid version `x1`: expected a number");
        assert_eq!(Version::parse("1.2.3.4").unwrap_err(), "invalid version `1.2.3.4`: too many components");
    }

    #[test]
    fn orders_pre_releases_before_releases() {
        assert!(v("go1.27rc1") < v("go1.27.0"));
        assert!(v("go1.26.8") < v("go1.27rc1"));
        assert!(v("v0.0.0-2024") < v("v0.0.0"));
    }

    #[test]
    fn ranges() {
        let r = VersionRange::parse(">=1.7.0, <2").unwrap();
        assert!(r.contains(&v("v1.7.0")));
        assert!(r.contains(&v("v1.10.1")));
        assert!(!r.contains(&v("v1.6.9")));
        assert!(!r.contains(&v("v2.0.0")));
        assert!(VersionRange::any().contains(&v("0.0.1")));
        assert_eq!(r.to_string(), ">=1.7.0, <2.0.0");
        assert!(VersionRange::parse(">=1.23").unwrap().contains(&v("go1.26.8")));
        let go = VersionRange::parse(">=1.23, <1.28").unwrap();
        assert!(go.contains(&v("go1.27.4")));
        assert!(!go.contains(&v("go1.28rc1")), "a release candidate of 1.28 is past <1.28");
        assert!(go.contains(&v("go1.27rc1")));
        assert!(go.reaches(&v("go1.28rc1")) && go.reaches(&v("go1.23.0")) && !go.reaches(&v("go1.22.12")));
        assert_eq!(
            VersionRange::parse("~1.2").unwrap_err(),
            "version range `~1.2`: `~1.2` must start with >=, >, <=, < or ="
        );
    }
}
