package elasticsearch

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
	sc "autotel.dev/go/internal/semconv/keys"
	"github.com/elastic/elastic-transport-go/v8/elastictransport"
	es "github.com/elastic/go-elasticsearch/v8"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("elasticsearch")

// system is db.system.name of every span.
const system = "elasticsearch"

// Attribute keys of the Elasticsearch span conventions that internal/semconv/keys does not hold.
const (
	operationParameterPrefix = "db.operation.parameter."
	nodeNameKey              = attribute.Key("elasticsearch.node.name")
)

// newTransportEnter is the enter hook of newTransport(cfg Config), which
// every Config-taking constructor (NewClient, NewTypedClient, NewBaseClient,
// NewDefaultClient) calls with a copy of the application's Config: when the
// program set no Instrumentation, it sets autotel's on that copy.
func newTransportEnter(cfg *es.Config) (*struct{}, bool) {
	defer api.Guard("elasticsearch.newTransportEnter")
	if !inst.Enabled() || cfg == nil || cfg.Instrumentation != nil {
		return nil, false
	}
	cfg.Instrumentation = instrumentation{}
	return nil, false
}

// instrumentation is autotel's elastictransport.Instrumentation: a CLIENT
// span per API call. It keeps no state of its own: each call's is in the
// context Start returns, which the client passes back to every other method
// (through the request's context for BeforeRequest and AfterRequest).
type instrumentation struct{}

var _ elastictransport.Instrumentation = instrumentation{}

// callKey is the context key of the call Start began.
type callKey struct{}

// call is one API call's span and what Close needs to finish it.
type call struct {
	span     trace.Span
	endpoint string

	mu     sync.Mutex
	status int   // the last response's HTTP status, 0 when none
	err    error // the error RecordError got, nil when none
}

func callFrom(ctx context.Context) *call {
	if ctx == nil {
		return nil
	}
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// Start begins the API call's span, named after the endpoint until the
// index is known.
func (instrumentation) Start(ctx context.Context, name string) context.Context {
	defer api.Guard("elasticsearch.Start")
	if !inst.Enabled() {
		return ctx
	}
	ctx, span := inst.Tracer().Start(api.Parent(ctx), name,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(sc.DBSystemNameKey.String(system), sc.DBOperationName(name)))
	return context.WithValue(ctx, callKey{}, &call{span: span, endpoint: name})
}

// Close ends the call's span: error.type and status Error for a status of
// 400 or more or an error without a response.
func (instrumentation) Close(ctx context.Context) {
	defer api.Guard("elasticsearch.Close")
	c := callFrom(ctx)
	if c == nil {
		return
	}
	c.mu.Lock()
	status, err := c.status, c.err
	c.mu.Unlock()
	finish(c.span, status, err)
	c.span.End()
}

// finish sets the call's result on span: db.response.status_code for a
// response; a status of 400 or more is an error whose error.type is the
// status code (also when the client turned it into an error: the typed API's
// ElasticsearchError); an error without such a response (no response, or one
// the client refused) is recorded with its type.
func finish(span trace.Span, status int, err error) {
	if status > 0 {
		span.SetAttributes(sc.DBResponseStatusCodeKey.String(strconv.Itoa(status)))
	}
	switch {
	case status >= 400:
		code := strconv.Itoa(status)
		if err != nil {
			span.RecordError(err)
		}
		span.SetAttributes(sc.ErrorTypeKey.String(code))
		span.SetStatus(codes.Error, "HTTP status "+code)
	case err != nil:
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		span.SetAttributes(sc.ErrorTypeKey.String(semconv.ErrorType(err)))
	}
}

// RecordError keeps err for Close.
func (instrumentation) RecordError(ctx context.Context, err error) {
	if c := callFrom(ctx); c != nil && err != nil {
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
	}
}

// RecordPathPart records a path part as db.operation.parameter.<part>; the
// index is also db.collection.name and completes the span's name.
func (instrumentation) RecordPathPart(ctx context.Context, part, value string) {
	defer api.Guard("elasticsearch.RecordPathPart")
	c := callFrom(ctx)
	if c == nil || value == "" {
		return
	}
	c.span.SetAttributes(attribute.String(operationParameterPrefix+part, value))
	if part == "index" {
		c.span.SetAttributes(sc.DBCollectionNameKey.String(value))
		c.span.SetName(c.endpoint + " " + value)
	}
}

// RecordRequestBody reads nothing: request bodies are not captured. A nil
// reader tells the client to send the body it has.
func (instrumentation) RecordRequestBody(context.Context, string, io.Reader) io.ReadCloser {
	return nil
}

// BeforeRequest does nothing: the request's URL is complete only once the
// transport has picked a node (AfterRequest).
func (instrumentation) BeforeRequest(*http.Request, string) {}

// AfterRequest records the request the transport sent: method, url.full
// (credentials redacted) and the node's address.
func (instrumentation) AfterRequest(req *http.Request, _, _ string) {
	defer api.Guard("elasticsearch.AfterRequest")
	if req == nil {
		return
	}
	c := callFrom(req.Context())
	if c == nil {
		return
	}
	_, attrs := semconv.ReadClientRequest(req.Method, req.URL)
	c.span.SetAttributes(attrs...)
}

// AfterResponse keeps the response's status for Close (the last attempt's
// wins when the transport retries) and records the Elastic Cloud cluster
// and node that handled it.
func (instrumentation) AfterResponse(ctx context.Context, res *http.Response) {
	defer api.Guard("elasticsearch.AfterResponse")
	c := callFrom(ctx)
	if c == nil || res == nil {
		return
	}
	c.mu.Lock()
	c.status = res.StatusCode
	c.mu.Unlock()
	if cluster := res.Header.Get("X-Found-Handling-Cluster"); cluster != "" {
		c.span.SetAttributes(sc.DBNamespace(cluster))
	}
	if node := res.Header.Get("X-Found-Handling-Instance"); node != "" {
		c.span.SetAttributes(nodeNameKey.String(node))
	}
}
