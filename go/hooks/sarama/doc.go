// Package sarama is autotel's instrumentation of github.com/IBM/sarama
// (instrumentation name "sarama", rules in rules/sarama.yaml, versions
// >=1.40.1). It owns the hook functions the rewritten sarama calls and the
// producer and consumer interceptors they install:
//
//   - newClientEnter on sarama.NewClient(addrs, conf), through which every
//     producer, consumer and consumer group gets its client (the FromClient
//     constructors take one): the client gets a copy of conf whose
//     Producer.Interceptors and Consumer.Interceptors end with this client's
//     *interceptor; the application's Config is not written (sarama reads
//     the client's copy: changes the application makes to its Config after
//     NewClient no longer reach the client).
//   - OnSend (sarama runs it in the producer's dispatcher goroutine): one
//     PRODUCER span "send {topic}" per message, its traceparent (and
//     baggage, per OTEL_PROPAGATORS) added to the message's headers in a new
//     array unless they already carry the propagator's fields (the
//     application propagates itself), and not on a client whose Kafka
//     version predates headers. Parent: the ctx given to SyncProducer's
//     SendMessageContext/SendMessagesContext, else the span current on the
//     goroutine calling SendMessage/SendMessages (their enter hooks keep it
//     for the message until OnSend takes it); a message written to an
//     AsyncProducer's Input channel starts a trace of its own (nothing ties
//     it to the goroutine that wrote it). sarama's own retries of the message
//     stay in the same span.
//   - returnSuccesses/returnError(s) enter hooks on the async producer
//     (which the sync producer wraps): the span ends when sarama hands the
//     message back, with the partition and offset the broker gave or
//     error.type, and the message gets back the headers the application gave
//     it, so what it sees on Successes/Errors (and a message it produces
//     again) is its own. A message of a producer never closed that sarama
//     never hands back keeps its span (and its entry in the table of sends)
//     for the life of the process.
//   - newConsumerGroupEnter on newConsumerGroup (behind NewConsumerGroup and
//     NewConsumerGroupFromClient): the group's name goes to the client's
//     interceptor.
//   - OnConsume (sarama runs it in the partition consumer's goroutine just
//     before the message is put on the Messages channel): one CLIENT span
//     "receive {topic}" per message, with partition, offset, key, consumer
//     group and broker, child of and linked to the creation context in the
//     message's headers (without one, a trace of its own). It marks the
//     moment sarama hands the message over: the application's processing
//     after it is not part of it.
//
// Not detected: a program that also uses otelsarama (go.opentelemetry.io/
// contrib/.../IBM/sarama/otelsarama) gets both sets of spans.
package sarama
