package sdk

// otlplogs.go owns autotel's OTLP log exporter: a batch of the log SDK's
// records encoded straight to the protobuf wire format of an
// ExportLogsServiceRequest (opentelemetry/proto/logs/v1/logs.proto,
// collector/logs/v1/logs_service.proto), handed whole to an exportClient.
// Like spanexport.go it builds no generated message structs: a batch is one
// byte slice, reused from batch to batch, written with otlpwire.go's helpers.
// A record's body and attribute values are walked by go/logvalue, whose
// value type depends on the OpenTelemetry release train (log.Value up to
// otel/log v0.20.0, attribute.Value after). otlplogs_test.go checks the
// bytes decode to what the official otlploghttp exporter sends.

import (
	"context"
	"sync"
	"sync/atomic"

	"autotel.dev/go/logvalue"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
)

// otlpLogExporter is an sdklog.Exporter that sends records through client.
type otlpLogExporter struct {
	client  exportClient
	stopped atomic.Bool

	mu  sync.Mutex // one export at a time uses enc
	enc logEncoder
}

func newOTLPLogExporter(client exportClient) *otlpLogExporter {
	return &otlpLogExporter{client: client}
}

// Export sends records as one request. After Shutdown it drops them, as the
// official exporters do.
func (e *otlpLogExporter) Export(ctx context.Context, records []sdklog.Record) error {
	if len(records) == 0 || e.stopped.Load() {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client.Export(ctx, e.enc.encode(records))
}

// ForceFlush has nothing to do: Export holds no records once it returns.
func (e *otlpLogExporter) ForceFlush(context.Context) error { return nil }

// Shutdown shuts the client down, once.
func (e *otlpLogExporter) Shutdown(ctx context.Context) error {
	if e.stopped.Swap(true) {
		return nil
	}
	return e.client.Shutdown(ctx)
}

// logEncoder encodes batches of records. Its buffers are kept from batch to
// batch; it keeps no reference to a batch's records or values once encode
// returns.
type logEncoder struct {
	buf       []byte // the request being encoded
	open      []int  // the starts of the messages a value walk has open
	resources []logResourceBatch
}

// logResourceBatch is the records of one resource in a batch, by scope.
type logResourceBatch struct {
	resource resource.Resource // the first record's (a copy: sdk/log v0.12.0 hands out copies)
	scopes   []logScopeBatch
}

type logScopeBatch struct {
	scope   instrumentation.Scope
	records []int // indexes into the batch
}

// encode returns records as an ExportLogsServiceRequest: a ResourceLogs per
// resource (equal attribute sets are one resource, whose schema URL is its
// first record's), in it a ScopeLogs per scope, each in the order of their
// first record, and records in batch order. The result is valid until the
// next call.
func (e *logEncoder) encode(records []sdklog.Record) []byte {
	e.group(records)
	e.buf = e.buf[:0]
	for i := range e.resources {
		r := &e.resources[i]
		e.begin(1) // ResourceLogs
		if r.resource.Len() > 0 {
			e.begin(1)
			e.buf = appendResource(e.buf, &r.resource)
			e.end()
		}
		for j := range r.scopes {
			s := &r.scopes[j]
			e.begin(2) // ScopeLogs
			if s.scope != (instrumentation.Scope{}) {
				e.begin(1)
				e.buf = appendScope(e.buf, s.scope)
				e.end()
			}
			for _, k := range s.records {
				e.begin(2)
				e.appendLogRecord(&records[k])
				e.end()
			}
			e.buf = appendStringField(e.buf, 3, s.scope.SchemaURL)
			e.end()
		}
		e.buf = appendStringField(e.buf, 3, r.resource.SchemaURL())
		e.end()
	}
	e.release()
	return e.buf
}

// group sorts records into e.resources by resource and scope. A provider has
// one resource and a handful of scopes, so the lookups are linear scans.
func (e *logEncoder) group(records []sdklog.Record) {
	for i := range records {
		r := &records[i]
		res := r.Resource()
		b := e.resourceBatch(resourceAddr(&res))
		scope := r.InstrumentationScope()
		j := 0
		for ; j < len(b.scopes) && b.scopes[j].scope != scope; j++ {
		}
		if j == len(b.scopes) {
			b.scopes = grow(b.scopes)
			b.scopes[j].scope = scope
		}
		b.scopes[j].records = append(b.scopes[j].records, i)
	}
}

var noResource resource.Resource

// resourceAddr returns the resource a record's Resource gave: sdk/log
// v0.12.0 returns a resource.Resource, later releases a *resource.Resource
// (nil for a record made outside a provider).
func resourceAddr[R resource.Resource | *resource.Resource](r *R) *resource.Resource {
	switch p := any(r).(type) {
	case *resource.Resource:
		return p
	case **resource.Resource:
		if *p != nil {
			return *p
		}
	}
	return &noResource
}

func (e *logEncoder) resourceBatch(res *resource.Resource) *logResourceBatch {
	for i := range e.resources {
		if b := &e.resources[i]; b.resource.Equal(res) {
			return b
		}
	}
	e.resources = grow(e.resources)
	b := &e.resources[len(e.resources)-1]
	b.resource = *res
	return b
}

// release lets go of the batch's resources and scopes, keeping the buffers
// for the next batch.
func (e *logEncoder) release() {
	for i := range e.resources {
		b := &e.resources[i]
		for j := range b.scopes {
			b.scopes[j].scope = instrumentation.Scope{}
			b.scopes[j].records = b.scopes[j].records[:0]
		}
		b.resource = resource.Resource{}
		b.scopes = b.scopes[:0]
	}
	e.resources = e.resources[:0]
	e.open = e.open[:0]
}

// appendLogRecord appends the fields of r's LogRecord message.
func (e *logEncoder) appendLogRecord(r *sdklog.Record) {
	e.buf = appendFixed64Field(e.buf, 1, unixNano(r.Timestamp().UnixNano()))
	e.buf = appendVarintField(e.buf, 2, uint64(severityNumber(r.Severity())))
	e.buf = appendStringField(e.buf, 3, r.SeverityText())
	// The body is always written, an AnyValue with no value when the record
	// has none, as the official exporters do.
	e.begin(5)
	logvalue.Walk(r.Body(), e)
	e.end()
	r.WalkAttributes(func(kv logvalue.KeyValue) bool {
		e.begin(6) // KeyValue
		e.buf = appendStringField(e.buf, 1, logvalue.Key(kv))
		e.begin(2)
		logvalue.Walk(kv.Value, e)
		e.end()
		e.end()
		return true
	})
	e.buf = appendVarintField(e.buf, 7, uint64(clampCount(r.DroppedAttributes())))
	e.buf = appendFixed32Field(e.buf, 8, uint32(r.TraceFlags()))
	if id := r.TraceID(); id.IsValid() {
		e.buf = appendBytesField(e.buf, 9, id[:])
	}
	if id := r.SpanID(); id.IsValid() {
		e.buf = appendBytesField(e.buf, 10, id[:])
	}
	e.buf = appendFixed64Field(e.buf, 11, unixNano(r.ObservedTimestamp().UnixNano()))
	e.buf = appendStringField(e.buf, 12, r.EventName())
}

// severityNumber is logs.proto's SeverityNumber of s: the API's severities
// have the same numbers, and any other is UNSPECIFIED (0).
func severityNumber(s otellog.Severity) int {
	if s >= otellog.SeverityTrace1 && s <= otellog.SeverityFatal4 {
		return int(s)
	}
	return 0
}

// begin opens an embedded message field; end closes the last one opened.
func (e *logEncoder) begin(field int) {
	var start int
	e.buf, start = openMessage(e.buf, field)
	e.open = append(e.open, start)
}

func (e *logEncoder) end() {
	n := len(e.open) - 1
	e.buf = closeMessage(e.buf, e.open[n])
	e.open = e.open[:n]
}

// The logvalue.Walker methods: they write a value's AnyValue fields. A value
// set in AnyValue's oneof is written even when it is the zero value.

func (e *logEncoder) Empty()            {}
func (e *logEncoder) Bool(x bool)       { e.buf = appendBool(e.buf, x) }
func (e *logEncoder) Int64(x int64)     { e.buf = appendInt(e.buf, x) }
func (e *logEncoder) Float64(x float64) { e.buf = appendDouble(e.buf, x) }
func (e *logEncoder) String(s string)   { e.buf = appendString(e.buf, s) }
func (e *logEncoder) Bytes(p []byte)    { e.buf = appendBytesValue(e.buf, p) }
func (e *logEncoder) BeginSlice()       { e.begin(anyArray) }
func (e *logEncoder) BeginElement()     { e.begin(1) } // ArrayValue.values
func (e *logEncoder) EndElement()       { e.end() }
func (e *logEncoder) EndSlice()         { e.end() }
func (e *logEncoder) BeginMap()         { e.begin(anyKvlist) }
func (e *logEncoder) BeginEntry(key string) {
	e.begin(1) // KeyValueList.values
	e.buf = appendStringField(e.buf, 1, key)
	e.begin(2)
}
func (e *logEncoder) EndEntry() { e.end(); e.end() }
func (e *logEncoder) EndMap()   { e.end() }
