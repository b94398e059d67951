package sdk

// The export path's guard for text that is not UTF-8. OTLP strings must be
// valid UTF-8, and an OTLP exporter rejects a whole batch for one bad string
// ("string field contains invalid UTF-8"), losing every other span or record
// in it. Hooks already clean the text they take from the program
// (api.ValidText); this catches everything else (the application's own
// spans, metrics and logs, any attribute) right before the exporters: a span
// or record with invalid text is copied with each run of invalid bytes
// replaced by U+FFFD, a metric is fixed in its collection; valid ones (the
// rule) are passed on as they are, after one utf8.ValidString per string.

import (
	"slices"
	"unicode/utf8"

	"autotel.dev/go/api"
	"autotel.dev/go/logvalue"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// validSpans returns spans with every string valid UTF-8, copying only the
// spans (and the slice) that need it.
func validSpans(spans []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	out := spans
	for i, s := range spans {
		if spanIsValid(s) {
			continue
		}
		if &out[0] == &spans[0] {
			out = slices.Clone(spans)
		}
		out[i] = validSpan(s)
	}
	return out
}

func spanIsValid(s sdktrace.ReadOnlySpan) bool {
	if !utf8.ValidString(s.Name()) || !utf8.ValidString(s.Status().Description) || !attributesAreValid(s.Attributes()) {
		return false
	}
	for _, e := range s.Events() {
		if !utf8.ValidString(e.Name) || !attributesAreValid(e.Attributes) {
			return false
		}
	}
	for _, l := range s.Links() {
		if !attributesAreValid(l.Attributes) {
			return false
		}
	}
	return true
}

func validSpan(s sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStubFromReadOnlySpan(s)
	stub.Name = api.ValidText(stub.Name)
	stub.Status.Description = api.ValidText(stub.Status.Description)
	stub.Attributes = validAttributes(stub.Attributes)
	stub.Events = slices.Clone(stub.Events) // an ended span's own, shared by every exporter
	stub.Links = slices.Clone(stub.Links)
	for i := range stub.Events {
		stub.Events[i].Name = api.ValidText(stub.Events[i].Name)
		stub.Events[i].Attributes = validAttributes(stub.Events[i].Attributes)
	}
	for i := range stub.Links {
		stub.Links[i].Attributes = validAttributes(stub.Links[i].Attributes)
	}
	return stub.Snapshot()
}

func attributesAreValid(attrs []attribute.KeyValue) bool {
	for _, kv := range attrs {
		if !attributeIsValid(kv) {
			return false
		}
	}
	return true
}

func attributeIsValid(kv attribute.KeyValue) bool {
	if !utf8.ValidString(string(kv.Key)) {
		return false
	}
	switch kv.Value.Type() {
	case attribute.STRING:
		return utf8.ValidString(kv.Value.AsString())
	case attribute.STRINGSLICE:
		for _, v := range kv.Value.AsStringSlice() {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}

// validAttributes returns a copy of attrs with valid keys and strings.
func validAttributes(attrs []attribute.KeyValue) []attribute.KeyValue {
	out := make([]attribute.KeyValue, len(attrs))
	for i, kv := range attrs {
		out[i] = attribute.KeyValue{Key: attribute.Key(api.ValidText(string(kv.Key))), Value: kv.Value}
		switch kv.Value.Type() {
		case attribute.STRING:
			out[i].Value = attribute.StringValue(api.ValidText(kv.Value.AsString()))
		case attribute.STRINGSLICE:
			vs := kv.Value.AsStringSlice()
			for j := range vs {
				vs[j] = api.ValidText(vs[j])
			}
			out[i].Value = attribute.StringSliceValue(vs)
		}
	}
	return out
}

// validMetrics makes every name, description, unit and attribute of rm
// valid UTF-8, in place: rm is the collection of one export (the aggregators
// write every field of a point again at the next collection), and an
// attribute set is replaced, never changed.
func validMetrics(rm *metricdata.ResourceMetrics) {
	for i := range rm.ScopeMetrics {
		ms := rm.ScopeMetrics[i].Metrics
		for j := range ms {
			m := &ms[j]
			m.Name, m.Description, m.Unit = api.ValidText(m.Name), api.ValidText(m.Description), api.ValidText(m.Unit)
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				validPoints(d.DataPoints)
			case metricdata.Sum[float64]:
				validPoints(d.DataPoints)
			case metricdata.Gauge[int64]:
				validPoints(d.DataPoints)
			case metricdata.Gauge[float64]:
				validPoints(d.DataPoints)
			case metricdata.Histogram[int64]:
				validHistogramPoints(d.DataPoints)
			case metricdata.Histogram[float64]:
				validHistogramPoints(d.DataPoints)
			case metricdata.ExponentialHistogram[int64]:
				validExponentialPoints(d.DataPoints)
			case metricdata.ExponentialHistogram[float64]:
				validExponentialPoints(d.DataPoints)
			case metricdata.Summary:
				for k := range d.DataPoints {
					validSet(&d.DataPoints[k].Attributes)
				}
			}
		}
	}
}

func validPoints[N int64 | float64](ps []metricdata.DataPoint[N]) {
	for i := range ps {
		validSet(&ps[i].Attributes)
		validExemplars(ps[i].Exemplars)
	}
}

func validHistogramPoints[N int64 | float64](ps []metricdata.HistogramDataPoint[N]) {
	for i := range ps {
		validSet(&ps[i].Attributes)
		validExemplars(ps[i].Exemplars)
	}
}

func validExponentialPoints[N int64 | float64](ps []metricdata.ExponentialHistogramDataPoint[N]) {
	for i := range ps {
		validSet(&ps[i].Attributes)
		validExemplars(ps[i].Exemplars)
	}
}

func validExemplars[N int64 | float64](es []metricdata.Exemplar[N]) {
	for i := range es {
		if !attributesAreValid(es[i].FilteredAttributes) {
			es[i].FilteredAttributes = validAttributes(es[i].FilteredAttributes)
		}
	}
}

// validSet replaces *s by a set of valid attributes when it has an invalid one.
func validSet(s *attribute.Set) {
	for it := s.Iter(); it.Next(); {
		if !attributeIsValid(it.Attribute()) {
			*s = attribute.NewSet(validAttributes(s.ToSlice())...)
			return
		}
	}
}

// validRecords returns records with a valid body and attributes (and
// severity text and event name), cloning only the records (and the slice)
// that need it.
func validRecords(records []sdklog.Record) []sdklog.Record {
	out := records
	for i := range records {
		r := &records[i]
		if recordIsValid(r) {
			continue
		}
		if &out[0] == &records[0] {
			out = slices.Clone(records) // shallow; the record is cloned below
		}
		c := r.Clone()
		c.SetBody(logvalue.FixTexts(c.Body(), api.ValidText))
		c.SetSeverityText(api.ValidText(c.SeverityText()))
		c.SetEventName(api.ValidText(c.EventName()))
		attrs := make([]logvalue.KeyValue, 0, c.AttributesLen())
		c.WalkAttributes(func(kv logvalue.KeyValue) bool {
			attrs = append(attrs, logvalue.Pair(api.ValidText(logvalue.Key(kv)), logvalue.FixTexts(kv.Value, api.ValidText)))
			return true
		})
		c.SetAttributes(attrs...)
		out[i] = c
	}
	return out
}

func recordIsValid(r *sdklog.Record) bool {
	if !logvalue.TextsValid(r.Body(), utf8.ValidString) || !utf8.ValidString(r.SeverityText()) || !utf8.ValidString(r.EventName()) {
		return false
	}
	valid := true
	r.WalkAttributes(func(kv logvalue.KeyValue) bool {
		valid = utf8.ValidString(logvalue.Key(kv)) && logvalue.TextsValid(kv.Value, utf8.ValidString)
		return valid
	})
	return valid
}
