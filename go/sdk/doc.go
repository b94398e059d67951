// Package sdk is autotel's OpenTelemetry bootstrap. The build tool makes every
// main package import it blank, and its init builds the TracerProvider,
// MeterProvider and LoggerProvider from the standard OTEL_* environment and
// installs them, with the propagators, as the OpenTelemetry globals that hook
// packages use.
//
// It owns:
//   - configuration (config.go): OTEL_SDK_DISABLED, OTEL_{TRACES,METRICS,LOGS}_EXPORTER,
//     OTEL_EXPORTER_OTLP[_{TRACES,METRICS,LOGS}]_PROTOCOL, OTEL_TRACES_SAMPLER[_ARG],
//     OTEL_PROPAGATORS, and the gaps the exporters leave (plain-text
//     localhost defaults); endpoints, headers, timeouts, TLS, batch and
//     export intervals are read by the official exporters and SDK themselves;
//   - the resource (resource.go): service.name defaults to the executable's
//     name, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win;
//   - the providers and their bounded, non-blocking pipelines (providers.go);
//   - flushing, once, with a bounded timeout (shutdown.go), on return from
//     main, on os.Exit and on SIGTERM/SIGINT (signals_unix.go), through the
//     hooks in hooks.go that rules/sdk.yaml weaves into main.main, os.Exit,
//     os/signal.Notify and os/signal.Stop.
//
// It must never make the program fail to start, block its goroutines, or
// change how it exits: every error is reported (stderr, rate limited) and
// the program runs on without telemetry.
package sdk
