// Command sarama-pair is the build-mode IBM/sarama test program: one binary that is a producer
// (`produce BROKER TOPIC`) or a consumer (`consume BROKER TOPIC GROUP N`) of a topic.
//
// The producer creates the topic (ClusterAdmin), then sends four messages through a
// SyncProducer (a message that fails while the new topic's leader is not known yet is sent
// again, the same *ProducerMessage): "one" with key "k1" (SendMessage); "two" and "three" in one
// SendMessages call, made by the handler of GET /batch on a net/http server in the same process,
// which the producer requests itself (built with autotel, the handler's server span is current
// on its goroutine and becomes the send spans' parent), "two" carrying a header of the
// application's own ("app: 1"); and "own", whose headers already carry the application's own
// traceparent (ownTraceparent), which instrumentation must keep. Every message the producer gets
// back must carry exactly the headers it was given. Nothing here knows about tracing.
//
// The consumer joins consumer group GROUP, consumes until it has N messages and prints one line
// per message: "VALUE traceparent=HEADER app=HEADER" (empty when absent).
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// ownTraceparent is the traceparent the application sets itself on message "own".
const ownTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: sarama-pair produce BROKER TOPIC | consume BROKER TOPIC GROUP N")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "produce":
		err = produce(os.Args[2], os.Args[3])
	case "produce-async":
		err = produceAsync(os.Args[2], os.Args[3])
	case "consume":
		n, _ := strconv.Atoi(os.Args[5])
		err = consume(os.Args[2], os.Args[3], os.Args[4], n)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func config() *sarama.Config {
	conf := sarama.NewConfig()
	conf.Version = sarama.V2_8_0_0 // Kafka 4 serves no older protocol versions
	return conf
}

func createTopic(broker, topic string) error {
	var last error
	for i := 0; i < 100; i++ {
		admin, err := sarama.NewClusterAdmin([]string{broker}, config())
		if err == nil {
			err = admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false)
			admin.Close()
			if err == nil || errors.Is(err, sarama.ErrTopicAlreadyExists) {
				return nil
			}
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("could not create topic %s: %v", topic, last)
}

// sameHeaders reports whether a message the producer got back carries the headers it was given.
func sameHeaders(m *sarama.ProducerMessage, given []sarama.RecordHeader) error {
	if len(m.Headers) != len(given) || (len(given) > 0 && &m.Headers[0] != &given[0]) {
		return fmt.Errorf("message %v came back with headers %q, not its own %q", m.Value, m.Headers, given)
	}
	return nil
}

func produce(broker, topic string) error {
	if err := createTopic(broker, topic); err != nil {
		return err
	}
	conf := config()
	conf.Producer.Return.Successes = true
	conf.Producer.Retry.Max = 0 // the application retries itself, below
	producer, err := sarama.NewSyncProducer([]string{broker}, conf)
	if err != nil {
		return err
	}
	defer producer.Close()
	if len(conf.Producer.Interceptors) != 0 {
		return fmt.Errorf("the application's config was changed: %v", conf.Producer.Interceptors)
	}
	// The topic's leader may take a moment to be known: retry like a real producer would, with
	// the same messages.
	send := func(msgs ...*sarama.ProducerMessage) error {
		given := make([][]sarama.RecordHeader, len(msgs))
		for i, m := range msgs {
			given[i] = m.Headers
		}
		var err error
		for i := 0; i < 50; i++ {
			if len(msgs) == 1 {
				_, _, err = producer.SendMessage(msgs[0])
			} else {
				err = producer.SendMessages(msgs)
			}
			for j, m := range msgs {
				if bad := sameHeaders(m, given[j]); bad != nil {
					return bad
				}
			}
			if err == nil {
				return nil
			}
			time.Sleep(200 * time.Millisecond)
		}
		return err
	}
	if err := send(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("k1"), Value: sarama.StringEncoder("one")}); err != nil {
		return fmt.Errorf("produce one: %w", err)
	}
	var batchErr error
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		defer wg.Done()
		// No ctx: the span current on this goroutine is the parent.
		batchErr = send(
			&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("two"), Headers: []sarama.RecordHeader{{Key: []byte("app"), Value: []byte("1")}}},
			&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("three")})
	})}
	go srv.Serve(ln)
	res, err := http.Get("http://" + ln.Addr().String() + "/batch")
	if err != nil {
		return err
	}
	res.Body.Close()
	wg.Wait()
	srv.Close()
	if batchErr != nil {
		return fmt.Errorf("produce two, three: %w", batchErr)
	}
	own := &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("own"), Headers: []sarama.RecordHeader{{Key: []byte("traceparent"), Value: []byte(ownTraceparent)}}}
	if err := send(own); err != nil {
		return fmt.Errorf("produce own: %w", err)
	}
	fmt.Println("produced 4")
	return nil
}

// missingTopic is the topic produce-async sends its lost message to.
const missingTopic = "missing"

func asyncConfig(successes bool) *sarama.Config {
	conf := config()
	conf.Producer.Return.Successes = successes
	conf.Producer.Return.Errors = true
	conf.Producer.Retry.Max = 50 // the new topic's leader may take a moment to be known
	conf.Producer.Retry.Backoff = 200 * time.Millisecond
	conf.Metadata.AllowAutoTopicCreation = false
	return conf
}

func produceAsync(broker, topic string) error {
	if err := createTopic(broker, topic); err != nil {
		return err
	}
	conf := asyncConfig(true)
	producer, err := sarama.NewAsyncProducer([]string{broker}, conf)
	if err != nil {
		return err
	}
	if len(conf.Producer.Interceptors) != 0 {
		return fmt.Errorf("the application's config was changed: %v", conf.Producer.Interceptors)
	}
	// Each message is awaited before the next is sent, so the offsets follow the order here.
	await := func(m *sarama.ProducerMessage) error {
		given := m.Headers
		producer.Input() <- m
		select {
		case back := <-producer.Successes():
			if back != m {
				return fmt.Errorf("sent %v, got %v back", m.Value, back.Value)
			}
			return sameHeaders(back, given)
		case failed := <-producer.Errors():
			return fmt.Errorf("produce %v: %w", m.Value, failed.Err)
		}
	}
	if err := await(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("ka"), Value: sarama.StringEncoder("a1")}); err != nil {
		return err
	}
	if err := await(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("a2"), Headers: []sarama.RecordHeader{{Key: []byte("app"), Value: []byte("2")}}}); err != nil {
		return err
	}
	lost := &sarama.ProducerMessage{Topic: missingTopic, Value: sarama.StringEncoder("lost")}
	given := lost.Headers
	producer.Input() <- lost
	select {
	case back := <-producer.Successes():
		return fmt.Errorf("topic %s does not exist, yet %v was produced", missingTopic, back.Value)
	case failed := <-producer.Errors():
		if failed.Msg != lost || !errors.Is(failed.Err, sarama.ErrUnknownTopicOrPartition) {
			return fmt.Errorf("message %v failed with %v, not %v", failed.Msg.Value, failed.Err, sarama.ErrUnknownTopicOrPartition)
		}
		if err := sameHeaders(failed.Msg, given); err != nil {
			return err
		}
		fmt.Printf("failed %s %T\n", failed.Msg.Topic, failed.Err)
	}
	if err := producer.Close(); err != nil {
		return err
	}

	// Return.Successes off: the message is never handed back to the application.
	quiet, err := sarama.NewAsyncProducer([]string{broker}, asyncConfig(false))
	if err != nil {
		return err
	}
	quiet.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("b1")}
	if err := quiet.Close(); err != nil { // waits for every message in flight
		return fmt.Errorf("produce b1: %w", err)
	}
	fmt.Println("produced 3")
	return nil
}

func header(m *sarama.ConsumerMessage, key string) string {
	for _, h := range m.Headers {
		if string(h.Key) == key {
			return string(h.Value)
		}
	}
	return ""
}

// handler prints the messages it is given and cancels the session after n.
type handler struct {
	n, got int
	done   context.CancelFunc
}

func (*handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (*handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *handler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		h.got++
		fmt.Printf("%s traceparent=%s app=%s\n", m.Value, header(m, "traceparent"), header(m, "app"))
		sess.MarkMessage(m, "")
		if h.got >= h.n {
			h.done()
			return nil
		}
	}
	return nil
}

func consume(broker, topic, group string, n int) error {
	conf := config()
	conf.Consumer.Offsets.Initial = sarama.OffsetOldest
	conf.Consumer.MaxWaitTime = 100 * time.Millisecond
	cg, err := sarama.NewConsumerGroup([]string{broker}, group, conf)
	if err != nil {
		return err
	}
	defer cg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	h := &handler{n: n, done: cancel}
	for h.got < n {
		if err := cg.Consume(ctx, []string{topic}, h); err != nil {
			return fmt.Errorf("consume: %w", err)
		}
		if ctx.Err() != nil && h.got < n {
			return fmt.Errorf("consumed %d of %d: %w", h.got, n, ctx.Err())
		}
	}
	return nil
}
