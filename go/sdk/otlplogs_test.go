package sdk

// The log exporter's encoding against the official one: the same records,
// made by real logger providers, go through otlploghttp.Exporter and through
// otlpLogExporter to one HTTP server; the two request bodies must decode to
// the same ExportLogsServiceRequest.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"autotel.dev/go/logvalue"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// logSink is an HTTP server that keeps the request bodies it receives, by path.
type logSink struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string][][]byte
	status int // the answer's status when not 0
}

func newLogSink(t *testing.T) *logSink {
	s := &logSink{bodies: map[string][][]byte{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.bodies[r.URL.Path] = append(s.bodies[r.URL.Path], body)
		status := s.status
		s.mu.Unlock()
		if status != 0 {
			http.Error(w, "refused", status)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *logSink) received(path string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies[path]
}

// postingClient is an exportClient that POSTs each request to url, as
// OTLP/HTTP does, and counts its shutdowns.
type postingClient struct {
	url       string
	shutdowns int
}

func (c *postingClient) Export(ctx context.Context, request []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(request))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", c.url, resp.Status)
	}
	return nil
}

func (c *postingClient) Shutdown(context.Context) error { c.shutdowns++; return nil }

// exporterToSink returns an otlpLogExporter that posts to a new logSink's
// path /v1/logs.
func exporterToSink(t *testing.T) (*logSink, *postingClient, *otlpLogExporter) {
	sink := newLogSink(t)
	client := &postingClient{url: sink.URL + "/v1/logs"}
	return sink, client, newOTLPLogExporter(client)
}

// sampleRecords returns records emitted through real logger providers: three
// resources (two providers share one), three scopes (one empty), and bodies
// and attributes of every value kind.
func sampleRecords(t *testing.T) []sdklog.Record {
	t.Helper()
	ctx := context.Background()
	service := func() *resource.Resource {
		return resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
			attribute.String("service.name", "checkout"), attribute.Int("process.pid", 4242))
	}
	var recorder recordingLogExporter
	provider := func(res *resource.Resource) *sdklog.LoggerProvider {
		return sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithAttributeCountLimit(12),
			sdklog.WithProcessor(sdklog.NewSimpleProcessor(&recorder)))
	}
	first, second := provider(service()), provider(service()) // equal resources, two copies
	other := provider(resource.NewSchemaless(attribute.String("service.name", "other")))
	bare := provider(resource.Empty())
	http := first.Logger("autotel/nethttp", otellog.WithInstrumentationVersion("1.2.3"),
		otellog.WithSchemaURL("https://opentelemetry.io/schemas/1.26.0"))
	sql := first.Logger("autotel/databasesql", otellog.WithInstrumentationAttributes(attribute.Bool("scope.flag", true)))
	httpAgain := second.Logger("autotel/nethttp", otellog.WithInstrumentationVersion("1.2.3"),
		otellog.WithSchemaURL("https://opentelemetry.io/schemas/1.26.0"))
	unscoped := other.Logger("")
	bareLogger := bare.Logger("bare")

	traced := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:  trace.SpanID{1, 1, 2, 3, 4, 5, 6, 7}, TraceFlags: trace.FlagsSampled,
	}))
	unsampled := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{9}, SpanID: trace.SpanID{9},
	}))
	long := strings.Repeat("x", 20000) // lengths of two and three varint bytes
	start := time.Unix(1700000000, 123456789)
	n := 0
	emit := func(l otellog.Logger, c context.Context, body logvalue.Value, sev otellog.Severity, text, event string, attrs ...logvalue.KeyValue) {
		var r otellog.Record
		n++
		r.SetTimestamp(start.Add(time.Duration(n) * time.Millisecond)) // identifies the record
		r.SetObservedTimestamp(start.Add(time.Duration(n) * time.Second))
		r.SetBody(body)
		r.SetSeverity(sev)
		r.SetSeverityText(text)
		r.SetEventName(event)
		r.AddAttributes(attrs...)
		l.Emit(c, r)
	}
	every := []logvalue.KeyValue{
		logvalue.Pair("string", logvalue.String("GET")), logvalue.Pair("int", logvalue.Int64(-200)),
		logvalue.Pair("double", logvalue.Float64(0.25)), logvalue.Pair("bool", logvalue.Bool(true)),
		logvalue.Pair("bytes", logvalue.Bytes([]byte{0, 1, 0xff})), logvalue.Pair("empty", logvalue.Value{}),
		logvalue.Pair("zero.bool", logvalue.Bool(false)), logvalue.Pair("zero.int", logvalue.Int64(0)),
		logvalue.Pair("zero.string", logvalue.String("")), logvalue.Pair("zero.bytes", logvalue.Bytes(nil)),
		logvalue.Pair("slice", logvalue.Slice(logvalue.Int64(1), logvalue.String(long), logvalue.Value{},
			logvalue.Slice(), logvalue.Slice(logvalue.Bool(false), logvalue.Float64(-2.5)))),
		logvalue.Pair("map", logvalue.Map(logvalue.Pair("k", logvalue.String("v")), logvalue.Pair("", logvalue.Int64(0)),
			logvalue.Pair("nested", logvalue.Map(logvalue.Pair("deep", logvalue.Bytes([]byte("b"))))), logvalue.Pair("nothing", logvalue.Value{}))),
	}
	emit(http, traced, logvalue.String("request served"), otellog.SeverityInfo, "INFO", "http.served", every...)
	emit(sql, traced, logvalue.Int64(42), otellog.SeverityDebug2, "", "")
	emit(unscoped, ctx, logvalue.Float64(-0.5), otellog.SeverityWarn, "WARN", "", logvalue.Pair("k", logvalue.String("v")))
	emit(httpAgain, unsampled, logvalue.Bool(false), otellog.SeverityError4, "ERROR", "")
	emit(http, ctx, logvalue.Bytes([]byte{0xde, 0xad}), otellog.SeverityFatal, "", "")
	emit(bareLogger, traced, logvalue.Slice(logvalue.String("a"), logvalue.Map(logvalue.Pair("b", logvalue.Value{}))), otellog.SeverityTrace1, "", "")
	emit(sql, ctx, logvalue.Map(logvalue.Pair("long", logvalue.String(long)), logvalue.Pair("list", logvalue.Slice(logvalue.Int64(7)))), otellog.SeverityUndefined, "", "")
	emit(http, ctx, logvalue.Value{}, otellog.Severity(99), "custom", "only.event")
	emit(unscoped, ctx, logvalue.String(""), otellog.SeverityInfo, "", "")
	tooMany := make([]logvalue.KeyValue, 15) // 12 kept, 3 dropped
	for i := range tooMany {
		tooMany[i] = logvalue.Pair(fmt.Sprintf("attr.%d", i), logvalue.Int64(int64(i)))
	}
	emit(http, traced, logvalue.String(long), otellog.SeverityInfo, "INFO", "", tooMany...)
	if len(recorder.records) != n {
		t.Fatalf("%d records recorded, %d emitted", len(recorder.records), n)
	}
	return recorder.records
}

// decodeLogs decodes a request body, its resources in one order (the
// official exporter orders them by a map).
func decodeLogs(t *testing.T, body []byte) *collogspb.ExportLogsServiceRequest {
	t.Helper()
	req := &collogspb.ExportLogsServiceRequest{}
	if err := proto.Unmarshal(body, req); err != nil {
		t.Fatalf("decoding an ExportLogsServiceRequest: %v", err)
	}
	sort.Slice(req.ResourceLogs, func(i, j int) bool {
		return req.ResourceLogs[i].Resource.String() < req.ResourceLogs[j].Resource.String()
	})
	return req
}

func TestLogExporterEncodesWhatTheOfficialExporterSends(t *testing.T) {
	ctx := context.Background()
	records := sampleRecords(t)
	sink := newLogSink(t)

	official, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(sink.URL+"/official/v1/logs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := official.Export(ctx, records); err != nil {
		t.Fatal(err)
	}
	ours := newOTLPLogExporter(&postingClient{url: sink.URL + "/ours/v1/logs"})
	if err := ours.Export(ctx, records); err != nil {
		t.Fatal(err)
	}
	wantBodies, gotBodies := sink.received("/official/v1/logs"), sink.received("/ours/v1/logs")
	if len(wantBodies) != 1 || len(gotBodies) != 1 {
		t.Fatalf("requests: official %d, ours %d, want one each", len(wantBodies), len(gotBodies))
	}
	want, got := decodeLogs(t, wantBodies[0]), decodeLogs(t, gotBodies[0])

	// Where the official exporter (at the release the runtime requires) leaves
	// out what logs.proto defines, the expectation is completed: the dropped
	// attributes count (v0.21.0 leaves it out, v0.23.0 sends it) and empty
	// values (v0.16.0 sends the string "INVALID", v0.20.0 an AnyValue with no
	// value, as ours; no sample value is that string). Checked against
	// otlploghttp v0.12.0, v0.14.0, v0.20.0, v0.21.0 and v0.23.0.
	byTime := map[uint64]*sdklog.Record{}
	for i := range records {
		byTime[uint64(records[i].Timestamp().UnixNano())] = &records[i]
	}
	for _, rl := range want.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			for _, lr := range sl.LogRecords {
				lr.DroppedAttributesCount = uint32(byTime[lr.TimeUnixNano].DroppedAttributes())
				emptyForInvalid(lr.Body)
				for _, kv := range lr.Attributes {
					emptyForInvalid(kv.Value)
				}
			}
		}
	}
	if len(got.ResourceLogs) != 3 || len(want.ResourceLogs) != 3 {
		t.Fatalf("resources: ours %d, official %d, want 3 each", len(got.ResourceLogs), len(want.ResourceLogs))
	}
	if !proto.Equal(got, want) {
		for i := range want.ResourceLogs {
			if !proto.Equal(got.ResourceLogs[i], want.ResourceLogs[i]) {
				t.Errorf("resource %d differs:\nours:     %v\nofficial: %v", i, shortenText(got.ResourceLogs[i]), shortenText(want.ResourceLogs[i]))
			}
		}
		t.Fatal("the requests differ")
	}
	// What the comparison cannot see for itself: the sample reaches every field.
	var dropped, traced, events, scopeless int
	for _, rl := range got.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			if sl.Scope == nil {
				scopeless++
			}
			for _, lr := range sl.LogRecords {
				if lr.DroppedAttributesCount > 0 {
					dropped++
				}
				if len(lr.TraceId) > 0 && len(lr.SpanId) > 0 && lr.Flags == 1 {
					traced++
				}
				if lr.EventName != "" {
					events++
				}
			}
		}
	}
	if dropped != 1 || traced != 4 || events != 2 || scopeless != 1 {
		t.Errorf("records with dropped attributes %d, trace context %d, an event name %d; scopes without a Scope %d", dropped, traced, events, scopeless)
	}
	if got.ResourceLogs[0].Resource != nil || len(got.ResourceLogs[0].ScopeLogs) != 1 {
		t.Errorf("the empty resource: %v", got.ResourceLogs[0])
	}
	if n := len(got.ResourceLogs[1].ScopeLogs); n != 2 {
		t.Errorf("the shared resource has %d scopes, want 2 (its two providers' nethttp loggers are one scope)", n)
	}
}

// emptyForInvalid replaces the string value "INVALID" in v by no value.
func emptyForInvalid(v *commonpb.AnyValue) {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		if x.StringValue == "INVALID" {
			v.Value = nil
		}
	case *commonpb.AnyValue_ArrayValue:
		for _, e := range x.ArrayValue.Values {
			emptyForInvalid(e)
		}
	case *commonpb.AnyValue_KvlistValue:
		for _, kv := range x.KvlistValue.Values {
			emptyForInvalid(kv.Value)
		}
	}
}

// shortenText prints m without the 20 KB strings.
func shortenText(m proto.Message) string {
	return strings.ReplaceAll(fmt.Sprint(m), strings.Repeat("x", 20000), "x…")
}

func TestLogExporterReusesItsBuffersAndLetsGoOfTheBatch(t *testing.T) {
	ctx := context.Background()
	records := sampleRecords(t)
	sink, _, exp := exporterToSink(t)
	for range 3 {
		if err := exp.Export(ctx, records); err != nil {
			t.Fatal(err)
		}
	}
	bodies := sink.received("/v1/logs")
	if len(bodies) != 3 || !bytes.Equal(bodies[1], bodies[0]) || !bytes.Equal(bodies[2], bodies[0]) {
		t.Fatalf("%d requests, not all the same", len(bodies))
	}
	if len(exp.enc.resources) != 0 || len(exp.enc.open) != 0 {
		t.Errorf("the encoder keeps %d resources and %d open messages after an export", len(exp.enc.resources), len(exp.enc.open))
	}
	for _, b := range exp.enc.resources[:cap(exp.enc.resources)] {
		if b.resource.Len() != 0 || len(b.scopes) != 0 {
			t.Errorf("the encoder's spare batch holds %v and %d scopes", b.resource.Set(), len(b.scopes))
		}
	}

	// Records as autotel's hooks make them (scalar attributes; the SDK's slice
	// accessors allocate by themselves): once the buffers have grown, encoding
	// allocates nothing.
	var recorder recordingLogExporter
	provider := sdklog.NewLoggerProvider(sdklog.WithResource(resource.NewSchemaless(attribute.String("service.name", "checkout"))),
		sdklog.WithProcessor(sdklog.NewSimpleProcessor(&recorder)))
	logger := provider.Logger("autotel/stdslog", otellog.WithInstrumentationVersion("1.2.3"))
	traced := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled,
	}))
	for i := range 20 {
		var r otellog.Record
		r.SetTimestamp(time.Unix(1700000000, int64(i)))
		r.SetSeverity(otellog.SeverityInfo)
		r.SetSeverityText("INFO")
		r.SetBody(logvalue.String("request served"))
		r.AddAttributes(logvalue.Pair("http.request.method", logvalue.String("GET")),
			logvalue.Pair("http.response.status_code", logvalue.Int64(200)), logvalue.Pair("ok", logvalue.Bool(true)))
		logger.Emit(traced, r)
	}
	batch := recorder.records
	allocs := testing.AllocsPerRun(50, func() { exp.enc.encode(batch) })
	if allocs != 0 {
		t.Errorf("%.1f allocations per encoding of %d records, want 0", allocs, len(batch))
	}
}

func TestLogExporterShutsItsClientDownOnce(t *testing.T) {
	ctx := context.Background()
	records := sampleRecords(t)
	sink, client, exp := exporterToSink(t)
	if err := exp.Export(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := exp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.received("/v1/logs")); n != 0 {
		t.Fatalf("%d requests for an empty batch", n)
	}
	for range 2 {
		if err := exp.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := exp.Export(ctx, records); err != nil {
		t.Errorf("export after shutdown: %v", err)
	}
	if n := len(sink.received("/v1/logs")); client.shutdowns != 1 || n != 0 {
		t.Errorf("%d client shutdowns, %d requests after shutdown; want 1 and 0", client.shutdowns, n)
	}
}

func TestLogExporterReturnsTheClientsError(t *testing.T) {
	sink, _, exp := exporterToSink(t)
	sink.status = http.StatusServiceUnavailable
	err := exp.Export(context.Background(), sampleRecords(t))
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("export to a failing server: %v", err)
	}
}
