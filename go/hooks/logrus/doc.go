// Package logrus is autotel's log correlation for github.com/sirupsen/logrus
// (instrumentation name "logrus", rules in rules/logrus.yaml, versions
// >=1.4.0). formatEnter runs on entry to (*TextFormatter).Format and
// (*JSONFormatter).Format: when the entry's context (Entry.Context, from
// WithContext) carries a span, or else a span is current on the goroutine
// (api.CurrentSpanContext), the formatter gets a copy of the entry with two
// more fields, trace_id and span_id (hex), so JSON records carry
// "trace_id":"…" and text records trace_id=… span_id=…. The caller's entry
// and its Data map are never modified; without a span nothing changes, and a
// trace_id field the application set itself wins. Custom formatters are not
// covered.
package logrus
