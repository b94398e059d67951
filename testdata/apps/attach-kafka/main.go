// Command attach-kafka is the segmentio/kafka-go test program for autotel attach mode: an HTTP
// server whose /produce handler writes two messages to a topic in one WriteMessages call, and
// a reader goroutine that reads that topic (partition 0, no consumer group) and prints each
// message's value on stdout.
//
// Usage: attach-kafka -addr 127.0.0.1:0 -addrfile PATH -broker 127.0.0.1:9092 -topic NAME
// It creates the topic, writes the bound address to PATH once the reader runs, serves until
// SIGTERM/SIGINT, and exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addrfile", "", "file to write the bound address to")
	broker := flag.String("broker", "127.0.0.1:9092", "Kafka broker address")
	topic := flag.String("topic", "orders", "topic")
	flag.Parse()

	if err := createTopic(*broker, *topic); err != nil {
		fmt.Fprintln(os.Stderr, "create topic:", err)
		os.Exit(1)
	}
	w := &kafka.Writer{Addr: kafka.TCP(*broker), Topic: *topic, BatchTimeout: 10 * time.Millisecond, RequiredAcks: kafka.RequireOne}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{*broker}, Topic: *topic, Partition: 0, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 100 * time.Millisecond})

	var out sync.Mutex
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			m, err := r.ReadMessage(context.Background())
			if err != nil {
				return
			}
			out.Lock()
			fmt.Printf("got %s\n", m.Value)
			out.Unlock()
		}
	}()

	n := 0
	mux := http.NewServeMux()
	mux.HandleFunc("GET /produce", func(rw http.ResponseWriter, req *http.Request) {
		n++
		msgs := []kafka.Message{
			{Key: []byte("k"), Value: []byte("order-" + strconv.Itoa(n) + "a")},
			{Key: []byte("k"), Value: []byte("order-" + strconv.Itoa(n) + "b")},
		}
		if err := w.WriteMessages(req.Context(), msgs...); err != nil {
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintln(rw, "sent", len(msgs))
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "addrfile:", err)
			os.Exit(1)
		}
	}
	srv := &http.Server{Handler: mux}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	w.Close()
	r.Close()
	<-readerDone
	fmt.Println("bye")
}

func createTopic(broker, topic string) error {
	var conn *kafka.Conn
	var err error
	for i := 0; i < 100; i++ {
		if conn, err = kafka.Dial("tcp", broker); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		return err
	}
	cc, err := kafka.Dial("tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return err
	}
	defer cc.Close()
	return cc.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: 1, ReplicationFactor: 1})
}
