// Package backend is what both sample services share: configuration from the
// environment, the database, Redis, and the four loggers.
//
//	DB_DSN            mysql://user:pass@tcp(host:port)/db (go-sql-driver/mysql, MySQL or MariaDB),
//	                  or sqlite://path; default: an in-memory SQLite database (modernc.org/sqlite)
//	REDIS_ADDR        host:port of a Redis server; default: an in-process miniredis server
//	SAMPLE_FRAMEWORK  "nethttp" serves with net/http's ServeMux instead of gin (A) and echo (B)
//
// The database gets a table items(id, name) with one row (1, 'widget').
package backend

import (
	"database/sql"
	"fmt"
	"log"
	"log/slog"
	"os"
	"strings"

	"github.com/alicebob/miniredis/v2"
	_ "github.com/go-sql-driver/mysql"
	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	_ "modernc.org/sqlite"
)

// Framework is the value of SAMPLE_FRAMEWORK: "nethttp", or "" for gin/echo.
func Framework() string { return os.Getenv("SAMPLE_FRAMEWORK") }

// OpenDB opens the database DB_DSN names (see the package comment) and seeds it.
func OpenDB() (*sql.DB, error) {
	driver, dsn := "sqlite", "file:sample?mode=memory&cache=shared"
	if v := os.Getenv("DB_DSN"); v != "" {
		scheme, rest, ok := strings.Cut(v, "://")
		if !ok {
			return nil, fmt.Errorf("DB_DSN %q: want mysql://… or sqlite://…", v)
		}
		switch scheme {
		case "mysql", "mariadb":
			driver, dsn = "mysql", rest
		case "sqlite":
			driver, dsn = "sqlite", rest
		default:
			return nil, fmt.Errorf("DB_DSN %q: unknown scheme %q", v, scheme)
		}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	if driver == "sqlite" {
		db.SetMaxOpenConns(1) // one connection keeps the in-memory database alive
	}
	for _, stmt := range []string{
		"CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL)",
		"DELETE FROM items WHERE id = 1",
		"INSERT INTO items (id, name) VALUES (1, 'widget')",
	} {
		if _, err := db.Exec(stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("seed the database: %w", err)
		}
	}
	return db, nil
}

// RedisAddr returns REDIS_ADDR or, when it is unset, the address of an
// in-process Redis-protocol server (miniredis) and a function that stops it.
func RedisAddr() (addr string, stop func(), err error) {
	if v := os.Getenv("REDIS_ADDR"); v != "" {
		return v, func() {}, nil
	}
	m, err := miniredis.Run()
	if err != nil {
		return "", nil, err
	}
	return m.Addr(), m.Close, nil
}

// Logs writes every message with the five loggers a Go service may use: the
// standard logger (stderr, text), log/slog (stdout, JSON), logrus (stdout,
// text), zap (stdout, JSON) and zerolog (stdout, JSON). Each record names its
// logger in a "logger" field (or, for the standard logger, "logger=log" in
// the text).
type Logs struct {
	slog    *slog.Logger
	logrus  *logrus.Logger
	zap     *zap.Logger
	zerolog zerolog.Logger
}

// NewLogs returns the loggers of one service.
func NewLogs(service string) *Logs {
	lr := logrus.New()
	lr.Out = os.Stdout
	lr.Formatter = &logrus.TextFormatter{DisableColors: true}
	enc := zap.NewProductionEncoderConfig()
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.Lock(os.Stdout), zapcore.InfoLevel)
	log.SetPrefix(service + " ")
	return &Logs{
		slog:    slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", service),
		logrus:  lr,
		zap:     zap.New(core).With(zap.String("service", service)),
		zerolog: zerolog.New(os.Stdout).With().Str("service", service).Logger(),
	}
}

// Info writes msg with every logger.
func (l *Logs) Info(msg string) {
	log.Printf("%s logger=log", msg)
	l.slog.Info(msg, "logger", "slog")
	l.logrus.WithField("logger", "logrus").Info(msg)
	l.zap.Info(msg, zap.String("logger", "zap"))
	l.zerolog.Info().Str("logger", "zerolog").Msg(msg)
}
