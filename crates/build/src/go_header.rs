//! The header of a Go source file: everything up to the end of its import declarations (build
//! constraints, package clause, cgo preamble, imports). It is all the go command reads of a file
//! to list its package (`go list` parses imports only), so it is what the plan cache
//! (`plan_cache.rs`) hashes of the main module's files: an edit below the imports keeps the
//! plan, an added import replans. Also the package clause's name alone ([`package_name`]), by
//! which the toolexec proxy knows a plugin's main package. No I/O.

/// The length of `source`'s header: the bytes up to the end of its last import declaration, or
/// of the package clause when it has none. A file the scanner cannot follow (an unterminated
/// comment or string, an import declaration cut short) is header to its last byte, so every
/// byte of it counts.
pub fn header_len(source: &[u8]) -> usize {
    let bom = if source.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut scanner = Scanner { source, pos: bom, broken: false };
    match scan_header(&mut scanner) {
        Some(end) if !scanner.broken => end,
        _ => source.len(),
    }
}

/// The name in `source`'s package clause; `None` when the file does not start with one.
pub fn package_name(source: &[u8]) -> Option<&[u8]> {
    let bom = if source.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut scanner = Scanner { source, pos: bom, broken: false };
    match (scanner.next(false)?, scanner.next(false)?) {
        (Token::Ident(b"package"), Token::Ident(name)) => Some(name),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Token<'a> {
    Ident(&'a [u8]),
    String,
    Punct(u8),
    /// A newline where Go inserts a semicolon (after an identifier, a string or `)`).
    Semicolon,
}

struct Scanner<'a> {
    source: &'a [u8],
    pos: usize,
    /// A comment or string runs past the end of the file (or a string past its line).
    broken: bool,
}

/// `None` when the file ends or breaks inside a construct the header needs.
fn scan_header(s: &mut Scanner) -> Option<usize> {
    if s.next(false)? != Token::Ident(b"package") {
        return None;
    }
    if !matches!(s.next(false)?, Token::Ident(_)) {
        return None;
    }
    let mut end = s.pos;
    loop {
        match s.next(false) {
            Some(Token::Punct(b';')) => continue,
            Some(Token::Ident(b"import")) => {}
            // The first declaration that is not an import (or the end of the file) ends the header.
            _ => return Some(end),
        }
        match s.next(false)? {
            Token::Punct(b'(') => loop {
                match s.next(true)? {
                    Token::Punct(b')') => break,
                    Token::Semicolon | Token::Punct(b';') => continue,
                    first => import_spec(s, first)?,
                }
            },
            first => import_spec(s, first)?,
        }
        end = s.pos;
    }
}

/// `[name | . | _] "path"`, given its first token.
fn import_spec<'a>(s: &mut Scanner<'a>, first: Token<'a>) -> Option<()> {
    match first {
        Token::String => Some(()),
        Token::Ident(_) | Token::Punct(b'.') => (s.next(true)? == Token::String).then_some(()),
        _ => None,
    }
}

impl<'a> Scanner<'a> {
    fn peek(&self, offset: usize) -> Option<u8> {
        self.source.get(self.pos + offset).copied()
    }

    /// The next token, comments and blanks skipped; with `newlines`, a line break after a string
    /// or an identifier is a [`Token::Semicolon`] (only the import block needs them).
    fn next(&mut self, newlines: bool) -> Option<Token<'a>> {
        let after_operand = self.last_was_operand();
        loop {
            match self.peek(0)? {
                b'\n' if newlines && after_operand => {
                    self.pos += 1;
                    return Some(Token::Semicolon);
                }
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'/' if self.peek(1) == Some(b'/') => {
                    while self.peek(0).is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == Some(b'*') => {
                    let Some(close) = self.source[self.pos + 2..].windows(2).position(|w| w == b"*/") else {
                        self.broken = true;
                        return None;
                    };
                    let comment = &self.source[self.pos..self.pos + 2 + close + 2];
                    self.pos += comment.len();
                    // A block comment holding a line break acts as one.
                    if newlines && after_operand && comment.contains(&b'\n') {
                        return Some(Token::Semicolon);
                    }
                }
                b'"' => {
                    self.pos += 1;
                    loop {
                        match self.peek(0) {
                            Some(b'\\') => self.pos += 2,
                            Some(b'"') => break,
                            Some(b'\n') | None => {
                                self.broken = true;
                                return None;
                            }
                            Some(_) => self.pos += 1,
                        }
                    }
                    self.pos += 1;
                    return Some(Token::String);
                }
                b'`' => {
                    let Some(close) = self.source[self.pos + 1..].iter().position(|&c| c == b'`') else {
                        self.broken = true;
                        return None;
                    };
                    self.pos += close + 2;
                    return Some(Token::String);
                }
                c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                    let start = self.pos;
                    while self.peek(0).is_some_and(|c| c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80) {
                        self.pos += 1;
                    }
                    return Some(Token::Ident(&self.source[start..self.pos]));
                }
                c => {
                    self.pos += 1;
                    return Some(Token::Punct(c));
                }
            }
        }
    }

    /// Whether the byte before the cursor ends an identifier, a string or `)`.
    fn last_was_operand(&self) -> bool {
        let Some(&c) = self.pos.checked_sub(1).and_then(|i| self.source.get(i)) else { return false };
        c == b'"' || c == b'`' || c == b')' || c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80
    }
}

#[cfg(test)]
mod tests {
    use super::{header_len, package_name};

    #[test]
    fn the_package_name_follows_comments_and_a_byte_order_mark() {
        assert_eq!(package_name(b"// Command x.\n//go:build linux\n\n/* a */ package main\n"), Some(&b"main"[..]));
        assert_eq!(package_name(b"\xEF\xBB\xBFpackage plug // x\n"), Some(&b"plug"[..]));
        assert_eq!(package_name(b"// no clause\nfunc f() {}\n"), None);
        assert_eq!(package_name(b"/* unterminated"), None);
    }

    /// The header of `source` is the text before `⏎HERE`, which is not part of the file.
    fn check(source_with_marker: &str) {
        let (header, rest) = source_with_marker.split_once("⏎HERE").expect("the case marks its header's end");
        let source = format!("{header}{rest}");
        assert_eq!(&source[..header_len(source.as_bytes())], header, "in:\n{source}");
    }

    #[test]
    fn grouped_imports_with_names_and_comments() {
        check(
            "//go:build linux\n\n// Package a does things.\npackage a // trailing\n\nimport (\n\t\"fmt\" // why\n\t_ \"embed\"\n\t. \"strings\"\n\tgin \"github.com/gin-gonic/gin\"\n\t/* block */ \"os\"\n)⏎HERE\n\nfunc main() { fmt.Println(\"import (\") }\n",
        );
    }

    #[test]
    fn single_imports_semicolons_and_raw_paths() {
        check("package a; import \"fmt\"; import `os`;import x \"y\"⏎HERE; var v = 1\n");
        check("package a\nimport \"fmt\"\nimport (\"os\"; \"io\")⏎HERE\ntype T int\n");
    }

    #[test]
    fn the_cgo_preamble_is_part_of_the_header() {
        check("package a\n\n/*\n#cgo LDFLAGS: -lm\n#include <math.h>\n*/\nimport \"C\"⏎HERE\n\nfunc f() {}\n");
    }

    #[test]
    fn a_file_without_imports_ends_after_its_package_clause() {
        check("// Copyright\npackage a⏎HERE\n\nvar x = 1\n");
        check("package main⏎HERE\n");
    }

    #[test]
    fn an_import_inside_a_later_comment_or_string_does_not_count() {
        check("package a\n\nimport \"fmt\"⏎HERE\n\n// import \"os\"\nvar s = `import \"net\"`\n");
    }

    #[test]
    fn files_the_scanner_cannot_follow_are_all_header() {
        for source in [
            "package a\n\nimport (\n\t\"fmt\"\n",
            "package a\n/* unterminated\nimport \"os\"\n",
            "package a\nimport \"unterminated\n)\n",
            "not go at all",
            "",
        ] {
            assert_eq!(header_len(source.as_bytes()), source.len(), "{source:?}");
        }
    }
}
