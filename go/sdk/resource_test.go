package sdk

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel/attribute"
)

func resourceAttrs(t *testing.T) map[attribute.Key]string {
	t.Helper()
	res, err := buildResource(context.Background())
	if err != nil {
		t.Fatalf("buildResource: %v", err)
	}
	m := map[attribute.Key]string{}
	for _, kv := range res.Attributes() {
		m[kv.Key] = kv.Value.Emit()
	}
	return m
}

func TestResource(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exeName := strings.TrimSuffix(filepath.Base(exe), ".exe")

	tests := []struct {
		name string
		env  map[string]string
		want map[attribute.Key]string
	}{
		{
			name: "service.name defaults to the executable's name",
			want: map[attribute.Key]string{
				"service.name":             exeName,
				"telemetry.distro.name":    "autotel",
				"telemetry.distro.version": api.Version,
				"telemetry.sdk.name":       "opentelemetry",
				"telemetry.sdk.language":   "go",
				"process.executable.name":  filepath.Base(exe),
				"process.runtime.name":     "go",
			},
		},
		{
			name: "OTEL_RESOURCE_ATTRIBUTES wins",
			env:  map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=billing,deployment.environment.name=prod"},
			want: map[attribute.Key]string{"service.name": "billing", "deployment.environment.name": "prod"},
		},
		{
			name: "OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES",
			env: map[string]string{
				"OTEL_RESOURCE_ATTRIBUTES": "service.name=billing",
				"OTEL_SERVICE_NAME":        "payments",
			},
			want: map[attribute.Key]string{"service.name": "payments", "telemetry.distro.name": "autotel"},
		},
		{
			name: "invalid UTF-8 is replaced",
			env:  map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "team=a%FFb,region=eu"},
			want: map[attribute.Key]string{"team": "a\uFFFDb", "region": "eu", "service.name": exeName},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
			t.Setenv("OTEL_SERVICE_NAME", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got := resourceAttrs(t)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if got["process.pid"] == "" {
				t.Error("process.pid missing")
			}
		})
	}
}

func TestExecutableName(t *testing.T) {
	exe, _ := os.Executable()
	if got, want := executableName(), strings.TrimSuffix(filepath.Base(exe), ".exe"); got != want {
		t.Fatalf("executableName() = %q, want %q", got, want)
	}
}
