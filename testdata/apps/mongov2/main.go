// mongov2 is a test application for autotel's mongo-driver v2 instrumentation (rules/mongov2.yaml):
// against the MongoDB-compatible server at $MONGODB_URI (FerretDB in the tests) it serves one HTTP
// request whose handler inserts, finds, updates, aggregates and deletes documents, runs one
// command the server refuses, and one find with context.Background() that joins the request's
// trace through goroutine-local context. The client has a command monitor of its own, which
// must still see every command: the program prints what it saw.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// seen is what the program's own monitor saw: one line per event.
var (
	mu   sync.Mutex
	seen []string
)

func note(s string) {
	mu.Lock()
	seen = append(seen, s)
	mu.Unlock()
}

func work(ctx context.Context, coll *mongo.Collection) error {
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "name", Value: "alice"}, {Key: "tier", Value: "gold"}}); err != nil {
		return err
	}
	if _, err := coll.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: 2}, {Key: "name", Value: "bob"}, {Key: "tier", Value: "gold"}},
		bson.D{{Key: "_id", Value: 3}, {Key: "name", Value: "carol"}, {Key: "tier", Value: "silver"}},
	}); err != nil {
		return err
	}
	cur, err := coll.Find(ctx, bson.D{{Key: "tier", Value: "gold"}})
	if err != nil {
		return err
	}
	var gold []bson.M
	if err := cur.All(ctx, &gold); err != nil {
		return err
	}
	if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 3}}, bson.D{{Key: "$set", Value: bson.D{{Key: "tier", Value: "gold"}}}}); err != nil {
		return err
	}
	agg, err := coll.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "tier", Value: "gold"}}}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$tier"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return err
	}
	var groups []bson.M
	if err := agg.All(ctx, &groups); err != nil {
		return err
	}
	if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: 1}}); err != nil {
		return err
	}
	// No ctx of the request's: goroutine-local context gives the parent.
	var bob bson.M
	if err := coll.FindOne(context.Background(), bson.D{{Key: "_id", Value: 2}}).Decode(&bob); err != nil {
		return err
	}
	// An operator the server does not know: the command fails.
	if _, err := coll.Find(ctx, bson.D{{Key: "$frobnicate", Value: 1}}); err == nil {
		return fmt.Errorf("$frobnicate: no error")
	}
	if len(groups) != 1 {
		return fmt.Errorf("aggregate: %d groups", len(groups))
	}
	fmt.Printf("gold: %d, gold after the update: %v, bob: %v\n", len(gold), groups[0]["n"], bob["name"])
	return nil
}

func main() {
	monitor := &event.CommandMonitor{
		Started:   func(_ context.Context, e *event.CommandStartedEvent) { note("started " + e.CommandName) },
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { note("succeeded " + e.CommandName) },
		Failed:    func(_ context.Context, e *event.CommandFailedEvent) { note("failed " + e.CommandName) },
	}
	client, err := mongo.Connect(options.Client().ApplyURI(os.Getenv("MONGODB_URI")).SetMonitor(monitor))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	coll := client.Database("shop").Collection("users")
	var failed error
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		failed = work(r.Context(), coll)
		io.WriteString(w, "done")
	}))
	resp, err := http.Get("http://" + ln.Addr().String() + "/work")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if failed != nil {
		fmt.Fprintln(os.Stderr, failed)
		os.Exit(1)
	}
	mu.Lock()
	fmt.Printf("monitor: %s\n", strings.Join(seen, ", "))
	mu.Unlock()
	if err := client.Disconnect(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
