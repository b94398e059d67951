//! Go build information from the `.go.buildinfo` section: the Go version, the main module and
//! the version of every dependency module, as `go version -m` prints them.
//!
//! Only the inline layout written by Go 1.18 and later is read; older binaries are reported as
//! unsupported rather than guessed at.

use crate::binary::Binary;
use crate::error::AttachError;

const MAGIC: &[u8] = b"\xff Go buildinf:";
/// Flag bit: version and module strings follow the header inline (Go 1.18+).
const FLAG_INLINE: u8 = 0x2;

/// A module as recorded in the build info (`mod` / `dep` lines, with `=>` replacements).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    pub version: String,
    /// `Some((path, version))` when replaced by a `=>` line.
    pub replace: Option<(String, String)>,
}

impl Module {
    /// The version that was actually built (the replacement's if any and it has one).
    pub fn effective_version(&self) -> &str {
        match &self.replace {
            Some((_, v)) if !v.is_empty() => v,
            _ => &self.version,
        }
    }
}

/// Parsed build information.
#[derive(Debug, Clone, Default)]
pub struct BuildInfo {
    /// For example `go1.22.5`.
    pub go_version: String,
    /// The `path` line (the main package's import path).
    pub path: String,
    pub main: Option<Module>,
    pub deps: Vec<Module>,
    /// `build` lines as key/value pairs (`-ldflags`, `CGO_ENABLED`, `GOARCH`, …).
    pub settings: Vec<(String, String)>,
}

impl BuildInfo {
    pub fn dep(&self, path: &str) -> Option<&Module> {
        self.deps.iter().find(|m| m.path == path)
    }

    /// The dependency whose module holds the package of `name`, a qualified type or function
    /// name such as `github.com/a/b/pkg.T` (the longest matching module path wins).
    pub fn module_of(&self, name: &str) -> Option<&Module> {
        self.deps
            .iter()
            .filter(|m| {
                name.strip_prefix(m.path.as_str())
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('/'))
            })
            .max_by_key(|m| m.path.len())
    }

    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `(major, minor, patch)` of the Go release, e.g. `(1, 22, 5)`; devel builds give `None`.
    pub fn go_semver(&self) -> Option<(u32, u32, u32)> {
        parse_go_version(&self.go_version)
    }

    /// Reads the build info of a binary.
    pub fn read(bin: &Binary) -> Result<BuildInfo, AttachError> {
        let data = match bin.section_data(".go.buildinfo") {
            Some(d) => d,
            None => {
                // Some linkers merge the section away; the blob is 16-byte aligned in a
                // data segment, so look for the magic in the whole file.
                let pos = find(&bin.data, MAGIC).ok_or_else(|| AttachError::NotGo {
                    path: bin.path.clone(),
                    reason: "no .go.buildinfo section and no build-info magic".into(),
                })?;
                &bin.data[pos..]
            }
        };
        if !data.starts_with(MAGIC) || data.len() < 32 {
            return Err(AttachError::NotGo {
                path: bin.path.clone(),
                reason: ".go.buildinfo does not start with the build-info magic".into(),
            });
        }
        let flags = data[15];
        if flags & FLAG_INLINE == 0 {
            return Err(AttachError::NotGo {
                path: bin.path.clone(),
                reason: "built by Go older than 1.18 (pointer-style build info), which attach does not support".into(),
            });
        }
        let mut rest = &data[32..];
        let go_version = read_varint_string(&mut rest)
            .ok_or_else(|| bin.malformed(".go.buildinfo", "truncated Go version string"))?;
        let modinfo = read_varint_bytes(&mut rest)
            .ok_or_else(|| bin.malformed(".go.buildinfo", "truncated module info string"))?;
        let mut info = BuildInfo {
            go_version,
            ..Default::default()
        };
        // The module info is framed by 16-byte (binary) sentinels.
        let modinfo = if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
            &modinfo[16..modinfo.len() - 16]
        } else {
            modinfo
        };
        parse_modinfo(&String::from_utf8_lossy(modinfo), &mut info);
        Ok(info)
    }
}

fn parse_modinfo(text: &str, info: &mut BuildInfo) {
    for line in text.lines() {
        let mut f = line.split('\t');
        let kind = f.next().unwrap_or("");
        let a = f.next().unwrap_or("").to_owned();
        let b = f.next().unwrap_or("").to_owned();
        match kind {
            "path" => info.path = a,
            "mod" => {
                info.main = Some(Module {
                    path: a,
                    version: b,
                    replace: None,
                })
            }
            "dep" => info.deps.push(Module {
                path: a,
                version: b,
                replace: None,
            }),
            "=>" => {
                if let Some(last) = info.deps.last_mut() {
                    last.replace = Some((a, b));
                }
            }
            "build" => {
                if let Some((k, v)) = a.split_once('=') {
                    info.settings.push((k.to_owned(), v.to_owned()));
                }
            }
            _ => {}
        }
    }
}

/// `go1.22.5` → `(1, 22, 5)`, `go1.23` → `(1, 23, 0)`, `go1.24rc1` → `(1, 24, 0)`.
pub fn parse_go_version(v: &str) -> Option<(u32, u32, u32)> {
    let v = v.strip_prefix("go")?;
    let v = v.split([' ', '-', '+']).next()?;
    let mut parts = v.split('.');
    let num = |s: Option<&str>| -> Option<u32> {
        let s = s?;
        let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse().ok()
    };
    let major = num(parts.next())?;
    let minor = num(parts.next())?;
    let patch = num(parts.next()).unwrap_or(0);
    Some((major, minor, patch))
}

fn read_varint_string(rest: &mut &[u8]) -> Option<String> {
    read_varint_bytes(rest).map(|b| String::from_utf8_lossy(b).into_owned())
}

fn read_varint_bytes<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let mut len: u64 = 0;
    let mut shift = 0;
    loop {
        let (&b, tail) = rest.split_first()?;
        *rest = tail;
        len |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    let len = usize::try_from(len).ok()?;
    let s = rest.get(..len)?;
    *rest = &rest[len..];
    Some(s)
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_versions() {
        assert_eq!(parse_go_version("go1.22.5"), Some((1, 22, 5)));
        assert_eq!(parse_go_version("go1.23"), Some((1, 23, 0)));
        assert_eq!(parse_go_version("go1.24rc1"), Some((1, 24, 0)));
        assert_eq!(parse_go_version("go1.25.0 X:nocoverageredesign"), Some((1, 25, 0)));
        assert_eq!(parse_go_version("devel +abc"), None);
    }

    #[test]
    fn modinfo_lines() {
        let mut info = BuildInfo::default();
        parse_modinfo(
            "path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgithub.com/redis/go-redis/v9\tv9.5.1\th1:x=\n=>\t../redis\t\t\nbuild\tCGO_ENABLED=0\n",
            &mut info,
        );
        assert_eq!(info.path, "example.com/app");
        assert_eq!(info.main.as_ref().map(|m| m.version.as_str()), Some("(devel)"));
        let r = info.dep("github.com/redis/go-redis/v9").expect("dep");
        assert_eq!(r.version, "v9.5.1");
        assert_eq!(r.replace, Some(("../redis".into(), "".into())));
        assert_eq!(r.effective_version(), "v9.5.1");
        assert_eq!(info.setting("CGO_ENABLED"), Some("0"));
    }
}
