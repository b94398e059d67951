package api

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
)

// errorLog captures what reaches otel.Handle.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) Handle(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, err := range l.errs {
		out = append(out, err.Error())
	}
	return out
}

func captureErrors(t *testing.T) *errorLog {
	t.Helper()
	log := &errorLog{}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(log)
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	return log
}

type hookState struct{}

// panickyEnter has the shape of an enter hook whose body panics.
func panickyEnter(name string, arg *int) (*hookState, bool) {
	defer Guard(name)
	if *arg > 0 {
		panic("boom " + name)
	}
	return &hookState{}, false
}

func TestGuardRecoversAndReportsOncePerHook(t *testing.T) {
	reported.Clear() // once per process; -count=N runs this again
	log := captureErrors(t)
	one := 1
	for range 3 {
		st, skip := panickyEnter("test.first", &one)
		if st != nil || skip {
			t.Fatalf("after a recovered panic, enter returned (%v, %v), want (nil, false)", st, skip)
		}
	}
	panickyEnter("test.second", &one)

	want := []string{
		"autotel: hook test.first panicked: boom test.first; instrumentation continues",
		"autotel: hook test.second panicked: boom test.second; instrumentation continues",
	}
	got := log.messages()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("reported:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var hp *HookPanicError
	if !errors.As(log.errs[0], &hp) || hp.Hook != "test.first" {
		t.Fatalf("reported error is %#v, want a *HookPanicError for test.first", log.errs[0])
	}
}

func TestGuardWithoutPanicReportsNothing(t *testing.T) {
	log := captureErrors(t)
	zero := 0
	if st, _ := panickyEnter("test.quiet", &zero); st == nil {
		t.Fatal("enter returned nil state without a panic")
	}
	if got := log.messages(); len(got) != 0 {
		t.Fatalf("reported %q, want nothing", got)
	}
}

// exitHook has the shape of an exit hook: deferred by the instrumented
// function, with its own Guard.
func exitHook(ran *bool, result *int) {
	defer Guard("test.exit")
	*ran = true
	*result = 42
}

// instrumented has the shape the rewriter gives a function whose body panics.
func instrumented(ran *bool) (r0 int) {
	defer exitHook(ran, &r0)
	panic("application panic")
}

func TestGuardInExitHookDoesNotSwallowApplicationPanic(t *testing.T) {
	log := captureErrors(t)
	var ran bool
	got := func() (v any) {
		defer func() { v = recover() }()
		instrumented(&ran)
		return nil
	}()
	if got != "application panic" {
		t.Fatalf("the application's panic became %v, want it to propagate unchanged", got)
	}
	if !ran {
		t.Fatal("exit hook did not run during the panic")
	}
	if msgs := log.messages(); len(msgs) != 0 {
		t.Fatalf("Guard reported %q for a panic that was not the hook's", msgs)
	}
}
