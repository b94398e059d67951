package api

import (
	"testing"
	"unsafe"
)

func TestValidText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"SET key ?", "SET key ?"},
		{"héllo ✓", "héllo ✓"},
		{"GET \xff\xfekey", "GET \uFFFDkey"},
		{"a\xc3", "a\uFFFD"},           // a character cut short
		{"\x80a\x80", "\uFFFDa\uFFFD"}, // stray continuation bytes
	} {
		if got := ValidText(tt.in); got != tt.want {
			t.Errorf("ValidText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	valid := "already valid"
	if got := ValidText(valid); unsafe.StringData(got) != unsafe.StringData(valid) {
		t.Error("a valid string was copied")
	}
}

func TestTruncateText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789abc", 10, "0123456789…"},
		{"01234567é", 9, "01234567…"}, // é is 2 bytes: not cut in half
		{"\xff\xff\xff", 2, "…"},      // one U+FFFD (3 bytes) does not fit
	} {
		if got := TruncateText(tt.in, tt.max); got != tt.want {
			t.Errorf("TruncateText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
