// Command attach-offsets-probe-kafka is never run: crates/attach/examples/gen_offsets.rs builds
// it against each listed kafka-go release and reads the struct layouts attach needs from its
// DWARF. It only has to link in the types involved.
package main

import (
	"context"
	"os"

	"github.com/segmentio/kafka-go"
)

func main() {
	if len(os.Args) > 1 {
		w := &kafka.Writer{Addr: kafka.TCP(os.Args[1]), Topic: "t"}
		w.WriteMessages(context.Background(), kafka.Message{Value: []byte("x")})
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{os.Args[1]}, Topic: "t"})
		r.ReadMessage(context.Background())
	}
}
