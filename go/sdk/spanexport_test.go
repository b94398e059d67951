package sdk

// The span exporter's encoding against the official one: the same spans go
// through otlptrace.Exporter (its transform, then the generated structs) and
// through spanExporter; the ResourceSpans the official one hands its OTLP
// client must be those of the request ours encodes, once decoded.

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// capturingClient keeps the ResourceSpans it is asked to send, marshalled as
// the real clients marshal them: as the official exporter's otlptrace.Client
// (UploadTraces) and as autotel's exportClient (Export, whose requests it
// decodes).
type capturingClient struct{ uploads [][]byte }

func (c *capturingClient) Start(context.Context) error    { return nil }
func (c *capturingClient) Stop(context.Context) error     { return nil }
func (c *capturingClient) Shutdown(context.Context) error { return nil }

func (c *capturingClient) Export(ctx context.Context, request []byte) error {
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(request, &req); err != nil {
		return err
	}
	return c.UploadTraces(ctx, req.ResourceSpans)
}

func (c *capturingClient) UploadTraces(_ context.Context, rss []*tracepb.ResourceSpans) error {
	for _, rs := range rss {
		b, err := proto.Marshal(rs)
		if err != nil {
			return err
		}
		c.uploads = append(c.uploads, b)
	}
	return nil
}

// capturingExporter is a spanExporter over a capturingClient.
func capturingExporter(t *testing.T) (*capturingClient, *spanExporter) {
	t.Helper()
	c := &capturingClient{}
	return c, newSpanExporterOver(c)
}

func (c *capturingClient) decoded(t *testing.T) []*tracepb.ResourceSpans {
	t.Helper()
	var out []*tracepb.ResourceSpans
	for _, b := range c.uploads {
		rs := &tracepb.ResourceSpans{}
		if err := proto.Unmarshal(b, rs); err != nil {
			t.Fatalf("decoding a ResourceSpans: %v", err)
		}
		out = append(out, rs)
	}
	// The official exporter orders resources by a map; compare them in one order.
	sort.Slice(out, func(i, j int) bool { return out[i].Resource.String() < out[j].Resource.String() })
	return out
}

func sampleSpans() []sdktrace.ReadOnlySpan {
	traceID := trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	state, _ := trace.ParseTraceState("vendor=value,other=x")
	sc := func(span byte, flags trace.TraceFlags, remote bool) trace.SpanContext {
		return trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID, SpanID: trace.SpanID{span, 1, 2, 3, 4, 5, 6, 7}, TraceFlags: flags, TraceState: state, Remote: remote,
		})
	}
	service := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "checkout"), attribute.Int("process.pid", 4242))
	other := resource.NewSchemaless(attribute.String("service.name", "other"))
	long := strings.Repeat("x", 20000) // lengths of two and three varint bytes
	start := time.Unix(1700000000, 123456789)
	http := instrumentation.Scope{Name: "autotel/nethttp", Version: "1.2.3", SchemaURL: "https://opentelemetry.io/schemas/1.26.0"}
	sql := instrumentation.Scope{Name: "autotel/databasesql", Attributes: attribute.NewSet(attribute.Bool("scope.flag", true))}
	stubs := tracetest.SpanStubs{
		{
			Name: "GET /items/{id}", SpanKind: trace.SpanKindServer,
			SpanContext: sc(1, trace.FlagsSampled, false), Parent: sc(9, trace.FlagsSampled, true),
			StartTime: start, EndTime: start.Add(1500 * time.Microsecond),
			Attributes: []attribute.KeyValue{
				attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200),
				attribute.Float64("ratio", 0.25), attribute.Bool("flag", true),
				attribute.Bool("zero.bool", false), attribute.Int("zero.int", 0), attribute.String("zero.string", ""),
				attribute.StringSlice("strings", []string{"a", "", long}), attribute.IntSlice("ints", []int{0, -1, 1 << 40}),
				attribute.Float64Slice("floats", []float64{0, -2.5}), attribute.BoolSlice("bools", []bool{true, false}),
				attribute.String("long", long),
			},
			DroppedAttributes: 3, DroppedEvents: 1, DroppedLinks: 2,
			Events: []sdktrace.Event{
				{Name: "exception", Time: start.Add(time.Millisecond), Attributes: []attribute.KeyValue{attribute.String("exception.message", "boom")}, DroppedAttributeCount: 4},
				{Name: "empty", Time: start},
			},
			Links: []sdktrace.Link{
				{SpanContext: sc(7, 0, true), Attributes: []attribute.KeyValue{attribute.String("link", "one")}, DroppedAttributeCount: 1},
				{SpanContext: sc(8, trace.FlagsSampled, false)},
			},
			Status:               sdktrace.Status{Code: codes.Error, Description: "it failed"},
			Resource:             service,
			InstrumentationScope: http,
		},
		{
			Name: "SELECT items", SpanKind: trace.SpanKindClient,
			SpanContext: sc(2, trace.FlagsSampled, false), Parent: sc(1, trace.FlagsSampled, false),
			StartTime: start, EndTime: start.Add(time.Millisecond),
			Status: sdktrace.Status{Code: codes.Ok}, Resource: service, InstrumentationScope: sql,
		},
		{
			Name: "root", SpanKind: trace.SpanKindInternal, SpanContext: sc(3, 0, false),
			StartTime: start, EndTime: start, Resource: service, InstrumentationScope: http,
		},
		{Name: "unscoped", SpanKind: trace.SpanKindProducer, SpanContext: sc(4, 0, false), Resource: other},
		{Name: "no resource", SpanKind: trace.SpanKindConsumer, SpanContext: sc(5, 0, false)},
	}
	return stubs.Snapshots()
}

func TestSpanExporterEncodesWhatTheOfficialExporterSends(t *testing.T) {
	ctx := context.Background()
	spans := sampleSpans()

	official := &capturingClient{}
	exp, err := otlptrace.New(ctx, official)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	ours, ourExp := capturingExporter(t)
	if err := ourExp.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}

	want := official.decoded(t)
	// Where the official exporter (at the release the runtime requires) leaves
	// out what trace.proto defines, the expectation is completed: the W3C trace
	// flags in the low byte of Span.flags and Link.flags (newer releases send
	// them too) and a link's trace_state (no release sends it yet).
	byID := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		id := s.SpanContext().SpanID()
		byID[string(id[:])] = s
	}
	for _, rs := range want {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				src := byID[string(s.SpanId)]
				s.Flags |= uint32(src.SpanContext().TraceFlags())
				for i, l := range s.Links {
					lsc := src.Links()[i].SpanContext
					l.Flags |= uint32(lsc.TraceFlags())
					l.TraceState = lsc.TraceState().String()
				}
			}
		}
	}
	got := ours.decoded(t)
	if len(got) != 3 || len(want) != 3 {
		t.Fatalf("resources: ours %d, official %d, want 3 each", len(got), len(want))
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Errorf("resource %d differs:\nours:     %v\nofficial: %v", i, shorten(got[i]), shorten(want[i]))
		}
	}
}

// shorten prints rs without the 20 KB attribute values.
func shorten(rs *tracepb.ResourceSpans) string {
	s := rs.String()
	return strings.ReplaceAll(s, strings.Repeat("x", 20000), "x…")
}

func TestSpanExporterReusesItsBuffersAcrossBatches(t *testing.T) {
	ctx := context.Background()
	spans := sampleSpans()
	client := &capturingClient{}
	exp := newSpanExporterOver(client)
	for range 3 {
		if err := exp.ExportSpans(ctx, spans); err != nil {
			t.Fatal(err)
		}
	}
	if len(client.uploads) != 9 {
		t.Fatalf("uploads: %d, want 3 batches of 3 resources", len(client.uploads))
	}
	for i := 3; i < 9; i++ {
		if string(client.uploads[i]) != string(client.uploads[i%3]) {
			t.Errorf("upload %d differs from the first batch's", i)
		}
	}
	if len(exp.batches) != 0 {
		t.Errorf("the exporter keeps %d batches after an export", len(exp.batches))
	}

	// Spans as autotel's hooks make them (scalar attributes, no trace state:
	// the SDK's slice accessors and TraceState.String allocate by themselves).
	res := resource.NewSchemaless(attribute.String("service.name", "checkout"))
	scope := instrumentation.Scope{Name: "autotel/nethttp", Version: "1.2.3"}
	var stubs tracetest.SpanStubs
	for i := range 20 {
		stubs = append(stubs, tracetest.SpanStub{
			Name: "GET /items/{id}", SpanKind: trace.SpanKindServer,
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{byte(i + 1)}, TraceFlags: trace.FlagsSampled}),
			Attributes:  []attribute.KeyValue{attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200)},
			Events:      []sdktrace.Event{{Name: "event", Attributes: []attribute.KeyValue{attribute.Bool("b", true)}}},
			Resource:    res, InstrumentationScope: scope,
		})
	}
	batch := stubs.Snapshots()
	exp.client = discardingClient{}
	allocs := testing.AllocsPerRun(50, func() {
		if err := exp.ExportSpans(ctx, batch); err != nil {
			t.Fatal(err)
		}
	})
	// The request is encoded into the exporter's own buffers: nothing is
	// allocated once they have grown.
	if allocs != 0 {
		t.Errorf("%.0f allocations per export of %d spans", allocs, len(batch))
	}
}

type discardingClient struct{}

func (discardingClient) Export(context.Context, []byte) error { return nil }
func (discardingClient) Shutdown(context.Context) error       { return nil }
