// Package conformance reads the semantic-conventions conformance table
// (testdata/semantics/*.json at the repository root) for the hook packages'
// tests, and compares a recorded span with a row's expectation. Attach mode's
// tests read the same files (crates/attach/src/conformance.rs), so the two
// modes cannot name or describe the same call differently. Only tests import
// this package.
package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Expect is what a row expects of the span: its name, kind ("client",
// "server"), span_status ("unset", "error") and every attribute, no more.
type Expect struct {
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	Status     string         `json:"span_status"`
	Attributes map[string]any `json:"attributes"`
}

// Rows decodes the list section of testdata/semantics/<file>; unknown
// fields are an error, so a misspelt input is not silently ignored, and so is
// an empty list.
func Rows[T any](t *testing.T, file, section string) []T {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		path := filepath.Join(dir, "testdata", "semantics", file)
		data, err := os.ReadFile(path)
		if err != nil {
			parent := filepath.Dir(dir)
			if parent == dir {
				t.Fatalf("testdata/semantics/%s not found above the test's directory: run the tests inside the autotel checkout", file)
			}
			dir = parent
			continue
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(data, &top); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var rows []T
		dec := json.NewDecoder(bytes.NewReader(top[section]))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		if err := dec.Decode(&rows); err != nil || len(rows) == 0 {
			t.Fatalf("%s: %s: no rows (%v)", path, section, err)
		}
		return rows
	}
}

// Check compares the one span a row gave with want and reports every
// difference under what.
func Check(t *testing.T, what string, spans []sdktrace.ReadOnlySpan, want Expect) {
	t.Helper()
	if len(spans) != 1 {
		t.Errorf("%s: %d spans, want 1", what, len(spans))
		return
	}
	span := spans[0]
	if span.Name() != want.Name {
		t.Errorf("%s: name %q, want %q", what, span.Name(), want.Name)
	}
	if kind := span.SpanKind().String(); kind != want.Kind {
		t.Errorf("%s: kind %s, want %s", what, kind, want.Kind)
	}
	status := "unset"
	if span.Status().Code == codes.Error {
		status = "error"
	}
	if status != want.Status {
		t.Errorf("%s: status %s, want %s", what, status, want.Status)
	}
	got := map[string]string{}
	for _, kv := range span.Attributes() {
		got[string(kv.Key)] = render(kv.Value)
	}
	var diffs []string
	for k, v := range want.Attributes {
		w := fmt.Sprintf("%v", v)
		if s, ok := v.(string); ok {
			w = fmt.Sprintf("%q", s)
		}
		if g, ok := got[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("missing %s = %s", k, w))
		} else if g != w {
			diffs = append(diffs, fmt.Sprintf("%s = %s, want %s", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want.Attributes[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("unexpected %s = %s", k, g))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("%s: attributes:\n\t%s", what, strings.Join(diffs, "\n\t"))
	}
}

// render writes an attribute value as the table does: strings quoted,
// integers bare.
func render(v attribute.Value) string {
	if v.Type() == attribute.STRING {
		return fmt.Sprintf("%q", v.AsString())
	}
	return v.Emit()
}

// HTTPServerRow is a row of http.json's server list: the inputs of one
// request a server received, and what its span must be.
type HTTPServerRow struct {
	About      string `json:"about"`
	Method     string `json:"method"`
	Pattern    string `json:"pattern"` // net/http's ServeMux pattern that matched
	Route      string `json:"route"`   // a framework's route template
	TLS        bool   `json:"tls"`
	Host       string `json:"host"`
	Path       string `json:"path"`
	Query      string `json:"query"`
	RemoteAddr string `json:"remote_addr"`
	UserAgent  string `json:"user_agent"`
	Proto      string `json:"proto"`
	StatusCode int    `json:"status_code"` // what the handler wrote, 0 for nothing
	Expect
}

// HTTPClientRow is a row of http.json's client list: one request and its
// response's status and protocol, and what its span must be.
type HTTPClientRow struct {
	About      string `json:"about"`
	Method     string `json:"method"`
	URL        string `json:"url"`
	StatusCode int    `json:"status_code"`
	Proto      string `json:"proto"`
	Expect
}
