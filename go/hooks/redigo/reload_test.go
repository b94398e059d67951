package redigo

import (
	"testing"

	"autotel.dev/go/api"
)

// disable turns the named instrumentation off for the rest of the test.
func disable(t *testing.T, name string) {
	t.Cleanup(api.ReloadEnvironment) // runs after Setenv's restore
	t.Setenv(api.EnvDisabledInstrumentations, name)
	api.ReloadEnvironment()
}
