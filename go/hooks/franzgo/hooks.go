package franzgo

import (
	"context"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/kafkaconv"
	"autotel.dev/go/internal/semconv"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("franzgo")

// kotelPackage is franz-go's own OpenTelemetry plugin (a variable for the tests).
var kotelPackage = "github.com/twmb/franz-go/plugin/kotel"

// clientInfo is what the spans of one client need from its configuration.
type clientInfo struct {
	off    bool   // the application traces this client itself (kotel)
	group  string // the consumer group, "" without one
	broker string // "host:port" of the first seed broker
}

// clientHooks are the kgo hooks of one client. info is set once NewClient
// returns, before the application can produce or poll.
type clientHooks struct{ info atomic.Pointer[clientInfo] }

func (h *clientHooks) active() (*clientInfo, bool) {
	info := h.info.Load()
	if info == nil || info.off || !inst.Enabled() {
		return nil, false
	}
	return info, true
}

// newClientState carries one NewClient from enter to exit.
type newClientState struct{ hooks *clientHooks }

// autotelOpt is the option newClientEnter appends, kgo.WithHooks(autotel's
// hooks), recognisable by its type among a client's options.
type autotelOpt struct{ kgo.Opt }

// newClientEnter is the enter hook of kgo.NewClient(opts...): the client
// gets autotel's hooks after the application's options (and not another
// client's, should its options be given again).
func newClientEnter(opts *[]kgo.Opt) (*newClientState, bool) {
	defer api.Guard("franzgo.newClientEnter")
	h := &clientHooks{}
	with := make([]kgo.Opt, 0, len(*opts)+1)
	for _, o := range *opts {
		if _, ours := o.(autotelOpt); !ours {
			with = append(with, o)
		}
	}
	*opts = append(with, autotelOpt{kgo.WithHooks(h)})
	return &newClientState{hooks: h}, false
}

// always is the state of the exit hooks that always run.
var always = &struct{}{}

// optsEnter is the enter hook of (*Client).Opts().
func optsEnter(_ unsafe.Pointer) (*struct{}, bool) { return always, false }

// optsExit gives the application the options it gave NewClient, without
// autotel's: a client made from them is the same as one made without autotel.
func optsExit(_ *struct{}, opts *[]kgo.Opt) {
	defer api.Guard("franzgo.optsExit")
	for i, o := range *opts {
		if _, ours := o.(autotelOpt); ours {
			*opts = slices.Delete(slices.Clone(*opts), i, i+1)
			return
		}
	}
}

// optValuesEnter is the enter hook of (*Client).OptValues(opt), which
// OptValue calls.
func optValuesEnter(_ unsafe.Pointer, _ *any) (*struct{}, bool) { return always, false }

// optValuesExit gives the application the hooks it gave (WithHooks' value,
// the one []Hook value), without autotel's.
func optValuesExit(_ *struct{}, values *[]any) {
	defer api.Guard("franzgo.optValuesExit")
	if len(*values) != 1 {
		return
	}
	if hooks, ok := hookList((*values)[0]); ok && slices.ContainsFunc(hooks, isOurs) {
		// The release's own type ([]Hook, or its unexported hooks).
		without := reflect.ValueOf(slices.DeleteFunc(hooks, isOurs)).Convert(reflect.TypeOf((*values)[0]))
		*values = []any{without.Interface()}
	}
}

func isOurs(h kgo.Hook) bool {
	_, ours := h.(*clientHooks)
	return ours
}

// newClientExit is the exit hook of kgo.NewClient.
func newClientExit(st *newClientState, cl **kgo.Client, err *error) {
	defer api.Guard("franzgo.newClientExit")
	if st == nil || *cl == nil {
		return
	}
	info := &clientInfo{off: usesKotel((*cl).OptValue(kgo.WithHooks))}
	info.group, _ = (*cl).OptValue(kgo.ConsumerGroup).(string)
	if seeds, _ := (*cl).OptValue(kgo.SeedBrokers).([]string); len(seeds) > 0 {
		info.broker = withPort(strings.TrimSpace(seeds[0]))
	}
	st.hooks.info.Store(info)
}

// hookList is WithHooks' value (a []Hook, or kgo's unexported hooks type in
// older releases, hence reflection) as a []Hook; false for any other value.
func hookList(value any) ([]kgo.Hook, bool) {
	v := reflect.ValueOf(value)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[kgo.Hook]() {
		return nil, false
	}
	hooks := make([]kgo.Hook, v.Len())
	for i := range hooks {
		hooks[i] = v.Index(i).Interface()
	}
	return hooks, true
}

// usesKotel reports whether the client's hooks include kotel's tracer.
func usesKotel(value any) bool {
	hooks, _ := hookList(value)
	for _, h := range hooks {
		if _, traces := h.(kgo.HookProduceRecordBuffered); !traces || isOurs(h) {
			continue
		}
		t := reflect.TypeOf(h)
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.PkgPath() == kotelPackage {
			return true
		}
	}
	return false
}

// withPort adds Kafka's default port to a seed given as a bare host, as kgo does.
func withPort(seed string) string {
	if _, _, err := net.SplitHostPort(seed); err != nil && seed != "" {
		return net.JoinHostPort(strings.Trim(seed, "[]"), "9092")
	}
	return seed
}

// sendSpan is the context key of a record's send.
type sendSpan struct{}

// send is what a produced record's Context carries: its span, the context
// and headers the application gave the record, and what was set in their place.
type send struct {
	span       trace.Span
	app, swapd context.Context
	appHeaders []kgo.RecordHeader
	headers    []kgo.RecordHeader
}

// OnProduceRecordBuffered starts the record's send span and injects its context.
func (h *clientHooks) OnProduceRecordBuffered(r *kgo.Record) {
	defer api.Guard("franzgo.OnProduceRecordBuffered")
	info, ok := h.active()
	if !ok || r == nil || api.Suppressed(r.Context) {
		return
	}
	base := r.Context
	if prev, ok := base.Value(sendSpan{}).(*send); ok && prev.swapd == base {
		// The record is produced again (a retry): the same parent as before,
		// not the previous attempt's span, and this attempt's traceparent.
		base = prev.app
		if len(r.Headers) == len(prev.headers) && len(r.Headers) > 0 && &r.Headers[0] == &prev.headers[0] {
			r.Headers = prev.appHeaders
		}
	}
	op := semconv.KafkaOperation{Operation: "send", Topic: r.Topic, Key: kafkaconv.Key(r.Key), Broker: info.broker}
	ctx, span := inst.Tracer().Start(api.Parent(base), op.SpanName(),
		trace.WithSpanKind(op.SpanKind()), trace.WithAttributes(op.Attributes()...))
	st := &send{span: span, app: base, appHeaders: r.Headers}
	if prop := otel.GetTextMapPropagator(); span.SpanContext().IsValid() && !kafkaconv.Propagates(prop, r.Headers) {
		// A new array: a header slice the application shares stays as it was.
		headers := make([]kgo.RecordHeader, len(r.Headers), len(r.Headers)+2)
		copy(headers, r.Headers)
		prop.Inject(ctx, kafkaconv.Carrier[kgo.RecordHeader, string]{Headers: &headers})
		r.Headers, st.headers = headers, headers
	}
	st.swapd = context.WithValue(ctx, sendSpan{}, st)
	r.Context = st.swapd
}

// OnProduceRecordUnbuffered ends the record's send span.
func (h *clientHooks) OnProduceRecordUnbuffered(r *kgo.Record, err error) {
	defer api.Guard("franzgo.OnProduceRecordUnbuffered")
	if r == nil || r.Context == nil {
		return
	}
	st, ok := r.Context.Value(sendSpan{}).(*send)
	if !ok || st.span == nil {
		return
	}
	span := st.span
	st.span = nil // ended once
	if err == nil {
		span.SetAttributes(semconv.MessagingDestinationPartitionKey.String(strconv.Itoa(int(r.Partition))),
			semconv.MessagingKafkaOffsetKey.Int64(r.Offset))
	}
	api.RecordError(span, err)
	span.End()
}

// bufferedAt is the context key of the time a fetched record was buffered.
type bufferedAt struct{}

// OnFetchRecordBuffered keeps the time the record became available.
func (h *clientHooks) OnFetchRecordBuffered(r *kgo.Record) {
	defer api.Guard("franzgo.OnFetchRecordBuffered")
	if _, ok := h.active(); !ok || r == nil {
		return
	}
	ctx := r.Context
	if ctx == nil {
		ctx = context.Background()
	}
	r.Context = context.WithValue(ctx, bufferedAt{}, time.Now())
}

// OnFetchRecordUnbuffered makes the receive span of a record a poll returns.
func (h *clientHooks) OnFetchRecordUnbuffered(r *kgo.Record, polled bool) {
	defer api.Guard("franzgo.OnFetchRecordUnbuffered")
	if !polled || r == nil || r.Context == nil {
		return
	}
	start, stamped := r.Context.Value(bufferedAt{}).(time.Time)
	info, ok := h.active()
	if !stamped || !ok {
		return
	}
	op := semconv.KafkaOperation{Operation: "receive", Topic: r.Topic, ConsumerGroup: info.group, Broker: info.broker,
		Partition: int(r.Partition), HasPartition: true, Offset: r.Offset, HasOffset: true, Key: kafkaconv.Key(r.Key)}
	headers := r.Headers
	parent, opts := kafkaconv.Creation(api.Parent(context.Background()), kafkaconv.Carrier[kgo.RecordHeader, string]{Headers: &headers})
	opts = append(opts, trace.WithSpanKind(op.SpanKind()), trace.WithTimestamp(start), trace.WithAttributes(op.Attributes()...))
	_, span := inst.Tracer().Start(parent, op.SpanName(), opts...)
	span.End()
	r.Context = trace.ContextWithSpan(r.Context, span)
}
