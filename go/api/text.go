package api

import (
	"strings"
	"unicode/utf8"
)

// ValidText returns s as valid UTF-8: every run of invalid bytes replaced
// with U+FFFD. OTLP strings must be UTF-8, and an exporter rejects the whole
// batch for one bad attribute, so hooks pass text taken from the program
// (query texts, command names and keys, which may be binary) through it. s
// itself is returned, without copying, when it is valid.
func ValidText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// TruncateText cuts s to at most max bytes, at a character boundary, and
// ends a cut text with "…"; the result is valid UTF-8 (see ValidText).
func TruncateText(s string, max int) string {
	s = ValidText(s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
