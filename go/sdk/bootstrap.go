package sdk

import (
	"context"
	"os"
	"reflect"
	"strings"
	"time"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel"
)

// current is the running bootstrap; nil when the SDK is disabled or failed
// to start. It is set once, by init, before main runs.
var current *runtime

func init() {
	defer api.Guard("sdk.init")
	cfg := loadConfig(os.Getenv)
	cfg.testBinary = isTestBinary(os.Args)
	current = start(cfg)
}

// startTimeout bounds start-up work that may touch the system (resource
// detection); exporters do not connect at creation.
const startTimeout = 2 * time.Second

// start builds and installs the SDK described by cfg. It returns nil when
// the SDK is disabled. Errors are reported, never returned: the program must
// start whatever the configuration says. It starts no goroutine: that waits
// for the first telemetry (runtime.wake).
func start(cfg config) *runtime {
	if cfg.disabled {
		return nil
	}
	if !setByProgram(otel.GetErrorHandler()) {
		otel.SetErrorHandler(newStderrErrorHandler(os.Stderr))
	}
	for _, p := range cfg.problems {
		otel.Handle(configError(p))
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	res, err := buildResource(ctx)
	if err != nil {
		otel.Handle(err) // res still holds what could be detected
	}
	r := &runtime{shutdownTimeout: defaultShutdownTimeout, listensForSignals: !cfg.testBinary}
	p, err := newProviders(cfg, res, r.wake)
	if err != nil {
		otel.Handle(err)
	}
	r.providers = p
	p.install(cfg)
	return r
}

// configError is an ignored setting.
type configError string

func (e configError) Error() string { return "configuration: " + string(e) }

// setByProgram reports whether g, one of the OpenTelemetry API's globals
// (provider, propagator, error handler), was installed by the program: in
// an init function that Go ran before the bootstrap's, a test package's or a
// library's. The API's own defaults are delegates from its internal/global
// packages. The program's globals are kept, as they would be had it set them
// in main: autotel's telemetry goes through them.
func setByProgram(g any) bool {
	t := reflect.TypeOf(g)
	if t == nil {
		return false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return !strings.HasSuffix(t.PkgPath(), "/internal/global")
}
