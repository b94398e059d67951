// elasticsearch is a test application for autotel's go-elasticsearch v8 instrumentation
// (rules/elasticsearch.yaml): against the Elasticsearch node at $ELASTICSEARCH_URL (a fake one in
// the tests) it serves one HTTP request whose handler asks the node for its info, indexes a
// document, searches, gets a missing document (404), and gets a document with
// context.Background(), which joins the request's trace through goroutine-local context. A
// second client has an Instrumentation of the program's own, which must still see its call (the
// program prints what it saw) while autotel adds no span of its own beside it.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// own is the program's own Instrumentation: it notes the endpoints it is told of.
type own struct {
	mu      sync.Mutex
	started []string
}

func (o *own) Start(ctx context.Context, name string) context.Context {
	o.mu.Lock()
	o.started = append(o.started, name)
	o.mu.Unlock()
	return ctx
}
func (o *own) Close(context.Context)                                              {}
func (o *own) RecordError(context.Context, error)                                 {}
func (o *own) RecordPathPart(context.Context, string, string)                     {}
func (o *own) RecordRequestBody(context.Context, string, io.Reader) io.ReadCloser { return nil }
func (o *own) BeforeRequest(*http.Request, string)                                {}
func (o *own) AfterRequest(*http.Request, string, string)                         {}
func (o *own) AfterResponse(context.Context, *http.Response)                      {}

// status runs one call and returns its response's status.
func status(res *esapi.Response, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

func work(ctx context.Context, client, mine *elasticsearch.Client) (string, error) {
	var got []string
	for _, call := range []struct {
		name string
		do   func() (*esapi.Response, error)
	}{
		{"info", func() (*esapi.Response, error) { return client.Info(client.Info.WithContext(ctx)) }},
		{"index", func() (*esapi.Response, error) {
			return client.Index("books", strings.NewReader(`{"title":"Dune"}`), client.Index.WithDocumentID("1"), client.Index.WithContext(ctx))
		}},
		{"search", func() (*esapi.Response, error) {
			return client.Search(client.Search.WithIndex("books"), client.Search.WithBody(strings.NewReader(`{"query":{"match":{"title":"dune"}}}`)), client.Search.WithContext(ctx))
		}},
		{"get 42", func() (*esapi.Response, error) { return client.Get("books", "42", client.Get.WithContext(ctx)) }},
		// No ctx of the request's: goroutine-local context gives the parent.
		{"get 1", func() (*esapi.Response, error) {
			return client.Get("books", "1", client.Get.WithContext(context.Background()))
		}},
		// The program's own Instrumentation: no span of autotel's for this call.
		{"own get 1", func() (*esapi.Response, error) { return mine.Get("books", "1", mine.Get.WithContext(ctx)) }},
	} {
		code, err := status(call.do())
		if err != nil {
			return "", fmt.Errorf("%s: %w", call.name, err)
		}
		got = append(got, fmt.Sprintf("%s %d", call.name, code))
	}
	return strings.Join(got, ", "), nil
}

func main() {
	addr := os.Getenv("ELASTICSEARCH_URL")
	client, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{addr}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	o := &own{}
	mine, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{addr}, Instrumentation: o})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var out string
	var failed error
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, failed = work(r.Context(), client, mine)
		io.WriteString(w, "done")
	}))
	resp, err := http.Get("http://" + ln.Addr().String() + "/work")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if failed != nil {
		fmt.Fprintln(os.Stderr, failed)
		os.Exit(1)
	}
	o.mu.Lock()
	fmt.Printf("%s\nown instrumentation: %s\n", out, strings.Join(o.started, ", "))
	o.mu.Unlock()
}
