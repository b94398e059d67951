package databasesql

import (
	"context"
	"database/sql/driver"
	"testing"
)

func TestAddressOfDSN(t *testing.T) {
	for _, tt := range []struct {
		dsn  string
		host string
		port int
	}{
		{"user:pw@tcp(db.internal:3307)/app?parseTime=true", "db.internal", 3307},
		{"user:pw@tcp(10.0.0.1)/app", "10.0.0.1", 3306},
		{"postgres://u:p@pg.example:6543/db?sslmode=disable", "pg.example", 6543},
		{"postgresql://pg.example/db", "pg.example", 5432},
		{"host=pg1 port=5433 user=x dbname=y", "pg1", 5433},
		{"host=/var/run/postgresql user=x", "", 0},
		{"file:test.db?cache=shared", "", 0},
		{"user@unix(/tmp/mysql.sock)/db", "", 0},
	} {
		h, p := addressOfDSN(tt.dsn)
		if h != tt.host || p != tt.port {
			t.Errorf("%q: got %q:%d, want %q:%d", tt.dsn, h, p, tt.host, tt.port)
		}
	}
}

// Look-alikes of the connectors that addressOfConnector reads (field names and
// types as in go-sql-driver/mysql, lib/pq and pgx/v5/stdlib's OpenDB, whose
// connector embeds pgx.ConnConfig, which embeds pgconn.Config).
type mysqlConfig struct{ Net, Addr string }
type mysqlConnector struct{ cfg *mysqlConfig }
type pqConnector struct{ opts map[string]string }
type pgconnConfig struct {
	Host string
	Port uint16
}
type pgxConnConfig struct{ pgconnConfig }
type pgxConnector struct{ ConnConfig pgxConnConfig }

func (mysqlConnector) Connect(context.Context) (driver.Conn, error) { return nil, nil }
func (mysqlConnector) Driver() driver.Driver                        { return nil }
func (*pqConnector) Connect(context.Context) (driver.Conn, error)   { return nil, nil }
func (*pqConnector) Driver() driver.Driver                          { return nil }
func (pgxConnector) Connect(context.Context) (driver.Conn, error)   { return nil, nil }
func (pgxConnector) Driver() driver.Driver                          { return nil }

func TestAddressOfConnector(t *testing.T) {
	for _, tt := range []struct {
		c    driver.Connector
		host string
		port int
	}{
		{&mysqlConnector{cfg: &mysqlConfig{Net: "tcp", Addr: "mariadb.local:3310"}}, "mariadb.local", 3310},
		{&mysqlConnector{cfg: &mysqlConfig{Net: "unix", Addr: "/tmp/mysql.sock"}}, "", 0},
		{&mysqlConnector{}, "", 0},
		{&pqConnector{opts: map[string]string{"host": "pg", "port": "5444"}}, "pg", 5444},
		{&pqConnector{opts: map[string]string{"host": "/run/pg"}}, "", 0},
		{pgxConnector{ConnConfig: pgxConnConfig{pgconnConfig{Host: "127.0.0.1", Port: 5433}}}, "127.0.0.1", 5433},
		{pgxConnector{ConnConfig: pgxConnConfig{pgconnConfig{Host: "/var/run/postgresql", Port: 5432}}}, "", 0},
	} {
		h, p := addressOfConnector(tt.c)
		if h != tt.host || p != tt.port {
			t.Errorf("%#v: got %q:%d, want %q:%d", tt.c, h, p, tt.host, tt.port)
		}
	}
}
