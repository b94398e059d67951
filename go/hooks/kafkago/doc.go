// Package kafkago is autotel's instrumentation of github.com/segmentio/kafka-go
// (instrumentation name "kafkago", rules in rules/kafkago.yaml, versions
// >=0.4.1). It owns the hook functions that the rewritten package
// github.com/segmentio/kafka-go calls:
//
//   - writeEnter/writeExit on (*Writer).WriteMessages: one PRODUCER span
//     "send {topic}" per call (messaging.operation.type send,
//     messaging.batch.message_count when the call carries more than one
//     message). The conventions' send span is PRODUCER when its context is
//     the messages' creation context, which it is here: its traceparent (and
//     baggage, per OTEL_PROPAGATORS) is added to every message's headers. A
//     message whose headers already carry the propagator's fields (the
//     application propagates itself) is left untouched. The caller's slice
//     and header arrays are never written: the hook hands WriteMessages a
//     copy. Parent: the ctx argument, else the goroutine's current span.
//   - fetchEnter/fetchExit on (*Reader).FetchMessage, which ReadMessage
//     calls: one CLIENT span "receive {topic}" per message returned (the
//     conventions make receive CLIENT and process CONSUMER; kafka-go has no
//     process step to hook). It starts when FetchMessage is called and is
//     created at its return, once the message is known: with a link to the
//     message's creation context (the conventions require it) and, since it
//     is exactly one message, that context as its parent too (which the
//     conventions allow), so the consumer's trace joins the producer's.
//     Without a traceparent header the parent is ctx or the goroutine's
//     current span. A reader that is closed (io.EOF) or whose ctx ends gives
//     no span; other errors give a span with error.type.
package kafkago
