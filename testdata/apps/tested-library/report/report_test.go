package report

import (
	"testing"

	"example.com/kvlib/kv"
	"example.com/kvlib/kv/hooks"
)

func TestDescribe(t *testing.T) {
	before := hooks.Calls()
	s := kv.New()
	s.Put("x", "y")
	if got := Describe(s, "x"); got != "x=y" {
		t.Fatalf("Describe = %q", got)
	}
	t.Logf("hook calls: %d", hooks.Calls()-before)
}
