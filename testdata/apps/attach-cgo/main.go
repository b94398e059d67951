// Command attach-cgo is the layout test program of autotel attach: cgo, so that with
// `-ldflags=-linkmode=external` the external linker puts C code at the start of .text and the
// Go function table's own text start differs from the section's address (the layout in which a
// wrong text start once put every probe mid-instruction). It exercises what attach
// instruments in the standard library: an HTTP server whose /tx handler runs database/sql
// transactions with prepared statements (Tx.Commit closes them: `closePrepared`) and calls
// /leaf over an HTTP client.
//
// The database driver is defined here (an in-memory counter table, not a real database) so
// the program needs no module and builds with every Go release the layout matrix covers.
//
// Usage: attach-cgo -addrfile PATH   serves on 127.0.0.1 until SIGTERM/SIGINT, then prints
// the number of committed rows and exits 0. Without -addrfile it prints 2*21 (from C) and exits.
package main

/*
static int twice(int x) { return 2 * x; }
*/
import "C"

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
)

func main() {
	addrFile := flag.String("addrfile", "", "serve, and write the bound address to this file")
	flag.Parse()
	fmt.Println(int(C.twice(21)))
	if *addrFile == "" {
		return
	}
	db, err := sql.Open("counter", "")
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	base := "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("/leaf", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "leaf")
	})
	mux.HandleFunc("/tx", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil {
			http.Error(w, "n: "+err.Error(), http.StatusBadRequest)
			return
		}
		total, err := transact(r.Context(), db, n)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp, err := http.Get(base + "/leaf")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		leaf, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(w, "n=%d total=%d %s\n", n, total, leaf)
	})
	go http.Serve(ln, mux)
	if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "addrfile:", err)
		os.Exit(1)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	var rows int
	if err := db.QueryRow("SELECT count").Scan(&rows); err != nil {
		fmt.Fprintln(os.Stderr, "count:", err)
		os.Exit(1)
	}
	fmt.Printf("committed rows: %d\n", rows)
}

// transact adds n in a transaction through a prepared statement (committed), then tries to
// add it again in one that is rolled back, and returns the running total.
func transact(ctx context.Context, db *sql.DB, n int) (int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	stmt, err := tx.PrepareContext(ctx, "ADD")
	if err != nil {
		tx.Rollback()
		return 0, err
	}
	if _, err := stmt.ExecContext(ctx, n); err != nil {
		tx.Rollback()
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "ADD", n); err != nil {
		tx.Rollback()
		return 0, err
	}
	if err := tx.Rollback(); err != nil {
		return 0, err
	}
	var total int
	err = db.QueryRowContext(ctx, "SELECT total").Scan(&total)
	return total, err
}

// The in-memory driver: "ADD" with one argument adds it to the total (inside a transaction,
// on commit); "SELECT total" and "SELECT count" read the total and the number of committed adds.
type counter struct {
	mu           sync.Mutex
	total, count int
}

func init() { sql.Register("counter", &counter{}) }

func (d *counter) Open(string) (driver.Conn, error) { return &conn{db: d}, nil }

type conn struct {
	db      *counter
	pending []int
	inTx    bool
}

func (c *conn) Prepare(query string) (driver.Stmt, error) { return &stmt{c: c, query: query}, nil }
func (c *conn) Close() error                              { return nil }
func (c *conn) Begin() (driver.Tx, error) {
	c.inTx, c.pending = true, nil
	return c, nil
}

func (c *conn) Commit() error {
	c.db.mu.Lock()
	for _, n := range c.pending {
		c.db.total += n
		c.db.count++
	}
	c.db.mu.Unlock()
	c.inTx, c.pending = false, nil
	return nil
}

func (c *conn) Rollback() error {
	c.inTx, c.pending = false, nil
	return nil
}

type stmt struct {
	c     *conn
	query string
}

func (s *stmt) Close() error { return nil }
func (s *stmt) NumInput() int {
	if s.query == "ADD" {
		return 1
	}
	return 0
}

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	if s.query != "ADD" {
		return nil, errors.New("unknown statement " + s.query)
	}
	n, ok := args[0].(int64)
	if !ok {
		return nil, fmt.Errorf("ADD wants an integer, got %T", args[0])
	}
	if s.c.inTx {
		s.c.pending = append(s.c.pending, int(n))
	} else {
		s.c.db.mu.Lock()
		s.c.db.total += int(n)
		s.c.db.count++
		s.c.db.mu.Unlock()
	}
	return driver.RowsAffected(1), nil
}

func (s *stmt) Query([]driver.Value) (driver.Rows, error) {
	s.c.db.mu.Lock()
	defer s.c.db.mu.Unlock()
	switch s.query {
	case "SELECT total":
		return &rows{v: int64(s.c.db.total)}, nil
	case "SELECT count":
		return &rows{v: int64(s.c.db.count)}, nil
	}
	return nil, errors.New("unknown query " + s.query)
}

type rows struct {
	v    int64
	done bool
}

func (r *rows) Columns() []string { return []string{"v"} }
func (r *rows) Close() error      { return nil }
func (r *rows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	dest[0], r.done = r.v, true
	return nil
}
