package servicea_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"example.com/sample/internal/backend"
	"example.com/sample/internal/servicea"
	"example.com/sample/internal/serviceb"
	"github.com/redis/go-redis/v9"
)

// services starts B and A (embedded SQLite and miniredis) with framework and
// returns A's URL.
func services(t *testing.T, framework string) string {
	t.Setenv("DB_DSN", "")
	t.Setenv("REDIS_ADDR", "")
	db, err := backend.OpenDB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	addr, stop, err := backend.RedisAddr()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	b := httptest.NewServer((&serviceb.Service{DB: db, Redis: rdb, Logs: backend.NewLogs("b")}).Handler(framework))
	t.Cleanup(b.Close)
	pool := servicea.NewPool(addr)
	t.Cleanup(func() { pool.Close() })
	a := httptest.NewServer((&servicea.Service{DB: db, Redis: pool, BURL: b.URL, Logs: backend.NewLogs("a")}).Handler(framework))
	t.Cleanup(a.Close)
	return a.URL
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestCallB(t *testing.T) {
	for _, framework := range []string{"", "nethttp"} {
		t.Run("framework="+framework, func(t *testing.T) {
			url := services(t, framework)
			status, body := get(t, url+"/call-b")
			want := `{"item":"widget","redis":"PONG","b":{"item":"widget","redis":"PONG"}}`
			if status != 200 || body != want {
				t.Fatalf("GET /call-b = %d %s, want 200 %s", status, body, want)
			}
			if status, _ := get(t, url+"/nothing"); status != 404 {
				t.Fatalf("GET /nothing = %d", status)
			}
		})
	}
}

func TestFailReportsBothErrors(t *testing.T) {
	url := services(t, "")
	status, body := get(t, url+"/fail")
	if status != 200 || body != "query failed: true\nredis failed: true\n" {
		t.Fatalf("GET /fail = %d %q", status, body)
	}
}
