// Package api is the contract between autotel's hook packages and the hook
// runtime. It owns what every hook shares and nothing library specific:
//
//   - [Guard], deferred first thing in every hook, so that a hook that panics is
//     recovered and reported once instead of taking the application down;
//   - [Enabled], the run-time switch read from OTEL_SDK_DISABLED,
//     OTEL_GO_ENABLED_INSTRUMENTATIONS and OTEL_GO_DISABLED_INSTRUMENTATIONS;
//   - [Suppress] and [Suppressed], which keep the SDK's own exporter requests
//     from being instrumented;
//   - [Instrumentation], the tracer and meter of one instrumentation, resolved
//     from the global OpenTelemetry providers with the instrumentation scope
//     "autotel.dev/go/hooks/<name>".
//
// The shape of a hook function (enter/exit, pointers to parameters and
// results) is fixed by the rewriter and described in ARCHITECTURE.md ("The hook
// contract"); this package does not depend on it. It must not import the SDK
// bootstrap or any hook package.
package api

// Version is the version of the autotel hook runtime. It is the instrumentation
// scope version of every hook package and the telemetry.distro.version resource
// attribute.
const Version = "0.1.0"

// ScopePrefix is the prefix of the instrumentation scope name of every hook
// package: the scope of instrumentation "nethttp" is
// "autotel.dev/go/hooks/nethttp".
const ScopePrefix = "autotel.dev/go/hooks/"
