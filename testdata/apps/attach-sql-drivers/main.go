// Command attach-sql-drivers is the test program for attach mode's db.system.name per driver:
// one binary that links two drivers of different systems (modernc.org/sqlite and
// github.com/go-sql-driver/mysql), so the build info alone cannot say which database a call
// goes to. /sqlite and /mysql each run the same calls on their DB, through every receiver
// attach probes: *DB (a query), *Conn (an exec), *Stmt (a prepared query) and *Tx (an exec,
// then a commit). The SQLite DB comes from sql.Open (database/sql's dsnConnector holds the
// driver); the MySQL one from mysql.NewConnector and sql.OpenDB (the driver's own connector).
//
// Usage: attach-sql-drivers -addr 127.0.0.1:0 -addrfile PATH -mysql DSN
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
	"syscall"

	"github.com/go-sql-driver/mysql"
	_ "modernc.org/sqlite"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addrfile", "", "file to write the bound address to")
	mysqlDSN := flag.String("mysql", "", "go-sql-driver/mysql DSN of a server with database `test`")
	flag.Parse()

	lite, err := sql.Open("sqlite", "file::memory:?cache=shared")
	if err != nil {
		fmt.Fprintln(os.Stderr, "open sqlite:", err)
		os.Exit(1)
	}
	lite.SetMaxOpenConns(1)
	cfg, err := mysql.ParseDSN(*mysqlDSN)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mysql dsn:", err)
		os.Exit(1)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mysql connector:", err)
		os.Exit(1)
	}
	my := sql.OpenDB(connector)
	for _, db := range []*sql.DB{lite, my} {
		if _, err := db.Exec("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT)"); err != nil {
			fmt.Fprintln(os.Stderr, "create:", err)
			os.Exit(1)
		}
	}

	mux := http.NewServeMux()
	for path, db := range map[string]*sql.DB{"GET /sqlite": lite, "GET /mysql": my} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if err := calls(r.Context(), db); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			fmt.Fprintln(w, "ok")
		})
	}

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
	lite.Close()
	my.Close()
	fmt.Println("bye")
}

// calls runs one call through each receiver attach probes: *DB, *Conn, *Stmt, *Tx.
func calls(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT name FROM users WHERE id = ?", 1)
	if err != nil {
		return err
	}
	rows.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "DELETE FROM users WHERE id = ?", 2)
	conn.Close()
	if err != nil {
		return err
	}
	stmt, err := db.PrepareContext(ctx, "SELECT id FROM users WHERE name = ?")
	if err != nil {
		return err
	}
	rows, err = stmt.QueryContext(ctx, "bob")
	stmt.Close()
	if err != nil {
		return err
	}
	rows.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE users SET name = ? WHERE id = ?", "bob", 3); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
