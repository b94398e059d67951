package sdk

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadConfigSignals(t *testing.T) {
	http := signalConfig{exporters: []string{"otlp"}, protocol: protocolHTTPProtobuf}
	tests := []struct {
		name     string
		env      map[string]string
		traces   signalConfig
		metrics  signalConfig
		logs     signalConfig
		problems []string
	}{
		{
			name:   "defaults: otlp over http/protobuf to the plain-text localhost default",
			traces: http, metrics: http, logs: http,
		},
		{
			name:    "none per signal",
			env:     map[string]string{"OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": " NONE "},
			traces:  http,
			metrics: signalConfig{protocol: protocolHTTPProtobuf},
			logs:    signalConfig{protocol: protocolHTTPProtobuf},
		},
		{
			name:    "console, logging alias and duplicates",
			env:     map[string]string{"OTEL_TRACES_EXPORTER": "console,otlp,logging"},
			traces:  signalConfig{exporters: []string{"console", "otlp"}, protocol: protocolHTTPProtobuf},
			metrics: http, logs: http,
		},
		{
			name:   "unknown exporter is reported and ignored",
			env:    map[string]string{"OTEL_TRACES_EXPORTER": "zipkin,otlp"},
			traces: http, metrics: http, logs: http,
			problems: []string{`OTEL_TRACES_EXPORTER: unsupported exporter "zipkin" ignored`},
		},
		{
			name:   "none wins over others",
			env:    map[string]string{"OTEL_LOGS_EXPORTER": "otlp,none"},
			traces: http, metrics: http,
			logs:     signalConfig{protocol: protocolHTTPProtobuf},
			problems: []string{`OTEL_LOGS_EXPORTER: "none" combined with other exporters; exporting nothing`},
		},
		{
			name:    "generic protocol grpc",
			env:     map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			traces:  signalConfig{exporters: []string{"otlp"}, protocol: protocolGRPC},
			metrics: signalConfig{exporters: []string{"otlp"}, protocol: protocolGRPC},
			logs:    signalConfig{exporters: []string{"otlp"}, protocol: protocolGRPC},
		},
		{
			name: "per-signal protocol wins",
			env: map[string]string{
				"OTEL_EXPORTER_OTLP_PROTOCOL":         "grpc",
				"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/protobuf",
			},
			traces:  signalConfig{exporters: []string{"otlp"}, protocol: protocolGRPC},
			metrics: http,
			logs:    signalConfig{exporters: []string{"otlp"}, protocol: protocolGRPC},
		},
		{
			name:   "http/json is not supported by the Go exporters",
			env:    map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"},
			traces: http, metrics: http, logs: http,
			problems: []string{`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: unsupported protocol "http/json"; using http/protobuf`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadConfig(env(tt.env))
			if c.disabled {
				t.Fatal("disabled")
			}
			for _, s := range []struct {
				name      string
				got, want signalConfig
			}{{"traces", c.traces, tt.traces}, {"metrics", c.metrics, tt.metrics}, {"logs", c.logs, tt.logs}} {
				if !reflect.DeepEqual(s.got, s.want) {
					t.Errorf("%s = %+v, want %+v", s.name, s.got, s.want)
				}
			}
			if !reflect.DeepEqual(c.problems, tt.problems) {
				t.Errorf("problems = %q, want %q", c.problems, tt.problems)
			}
		})
	}
}

func TestLoadConfigDisabled(t *testing.T) {
	for _, v := range []string{"true", "TRUE", " True"} {
		c := loadConfig(env(map[string]string{"OTEL_SDK_DISABLED": v, "OTEL_TRACES_EXPORTER": "bogus"}))
		if !c.disabled || len(c.problems) != 0 || c.traces.exporters != nil {
			t.Errorf("OTEL_SDK_DISABLED=%q: %+v, want disabled and nothing else", v, c)
		}
	}
	for _, v := range []string{"", "false", "no"} {
		if loadConfig(env(map[string]string{"OTEL_SDK_DISABLED": v})).disabled {
			t.Errorf("OTEL_SDK_DISABLED=%q disabled the SDK", v)
		}
	}
}

func TestLoadConfigSampler(t *testing.T) {
	tests := []struct {
		sampler, arg string
		want         samplerConfig
		description  string // the SDK sampler's Description()
		problem      string
	}{
		{"", "", samplerConfig{"parentbased_always_on", 1}, "ParentBased{root:AlwaysOnSampler,", ""},
		{"always_on", "", samplerConfig{"always_on", 1}, "AlwaysOnSampler", ""},
		{"ALWAYS_OFF", "", samplerConfig{"always_off", 1}, "AlwaysOffSampler", ""},
		{"traceidratio", "0.25", samplerConfig{"traceidratio", 0.25}, "TraceIDRatioBased{0.25}", ""},
		{"traceidratio", "", samplerConfig{"traceidratio", 1}, "AlwaysOnSampler", ""}, // the SDK's TraceIDRatioBased(1)
		{"traceidratio", "2", samplerConfig{"traceidratio", 1}, "AlwaysOnSampler", `OTEL_TRACES_SAMPLER_ARG: "2" is not a ratio in [0, 1]; using 1`},
		{"traceidratio", "x", samplerConfig{"traceidratio", 1}, "AlwaysOnSampler", `OTEL_TRACES_SAMPLER_ARG: "x" is not a ratio in [0, 1]; using 1`},
		{"parentbased_always_off", "", samplerConfig{"parentbased_always_off", 1}, "ParentBased{root:AlwaysOffSampler,", ""},
		{"parentbased_traceidratio", "0.5", samplerConfig{"parentbased_traceidratio", 0.5}, "ParentBased{root:TraceIDRatioBased{0.5},", ""},
		{"jaeger_remote", "", samplerConfig{"parentbased_always_on", 1}, "ParentBased{root:AlwaysOnSampler,", `OTEL_TRACES_SAMPLER: unsupported sampler "jaeger_remote"; using parentbased_always_on`},
	}
	for _, tt := range tests {
		c := loadConfig(env(map[string]string{"OTEL_TRACES_SAMPLER": tt.sampler, "OTEL_TRACES_SAMPLER_ARG": tt.arg}))
		if c.sampler != tt.want {
			t.Errorf("sampler %q arg %q: %+v, want %+v", tt.sampler, tt.arg, c.sampler, tt.want)
		}
		if d := buildSampler(c.sampler).Description(); !strings.HasPrefix(d, tt.description) {
			t.Errorf("sampler %q arg %q: SDK sampler %q, want prefix %q", tt.sampler, tt.arg, d, tt.description)
		}
		var problems []string
		if tt.problem != "" {
			problems = []string{tt.problem}
		}
		if !reflect.DeepEqual(c.problems, problems) {
			t.Errorf("sampler %q arg %q: problems %q, want %q", tt.sampler, tt.arg, c.problems, problems)
		}
	}
	var _ sdktrace.Sampler = buildSampler(samplerConfig{})
}

func TestLoadConfigPropagators(t *testing.T) {
	tests := []struct {
		env     string
		want    []string
		fields  []string // what the built propagator writes
		problem string
	}{
		{"", []string{"tracecontext", "baggage"}, []string{"traceparent", "tracestate", "baggage"}, ""},
		{"tracecontext", []string{"tracecontext"}, []string{"traceparent", "tracestate"}, ""},
		{"Baggage, tracecontext, baggage", []string{"baggage", "tracecontext"}, []string{"baggage", "traceparent", "tracestate"}, ""},
		{"none", nil, nil, ""},
		{"b3,tracecontext", []string{"tracecontext"}, []string{"traceparent", "tracestate"}, `OTEL_PROPAGATORS: propagator "b3" is not supported by autotel; ignored`},
		{"none,baggage", nil, nil, `OTEL_PROPAGATORS: "none" combined with other propagators; propagating nothing`},
	}
	for _, tt := range tests {
		c := loadConfig(env(map[string]string{"OTEL_PROPAGATORS": tt.env}))
		if !reflect.DeepEqual(c.propagators, tt.want) {
			t.Errorf("OTEL_PROPAGATORS=%q: %q, want %q", tt.env, c.propagators, tt.want)
		}
		got := buildPropagator(c.propagators).Fields()
		slices.Sort(got)
		want := slices.Clone(tt.fields)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("OTEL_PROPAGATORS=%q: fields %q, want %q", tt.env, got, want)
		}
		var problems []string
		if tt.problem != "" {
			problems = []string{tt.problem}
		}
		if !reflect.DeepEqual(c.problems, problems) {
			t.Errorf("OTEL_PROPAGATORS=%q: problems %q, want %q", tt.env, c.problems, problems)
		}
	}
}

// The OTLP transports' settings (endpoint, timeout, certificates) are read by
// go/internal/otlp (its config_test.go); these are the bootstrap's own, and a
// transport timeout it cannot use is reported here.
func TestLoadConfigMetricExport(t *testing.T) {
	c := loadConfig(env(map[string]string{
		"OTEL_METRIC_EXPORT_INTERVAL":        "1500",
		"OTEL_METRIC_EXPORT_TIMEOUT":         "-1",
		"OTEL_METRICS_EXEMPLAR_FILTER":       "Always_Off",
		"OTEL_EXPORTER_OTLP_TIMEOUT":         "2500",
		"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": "soon",
	}))
	if c.metricInterval != 1500*time.Millisecond || c.metricTimeout != 30*time.Second {
		t.Errorf("metric interval %v timeout %v", c.metricInterval, c.metricTimeout)
	}
	if c.exemplarFilter != "always_off" {
		t.Errorf("exemplar filter %q", c.exemplarFilter)
	}
	want := []string{
		`OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: "soon" is not a positive number of milliseconds; using 10000`,
		`OTEL_METRIC_EXPORT_TIMEOUT: "-1" is not a positive number of milliseconds; using 30000`,
	}
	if !reflect.DeepEqual(c.problems, want) {
		t.Errorf("problems = %q, want %q", c.problems, want)
	}
}
