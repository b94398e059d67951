// A program that traces its Redis commands and SQL statements itself: go-redis with redisotel's
// tracing hook, database/sql through otelsql's driver wrapper (SQLite, modernc.org/sqlite), each
// call made inside the program's own span "job". Built with autotel, every command and statement
// must have the program's CLIENT span only, child of "job" (autotel's go-redis and database/sql
// spans step aside: rules/otelsdk.yaml). It exits when done; autotel's runtime flushes at exit.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/XSAM/otelsql"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	_ "modernc.org/sqlite"
)

func main() {
	ctx, job := otel.Tracer("example.com/otel-clients").Start(context.Background(), "job")

	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	if err := redisotel.InstrumentTracing(rdb); err != nil {
		log.Fatal(err)
	}
	if err := rdb.Set(ctx, "greeting", "hello", 0).Err(); err != nil {
		log.Fatal(err)
	}
	greeting, err := rdb.Get(ctx, "greeting").Result()
	if err != nil {
		log.Fatal(err)
	}

	db, err := otelsql.Open("sqlite", "file:clients?mode=memory")
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{
		"CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
		"INSERT INTO widgets (id, name) VALUES (1, 'gear')",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			log.Fatal(err)
		}
	}
	var name string
	if err := db.QueryRowContext(ctx, "SELECT name FROM widgets WHERE id = 1").Scan(&name); err != nil {
		log.Fatal(err)
	}
	job.End()
	fmt.Println(greeting, name)
}
