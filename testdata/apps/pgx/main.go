// pgx is a test application for autotel's pgx instrumentation (rules/pgx.yaml): against the
// PostgreSQL at $DATABASE_URL it serves one HTTP request whose handler uses pgx natively through
// pgxpool (Exec, Query, QueryRow, a transaction, a batch, CopyFrom, an explicit Prepare, a failing statement, a call
// with context.Background() that joins the request's trace through goroutine-local context) and
// once through database/sql with pgx/v5/stdlib (which must give one span per call, not two).
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
)

func work(ctx context.Context, pool *pgxpool.Pool, db *sql.DB) error {
	if _, err := pool.Exec(ctx, "CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL)"); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, "INSERT INTO widgets (id, name) VALUES ($1, 'secret-name')", 1); err != nil {
		return err
	}
	rows, err := pool.Query(ctx, "SELECT id, name FROM widgets WHERE id > 0")
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE widgets SET name = $1 WHERE id = 1", "w1"); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue("INSERT INTO widgets (id, name) VALUES ($1, $2)", 2, "w2")
	b.Queue("INSERT INTO widgets (id, name) VALUES ($1, $2)", 3, "w3")
	if err := pool.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"widgets"}, []string{"id", "name"},
		pgx.CopyFromRows([][]any{{4, "w4"}, {5, "w5"}}))
	if err != nil || n != 2 {
		return fmt.Errorf("copy: %d rows, %v", n, err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	_, err = conn.Conn().Prepare(ctx, "name_by_id", "SELECT name FROM widgets WHERE id = $1")
	conn.Release()
	if err != nil {
		return err
	}
	// No ctx of the request's: goroutine-local context gives the parent.
	var count int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM widgets").Scan(&count); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, "SELECT * FROM missing_table"); err == nil {
		return fmt.Errorf("missing_table: no error")
	}
	// database/sql through pgx/v5/stdlib: database/sql's span only.
	var name string
	if err := db.QueryRowContext(ctx, "SELECT name FROM widgets WHERE id = $1", 5).Scan(&name); err != nil {
		return err
	}
	// A database/sql transaction: its Exec reaches pgx with the caller's ctx while database/sql's
	// span is current on the goroutine; still one span per call.
	sqlTx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := sqlTx.ExecContext(ctx, "DELETE FROM widgets WHERE id = $1", 1); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	fmt.Printf("widgets: %d, widget 5: %s\n", count, name)
	return nil
}

func main() {
	url := os.Getenv("DATABASE_URL")
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer pool.Close()
	db, err := sql.Open("pgx", url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer db.Close()
	var failed error
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		failed = work(r.Context(), pool, db)
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
}
