package main

import (
	"fmt"
	"io"
	"net/http"
)

func newMux(bURL string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /call/{id}", func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, bURL+"/items/"+r.PathValue("id"), nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		w.WriteHeader(resp.StatusCode)
		fmt.Fprintf(w, "b said: %s", body)
	})
	return mux
}
