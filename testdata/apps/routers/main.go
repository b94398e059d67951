// Command routers serves, with the router named by FRAMEWORK (echo5, mux or
// chi) on LISTEN, so that the end-to-end tests check the rewrite of each:
//
//	GET /users/{id}      200 "user <id>"
//	GET /api/items/{id}  the same, through a sub-router (echo group, mux
//	                     sub-router, chi router mounted on /api)
//	GET /fail            echo: the handler returns an error; mux and chi:
//	                     the handler writes 500
//	GET /boom            the handler panics (no recovery middleware)
//
// go.mod requires the newest releases; oldest.mod and oldest.sum the oldest
// ones autotel supports (the tests put them in place of go.mod and go.sum).
package main

import (
	"errors"
	"log"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"github.com/labstack/echo/v5"
)

var errFail = errors.New("handler failed")

func echoRouter() http.Handler {
	e := echo.New()
	user := func(c *echo.Context) error { return c.String(200, "user "+c.Param("id")) }
	e.GET("/users/:id", user)
	e.Group("/api").GET("/items/:id", user)
	e.GET("/fail", func(c *echo.Context) error { return errFail })
	e.GET("/boom", func(c *echo.Context) error { panic("boom") })
	return e
}

func muxRouter() http.Handler {
	r := mux.NewRouter()
	user := func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("user " + mux.Vars(r)["id"])) }
	r.HandleFunc("/users/{id}", user).Methods("GET")
	r.PathPrefix("/api").Subrouter().HandleFunc("/items/{id}", user).Methods("GET")
	r.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "failed", 500) })
	r.HandleFunc("/boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	return r
}

func chiRouter() http.Handler {
	r := chi.NewRouter()
	user := func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("user " + chi.URLParam(r, "id"))) }
	r.Get("/users/{id}", user)
	api := chi.NewRouter()
	api.Get("/items/{id}", user)
	r.Mount("/api", api)
	r.Get("/fail", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "failed", 500) })
	r.Get("/boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	return r
}

func main() {
	var h http.Handler
	switch os.Getenv("FRAMEWORK") {
	case "echo5":
		h = echoRouter()
	case "mux":
		h = muxRouter()
	case "chi":
		h = chiRouter()
	default:
		log.Fatalf("FRAMEWORK=%q: want echo5, mux or chi", os.Getenv("FRAMEWORK"))
	}
	log.Fatal(http.ListenAndServe(os.Getenv("LISTEN"), h))
}
