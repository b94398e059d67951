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
//     localhost defaults), the metric export interval and timeout, the
//     exemplar filter and the exporters' request timeout (the bootstrap
//     runs those parts itself); endpoints, headers, TLS and batch settings
//     are read by the official exporters and SDK themselves;
//   - the resource (resource.go): service.name defaults to the executable's
//     name, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win;
//   - the providers and their bounded, non-blocking pipelines (providers.go),
//     whose goroutines start with the first telemetry (lazy.go,
//     metricexport.go); export failures said once and counted
//     (exporthealth.go); valid UTF-8 in what is exported (validtext.go);
//   - flushing, once, with a bounded timeout (shutdown.go), on return from
//     main, on os.Exit, on SIGTERM/SIGINT (signals_unix.go; not in a test
//     binary, testbinary.go) and when a test
//     binary's testing.(*M).Run returns, through the hooks in hooks.go that
//     rules/sdk.yaml weaves into main.main, os.Exit, os/signal.Notify,
//     os/signal.Stop and testing.(*M).Run.
//
// It must never make the program fail to start, block its goroutines, or
// change how it exits, nor leave a goroutine behind after shutdown: every
// error is reported (stderr, rate limited; export failures once) and the
// program runs on without telemetry.
package sdk
