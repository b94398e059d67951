// gls-sql is the test application of autotel's database/sql instrumentation
// (crates/autotel/tests/gls): SQLite through modernc.org/sqlite (pure Go),
// queried from HTTP handlers without any context.Context, so the spans must
// find their parent through goroutine-local context.
//
//	GET /work   query, exec, prepared statement, transaction, ping; a query
//	            that fails (its error is reported in the body, unchanged)
//	GET /spawn  a query from a goroutine the handler starts
//	GET /mysql  a ping through go-sql-driver/mysql to $MYSQL_ADDR, where
//	            nothing listens: an error span that names the server
//
// It listens on $LISTEN.
package main

import (
	"database/sql"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"

	_ "github.com/go-sql-driver/mysql"
	_ "modernc.org/sqlite"
)

func main() {
	db, err := sql.Open("sqlite", "file:gls?mode=memory&cache=shared")
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /work", func(w http.ResponseWriter, r *http.Request) {
		if _, err := db.Exec("INSERT INTO users (id, name) VALUES (1, 'alice') ON CONFLICT DO NOTHING"); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		var name string
		if err := db.QueryRow("SELECT name FROM users WHERE id = 1").Scan(&name); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		stmt, err := db.Prepare("SELECT count(*) FROM users WHERE name = ?")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		var n int
		if err := stmt.QueryRow("alice").Scan(&n); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		stmt.Close()
		tx, err := db.Begin()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if _, err := tx.Exec("UPDATE users SET name = 'bob' WHERE id = 1"); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := tx.Commit(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		tx.Rollback() // done already: touches nothing
		if err := db.Ping(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_, qerr := db.Query("SELECT * FROM missing_table")
		fmt.Fprintf(w, "name=%s n=%d missing=%v", name, n, qerr)
	})
	mux.HandleFunc("GET /spawn", func(w http.ResponseWriter, r *http.Request) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int
			db.QueryRow("SELECT count(*) FROM users").Scan(&n)
		}()
		wg.Wait()
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /mysql", func(w http.ResponseWriter, r *http.Request) {
		my, err := sql.Open("mysql", "app:secret@tcp("+os.Getenv("MYSQL_ADDR")+")/shop")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer my.Close()
		fmt.Fprintf(w, "ping failed: %v", my.Ping() != nil)
	})
	log.Fatal(http.ListenAndServe(os.Getenv("LISTEN"), mux))
}
