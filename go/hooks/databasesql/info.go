package databasesql

import (
	"database/sql"
	"database/sql/driver"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"autotel.dev/go/internal/dbpool"
	sc "autotel.dev/go/internal/semconv/keys"
	"go.opentelemetry.io/otel/attribute"
)

// dbInfo is what the hooks learn once per DB: from its driver and connector,
// never from a connection.
type dbInfo struct {
	db       *sql.DB
	system   string
	address  string
	port     int
	poolName string
	pool     attribute.Set // poolName, for the wait time
	attrs    []attribute.KeyValue // db.system.name, server.address, server.port
}

// infos caches dbInfo for DBs when the field added to DB is not available
// (unit tests).
var infos sync.Map // *sql.DB → *dbInfo

// infoOf returns db's info, computing it on first use.
func infoOf(db *sql.DB) *dbInfo {
	if db == nil {
		return &dbInfo{system: "other_sql", attrs: []attribute.KeyValue{sc.DBSystemNameOtherSQL}}
	}
	var slot *unsafe.Pointer
	if a := accessors; a != nil && a.info != nil {
		slot = a.info(db)
		if p := atomic.LoadPointer(slot); p != nil {
			return (*dbInfo)(p)
		}
	} else if v, ok := infos.Load(db); ok {
		return v.(*dbInfo)
	}
	info := newInfo(db)
	if slot != nil {
		if !atomic.CompareAndSwapPointer(slot, nil, unsafe.Pointer(info)) {
			return (*dbInfo)(atomic.LoadPointer(slot))
		}
	} else if v, loaded := infos.LoadOrStore(db, info); loaded {
		return v.(*dbInfo)
	}
	pools.Add(db, info.poolName, func() dbpool.Stats {
		s := db.Stats()
		return dbpool.Stats{Idle: int64(s.Idle), Used: int64(s.InUse), Max: int64(s.MaxOpenConnections)}
	})
	metrics.Get() // registers the pool metrics' callbacks
	return info
}

func newInfo(db *sql.DB) *dbInfo {
	info := &dbInfo{db: db, system: systemOf(db.Driver())}
	var connector driver.Connector
	var dsn string
	if a := accessors; a != nil && a.connector != nil {
		connector, dsn = a.connector(db)
	}
	if info.system != "sqlite" {
		if dsn == "" && connector != nil {
			info.address, info.port = addressOfConnector(connector)
		}
		if info.address == "" && dsn != "" {
			info.address, info.port = addressOfDSN(dsn)
		}
		if info.address == "" && connector != nil {
			if s := stringField(reflect.ValueOf(connector), "name", "dsn"); s != "" {
				info.address, info.port = addressOfDSN(s) // pgx stdlib keeps the DSN
			}
		}
	}
	name := info.system
	if info.address != "" {
		name = net.JoinHostPort(info.address, strconv.Itoa(info.port))
	}
	info.poolName = pools.Name(name)
	info.pool = dbpool.PoolAttributes(info.poolName)
	info.attrs = append(info.attrs, sc.DBSystemNameKey.String(info.system))
	if info.address != "" {
		info.attrs = append(info.attrs, sc.ServerAddressKey.String(info.address))
		if info.port > 0 {
			info.attrs = append(info.attrs, sc.ServerPortKey.Int(info.port))
		}
	}
	return info
}

// drivers maps a driver's package path (prefix) to db.system.name; attach
// mode's table (crates/attach/src/spans.rs) matches module paths with the same
// entries, both checked by testdata/semantics/sql.json.
var drivers = []struct{ pkg, system string }{
	{"github.com/go-sql-driver/mysql", "mysql"},
	{"github.com/ziutek/mymysql", "mysql"},
	{"github.com/lib/pq", "postgresql"},
	{"github.com/jackc/pgx", "postgresql"},
	{"modernc.org/sqlite", "sqlite"},
	{"github.com/mattn/go-sqlite3", "sqlite"},
	{"github.com/glebarez/go-sqlite", "sqlite"},
	{"github.com/ncruces/go-sqlite3", "sqlite"},
	{"zombiezen.com/go/sqlite", "sqlite"},
	{"github.com/microsoft/go-mssqldb", "microsoft.sql_server"},
	{"github.com/denisenkom/go-mssqldb", "microsoft.sql_server"},
	{"github.com/sijms/go-ora", "oracle.db"},
	{"github.com/godror/godror", "oracle.db"},
	{"github.com/ClickHouse/clickhouse-go", "clickhouse"},
	{"github.com/snowflakedb/gosnowflake", "snowflake"},
	{"github.com/trinodb/trino-go-client", "trino"},
}

// systemOf returns db.system.name for a driver, from its type's package.
func systemOf(d driver.Driver) string {
	if d == nil {
		return "other_sql"
	}
	t := reflect.TypeOf(d)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return systemOfPackage(t.PkgPath())
}

// systemOfPackage returns db.system.name for a driver's package path.
func systemOfPackage(pkg string) string {
	for _, e := range drivers {
		if pkg == e.pkg || strings.HasPrefix(pkg, e.pkg+"/") {
			return e.system
		}
	}
	return "other_sql"
}

// addressOfConnector reads a server address from what common connectors
// keep: go-sql-driver/mysql's cfg *Config (Addr, Net), lib/pq's opts map
// (host, port). Reflection on unexported fields only reads.
func addressOfConnector(c driver.Connector) (string, int) {
	v := reflect.ValueOf(c)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "", 0
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return "", 0
	}
	if cfg := v.FieldByName("cfg"); cfg.IsValid() {
		for cfg.Kind() == reflect.Pointer {
			if cfg.IsNil() {
				return "", 0
			}
			cfg = cfg.Elem()
		}
		if cfg.Kind() == reflect.Struct {
			network, addr := cfg.FieldByName("Net"), cfg.FieldByName("Addr")
			if addr.IsValid() && addr.Kind() == reflect.String {
				if network.IsValid() && network.Kind() == reflect.String && network.String() == "unix" {
					return "", 0 // a socket path is not server.address
				}
				return splitAddress(addr.String(), 3306)
			}
		}
	}
	if opts := v.FieldByName("opts"); opts.IsValid() && opts.Kind() == reflect.Map && opts.Type().Key().Kind() == reflect.String {
		host := opts.MapIndex(reflect.ValueOf("host"))
		if host.IsValid() && host.Kind() == reflect.String && host.String() != "" && !strings.HasPrefix(host.String(), "/") {
			port := 5432
			if p := opts.MapIndex(reflect.ValueOf("port")); p.IsValid() && p.Kind() == reflect.String {
				if n, err := strconv.Atoi(p.String()); err == nil {
					port = n
				}
			}
			return host.String(), port
		}
	}
	return "", 0
}

func stringField(v reflect.Value, names ...string) string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	for _, n := range names {
		if f := v.FieldByName(n); f.IsValid() && f.Kind() == reflect.String {
			return f.String()
		}
	}
	return ""
}

// addressOfDSN reads host and port from the DSN forms of the common drivers:
// URLs (postgres://u:p@host:5432/db, mysql://…), go-sql-driver/mysql's
// user:pass@tcp(host:3306)/db, and key=value lists (host=… port=…).
func addressOfDSN(dsn string) (string, int) {
	if i := strings.Index(dsn, "@tcp("); i >= 0 {
		rest := dsn[i+len("@tcp("):]
		if j := strings.IndexByte(rest, ')'); j >= 0 {
			return splitAddress(rest[:j], 3306)
		}
	}
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil || u.Hostname() == "" {
			return "", 0
		}
		port := defaultPort(u.Scheme)
		if p, err := strconv.Atoi(u.Port()); err == nil {
			port = p
		}
		return u.Hostname(), port
	}
	var host string
	port := 5432
	for _, kv := range strings.Fields(dsn) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, "'")
		switch k {
		case "host":
			host = v
		case "port":
			if n, err := strconv.Atoi(v); err == nil {
				port = n
			}
		}
	}
	if host == "" || strings.HasPrefix(host, "/") {
		return "", 0
	}
	return host, port
}

func defaultPort(scheme string) int {
	switch scheme {
	case "postgres", "postgresql":
		return 5432
	case "mysql":
		return 3306
	case "sqlserver":
		return 1433
	}
	return 0
}

func splitAddress(addr string, defPort int) (string, int) {
	if addr == "" {
		return "", 0
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return strings.Trim(addr, "[]"), defPort
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		n = defPort
	}
	return host, n
}
