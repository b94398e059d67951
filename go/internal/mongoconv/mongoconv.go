// Package mongoconv maps MongoDB commands onto the semantic conventions for
// database client spans (db.system.name=mongodb), for every MongoDB hook
// package (autotel.dev/go/hooks/mongo for go.mongodb.org/mongo-driver v1,
// …/mongov2 for v2): the span name "{db.operation.name} {db.collection.name}"
// (or the command name alone), db.namespace, server.address/server.port from
// the driver's connection id, the sanitized db.query.text, error.type and
// db.response.status_code, and the spans between a command's started and
// finished events (Commands). It reads the command document as raw BSON and
// knows nothing about any driver's types.
//
// Sanitization: db.query.text is the command document written as JSON with
// every value replaced by "?", keys and structure kept
// (`{"find":"users","filter":{"name":?}}`); the collection the command names
// is kept, and the fields the driver adds to every command (lsid,
// $clusterTime, $db, txnNumber, …) are left out. OTEL_GO_DB_QUERY_SANITIZE=
// false keeps strings, numbers, booleans, ObjectIds and dates (other values
// stay "?"), as it does for the SQL hooks (sqlconv.Sanitizing). Security-sensitive commands (authentication, createUser, …),
// whose documents the driver already empties, get no text.
package mongoconv

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"autotel.dev/go/api"
	sc "autotel.dev/go/internal/semconv/keys"
	"autotel.dev/go/internal/sqlconv"
	"go.opentelemetry.io/otel/attribute"
)

// System is db.system.name of every MongoDB span.
const System = "mongodb"

// maxQueryText bounds db.query.text; longer texts are cut and end in "…".
const maxQueryText = 4096

// Command is one command as the driver's CommandStartedEvent describes it.
type Command struct {
	Name         string // CommandName: "find", "insert", …
	Database     string // DatabaseName: db.namespace
	Document     []byte // Command: the command document (raw BSON); empty when redacted
	ConnectionID string // ConnectionID: "host:port[-n]"
}

// driverFields are the fields the driver adds to commands: not the
// application's query, left out of db.query.text.
var driverFields = map[string]bool{
	"lsid": true, "$clusterTime": true, "$db": true, "txnNumber": true, "autocommit": true,
	"startTransaction": true, "$readPreference": true, "signature": true, "recoveryToken": true,
	"apiVersion": true, "apiStrict": true, "apiDeprecationErrors": true,
}

// Collection is db.collection.name of c: the first field's value when it is
// the command's own name and a string ({"find": "users", …}), the collection
// field of getMore; "" for commands on the database ({"aggregate": 1},
// "ping", "listCollections").
func Collection(c Command) string {
	doc := document(c.Document)
	if doc == nil {
		return ""
	}
	if strings.EqualFold(c.Name, "getMore") {
		s, _ := doc.lookupString("collection")
		return s
	}
	e, ok := doc.next()
	if !ok || !strings.EqualFold(e.key, c.Name) || e.typ != typeString {
		return ""
	}
	return api.ValidText(e.str())
}

// Describe returns the span name and the attributes of the span of c.
func Describe(c Command) (string, []attribute.KeyValue) {
	op := api.ValidText(c.Name)
	coll := Collection(c)
	attrs := make([]attribute.KeyValue, 0, 7)
	attrs = append(attrs, sc.DBSystemNameKey.String(System), sc.DBOperationName(op))
	name := op
	if coll != "" {
		attrs = append(attrs, sc.DBCollectionNameKey.String(coll))
		name = op + " " + coll
	}
	if c.Database != "" {
		attrs = append(attrs, sc.DBNamespace(api.ValidText(c.Database)))
	}
	if host, port := ServerOf(c.ConnectionID); host != "" {
		attrs = append(attrs, sc.ServerAddress(host))
		if port > 0 {
			attrs = append(attrs, sc.ServerPort(port))
		}
	}
	if text := QueryText(c.Document, sqlconv.Sanitizing()); text != "" {
		attrs = append(attrs, sc.DBQueryText(text))
	}
	return name, attrs
}

// ServerOf reads server.address and server.port from a driver connection id,
// "host:port[-n]" ("[host]:port[-n]" for IPv6); a unix socket path has no port.
func ServerOf(connectionID string) (string, int) {
	addr := connectionID
	if i := strings.LastIndex(addr, "[-"); i > 0 && strings.HasSuffix(addr, "]") {
		addr = addr[:i]
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return api.ValidText(addr), 0
	}
	p, _ := strconv.Atoi(port)
	return api.ValidText(host), p
}

// QueryText is db.query.text of a command document: JSON with its values as
// "?" when sanitize holds (see the package comment); "" for an empty or
// malformed document.
func QueryText(raw []byte, sanitize bool) string {
	doc := document(raw)
	if doc == nil {
		return ""
	}
	w := writer{sanitize: sanitize}
	w.b.WriteByte('{')
	first := true
	for i := 0; ; i++ {
		e, ok := doc.next()
		if !ok {
			break
		}
		if driverFields[e.key] {
			continue
		}
		if !first {
			w.b.WriteByte(',')
		}
		first = false
		w.key(e.key)
		if i == 0 && e.typ == typeString {
			w.quote(e.str()) // the collection the command names
		} else {
			w.value(e, 1)
		}
		if w.b.Len() > maxQueryText {
			return api.TruncateText(w.b.String(), maxQueryText)
		}
	}
	if doc.err {
		return ""
	}
	w.b.WriteByte('}')
	return api.TruncateText(w.b.String(), maxQueryText)
}

// maxDepth bounds how deep db.query.text follows nested documents.
const maxDepth = 32

type writer struct {
	b        strings.Builder
	sanitize bool
}

func (w *writer) key(k string) {
	w.quote(k)
	w.b.WriteByte(':')
}

func (w *writer) quote(s string) {
	w.b.WriteString(strconv.Quote(api.ValidText(s)))
}

func (w *writer) value(e element, depth int) {
	if e.typ == typeDocument || e.typ == typeArray {
		inner := document(e.val)
		if inner == nil || depth > maxDepth {
			w.b.WriteByte('?')
			return
		}
		open, close := byte('{'), byte('}')
		if e.typ == typeArray {
			open, close = '[', ']'
		}
		w.b.WriteByte(open)
		for i := 0; w.b.Len() <= maxQueryText; i++ {
			c, ok := inner.next()
			if !ok {
				break
			}
			if i > 0 {
				w.b.WriteByte(',')
			}
			if e.typ == typeDocument {
				w.key(c.key)
			}
			w.value(c, depth+1)
		}
		w.b.WriteByte(close)
		return
	}
	if w.sanitize {
		w.b.WriteByte('?')
		return
	}
	switch e.typ {
	case typeString:
		w.quote(e.str())
	case typeDouble:
		w.b.WriteString(strconv.FormatFloat(math.Float64frombits(binary.LittleEndian.Uint64(e.val)), 'g', -1, 64))
	case typeInt32:
		w.b.WriteString(strconv.FormatInt(int64(int32(binary.LittleEndian.Uint32(e.val))), 10))
	case typeInt64:
		w.b.WriteString(strconv.FormatInt(int64(binary.LittleEndian.Uint64(e.val)), 10))
	case typeBool:
		w.b.WriteString(strconv.FormatBool(e.val[0] != 0))
	case typeNull:
		w.b.WriteString("null")
	case typeObjectID:
		w.b.WriteString(`{"$oid":"` + hex.EncodeToString(e.val) + `"}`)
	case typeDateTime:
		ms := int64(binary.LittleEndian.Uint64(e.val))
		w.b.WriteString(`{"$date":"` + time.UnixMilli(ms).UTC().Format(time.RFC3339Nano) + `"}`)
	default:
		w.b.WriteByte('?')
	}
}
