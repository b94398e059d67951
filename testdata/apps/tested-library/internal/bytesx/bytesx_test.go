package bytesx

import "testing"

func TestReverse(t *testing.T) {
	if got := string(Reverse([]byte("abc"))); got != "cba" {
		t.Fatalf("Reverse = %q", got)
	}
}
