// Package semconv is the one place where autotel's Go runtime maps what it
// observes onto the OpenTelemetry semantic conventions: attribute keys, span
// names, span status rules and metric instruments. It pins one version of the
// conventions (go.opentelemetry.io/otel/semconv/v1.37.0, the newest that
// otel v1.38 ships); hook packages and the SDK bootstrap use this package
// instead of importing a semconv version themselves.
//
// It knows nothing about hooks, the rewriter or the SDK configuration.
package semconv

import sc "go.opentelemetry.io/otel/semconv/v1.37.0"

// SchemaURL is the schema URL of the pinned semantic conventions.
const SchemaURL = sc.SchemaURL

// Resource attribute keys used by the SDK bootstrap.
const (
	ServiceNameKey            = sc.ServiceNameKey
	TelemetryDistroNameKey    = sc.TelemetryDistroNameKey
	TelemetryDistroVersionKey = sc.TelemetryDistroVersionKey
)
