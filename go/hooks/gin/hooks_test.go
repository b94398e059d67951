package gin

import (
	ft "autotel.dev/go/internal/httpframework/frameworktest"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// The shared helpers of the router hooks' tests.
var (
	setup = ft.Record
	attrs = ft.Attrs
	only  = ft.Only
)

func init() { gin.SetMode(gin.ReleaseMode) }

// serve sends req through a new engine with routes as an instrumented build
// does: a server span in the request's context (what net/http's server hook
// makes), and the hooks of handleHTTPRequest around the handler chain (here
// from a first middleware, which handleHTTPRequest's c.Next() runs first). It
// returns the response and what panicked out of gin, if anything.
func serve(routes func(*gin.Engine), req *http.Request) (w *httptest.ResponseRecorder, panicked any) {
	ctx, span := otel.Tracer("nethttp").Start(req.Context(), req.Method, trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	engine := gin.New()
	engine.Use(func(c *gin.Context) {
		if st, _ := handleEnter(&engine, &c); st != nil {
			defer handleExit(st)
		}
		c.Next()
	})
	routes(engine)
	w = httptest.NewRecorder()
	func() {
		defer func() { panicked = recover() }()
		engine.ServeHTTP(w, req.WithContext(ctx))
	}()
	return w, panicked
}

func TestRouteNamesTheServerSpan(t *testing.T) {
	rec := setup(t)
	routes := func(engine *gin.Engine) {
		engine.GET("/users/:id", func(c *gin.Context) { c.String(200, "user "+c.Param("id")) })
	}
	w, _ := serve(routes, httptest.NewRequest("GET", "/users/42", nil))
	if w.Code != 200 || w.Body.String() != "user 42" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	s := only(t, rec)
	if s.Name() != "GET /users/:id" || attrs(s)["http.route"].AsString() != "/users/:id" || s.Status().Code != codes.Unset {
		t.Fatalf("span %q %v %v", s.Name(), attrs(s), s.Status())
	}
}

func TestUnmatchedRouteKeepsTheName(t *testing.T) {
	rec := setup(t)
	w, _ := serve(func(*gin.Engine) {}, httptest.NewRequest("GET", "/nothing/here", nil))
	s := only(t, rec)
	if w.Code != 404 || s.Name() != "GET" || attrs(s)["http.route"].Type() != attribute.INVALID {
		t.Fatalf("404: span %q %v", s.Name(), attrs(s))
	}
}

func TestHandlerErrorsAreRecorded(t *testing.T) {
	rec := setup(t)
	routes := func(engine *gin.Engine) {
		engine.GET("/fail", func(c *gin.Context) {
			c.Error(errors.New("database is down"))
			c.String(503, "sorry")
		})
		engine.GET("/bad", func(c *gin.Context) {
			c.Error(errors.New("bad input"))
			c.String(400, "bad")
		})
	}
	serve(routes, httptest.NewRequest("GET", "/fail", nil))
	serve(routes, httptest.NewRequest("GET", "/bad", nil))
	spans := rec.Ended()
	if spans[0].Status().Code != codes.Error || spans[0].Status().Description != "database is down" || len(spans[0].Events()) != 1 {
		t.Errorf("5xx with an error: status %v events %v", spans[0].Status(), spans[0].Events())
	}
	if spans[1].Status().Code != codes.Unset || len(spans[1].Events()) != 1 || spans[1].Events()[0].Name != "exception" {
		t.Errorf("4xx with an error: status %v events %v (event only)", spans[1].Status(), spans[1].Events())
	}
}

func TestPanicIsRecordedAndRaisedAgain(t *testing.T) {
	rec := setup(t)
	routes := func(engine *gin.Engine) {
		engine.GET("/panic", func(c *gin.Context) { panic(http.ErrAbortHandler) })
	}
	_, panicked := serve(routes, httptest.NewRequest("GET", "/panic", nil))
	if panicked != http.ErrAbortHandler {
		t.Fatalf("panicked with %v, want the handler's own value", panicked)
	}
	s := only(t, rec)
	if s.Status().Code != codes.Error || s.Name() != "GET /panic" || len(s.Events()) != 1 {
		t.Fatalf("span %q status %v events %v", s.Name(), s.Status(), s.Events())
	}
}

func TestPanicRecoveredByGinIsRecorded(t *testing.T) {
	rec := setup(t)
	routes := func(engine *gin.Engine) {
		// What gin.Recovery() does, with defaultHandleRecovery's enter hook
		// as its trampoline calls it.
		engine.Use(gin.CustomRecovery(func(c *gin.Context, err any) {
			recoveryEnter(&c, &err)
			c.AbortWithStatus(500)
		}))
		engine.GET("/panic", func(c *gin.Context) { panic("boom") })
	}
	w, panicked := serve(routes, httptest.NewRequest("GET", "/panic", nil))
	if panicked != nil || w.Code != 500 {
		t.Fatalf("gin's recovery: panicked %v, status %d", panicked, w.Code)
	}
	s := only(t, rec)
	ev := s.Events()
	if s.Status().Code != codes.Error || len(ev) != 1 || ev[0].Name != "exception" {
		t.Fatalf("span status %v events %v", s.Status(), ev)
	}
}

func TestNoServerSpanNoWork(t *testing.T) {
	c, engine := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", "/", nil).WithContext(context.Background())
	if st, _ := handleEnter(&engine, &c); st != nil {
		t.Fatal("handleEnter wants an exit call without a server span")
	}
}
