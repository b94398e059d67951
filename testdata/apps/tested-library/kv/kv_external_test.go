package kv_test

import (
	"testing"

	"example.com/kvlib/kv"
	"example.com/kvlib/kv/hooks"
	"example.com/kvlib/report"
)

func TestReportDescribesAStore(t *testing.T) {
	before := hooks.Calls()
	s := kv.New()
	s.Put("name", "kv")
	if got := report.Describe(s, "name"); got != "name=kv" {
		t.Fatalf("Describe = %q", got)
	}
	if got := report.Describe(s, "none"); got != "none unset" {
		t.Fatalf("Describe = %q", got)
	}
	t.Logf("hook calls: %d", hooks.Calls()-before)
}
