// Package semconv is the one place where autotel's Go runtime maps what it
// observes onto the OpenTelemetry semantic conventions: attribute keys, span
// names, span status rules and metric instruments. It pins one version of the
// conventions (v1.37.0, whose keys the keys subpackage defines: otel ships
// go.opentelemetry.io/otel/semconv/v1.37.0 only from v1.38.0 on, older than
// the runtime supports); hook packages and the SDK bootstrap use this package
// instead of importing a semconv version themselves.
//
// It knows nothing about hooks, the rewriter or the SDK configuration.
package semconv

import sc "autotel.dev/go/internal/semconv/keys"

// SchemaURL is the schema URL of the pinned semantic conventions.
const SchemaURL = sc.SchemaURL

// Resource attribute keys used by the SDK bootstrap.
const (
	ServiceNameKey            = sc.ServiceNameKey
	TelemetryDistroNameKey    = sc.TelemetryDistroNameKey
	TelemetryDistroVersionKey = sc.TelemetryDistroVersionKey
)
