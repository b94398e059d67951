package sdk

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel/sdk/resource"
)

// buildResource describes this process. Later sources win over earlier ones:
// autotel's defaults (service.name = the executable's name,
// telemetry.distro.*), then the SDK's telemetry.sdk.* and the cheap process
// and host attributes, then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME.
// A detector error still yields the attributes that could be read. Every
// string is valid UTF-8 (a path, or a percent-encoded value of the
// environment, may not be; see validtext.go).
func buildResource(ctx context.Context) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithAttributes(
			semconv.ServiceNameKey.String(executableName()),
			semconv.TelemetryDistroNameKey.String("autotel"),
			semconv.TelemetryDistroVersionKey.String(api.Version),
		),
		resource.WithTelemetrySDK(),
		resource.WithProcessPID(),
		resource.WithProcessExecutableName(),
		resource.WithProcessExecutablePath(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithProcessRuntimeDescription(),
		resource.WithHost(),
		resource.WithFromEnv(),
	)
	if res != nil && !attributesAreValid(res.Attributes()) {
		res = resource.NewWithAttributes(res.SchemaURL(), validAttributes(res.Attributes())...)
	}
	return res, err
}

// executableName is the base name of the running executable without a
// Windows ".exe": what a user calls the program.
func executableName() string {
	path, err := os.Executable()
	if err != nil || path == "" {
		if len(os.Args) == 0 || os.Args[0] == "" {
			return "unknown_service:go"
		}
		path = os.Args[0]
	}
	name := filepath.Base(path)
	if ext := filepath.Ext(name); strings.EqualFold(ext, ".exe") {
		name = strings.TrimSuffix(name, ext)
	}
	return name
}
