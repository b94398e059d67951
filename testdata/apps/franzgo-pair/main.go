// Command franzgo-pair is the build-mode twmb/franz-go test program: one binary that is a
// producer (`produce BROKER TOPIC`) or a consumer (`consume BROKER TOPIC GROUP N`) of a topic.
//
// The producer creates the topic (a kmsg CreateTopics request), then produces four records with
// ProduceSync (a record that fails while the new topic's leader is not known yet is produced
// again, the same *kgo.Record): "one" with key "k1"; "two" and "three" in one call, made with
// context.Background() by the handler of GET /batch on a net/http server in the same process,
// which the producer requests itself (built with autotel, the handler's server span is current
// on its goroutine and becomes the send spans' parent), "two" carrying a header of the
// application's own ("app: 1"); and "own", whose headers already carry the application's own
// traceparent (ownTraceparent), which instrumentation must keep. Nothing here knows about
// tracing.
//
// The consumer joins consumer group GROUP, polls with PollFetches until it has N records and
// prints one line per record: "VALUE traceparent=HEADER app=HEADER" (empty when absent).
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ownTraceparent is the traceparent the application sets itself on record "own".
const ownTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: franzgo-pair produce BROKER TOPIC | consume BROKER TOPIC GROUP N")
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

func createTopic(ctx context.Context, cl *kgo.Client, topic string) error {
	var last error
	for i := 0; i < 100; i++ {
		req := kmsg.NewPtrCreateTopicsRequest()
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic, t.NumPartitions, t.ReplicationFactor = topic, 1, 1
		req.Topics = append(req.Topics, t)
		req.TimeoutMillis = 10000
		resp, err := req.RequestWith(ctx, cl)
		if err == nil && len(resp.Topics) == 1 {
			switch code := resp.Topics[0].ErrorCode; code {
			case 0, 36: // created, or TOPIC_ALREADY_EXISTS
				return nil
			default:
				err = fmt.Errorf("CreateTopics error code %d", code)
			}
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("could not create topic %s: %v", topic, last)
}

func produce(broker, topic string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ProducerLinger(0))
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := createTopic(ctx, cl, topic); err != nil {
		return err
	}
	// The topic's leader may take a moment to be known: retry like a real producer would, with
	// the same records.
	send := func(ctx context.Context, rs ...*kgo.Record) error {
		var err error
		for i := 0; i < 50 && len(rs) > 0; i++ {
			var failed []*kgo.Record
			for _, res := range cl.ProduceSync(ctx, rs...) {
				if res.Err != nil {
					failed, err = append(failed, res.Record), res.Err
				}
			}
			if rs = failed; len(rs) > 0 {
				time.Sleep(200 * time.Millisecond)
			}
		}
		if len(rs) > 0 {
			return err
		}
		return nil
	}
	if err := send(ctx, &kgo.Record{Topic: topic, Key: []byte("k1"), Value: []byte("one")}); err != nil {
		return fmt.Errorf("produce one: %w", err)
	}
	var batchErr error
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		// No ctx from the request: the span current on this goroutine is the parent.
		batchErr = send(context.Background(),
			&kgo.Record{Topic: topic, Value: []byte("two"), Headers: []kgo.RecordHeader{{Key: "app", Value: []byte("1")}}},
			&kgo.Record{Topic: topic, Value: []byte("three")})
	})}
	go srv.Serve(ln)
	res, err := http.Get("http://" + ln.Addr().String() + "/batch")
	if err != nil {
		return err
	}
	res.Body.Close()
	srv.Close()
	if batchErr != nil {
		return fmt.Errorf("produce two, three: %w", batchErr)
	}
	if err := send(ctx, &kgo.Record{Topic: topic, Value: []byte("own"), Headers: []kgo.RecordHeader{{Key: "traceparent", Value: []byte(ownTraceparent)}}}); err != nil {
		return fmt.Errorf("produce own: %w", err)
	}
	fmt.Println("produced 4")
	return nil
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

func consume(broker, topic, group string, n int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for got := 0; got < n; {
		fetches := cl.PollFetches(ctx)
		if errs := fetches.Errors(); len(errs) > 0 {
			return fmt.Errorf("poll: %v", errs[0].Err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			got++
			fmt.Printf("%s traceparent=%s app=%s\n", r.Value, header(r, "traceparent"), header(r, "app"))
		})
	}
	return nil
}
