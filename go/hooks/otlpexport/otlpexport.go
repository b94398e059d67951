// Package otlpexport keeps telemetry traffic out of the telemetry
// (instrumentation name "otlpexport", rules in rules/otlpexport.yaml): every
// export call of the OpenTelemetry Go OTLP exporters in the program, the
// application's own as well as autotel's, runs under api.Suppress, so the
// HTTP requests and gRPC calls it makes produce no spans and carry no
// traceparent. Without it, an application that exports its own spans from a
// request handler (a synchronous span processor) would trace its exports as
// children of the request, and those exports would be exported in turn.
//
// The hook is exportEnter on the exporters' exported entry points:
// (*otlptrace.Exporter).ExportSpans (behind otlptracehttp and otlptracegrpc),
// (*Exporter).Export of otlpmetrichttp, otlpmetricgrpc, otlploghttp and
// otlploggrpc. It replaces the call's ctx by a suppressed one and asks for no
// exit call; nothing else about the export changes. Disabling the
// instrumentation (OTEL_GO_DISABLED_INSTRUMENTATIONS=otlpexport) traces the
// application's exports again, for whoever needs to see them; autotel's own
// exports stay untraced.
package otlpexport

import (
	"context"
	"unsafe"

	"autotel.dev/go/api"
)

var inst = api.NewInstrumentation("otlpexport")

// exportEnter is the enter hook of every exporter's export method: the
// receiver and the data (spans, metrics or log records) are not read.
func exportEnter(_ unsafe.Pointer, ctx *context.Context, _ unsafe.Pointer) (*struct{}, bool) {
	defer api.Guard("otlpexport.exportEnter")
	if inst.Enabled() && *ctx != nil {
		*ctx = api.Suppress(*ctx)
	}
	return nil, false
}
