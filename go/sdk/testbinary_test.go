package sdk

import (
	"os"
	"testing"
)

func TestIsTestBinary(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"pkg.test", "-test.paniconexit0", "-test.timeout=10m0s"}, true},
		{[]string{"pkg.test", "--test.v"}, true},
		{[]string{"server", "-addr", ":8080"}, false},
		{[]string{"server", "--", "-test.v"}, false},
		{[]string{"-test.v"}, false}, // the program's name is not an argument
		{nil, false},
	} {
		if got := isTestBinary(c.args); got != c.want {
			t.Errorf("isTestBinary(%q) = %v, want %v", c.args, got, c.want)
		}
	}
	if !isTestBinary(os.Args) {
		t.Errorf("this test binary, run by go test with %q, is not taken for one", os.Args)
	}
}
