// A service on the newest OpenTelemetry Go (v1.47.0, whose Logs API is stable and takes
// attribute values): it uses the API, the Logs API and the log SDK itself, and is built with
// `autotel go build` by crates/autotel/tests/build_mode/dependencies.rs.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	logglobal "go.opentelemetry.io/otel/log/global"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

func main() {
	// The log SDK of v1.47.0, used by the program itself (not installed as the global provider).
	own := sdklog.NewLoggerProvider()
	defer own.Shutdown(context.Background())

	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := otel.Tracer("otel-newest").Start(r.Context(), "work")
		span.SetAttributes(attribute.String("app.step", "one"))
		var rec otellog.Record
		rec.SetBody(attribute.StringValue("working"))
		logglobal.GetLoggerProvider().Logger("otel-newest").Emit(ctx, rec)
		span.End()
		fmt.Fprintln(w, "done")
	})
	if err := http.ListenAndServe(os.Getenv("LISTEN"), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
