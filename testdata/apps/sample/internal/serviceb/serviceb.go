// Package serviceb is service B of the sample: GET /data reads the item from
// the database and pings Redis (go-redis v9, with context.Background(): no
// span in it). Served by echo, or by net/http's ServeMux when
// SAMPLE_FRAMEWORK=nethttp.
package serviceb

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"

	"example.com/sample/internal/backend"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"
)

// Service is service B.
type Service struct {
	DB    *sql.DB
	Redis *redis.Client
	Logs  *backend.Logs
}

// Data is GET /data: status and body.
func (s *Service) Data() (int, string) {
	s.Logs.Info("handling /data")
	var name string
	if err := s.DB.QueryRow("SELECT name FROM items WHERE id = ?", 1).Scan(&name); err != nil {
		return http.StatusInternalServerError, "query: " + err.Error()
	}
	pong, err := s.Redis.Ping(context.Background()).Result()
	if err != nil {
		return http.StatusBadGateway, "redis: " + err.Error()
	}
	return http.StatusOK, fmt.Sprintf(`{"item":%q,"redis":%q}`, name, pong)
}

// Handler serves the routes, with echo or (framework "nethttp") a ServeMux.
func (s *Service) Handler(framework string) http.Handler {
	if framework == "nethttp" {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /data", func(w http.ResponseWriter, r *http.Request) {
			status, body := s.Data()
			w.WriteHeader(status)
			io.WriteString(w, body)
		})
		return mux
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/data", func(c echo.Context) error { return c.String(s.Data()) })
	return e
}
