// Command attach-sql is the database/sql test program for autotel attach mode: an HTTP
// server whose /db handler runs queries and execs against an in-memory SQLite database
// (modernc.org/sqlite, pure Go), with and without ctx, and one that fails; /tx pings, runs a
// prepared statement, and commits one transaction and rolls back another.
//
// Usage: attach-sql -addr 127.0.0.1:0 -addrfile PATH
// It writes the bound address to PATH, serves until SIGTERM/SIGINT, and exits 0.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	_ "modernc.org/sqlite"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addrfile", "", "file to write the bound address to")
	flag.Parse()

	db, err := sql.Open("sqlite", "file::memory:?cache=shared")
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"); err != nil {
		fmt.Fprintln(os.Stderr, "create:", err)
		os.Exit(1)
	}

	mux := http.NewServeMux()
	// /db: an exec with ctx, a query without ctx, a QueryRowContext, and a failing query.
	mux.HandleFunc("GET /db", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if _, err := db.ExecContext(ctx, "INSERT INTO users (id, name) VALUES (42, 'bob') ON CONFLICT DO NOTHING"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		rows, err := db.Query("SELECT name FROM users WHERE id = ? AND name <> 'x'", 42)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var names []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		rows.Close()
		var count int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&count); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, failErr := db.Exec("DELETE FROM missing_table WHERE id = 7")
		fmt.Fprintf(w, "names=%v count=%d failed=%v\n", names, count, failErr != nil)
	})

	// /long: a query whose FROM comes after its first kilobyte (long column lists are common):
	// its summary needs the whole text.
	mux.HandleFunc("GET /long", func(w http.ResponseWriter, r *http.Request) {
		query := "SELECT " + strings.Repeat("name AS n, ", 110) + "id FROM users WHERE id = 42"
		rows, err := db.QueryContext(r.Context(), query)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		rows.Close()
		fmt.Fprintf(w, "%d bytes of query\n", len(query))
	})

	// /tx: Ping, Prepare + Stmt.QueryRow + Stmt.Exec, Begin + Tx.Exec + Commit, BeginTx +
	// Rollback.
	mux.HandleFunc("GET /tx", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		fail := func(err error) { http.Error(w, err.Error(), http.StatusInternalServerError) }
		if err := db.Ping(); err != nil {
			fail(err)
			return
		}
		stmt, err := db.Prepare("SELECT name FROM users WHERE id = ?")
		if err != nil {
			fail(err)
			return
		}
		defer stmt.Close()
		var name string
		if err := stmt.QueryRowContext(ctx, 42).Scan(&name); err != nil && err != sql.ErrNoRows {
			fail(err)
			return
		}
		tx, err := db.Begin()
		if err != nil {
			fail(err)
			return
		}
		if _, err := tx.Exec("UPDATE users SET name = 'bob' WHERE id = 42"); err != nil {
			fail(err)
			return
		}
		if err := tx.Commit(); err != nil {
			fail(err)
			return
		}
		tx, err = db.BeginTx(ctx, nil)
		if err != nil {
			fail(err)
			return
		}
		if err := tx.Rollback(); err != nil {
			fail(err)
			return
		}
		fmt.Fprintln(w, "ok")
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
	db.Close()
	fmt.Println("bye")
}
