package elasticsearch

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/spantest"
	es "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// fakeElasticsearch is a fake Elasticsearch node (not Elasticsearch): it
// answers /, /{index}/_doc/{id} (404 for id 42) and /{index}/_search with the
// X-Elastic-Product header the client requires.
func fakeElasticsearch(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		io.Copy(io.Discard, r.Body)
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		switch {
		case r.URL.Path == "/":
			io.WriteString(w, `{"name":"fake","cluster_name":"fake","version":{"number":"8.12.0"},"tagline":"You Know, for Search"}`)
		case len(parts) == 3 && parts[1] == "_doc" && parts[2] == "42":
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"_index":"`+parts[0]+`","_id":"42","found":false}`)
		case len(parts) == 3 && parts[1] == "_doc" && r.Method == http.MethodPut:
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"_index":"`+parts[0]+`","_id":"`+parts[2]+`","_version":1,"result":"created"}`)
		case len(parts) == 3 && parts[1] == "_doc":
			io.WriteString(w, `{"_index":"`+parts[0]+`","_id":"`+parts[2]+`","found":true,"_source":{"title":"Dune"}}`)
		case len(parts) == 2 && parts[1] == "_search":
			io.WriteString(w, `{"took":1,"timed_out":false,"hits":{"total":{"value":1,"relation":"eq"},"hits":[{"_index":"`+parts[0]+`","_id":"1","_source":{"title":"Dune"}}]}}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"fake: no such endpoint","status":400}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// seenContexts is an http.RoundTripper that records the span context of
// each request it sends: what net/http's client hook starts its span under.
type seenContexts struct {
	mu    sync.Mutex
	spans []trace.SpanContext
}

func (s *seenContexts) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.spans = append(s.spans, trace.SpanContextFromContext(r.Context()))
	s.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// connect runs newTransportEnter on cfg as the rewritten newTransport does
// and returns what it set.
func connect(t *testing.T, cfg es.Config) es.Config {
	t.Helper()
	newTransportEnter(&cfg)
	return cfg
}

func TestNewTransportEnterSetsAutotelsInstrumentationOnlyWhenNoneIsSet(t *testing.T) {
	if got := connect(t, es.Config{}).Instrumentation; got != (instrumentation{}) {
		t.Errorf("Instrumentation = %#v, want autotel's", got)
	}
	own := es.NewOpenTelemetryInstrumentation(otel.GetTracerProvider(), false)
	if got := connect(t, es.Config{Instrumentation: own}).Instrumentation; got != own {
		t.Errorf("the program's Instrumentation was replaced by %#v", got)
	}
	newTransportEnter(nil) // no panic
}

func spansByName(rec *tracetest.SpanRecorder) map[string][]sdktrace.ReadOnlySpan {
	m := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		m[s.Name()] = append(m[s.Name()], s)
	}
	return m
}

func TestCallSpansThroughTheClient(t *testing.T) {
	rec := spantest.Record(t)
	srv := fakeElasticsearch(t)
	u, _ := url.Parse(srv.URL)
	seen := &seenContexts{}
	client, err := es.NewClient(connect(t, es.Config{Addresses: []string{srv.URL}, Transport: seen}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, parent := otel.Tracer("test").Start(context.Background(), "request")
	for _, call := range []func() (*esapi.Response, error){
		func() (*esapi.Response, error) { return client.Info(client.Info.WithContext(ctx)) },
		func() (*esapi.Response, error) {
			return client.Index("books", strings.NewReader(`{"title":"Dune"}`), client.Index.WithDocumentID("1"), client.Index.WithContext(ctx))
		},
		func() (*esapi.Response, error) { return client.Get("books", "42", client.Get.WithContext(ctx)) },
		func() (*esapi.Response, error) {
			return client.Search(client.Search.WithIndex("books"), client.Search.WithBody(strings.NewReader(`{"query":{"match_all":{}}}`)), client.Search.WithContext(ctx))
		},
	} {
		res, err := call()
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	parent.End()

	byName := spansByName(rec)
	port, _ := strconv.ParseInt(u.Port(), 10, 64)
	want := []struct {
		name, op, method, path, status string
		attrs                          map[string]any
	}{
		{"info", "info", "GET", "/", "200", nil},
		{"index books", "index", "PUT", "/books/_doc/1", "201", map[string]any{"db.collection.name": "books", "db.operation.parameter.index": "books", "db.operation.parameter.id": "1"}},
		{"get books", "get", "GET", "/books/_doc/42", "404", map[string]any{"db.collection.name": "books", "db.operation.parameter.id": "42", "error.type": "404"}},
		{"search books", "search", "POST", "/books/_search", "200", map[string]any{"db.collection.name": "books"}},
	}
	var ids []trace.SpanID
	for _, w := range want {
		spans := byName[w.name]
		if len(spans) != 1 {
			t.Fatalf("%d spans named %q; all: %v", len(spans), w.name, byName)
		}
		s := spans[0]
		ids = append(ids, s.SpanContext().SpanID())
		if s.SpanKind() != trace.SpanKindClient {
			t.Errorf("%s: kind %v", w.name, s.SpanKind())
		}
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("%s: not a child of the request's span", w.name)
		}
		spantest.WantAttrs(t, s, map[string]any{
			"db.system.name": "elasticsearch", "db.operation.name": w.op, "http.request.method": w.method,
			"url.full": srv.URL + w.path, "server.address": u.Hostname(), "server.port": port,
			"db.response.status_code": w.status,
		})
		spantest.WantAttrs(t, s, w.attrs)
		if isErr := s.Status().Code == codes.Error; isErr != (w.status == "404") {
			t.Errorf("%s: status %v", w.name, s.Status())
		}
	}
	// Each HTTP request was sent with its call's span in its context, so
	// net/http's client span is that span's child.
	seen.mu.Lock()
	defer seen.mu.Unlock()
	if len(seen.spans) != len(ids) {
		t.Fatalf("%d requests sent, want %d", len(seen.spans), len(ids))
	}
	for i, sc := range seen.spans {
		if sc.SpanID() != ids[i] {
			t.Errorf("request %d: sent under span %s, want %s (%s)", i, sc.SpanID(), ids[i], want[i].name)
		}
	}
}

// The typed API reports to the same Instrumentation: one span per call.
func TestTypedClientCallSpan(t *testing.T) {
	rec := spantest.Record(t)
	srv := fakeElasticsearch(t)
	client, err := es.NewTypedClient(connect(t, es.Config{Addresses: []string{srv.URL}}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, parent := otel.Tracer("test").Start(context.Background(), "request")
	res, err := client.Search().Index("books").Do(ctx)
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	if res.Hits.Total.Value != 1 {
		t.Errorf("hits: %+v", res.Hits)
	}
	spans := spansByName(rec)["search books"]
	if len(spans) != 1 {
		t.Fatalf("%d spans named search books; all: %v", len(spans), spansByName(rec))
	}
	if spans[0].Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Error("not a child of the request's span")
	}
	spantest.WantAttrs(t, spans[0], map[string]any{"db.collection.name": "books", "db.response.status_code": "200", "http.request.method": "POST"})
}

// A client with the program's own Instrumentation gets no span of autotel's:
// only the program's.
func TestTheProgramsInstrumentationIsLeftAlone(t *testing.T) {
	rec := spantest.Record(t)
	srv := fakeElasticsearch(t)
	own := es.NewOpenTelemetryInstrumentation(otel.GetTracerProvider(), false)
	client, err := es.NewClient(connect(t, es.Config{Addresses: []string{srv.URL}, Instrumentation: own}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Info()
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ended := rec.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans, want the program's one", len(ended))
	}
	if scope := ended[0].InstrumentationScope().Name; scope == inst.ScopeName() {
		t.Errorf("the span is autotel's (%s)", scope)
	}
}

// With the instrumentation switched off, newTransportEnter sets nothing.
func TestDisabledSetsNothing(t *testing.T) {
	t.Cleanup(api.ReloadEnvironment) // after t.Setenv's restore (cleanups run last first)
	t.Setenv("OTEL_GO_DISABLED_INSTRUMENTATIONS", "elasticsearch")
	api.ReloadEnvironment()
	if got := connect(t, es.Config{}).Instrumentation; got != nil {
		t.Errorf("Instrumentation = %#v, want none", got)
	}
}
