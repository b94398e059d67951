package elasticsearch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"autotel.dev/go/internal/conformance"
	"autotel.dev/go/internal/spantest"
)

// callRow is a row of testdata/semantics/elasticsearch.json's calls.
type callRow struct {
	About           string            `json:"about"`
	Endpoint        string            `json:"endpoint"`
	PathParts       [][2]string       `json:"path_parts"`
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	StatusCode      int               `json:"status_code"`
	ResponseHeaders map[string]string `json:"response_headers"`
	Error           string            `json:"error"`
	ErrorCause      string            `json:"error_cause"`
	conformance.Expect
}

// rowError is the error a row's call reported, nil when none.
func rowError(t *testing.T, row callRow) error {
	switch {
	case row.Error == "":
		return nil
	case row.ErrorCause == "deadline":
		return fmt.Errorf("%s: %w", row.Error, context.DeadlineExceeded)
	case row.ErrorCause == "canceled":
		return fmt.Errorf("%s: %w", row.Error, context.Canceled)
	case row.ErrorCause == "":
		return errors.New(row.Error)
	}
	t.Fatalf("%s: unknown error_cause %q", row.About, row.ErrorCause)
	return nil
}

// Every row, through the Instrumentation methods in the order the client
// calls them: Start, RecordPathPart, BeforeRequest, AfterResponse (from the
// transport), AfterRequest, RecordError, Close.
func TestConformanceCalls(t *testing.T) {
	for i, row := range conformance.Rows[callRow](t, "elasticsearch.json", "calls") {
		rec := spantest.Record(t)
		var in instrumentation
		ctx := in.Start(context.Background(), row.Endpoint)
		for _, part := range row.PathParts {
			in.RecordPathPart(ctx, part[0], part[1])
		}
		u, err := url.Parse(row.URL)
		if err != nil {
			t.Fatal(err)
		}
		req := (&http.Request{Method: row.Method, URL: u, Header: http.Header{}}).WithContext(ctx)
		in.BeforeRequest(req, row.Endpoint)
		if row.StatusCode > 0 {
			res := &http.Response{StatusCode: row.StatusCode, Header: http.Header{}}
			for k, v := range row.ResponseHeaders {
				res.Header.Set(k, v)
			}
			in.AfterResponse(req.Context(), res)
		}
		in.AfterRequest(req, "elasticsearch", row.Endpoint)
		if err := rowError(t, row); err != nil {
			in.RecordError(ctx, err)
		}
		in.Close(ctx)
		conformance.Check(t, fmt.Sprintf("elasticsearch.json #%d %s", i, row.Endpoint), rec.Ended(), row.Expect)
	}
}
