package sqlconv

import (
	sc "autotel.dev/go/internal/semconv/keys"
	"go.opentelemetry.io/otel/attribute"
)

// Describe returns the span name and the attributes that come from a call
// and its query (not from the connection): db.query.text, and
// db.query.summary (the name) with db.operation.name and db.collection.name
// when the query has one operation; a call that names its own operation
// (PREPARE, BEGIN…) is named "{operation} {collection}" instead. Without
// either, the name is system, as the DB conventions ask. query is "" for
// calls without query text.
func Describe(operation, query, system string) (string, []attribute.KeyValue) {
	var facts Facts
	var attrs []attribute.KeyValue
	if query != "" {
		facts = Read(query)
		attrs = append(attrs, sc.DBQueryTextKey.String(facts.Text))
	}
	name := facts.Summary
	if operation != "" {
		name = operation
		if facts.Collection != "" {
			name += " " + facts.Collection
		}
	} else if facts.Summary != "" {
		attrs = append(attrs, sc.DBQuerySummaryKey.String(facts.Summary))
		operation = facts.Operation
	}
	if operation != "" {
		attrs = append(attrs, sc.DBOperationNameKey.String(operation))
	}
	if facts.Collection != "" {
		attrs = append(attrs, sc.DBCollectionNameKey.String(facts.Collection))
	}
	if name == "" {
		name = system
	}
	return name, attrs
}
