package api

import (
	"context"
	"errors"
	"fmt"
	"net"

	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Active is a span started by [Begin]: current on the goroutine that began
// it until [Active.End]. A nil *Active is valid: Span returns a no-op span
// and End does nothing.
type Active struct {
	span  trace.Span
	scope *gls.Scope    // &own when the span became current, else nil
	own   gls.Scope     // in the same allocation as the Active
	quiet unsampledSpan // the span, when begun by BeginUnsampled
}

// Begin starts a span as a child of the span in ctx or, when ctx carries no
// valid span (nil, context.Background(), context.TODO() or any context
// without a span), of the span current on this goroutine (goroutine-local
// context, package autotel.dev/go/gls). The new span becomes current on this
// goroutine until [Active.End]. It returns the span's context, derived from
// ctx (context.Background() when ctx is nil) so that ctx's deadline and
// values carry over.
//
// Pass trace.WithNewRoot() for a span that must not have a local parent (a
// server span without incoming trace context); it still becomes current.
//
// When the tracer produces invalid spans (no SDK, OTEL_SDK_DISABLED), nothing
// is stored on the goroutine.
func Begin(ctx context.Context, tracer trace.Tracer, name string, opts ...trace.SpanStartOption) (context.Context, *Active) {
	ctx, span := tracer.Start(Parent(ctx), name, opts...)
	a := &Active{span: span}
	if span.SpanContext().IsValid() && glsInst.Enabled() {
		a.scope = gls.EnterIn(&a.own, ctx, spanTag(span.SpanContext()))
	}
	return ctx, a
}

// glsInst is the switch of goroutine-local context (rules/runtime.yaml):
// OTEL_GO_DISABLED_INSTRUMENTATIONS=gls turns it off at run time; spans then
// only connect through the contexts the application passes.
var glsInst = NewInstrumentation("gls")

// Tags of the goroutine-local scopes Begin enters (gls.EnterIn): whether the
// span is sampled, so that Quiet need not take the span out of the context.
// Scopes entered otherwise have tag 0 (unknown).
const (
	tagUnsampled uint8 = 1 + iota
	tagSampled
)

func spanTag(sc trace.SpanContext) uint8 {
	if sc.IsSampled() {
		return tagSampled
	}
	return tagUnsampled
}

// goroutineContext is gls.Current when goroutine-local context is enabled.
func goroutineContext() context.Context {
	if !gls.Available() || !glsInst.Enabled() {
		return nil
	}
	return gls.Current()
}

// Span returns the span.
func (a *Active) Span() trace.Span {
	if a == nil {
		return trace.SpanFromContext(context.Background()) // no-op span
	}
	return a.span
}

// End ends the span and makes the context that was current on this goroutine
// before [Begin] current again. Call it once, normally on the goroutine that
// called Begin; ending on another goroutine ends the span, and the beginning
// goroutine stops treating it as current.
func (a *Active) End(opts ...trace.SpanEndOption) {
	if a == nil {
		return
	}
	a.scope.Exit()
	a.span.End(opts...)
}

// Leave makes the context that was current on this goroutine before [Begin]
// current again without ending the span, which is then never exported: for a
// span the program's own instrumentation replaced (design.md §1.9).
func (a *Active) Leave() {
	if a == nil {
		return
	}
	a.scope.Exit()
}

// MakeCurrent makes ctx current on this goroutine until the returned scope's
// Exit (nil, which Exit accepts, when goroutine-local context is off): for a
// context that carries a span the program started itself.
func MakeCurrent(ctx context.Context) *gls.Scope {
	if !gls.Available() || !glsInst.Enabled() {
		return nil
	}
	return gls.Enter(ctx)
}

// Current returns the context of the span current on this goroutine, or
// context.Background() when there is none (or the runtime is not
// instrumented). Use it where a hook has no ctx at all.
func Current() context.Context {
	if ctx := goroutineContext(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// Parent returns the context a hook should start its span from: ctx when it
// carries a valid span or comes from [WithoutLocalParent]; otherwise, when a
// span is current on this goroutine, ctx (context.Background() when nil) with
// that span, and its baggage when ctx has none, added; otherwise ctx
// (context.Background() when nil). The span it carries is the same one
// [Current] would give, but ctx's own deadline and values are kept.
func Parent(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if trace.SpanContextFromContext(ctx).IsValid() || ctx.Value(noLocalParentKey{}) != nil {
		return ctx
	}
	cur := goroutineContext()
	if cur == nil {
		return ctx
	}
	span := trace.SpanFromContext(cur)
	if !span.SpanContext().IsValid() {
		return ctx
	}
	ctx = trace.ContextWithSpan(ctx, span)
	if baggage.FromContext(ctx).Len() == 0 {
		if bag := baggage.FromContext(cur); bag.Len() > 0 {
			ctx = baggage.ContextWithBaggage(ctx, bag)
		}
	}
	return ctx
}

type noLocalParentKey struct{}

// WithoutLocalParent returns ctx without a span, marked so that [Parent]
// leaves it so: a span started from it continues only the trace context ctx
// carries (none), not the span current on the goroutine. A hook that hands a
// call to the application's own instrumentation (otelhttp's handler) uses
// it, so that instrumentation starts its span as it would without autotel.
func WithoutLocalParent(ctx context.Context) context.Context {
	return context.WithValue(trace.ContextWithSpanContext(ctx, trace.SpanContext{}), noLocalParentKey{}, true)
}

// CurrentSpanContext returns the span context current on this goroutine
// (invalid when none). Log correlation uses it.
func CurrentSpanContext() trace.SpanContext {
	if ctx := goroutineContext(); ctx != nil {
		return trace.SpanContextFromContext(ctx)
	}
	return trace.SpanContext{}
}

// errorTypeKey is error.type of the semantic conventions.
const errorTypeKey = attribute.Key("error.type")

// RecordError records err on span as the semantic conventions ask: an
// exception event, status Error with err's message, and error.type (see
// [ErrorType]). A nil err records nothing.
func RecordError(span trace.Span, err error) {
	if err == nil || span == nil || !span.IsRecording() {
		return
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	span.SetAttributes(errorTypeKey.String(ErrorType(err)))
}

// ErrorType returns the error.type of err: "timeout" for deadlines and
// network timeouts, "canceled" for context cancellation, else err's dynamic
// type ("*net.OpError").
func ErrorType(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return fmt.Sprintf("%T", err)
}
