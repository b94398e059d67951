module example.com/routers

go 1.25.0

require (
	github.com/go-chi/chi/v5 v5.0.0
	github.com/gorilla/mux v1.7.0
	github.com/labstack/echo/v5 v5.3.1
)
