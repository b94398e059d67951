package sdk

import (
	"os"
	"testing"
)

// TestMain stops the bootstrap that this package's init started in the test
// binary (with the default configuration), so that tests build their own.
func TestMain(m *testing.M) {
	if current != nil {
		current.shutdown()
	}
	os.Exit(m.Run())
}
