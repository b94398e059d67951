//! Byte-range edits on one source text, applied back to front, with position directives.
//!
//! Every insertion that leaves original text behind it on the same line is followed by a
//! `/*line file:L:C*/` comment giving that text its original position back, and an insertion that
//! spans lines ends with a `//line file:L:C` line. So compiler errors, panics, coverage and
//! debuggers keep pointing at the user's lines and columns.

/// One replacement of `start..end` (bytes) by `text`.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

pub(crate) struct Edits<'s> {
    source: &'s str,
    /// The file name position directives use: the path the compiler would have seen.
    file: &'s str,
    edits: Vec<Edit>,
}

impl<'s> Edits<'s> {
    pub(crate) fn new(file: &'s str, source: &'s str) -> Self {
        Edits { source, file, edits: Vec::new() }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// Inserts `text` at byte `at`, restoring the position of what follows.
    pub(crate) fn insert(&mut self, at: usize, text: &str) {
        self.replace(at, at, text);
    }

    /// Replaces `start..end` by `text`, restoring the position of what follows.
    pub(crate) fn replace(&mut self, start: usize, end: usize, text: &str) {
        let mut text = text.to_string();
        let rest_of_line = self.source[end..].split('\n').next().unwrap_or("");
        let (line, column) = self.position(end);
        if text.contains('\n') {
            text.push_str(&format!("\n//line {}:{line}:{column}\n", self.file));
            if rest_of_line.trim().is_empty() {
                // Nothing of the original follows on this line: keep the line break where it was.
                text.pop();
            }
        } else if !rest_of_line.trim().is_empty() && !text.is_empty() {
            text.push_str(&format!("/*line {}:{line}:{column}*/", self.file));
        }
        self.edits.push(Edit { start, end, text });
    }

    /// Appends `text` after the end of the file, under a `//line` directive naming it generated.
    pub(crate) fn append_generated(&mut self, text: &str) {
        let end = self.source.len();
        let newline = if self.source.ends_with('\n') { "" } else { "\n" };
        self.edits.push(Edit {
            start: end,
            end,
            text: format!("{newline}\n//line autotel_generated.go:1\n{text}"),
        });
    }

    /// 1-based line and column (in bytes) of byte offset `at`.
    fn position(&self, at: usize) -> (usize, usize) {
        let before = &self.source[..at];
        let line = before.matches('\n').count() + 1;
        let column = at - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        (line, column)
    }

    /// The edited text, starting with a `//line` directive that names the original file, so the
    /// edited copy, wherever it is written, reports the original name.
    pub(crate) fn apply(mut self) -> String {
        self.edits.sort_by_key(|e| (e.start, e.end));
        for pair in self.edits.windows(2) {
            assert!(pair[0].end <= pair[1].start, "overlapping edits at byte {}", pair[1].start);
        }
        let mut out = self.source.to_string();
        for edit in self.edits.iter().rev() {
            out.replace_range(edit.start..edit.end, &edit.text);
        }
        format!("//line {}:1:1\n{out}", self.file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restores_positions_after_insertions() {
        let mut e = Edits::new("/src/a.go", "package a\nfunc f() { g() }\n");
        e.insert(20, " x();");
        assert_eq!(e.apply(), "//line /src/a.go:1:1\npackage a\nfunc f() { x();/*line /src/a.go:2:11*/ g() }\n");

        let mut e = Edits::new("/src/a.go", "package a\nfunc f() {\n}\n");
        e.insert(20, " x();");
        assert_eq!(e.apply(), "//line /src/a.go:1:1\npackage a\nfunc f() { x();\n}\n");

        let mut e = Edits::new("a.go", "package a\nfunc f() { g() }\n");
        e.insert(20, "\nx()\ny()");
        assert_eq!(e.apply(), "//line a.go:1:1\npackage a\nfunc f() {\nx()\ny()\n//line a.go:2:11\n g() }\n");
    }

    #[test]
    fn appends_generated_text() {
        let mut e = Edits::new("a.go", "package a");
        e.append_generated("func g()\n");
        assert_eq!(e.apply(), "//line a.go:1:1\npackage a\n\n//line autotel_generated.go:1\nfunc g()\n");
    }
}
