//! `//go:build` constraints of the files rules add to a package.
//!
//! The go command selects a package's own files by their build constraints before it runs the
//! compiler; files added by autotel reach the compiler behind its back, so autotel evaluates their
//! constraints itself, against the same build context (GOOS, GOARCH, `unix`, `cgo`, the user's
//! `-tags`, `gc`, and the `go1.N` release tags), which the plan records.

/// Whether `source` (a whole Go file) may be compiled with the tags in `satisfied`. A file with no
/// `//go:build` line always may; a constraint that does not parse is an error.
pub fn file_matches(source: &str, satisfied: &[String]) -> Result<bool, String> {
    for line in source.lines() {
        let line = line.trim();
        if let Some(expr) = line.strip_prefix("//go:build") {
            return evaluate(expr, satisfied);
        }
        // Constraints stand before the package clause, among comments and blank lines only.
        if !(line.is_empty() || line.starts_with("//")) {
            break;
        }
    }
    Ok(true)
}

/// The tags a build context satisfies.
pub fn context_tags(goos: &str, goarch: &str, cgo: bool, user_tags: &str, go_minor: u64) -> Vec<String> {
    const UNIX: &[&str] =
        &["aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "linux", "netbsd", "openbsd", "solaris"];
    let mut tags = vec![goos.to_string(), goarch.to_string(), "gc".to_string()];
    if UNIX.contains(&goos) {
        tags.push("unix".into());
    }
    if cgo {
        tags.push("cgo".into());
    }
    tags.extend(user_tags.split([',', ' ']).filter(|t| !t.is_empty()).map(str::to_string));
    tags.extend((1..=go_minor).map(|minor| format!("go1.{minor}")));
    tags
}

fn evaluate(expr: &str, satisfied: &[String]) -> Result<bool, String> {
    let tokens = tokenize(expr)?;
    let mut parser = Parser { tokens: &tokens, at: 0, satisfied };
    let value = parser.or()?;
    if parser.at != tokens.len() {
        return Err(format!("invalid //go:build line: `{}`", expr.trim()));
    }
    Ok(value)
}

fn tokenize(expr: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '(' | ')' | '!' => {
                tokens.push(c.to_string());
                chars.next();
            }
            '&' | '|' => {
                chars.next();
                if chars.next() != Some(c) {
                    return Err(format!("invalid //go:build line: `{}`", expr.trim()));
                }
                tokens.push(format!("{c}{c}"));
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' => {
                let mut word = String::new();
                while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || **c == '_' || **c == '.') {
                    word.push(c);
                    chars.next();
                }
                tokens.push(word);
            }
            _ => return Err(format!("invalid //go:build line: `{}`", expr.trim())),
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: &'a [String],
    at: usize,
    satisfied: &'a [String],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn or(&mut self) -> Result<bool, String> {
        let mut value = self.and()?;
        while self.peek() == Some("||") {
            self.at += 1;
            value |= self.and()?;
        }
        Ok(value)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut value = self.not()?;
        while self.peek() == Some("&&") {
            self.at += 1;
            value &= self.not()?;
        }
        Ok(value)
    }

    fn not(&mut self) -> Result<bool, String> {
        match self.peek() {
            Some("!") => {
                self.at += 1;
                Ok(!self.not()?)
            }
            Some("(") => {
                self.at += 1;
                let value = self.or()?;
                if self.peek() != Some(")") {
                    return Err("invalid //go:build line: unbalanced parentheses".into());
                }
                self.at += 1;
                Ok(value)
            }
            Some(word) if !matches!(word, ")" | "&&" | "||") => {
                let value = self.satisfied.iter().any(|t| t == word);
                self.at += 1;
                Ok(value)
            }
            _ => Err("invalid //go:build line: expected a tag".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags() -> Vec<String> {
        context_tags("linux", "amd64", true, "integ,prod", 26)
    }

    #[test]
    fn evaluates_constraints_like_the_go_command() {
        let check = |src: &str| file_matches(src, &tags()).unwrap();
        assert!(check("package http\n"));
        assert!(check("//go:build !nethttpomithttp2\n\npackage http\n"));
        assert!(!check("//go:build nethttpomithttp2\n\npackage http\n"));
        assert!(check("// Comment.\n//go:build linux && (amd64 || arm64) && go1.23\npackage x\n"));
        assert!(!check("//go:build linux && !cgo\npackage x\n"));
        assert!(check("//go:build unix && integ\npackage x\n"));
        assert!(!check("//go:build go1.27\npackage x\n"));
        assert!(check("package x\n//go:build never\n"), "a constraint after the package clause is no constraint");
        assert_eq!(file_matches("//go:build linux &&\npackage x\n", &tags()), Err("invalid //go:build line: expected a tag".into()));
        assert_eq!(file_matches("//go:build a & b\n", &tags()), Err("invalid //go:build line: `a & b`".into()));
    }
}
