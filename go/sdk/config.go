package sdk

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"autotel.dev/go/internal/otlp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Exporter names of OTEL_{TRACES,METRICS,LOGS}_EXPORTER.
const (
	exporterOTLP    = "otlp"
	exporterConsole = "console"
	exporterNone    = "none"
)

// OTLP transport protocols of OTEL_EXPORTER_OTLP_PROTOCOL (those the
// transport speaks).
const (
	protocolHTTPProtobuf = otlp.ProtocolHTTPProtobuf
	protocolGRPC         = otlp.ProtocolGRPC
)

// telemetrySignal is one telemetry signal: traces, metrics or logs.
type telemetrySignal string

const (
	signalTraces  telemetrySignal = "TRACES"
	signalMetrics telemetrySignal = "METRICS"
	signalLogs    telemetrySignal = "LOGS"
)

// signalConfig is how one signal is exported.
type signalConfig struct {
	// exporters are the exporter names, deduplicated; empty means none.
	exporters []string
	// protocol is the OTLP protocol (when exporters has otlp).
	protocol string
}

func (s signalConfig) has(exporter string) bool {
	for _, e := range s.exporters {
		if e == exporter {
			return true
		}
	}
	return false
}

// samplerConfig is the parsed OTEL_TRACES_SAMPLER[_ARG].
type samplerConfig struct {
	name string  // one of the names in buildSampler
	arg  float64 // ratio for the traceidratio samplers
}

// config is everything the bootstrap reads from the environment itself.
type config struct {
	disabled    bool
	traces      signalConfig
	metrics     signalConfig
	logs        signalConfig
	sampler     samplerConfig
	propagators []string // "tracecontext", "baggage"; empty: none
	// metricInterval and metricTimeout are OTEL_METRIC_EXPORT_INTERVAL and
	// OTEL_METRIC_EXPORT_TIMEOUT (milliseconds in the environment).
	metricInterval time.Duration
	metricTimeout  time.Duration
	// metricSelectors are the OTLP metric exporter's temporality and
	// aggregation (metricselect.go).
	metricSelectors metricSelectors
	// exemplarFilter is OTEL_METRICS_EXEMPLAR_FILTER: "trace_based" (the
	// default), "always_on" or "always_off".
	exemplarFilter string
	// spanBatch and logBatch are OTEL_BSP_* and OTEL_BLRP_*: the bounds of
	// autotel's OTLP span queue (spanqueue.go) and of test binaries' batches,
	// exported from timers (testexport.go). The SDK's batch processors
	// (console spans, logs) read them themselves.
	spanBatch, logBatch batchConfig
	// testBinary: the program is a test binary (isTestBinary), whose
	// exports run from timers (testexport.go).
	testBinary bool
	// problems are the settings that were ignored, to be reported once.
	problems []string
	// getenv is where the configuration was read: the OTLP transports
	// (go/internal/otlp) and the metric exporter's selectors read their own
	// settings from it.
	getenv func(string) string
}

// loadConfig reads the configuration from getenv (os.Getenv in production).
func loadConfig(getenv func(string) string) config {
	c := config{getenv: getenv}
	c.disabled = parseBool(getenv("OTEL_SDK_DISABLED"))
	if c.disabled {
		return c
	}
	c.traces = c.loadSignal(getenv, signalTraces)
	c.metrics = c.loadSignal(getenv, signalMetrics)
	c.logs = c.loadSignal(getenv, signalLogs)
	c.sampler = c.loadSampler(getenv)
	c.propagators = c.loadPropagators(getenv)
	c.metricInterval = c.loadMillis(getenv, "OTEL_METRIC_EXPORT_INTERVAL", 60*time.Second)
	c.metricTimeout = c.loadMillis(getenv, "OTEL_METRIC_EXPORT_TIMEOUT", 30*time.Second)
	c.exemplarFilter = c.loadExemplarFilter(getenv)
	c.metricSelectors = c.loadMetricSelectors(getenv)
	c.spanBatch = c.loadBatch(getenv, "OTEL_BSP_", 5*time.Second)
	c.logBatch = c.loadBatch(getenv, "OTEL_BLRP_", time.Second)
	return c
}

// batchConfig is a batch processor's schedule and bounds.
type batchConfig struct {
	delay, timeout     time.Duration
	maxQueue, maxBatch int
}

// loadBatch reads prefix's SCHEDULE_DELAY, EXPORT_TIMEOUT, MAX_QUEUE_SIZE
// and MAX_EXPORT_BATCH_SIZE with the specification's defaults; a batch is
// never larger than the queue.
func (c *config) loadBatch(getenv func(string) string, prefix string, delay time.Duration) batchConfig {
	b := batchConfig{
		delay:    c.loadMillis(getenv, prefix+"SCHEDULE_DELAY", delay),
		timeout:  c.loadMillis(getenv, prefix+"EXPORT_TIMEOUT", 30*time.Second),
		maxQueue: c.loadCount(getenv, prefix+"MAX_QUEUE_SIZE", 2048),
		maxBatch: c.loadCount(getenv, prefix+"MAX_EXPORT_BATCH_SIZE", 512),
	}
	b.maxBatch = min(b.maxBatch, b.maxQueue)
	return b
}

// loadCount reads a positive count.
func (c *config) loadCount(getenv func(string) string, key string, def int) int {
	v := strings.TrimSpace(getenv(key))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		c.problem("%s: %q is not a positive number; using %d", key, v, def)
		return def
	}
	return n
}

// loadMillis reads a positive number of milliseconds.
func (c *config) loadMillis(getenv func(string) string, key string, def time.Duration) time.Duration {
	v := strings.TrimSpace(getenv(key))
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		c.problem("%s: %q is not a positive number of milliseconds; using %d", key, v, def.Milliseconds())
		return def
	}
	return time.Duration(n) * time.Millisecond
}

func (c *config) loadExemplarFilter(getenv func(string) string) string {
	const key = "OTEL_METRICS_EXEMPLAR_FILTER"
	v := strings.ToLower(strings.TrimSpace(getenv(key)))
	switch v {
	case "":
		return "trace_based"
	case "trace_based", "always_on", "always_off":
		return v
	}
	c.problem("%s: unsupported filter %q; using trace_based", key, v)
	return "trace_based"
}

func (c *config) problem(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *config) loadSignal(getenv func(string) string, s telemetrySignal) signalConfig {
	var sc signalConfig
	key := "OTEL_" + string(s) + "_EXPORTER"
	list := getenv(key)
	if strings.TrimSpace(list) == "" {
		list = exporterOTLP
	}
	seen := map[string]bool{}
	for _, name := range splitList(list) {
		switch name {
		case "logging": // the specification's old name of console
			name = exporterConsole
		case exporterOTLP, exporterConsole, exporterNone:
		default:
			c.problem("%s: unsupported exporter %q ignored", key, name)
			continue
		}
		if !seen[name] {
			seen[name] = true
			sc.exporters = append(sc.exporters, name)
		}
	}
	if seen[exporterNone] {
		if len(sc.exporters) > 1 {
			c.problem("%s: %q combined with other exporters; exporting nothing", key, exporterNone)
		}
		sc.exporters = nil
	}

	protoKey := "OTEL_EXPORTER_OTLP_" + string(s) + "_PROTOCOL"
	proto := strings.TrimSpace(getenv(protoKey))
	if proto == "" {
		protoKey = "OTEL_EXPORTER_OTLP_PROTOCOL"
		proto = strings.TrimSpace(getenv(protoKey))
	}
	switch strings.ToLower(proto) {
	case "", protocolHTTPProtobuf:
		sc.protocol = protocolHTTPProtobuf
	case protocolGRPC:
		sc.protocol = protocolGRPC
	default:
		c.problem("%s: unsupported protocol %q; using %s", protoKey, proto, protocolHTTPProtobuf)
		sc.protocol = protocolHTTPProtobuf
	}

	// The transport (go/internal/otlp) reads the timeout and falls back to
	// its default on a value it cannot use; the value is checked here so that
	// it is reported with the other settings ignored.
	timeoutKey := "OTEL_EXPORTER_OTLP_" + string(s) + "_TIMEOUT"
	if strings.TrimSpace(getenv(timeoutKey)) == "" {
		timeoutKey = "OTEL_EXPORTER_OTLP_TIMEOUT"
	}
	c.loadMillis(getenv, timeoutKey, 10*time.Second)
	return sc
}

const defaultSampler = "parentbased_always_on"

func (c *config) loadSampler(getenv func(string) string) samplerConfig {
	name := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER")))
	if name == "" {
		name = defaultSampler
	}
	sc := samplerConfig{name: name, arg: 1}
	switch name {
	case "always_on", "always_off", "parentbased_always_on", "parentbased_always_off":
		return sc
	case "traceidratio", "parentbased_traceidratio":
		arg := strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG"))
		if arg == "" {
			return sc
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			c.problem("OTEL_TRACES_SAMPLER_ARG: %q is not a ratio in [0, 1]; using 1", arg)
			return sc
		}
		sc.arg = r
		return sc
	}
	c.problem("OTEL_TRACES_SAMPLER: unsupported sampler %q; using %s", name, defaultSampler)
	return samplerConfig{name: defaultSampler, arg: 1}
}

// buildSampler turns the configuration into an SDK sampler.
func buildSampler(s samplerConfig) sdktrace.Sampler {
	switch s.name {
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(s.arg)
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(s.arg))
	}
	return sdktrace.ParentBased(sdktrace.AlwaysSample())
}

func (c *config) loadPropagators(getenv func(string) string) []string {
	list := getenv("OTEL_PROPAGATORS")
	if strings.TrimSpace(list) == "" {
		return []string{"tracecontext", "baggage"}
	}
	var out []string
	none := false
	seen := map[string]bool{}
	for _, name := range splitList(list) {
		switch name {
		case "none":
			none = true
		case "tracecontext", "baggage":
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		default:
			c.problem("OTEL_PROPAGATORS: propagator %q is not supported by autotel; ignored", name)
		}
	}
	if none {
		if len(out) > 0 {
			c.problem("OTEL_PROPAGATORS: %q combined with other propagators; propagating nothing", "none")
		}
		return nil
	}
	return out
}

// splitList splits a comma separated list into trimmed, lower-case names.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func parseBool(v string) bool {
	b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v)))
	return err == nil && b
}
