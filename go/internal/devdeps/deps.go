// Package devdeps holds, in a module of its own, what only the root module's tests import: the
// official OTLP exporters, the OTLP protobuf definitions, gRPC and protobuf. The root module's
// go.mod is what every instrumented build's module graph reads, so anything it requires can
// raise a user's dependency versions; its tests get these through the workspace file dev.work
// (`GOWORK=$PWD/dev.work go test ./...` in go/). autotel does not embed this module.
package devdeps

import (
	_ "go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	_ "go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	_ "go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	_ "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	_ "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	_ "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	_ "google.golang.org/genproto/googleapis/rpc/errdetails"
	_ "google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip"
	_ "google.golang.org/protobuf/types/known/durationpb"
)
