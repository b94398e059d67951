// Command attach-offsets-probe is never run: it is built with each supported Go release by
// crates/attach/examples/gen_offsets.rs, which reads the struct layouts attach needs from its
// DWARF into crates/attach/offsets.json. It only has to link in the types involved.
package main

import (
	"context"
	"database/sql"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) > 1 {
		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			m := map[string][]string{"k": {r.Method}}
			w.Header()["X"] = m["k"]
		})
		_ = http.ListenAndServe(os.Args[1], nil)
		resp, err := http.Get("http://" + os.Args[1])
		if err == nil {
			resp.Body.Close()
		}
		if db, err := sql.Open(os.Args[1], ""); err == nil {
			if stmt, err := db.Prepare("q"); err == nil {
				stmt.Exec()
			}
			if tx, err := db.Begin(); err == nil {
				tx.Commit()
			}
			if conn, err := db.Conn(context.Background()); err == nil {
				conn.Close()
			}
		}
	}
}
