package api

import "testing"

func TestClaimedContentTypes(t *testing.T) {
	t.Cleanup(func() { claims.Store(nil); ReloadEnvironment() })
	if HTTPClaimed("application/grpc") {
		t.Fatal("claimed before any claim")
	}
	inst := NewInstrumentation("grpc")
	ClaimHTTP("application/grpc", inst)
	ClaimHTTP("application/grpc", inst)
	if n := len(*claims.Load()); n != 1 {
		t.Fatalf("%d claims after claiming twice", n)
	}
	for ct, want := range map[string]bool{"application/grpc": true, "application/grpc+proto": true, "application/json": false, "": false} {
		if got := HTTPClaimed(ct); got != want {
			t.Errorf("HTTPClaimed(%q) = %v, want %v", ct, got, want)
		}
	}
	t.Setenv(EnvDisabledInstrumentations, "grpc")
	ReloadEnvironment()
	if HTTPClaimed("application/grpc") {
		t.Error("claimed by a disabled instrumentation")
	}
}
