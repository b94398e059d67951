// Command kafkago-pair is the build-mode segmentio/kafka-go test program: one binary that is a
// producer (`produce BROKER TOPIC`) or a consumer (`consume BROKER TOPIC GROUP N`) of a topic.
//
// The producer creates the topic, then makes three WriteMessages calls: one message with key
// "k1" ("one"); two messages in one call ("two", "three"), made with context.Background() by
// the handler of GET /batch on a net/http server in the same process, which the producer
// requests itself (built with autotel, the handler's server span is current on its goroutine
// and becomes the send span's parent); and one message ("own") whose
// headers already carry the application's own traceparent (ownTraceparent), which
// instrumentation must keep. The second call runs with context.Background() inside a
// goroutine-local span when built with autotel: nothing here knows about that.
//
// The consumer joins consumer group GROUP, reads N messages with ReadMessage and prints one
// line per message: "VALUE traceparent=HEADER" (HEADER empty when absent).
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// ownTraceparent is the traceparent the application sets itself on message "own".
const ownTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: kafkago-pair produce BROKER TOPIC | consume BROKER TOPIC GROUP N")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "produce":
		err = produce(os.Args[2], os.Args[3])
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

func produce(broker, topic string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(broker)}
	var created bool
	for i := 0; i < 100 && !created; i++ {
		res, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: 1, ReplicationFactor: 1}}})
		if err == nil && res.Errors[topic] == nil {
			created = true
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !created {
		return fmt.Errorf("could not create topic %s", topic)
	}
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: topic, BatchTimeout: 10 * time.Millisecond, RequiredAcks: kafka.RequireOne}
	defer w.Close()
	write := func(ctx context.Context, msgs ...kafka.Message) error {
		// The topic's leader may take a moment to be known: retry like a real producer would.
		var err error
		for i := 0; i < 50; i++ {
			if err = w.WriteMessages(ctx, msgs...); err == nil {
				return nil
			}
			time.Sleep(200 * time.Millisecond)
		}
		return err
	}
	if err := write(ctx, kafka.Message{Key: []byte("k1"), Value: []byte("one")}); err != nil {
		return fmt.Errorf("write one: %w", err)
	}
	batch := []kafka.Message{{Value: []byte("two")}, {Value: []byte("three")}}
	var batchErr error
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		// No ctx from the request: the span current on this goroutine is the parent.
		batchErr = write(context.Background(), batch...)
	})}
	go srv.Serve(ln)
	res, err := http.Get("http://" + ln.Addr().String() + "/batch")
	if err != nil {
		return err
	}
	res.Body.Close()
	srv.Close()
	if batchErr != nil {
		return fmt.Errorf("write two, three: %w", batchErr)
	}
	if len(batch[0].Headers) != 0 || len(batch[1].Headers) != 0 {
		return fmt.Errorf("the caller's messages were changed: %v", batch)
	}
	own := kafka.Message{Value: []byte("own"), Headers: []kafka.Header{{Key: "traceparent", Value: []byte(ownTraceparent)}}}
	if err := write(ctx, own); err != nil {
		return fmt.Errorf("write own: %w", err)
	}
	fmt.Println("produced 4")
	return nil
}

func consume(broker, topic, group string, n int) error {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: topic, GroupID: group, StartOffset: kafka.FirstOffset, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for i := 0; i < n; i++ {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			return fmt.Errorf("read %d: %w", i, err)
		}
		tp := ""
		for _, h := range m.Headers {
			if h.Key == "traceparent" {
				tp = string(h.Value)
			}
		}
		fmt.Printf("%s traceparent=%s\n", m.Value, tp)
	}
	return nil
}
