package sqlconv

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Text taken from the query is valid UTF-8 (OTLP rejects a batch otherwise):
// invalid bytes become U+FFFD, with and without sanitizing, and the length
// bound never cuts a character in half.
func TestReadQueryIsValidUTF8(t *testing.T) {
	f := Read("SELECT * FROM t\xffx WHERE k = 'bin\xfe'")
	if f.Text != "SELECT * FROM t\uFFFDx WHERE k = ?" || f.Collection != "t\uFFFDx" {
		t.Errorf("sanitized: text %q collection %q", f.Text, f.Collection)
	}
	saved := sanitizeQueries
	sanitizeQueries = false
	t.Cleanup(func() { sanitizeQueries = saved })
	if f := Read("SELECT 'bin\xfe'"); f.Text != "SELECT 'bin\uFFFD'" {
		t.Errorf("unsanitized: text %q", f.Text)
	}
	long := Read("SELECT '" + strings.Repeat("é", maxQueryText) + "'")
	if !utf8.ValidString(long.Text) || len(long.Text) > maxQueryText+len("…") {
		t.Errorf("long text: %d bytes, valid %v", len(long.Text), utf8.ValidString(long.Text))
	}
}

// The facts of at most maxCachedQueries texts are kept; texts past the bound
// are still read.
func TestQueryCacheIsBounded(t *testing.T) {
	for i := 0; i < maxCachedQueries+10; i++ {
		Read("SELECT a FROM t WHERE id = " + strconv.Itoa(i))
	}
	n := 0
	queryCache.Range(func(any, any) bool { n++; return true })
	if n > maxCachedQueries {
		t.Errorf("%d texts cached, want at most %d", n, maxCachedQueries)
	}
	if f := Read("SELECT b FROM later_table"); f.Summary != "SELECT later_table" || f.Text != "SELECT b FROM later_table" {
		t.Errorf("a text past the bound: %+v", f)
	}
}
