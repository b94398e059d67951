package sdk

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain stops the bootstrap that this package's init started in the test
// binary (with the default configuration), so that tests build their own, and
// removes the app the end-to-end tests built.
func TestMain(m *testing.M) {
	if current != nil {
		current.shutdown()
	}
	code := m.Run()
	if appPath != "" {
		os.RemoveAll(filepath.Dir(appPath))
	}
	os.Exit(code)
}
