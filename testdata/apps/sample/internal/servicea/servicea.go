// Package servicea is service A of the sample: GET /call-b reads an item from
// the database, pings Redis (redigo) and calls service B with http.Get, none
// of it with a context.Context; GET /fail runs a query and a Redis command
// that both fail, and reports the errors. Served by gin, or by net/http's
// ServeMux when SAMPLE_FRAMEWORK=nethttp.
package servicea

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"

	"example.com/sample/internal/backend"
	"github.com/gin-gonic/gin"
	"github.com/gomodule/redigo/redis"
)

// Service is service A.
type Service struct {
	DB    *sql.DB
	Redis *redis.Pool
	BURL  string // base URL of service B
	Logs  *backend.Logs
}

// NewPool returns a redigo pool for the Redis server at addr.
func NewPool(addr string) *redis.Pool {
	return &redis.Pool{
		MaxIdle: 4,
		Dial:    func() (redis.Conn, error) { return redis.Dial("tcp", addr) },
	}
}

// CallB is GET /call-b: status and body.
func (s *Service) CallB() (int, string) {
	s.Logs.Info("handling /call-b")
	var name string
	if err := s.DB.QueryRow("SELECT name FROM items WHERE id = ?", 1).Scan(&name); err != nil {
		return http.StatusInternalServerError, "query: " + err.Error()
	}
	conn := s.Redis.Get()
	defer conn.Close()
	pong, err := redis.String(conn.Do("PING"))
	if err != nil {
		return http.StatusBadGateway, "redis: " + err.Error()
	}
	resp, err := http.Get(s.BURL + "/data")
	if err != nil {
		return http.StatusBadGateway, "service b: " + err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return http.StatusBadGateway, fmt.Sprintf("service b: %d %s %v", resp.StatusCode, body, err)
	}
	return http.StatusOK, fmt.Sprintf(`{"item":%q,"redis":%q,"b":%s}`, name, pong, body)
}

// Fail is GET /fail: a query of a table that does not exist and a command
// Redis does not know; the errors are part of the answer.
func (s *Service) Fail() (int, string) {
	s.Logs.Info("handling /fail")
	var name string
	qerr := s.DB.QueryRow("SELECT name FROM no_such_table WHERE id = ?", 1).Scan(&name)
	conn := s.Redis.Get()
	defer conn.Close()
	_, rerr := conn.Do("NO_SUCH_COMMAND", "x")
	return http.StatusOK, fmt.Sprintf("query failed: %t\nredis failed: %t\n", qerr != nil, rerr != nil)
}

// Handler serves the routes, with gin or (framework "nethttp") a ServeMux.
func (s *Service) Handler(framework string) http.Handler {
	if framework == "nethttp" {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /call-b", func(w http.ResponseWriter, r *http.Request) { write(w, s.CallB) })
		mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) { write(w, s.Fail) })
		return mux
	}
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(gin.Recovery())
	engine.GET("/call-b", func(c *gin.Context) { c.String(s.CallB()) })
	engine.GET("/fail", func(c *gin.Context) { c.String(s.Fail()) })
	return engine
}

func write(w http.ResponseWriter, handle func() (int, string)) {
	status, body := handle()
	w.WriteHeader(status)
	io.WriteString(w, body)
}
