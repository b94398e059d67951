// Package franzgo is autotel's instrumentation of github.com/twmb/franz-go's
// pkg/kgo (instrumentation name "franzgo", rules in rules/franzgo.yaml,
// versions >=1.14.0). It owns the hook functions the rewritten kgo.NewClient
// calls and the kgo hooks they install:
//
//   - newClientEnter/newClientExit on kgo.NewClient(opts...): the enter hook
//     appends kgo.WithHooks(h) to a copy of the options, h being this
//     client's *clientHooks; the exit hook reads what the spans need from the
//     new client through (*Client).OptValue (the consumer group, the first
//     seed broker) and turns h off when the application already installed
//     franz-go's own OpenTelemetry plugin (plugin/kotel's tracer): that
//     client keeps one set of spans, kotel's (design.md §1.9).
//   - OnProduceRecordBuffered/OnProduceRecordUnbuffered (kgo calls the first
//     in the goroutine that calls Produce, TryProduce or ProduceSync, the
//     second when the record's promise is about to run): one PRODUCER span
//     "send {topic}" per record, parent the record's context (Produce's ctx)
//     or else the goroutine's current span, ended with the partition and
//     offset the broker gave (or error.type). Its traceparent (and baggage,
//     per OTEL_PROPAGATORS) is added to the record's headers in a new array,
//     unless the headers already carry the propagator's fields (the
//     application propagates itself); the record's Context becomes the
//     span's context (kgo hands records to hooks by pointer, as kotel does).
//     A record produced again (a retry of the same *Record) gets the parent
//     and headers the application gave it back first, so the new attempt's
//     span is not a child of the last one and its traceparent is the one sent.
//   - OnFetchRecordBuffered/OnFetchRecordUnbuffered: one CLIENT span
//     "receive {topic}" per record PollFetches/PollRecords returns. It starts
//     when the record is buffered in the client (fetched from the broker; the
//     time is kept in the record's Context) and is created when a poll hands
//     the record over (kgo runs that hook in the polling goroutine), with the
//     partition, offset, key and consumer group, a link to the creation
//     context in the record's headers and that context as parent (else the
//     polling goroutine's current span). The record's Context then carries
//     the span, so the application's processing can continue the trace.
package franzgo
