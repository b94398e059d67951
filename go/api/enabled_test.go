package api

import "testing"

func TestEnabled(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		enabled map[string]bool // instrumentation → want
	}{
		{
			name:    "nothing set enables everything",
			enabled: map[string]bool{"nethttp": true, "database/sql": true},
		},
		{
			name:    "sdk disabled disables everything",
			env:     map[string]string{EnvSDKDisabled: "true"},
			enabled: map[string]bool{"nethttp": false, "sdk": false},
		},
		{
			name:    "sdk disabled is case insensitive",
			env:     map[string]string{EnvSDKDisabled: " TRUE "},
			enabled: map[string]bool{"nethttp": false},
		},
		{
			name:    "sdk disabled false keeps everything",
			env:     map[string]string{EnvSDKDisabled: "false"},
			enabled: map[string]bool{"nethttp": true},
		},
		{
			name:    "unparsable sdk disabled is false",
			env:     map[string]string{EnvSDKDisabled: "yes"},
			enabled: map[string]bool{"nethttp": true},
		},
		{
			name:    "allow list",
			env:     map[string]string{EnvEnabledInstrumentations: "nethttp, redis"},
			enabled: map[string]bool{"nethttp": true, "redis": true, "sql": false},
		},
		{
			name:    "deny list",
			env:     map[string]string{EnvDisabledInstrumentations: "sql"},
			enabled: map[string]bool{"nethttp": true, "sql": false},
		},
		{
			name: "deny wins over allow",
			env: map[string]string{
				EnvEnabledInstrumentations:  "nethttp,sql",
				EnvDisabledInstrumentations: "SQL",
			},
			enabled: map[string]bool{"nethttp": true, "sql": false, "redis": false},
		},
		{
			name:    "names are case insensitive",
			env:     map[string]string{EnvEnabledInstrumentations: "NetHTTP"},
			enabled: map[string]bool{"nethttp": true, "NETHTTP": true},
		},
		{
			name:    "blank lists are unset",
			env:     map[string]string{EnvEnabledInstrumentations: " , ,", EnvDisabledInstrumentations: ""},
			enabled: map[string]bool{"nethttp": true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := parseSwitches(func(k string) string { return tt.env[k] })
			for inst, want := range tt.enabled {
				if got := s.enabled(inst); got != want {
					t.Errorf("enabled(%q) = %v, want %v", inst, got, want)
				}
			}
		})
	}
}

func TestEnabledReadsTheEnvironment(t *testing.T) {
	t.Cleanup(ReloadEnvironment) // runs after Setenv's restore
	t.Setenv(EnvDisabledInstrumentations, "nethttp")
	ReloadEnvironment()
	if Enabled("nethttp") {
		t.Fatal("Enabled(nethttp) = true with OTEL_GO_DISABLED_INSTRUMENTATIONS=nethttp")
	}
	if !NewInstrumentation("sql").Enabled() {
		t.Fatal("Enabled(sql) = false, only nethttp is disabled")
	}
}

func BenchmarkEnabled(b *testing.B) {
	s := parseSwitches(func(k string) string {
		return map[string]string{EnvDisabledInstrumentations: "sql"}[k]
	})
	current.Store(s)
	b.Cleanup(ReloadEnvironment)
	b.ReportAllocs()
	for range b.N {
		Enabled("nethttp")
	}
}
