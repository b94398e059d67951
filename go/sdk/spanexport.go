package sdk

// spanexport.go owns autotel's OTLP span exporter: the spans are encoded
// straight to the protobuf wire format of an ExportTraceServiceRequest, which
// an exportClient (go/internal/otlp: OTLP/HTTP or OTLP/gRPC, with every
// OTEL_EXPORTER_OTLP_* setting) carries.
//
// Why not otlptrace.Exporter: it first builds the generated message structs
// of every span (a KeyValue and an AnyValue allocation per attribute) and
// groups them through maps keyed by the resource's and the scope's attribute
// sets (hashed through interfaces), then proto.Marshal walks those structs.
// Profiled on the demo server under load (bench/REPORT.md, Runtime), that
// export path was about 19% of the server's CPU, plus the garbage
// collection of its allocations. Here a batch is one byte slice, reused from
// batch to batch, and it is the request the collector receives. Its layout
// follows opentelemetry/proto/trace/v1/trace.proto and
// collector/trace/v1/trace_service.proto; spanexport_test.go checks it
// decodes to what the official exporter sends for the same spans.

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// spanExporter sends spans through client.
// It exports spans the SDK hands it (ExportSpans: test binaries, whose
// processor queues ReadOnlySpans) and spans encoded when they ended
// (exportEncoded: spanqueue.go's processor); both go through upload.
type spanExporter struct {
	client exportClient

	mu      sync.Mutex // one export at a time uses the buffers below
	scopes  scopeTable
	encoded []byte        // ExportSpans's spans, encoded
	spans   []encodedSpan // their entries
	buf     []byte        // the request
	batches []resourceBatch
}

func newSpanExporterOver(client exportClient) *spanExporter {
	return &spanExporter{client: client}
}

// encodedSpan is one ended span, encoded.
type encodedSpan struct {
	resource *resource.Resource
	scope    *instrumentation.Scope // interned by a scopeTable
	wire     []byte                 // the fields of its Span message
}

// encodeSpan appends the fields of s's Span message to buf and returns buf
// and the span, whose wire is in buf's array (written once: appending to buf
// later never changes it, even when that moves buf to a new array).
func encodeSpan(buf []byte, scopes *scopeTable, s sdktrace.ReadOnlySpan) ([]byte, encodedSpan) {
	start := len(buf)
	buf = appendSpan(buf, s)
	return buf, encodedSpan{resource: s.Resource(), scope: scopes.intern(s.InstrumentationScope()), wire: buf[start:len(buf):len(buf)]}
}

// scopeTable holds one copy of each instrumentation scope seen, so that an
// encoded span carries a pointer rather than the scope (a provider has a
// handful of tracers; lookups compare them one by one).
type scopeTable struct{ scopes []*instrumentation.Scope }

func (t *scopeTable) intern(s instrumentation.Scope) *instrumentation.Scope {
	for _, p := range t.scopes {
		if *p == s {
			return p
		}
	}
	p := new(instrumentation.Scope) // not &s: s would then be on the heap at every call
	*p = s
	t.scopes = append(t.scopes, p)
	return p
}

// resourceBatch is the spans of one resource in a batch, by scope.
type resourceBatch struct {
	resource *resource.Resource
	scopes   []scopeBatch
}

type scopeBatch struct {
	scope *instrumentation.Scope
	spans [][]byte // each span's Span message fields
}

func (e *spanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.encoded, e.spans = e.encoded[:0], e.spans[:0]
	for _, s := range spans {
		if s != nil {
			var span encodedSpan
			e.encoded, span = encodeSpan(e.encoded, &e.scopes, s)
			e.spans = append(e.spans, span)
		}
	}
	return e.upload(ctx, e.spans)
}

// exportEncoded sends spans encoded by encodeSpan; it clears spans (see
// upload).
func (e *spanExporter) exportEncoded(ctx context.Context, spans []encodedSpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.upload(ctx, spans)
}

// upload sends spans as one request, a ResourceSpans per resource; e.mu is
// held. Once the request is encoded it clears spans, letting go of their
// bytes: an export that hangs until its timeout holds its batch once.
func (e *spanExporter) upload(ctx context.Context, spans []encodedSpan) error {
	if len(spans) == 0 {
		return nil
	}
	e.group(spans)
	e.buf = e.buf[:0]
	for i := range e.batches {
		var start int
		e.buf, start = openMessage(e.buf, 1) // ExportTraceServiceRequest.resource_spans
		e.buf = closeMessage(appendResourceSpans(e.buf, &e.batches[i]), start)
	}
	e.release()
	clear(spans)
	return e.client.Export(ctx, e.buf)
}

// group sorts spans into e.batches by resource and scope, keeping their order
// within a scope. A provider has one resource and a handful of scopes, so
// the lookups are linear scans that compare pointers first.
func (e *spanExporter) group(spans []encodedSpan) {
	for _, s := range spans {
		r := e.resourceBatch(s.resource)
		i := 0
		for ; i < len(r.scopes); i++ {
			if r.scopes[i].scope == s.scope || *r.scopes[i].scope == *s.scope {
				break
			}
		}
		if i == len(r.scopes) {
			r.scopes = grow(r.scopes)
			r.scopes[i].scope = s.scope
		}
		r.scopes[i].spans = append(r.scopes[i].spans, s.wire)
	}
}

func (e *spanExporter) resourceBatch(res *resource.Resource) *resourceBatch {
	for i := range e.batches {
		if b := &e.batches[i]; b.resource == res || b.resource.Equal(res) {
			return b
		}
	}
	e.batches = grow(e.batches)
	b := &e.batches[len(e.batches)-1]
	b.resource = res
	return b
}

// grow extends s by one element, reusing what an earlier batch left in the
// backing array (its emptied slices keep their capacity).
func grow[T any](s []T) []T {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	var zero T
	return append(s, zero)
}

// release lets go of the batch's spans, grouped (the buffers are kept for
// the next).
func (e *spanExporter) release() {
	for i := range e.batches {
		b := &e.batches[i]
		for j := range b.scopes {
			clear(b.scopes[j].spans)
			b.scopes[j].spans = b.scopes[j].spans[:0]
			b.scopes[j].scope = nil
		}
		b.resource = nil
		b.scopes = b.scopes[:0]
	}
	e.batches = e.batches[:0]
}

func (e *spanExporter) Shutdown(ctx context.Context) error {
	return e.client.Shutdown(ctx)
}

// appendResourceSpans appends the fields of one ResourceSpans message.
func appendResourceSpans(b []byte, r *resourceBatch) []byte {
	if r.resource != nil {
		var start int
		b, start = openMessage(b, 1)
		b = closeMessage(appendResource(b, r.resource), start)
	}
	for _, s := range r.scopes {
		var start int
		b, start = openMessage(b, 2)
		b = appendScopeSpans(b, &s)
		b = closeMessage(b, start)
	}
	if r.resource != nil {
		b = appendStringField(b, 3, r.resource.SchemaURL())
	}
	return b
}

func appendScopeSpans(b []byte, s *scopeBatch) []byte {
	if *s.scope != (instrumentation.Scope{}) {
		var start int
		b, start = openMessage(b, 1)
		b = closeMessage(appendScope(b, *s.scope), start)
	}
	for _, span := range s.spans {
		b = appendBytesField(b, 2, span)
	}
	return appendStringField(b, 3, s.scope.SchemaURL)
}

// Span flags (trace.proto's SpanFlags): the low byte is the W3C trace flags.
const (
	flagsHasIsRemote = 0x100
	flagsIsRemote    = 0x200
)

func spanFlags(flags trace.TraceFlags, parent trace.SpanContext) uint32 {
	f := uint32(flags) | flagsHasIsRemote
	if parent.IsRemote() {
		f |= flagsIsRemote
	}
	return f
}

// appendSpan appends the fields of one Span message, in field order.
func appendSpan(b []byte, s sdktrace.ReadOnlySpan) []byte {
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	b = appendBytesField(b, 1, tid[:])
	b = appendBytesField(b, 2, sid[:])
	b = appendStringField(b, 3, sc.TraceState().String())
	parent := s.Parent()
	if psid := parent.SpanID(); psid.IsValid() {
		b = appendBytesField(b, 4, psid[:])
	}
	b = appendStringField(b, 5, s.Name())
	b = appendVarintField(b, 6, uint64(spanKind(s.SpanKind())))
	b = appendFixed64Field(b, 7, unixNano(s.StartTime().UnixNano()))
	b = appendFixed64Field(b, 8, unixNano(s.EndTime().UnixNano()))
	b = appendKeyValues(b, 9, s.Attributes())
	b = appendVarintField(b, 10, uint64(clampCount(s.DroppedAttributes())))
	for _, ev := range s.Events() {
		var start int
		b, start = openMessage(b, 11)
		b = appendFixed64Field(b, 1, unixNano(ev.Time.UnixNano()))
		b = appendStringField(b, 2, ev.Name)
		b = appendKeyValues(b, 3, ev.Attributes)
		b = appendVarintField(b, 4, uint64(clampCount(ev.DroppedAttributeCount)))
		b = closeMessage(b, start)
	}
	b = appendVarintField(b, 12, uint64(clampCount(s.DroppedEvents())))
	for _, l := range s.Links() {
		var start int
		b, start = openMessage(b, 13)
		ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		b = appendBytesField(b, 1, ltid[:])
		b = appendBytesField(b, 2, lsid[:])
		b = appendStringField(b, 3, l.SpanContext.TraceState().String())
		b = appendKeyValues(b, 4, l.Attributes)
		b = appendVarintField(b, 5, uint64(clampCount(l.DroppedAttributeCount)))
		b = appendFixed32Field(b, 6, spanFlags(l.SpanContext.TraceFlags(), l.SpanContext))
		b = closeMessage(b, start)
	}
	b = appendVarintField(b, 14, uint64(clampCount(s.DroppedLinks())))
	status := s.Status()
	var start int
	b, start = openMessage(b, 15)
	b = appendStringField(b, 2, status.Description)
	b = appendVarintField(b, 3, uint64(statusCode(status.Code)))
	b = closeMessage(b, start)
	return appendFixed32Field(b, 16, spanFlags(sc.TraceFlags(), parent))
}

// spanKind is trace.proto's SpanKind of k (the same numbers as the API's).
func spanKind(k trace.SpanKind) int {
	if k >= trace.SpanKindInternal && k <= trace.SpanKindConsumer {
		return int(k)
	}
	return 0
}

// statusCode is trace.proto's Status.StatusCode (UNSET 0, OK 1, ERROR 2).
func statusCode(c codes.Code) int {
	switch c {
	case codes.Ok:
		return 1
	case codes.Error:
		return 2
	}
	return 0
}

func unixNano(ns int64) uint64 {
	return uint64(max(0, ns))
}

func clampCount(n int) uint32 {
	if n <= 0 {
		return 0
	}
	if uint64(n) > uint64(^uint32(0)) {
		return ^uint32(0)
	}
	return uint32(n)
}
