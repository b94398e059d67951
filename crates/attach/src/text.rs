//! Bytes read from a target as the text of an attribute. OTLP strings must be valid UTF-8, and
//! a target's bytes need not be (a Redis key of raw bytes, a query cut mid-character by a BPF
//! copy limit, a path). Each run of invalid bytes becomes one U+FFFD, as Go's
//! `strings.ToValidUTF8(s, "\uFFFD")` does in build mode (`api.ValidText`), so both modes give
//! the same attribute values. (`String::from_utf8_lossy` would put one U+FFFD per maximal
//! invalid subsequence: two for `\xff\xfe`.)

/// `bytes` as valid UTF-8: each run of invalid bytes replaced by one U+FFFD.
pub fn valid_text(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned(); // the usual case, checked in one pass
    }
    let mut out = String::with_capacity(bytes.len());
    let mut in_invalid_run = false;
    for chunk in bytes.utf8_chunks() {
        if !chunk.valid().is_empty() {
            out.push_str(chunk.valid());
            in_invalid_run = false;
        }
        if !chunk.invalid().is_empty() && !in_invalid_run {
            out.push(char::REPLACEMENT_CHARACTER);
            in_invalid_run = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::valid_text;

    /// The expected texts are what Go's `strings.ToValidUTF8(s, "\uFFFD")` returns.
    #[test]
    fn replaces_each_run_of_invalid_bytes_as_go_does() {
        let cases: [(&[u8], &str); 8] = [
            (b"GET greeting", "GET greeting"),
            (b"bin\xff\xfekey", "bin\u{fffd}key"),
            (b"set \xff\xfe\x00k \xc3", "set \u{fffd}\u{0}k \u{fffd}"),
            (b"k\x80\xe2\x82", "k\u{fffd}"),
            (b"\xe2\x82\xac\xe2\x82", "\u{20ac}\u{fffd}"),
            (b"a\xc3(b", "a\u{fffd}(b"),
            (b"\xed\xa0\x80x", "\u{fffd}x"),
            (b"\xf0\x90\x80", "\u{fffd}"),
        ];
        for (bytes, want) in cases {
            assert_eq!(valid_text(bytes), want, "{bytes:?}");
        }
    }
}
