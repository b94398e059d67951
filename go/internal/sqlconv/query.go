// Package sqlconv maps SQL query text onto the semantic conventions for
// database client spans, for every SQL hook package (autotel.dev/go/hooks/
// databasesql, …/pgx): db.query.text sanitized (literals become "?", unless
// OTEL_GO_DB_QUERY_SANITIZE=false), db.query.summary (the span name,
// summary.go), db.operation.name and db.collection.name when the query has
// one operation (and one table). It knows nothing about any client library.
// Attach mode computes the same by the same rules (crates/attach/src/sql.rs);
// testdata/semantics/sql.json holds both to them.
package sqlconv

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"autotel.dev/go/api"
)

// EnvQuerySanitize turns query sanitizing off when "false": db.query.text is
// then the query as the application wrote it (literals included).
const EnvQuerySanitize = "OTEL_GO_DB_QUERY_SANITIZE"

var sanitizeQueries = func() bool {
	v, err := strconv.ParseBool(strings.TrimSpace(os.Getenv(EnvQuerySanitize)))
	return err != nil || v
}()

// Sanitizing reports whether query texts are sanitized (EnvQuerySanitize is
// not "false"); the other database hooks' texts (autotel.dev/go/internal/
// mongoconv) follow the same switch.
func Sanitizing() bool { return sanitizeQueries }

// maxQueryText bounds db.query.text.
const maxQueryText = 4096

// Facts is what the hooks learn from a query's text.
type Facts struct {
	Text       string // db.query.text, sanitized unless disabled, valid UTF-8
	Summary    string // db.query.summary, "" when the text names no operation
	Operation  string // db.operation.name: the one operation, "" for none or several
	Collection string // db.collection.name: the one table of that operation, else ""
}

// queryCache keeps the facts of the texts seen (a program runs the same few
// again and again, and reading one costs microseconds): at most
// maxCachedQueries texts of at most maxCachedLen bytes, never evicted.
var (
	queryCache    sync.Map // cacheKey → Facts
	cachedQueries atomic.Int32
)

const (
	maxCachedQueries = 512
	maxCachedLen     = 1024
)

type cacheKey struct {
	query    string
	sanitize bool
}

// Read returns the facts of a query's text (cached for the texts seen most).
func Read(query string) Facts {
	key := cacheKey{query, sanitizeQueries}
	if f, ok := queryCache.Load(key); ok {
		return f.(Facts)
	}
	f := readQueryText(query)
	if len(query) <= maxCachedLen && cachedQueries.Add(1) <= maxCachedQueries {
		queryCache.Store(key, f)
	}
	return f
}

func readQueryText(query string) Facts {
	f := Facts{Text: query}
	if sanitizeQueries {
		f.Text = sanitize(query)
	}
	f.Text = api.TruncateText(f.Text, maxQueryText)
	s := summarize(query)
	f.Summary, f.Operation, f.Collection = api.ValidText(s.summary), api.ValidText(s.operation), api.ValidText(s.collection)
	return f
}

// sanitize replaces string literals ('…', with ” and \' escapes; X'…',
// B'…', N'…', E'…'), numbers (not part of an identifier, hex included) and
// PostgreSQL dollar-quoted strings by "?". Comments, identifiers, placeholders
// ($1, ?, ?2, :name, @p1) and double-quoted or backquoted identifiers are kept.
func sanitize(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'':
			b.WriteByte('?')
			i = skipString(q, i)
		case isLiteralPrefix(q, i):
			b.WriteByte('?')
			i = skipString(q, i+1)
		case c == '"' || c == '`':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+2])
			i += j + 2
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+4])
			i += j + 4
		case c == '$' && i+1 < len(q) && (q[i+1] == '$' || isIdentStart(q[i+1])):
			// $tag$…$tag$ (dollar quoting); $1 placeholders are numbers after $.
			end := strings.IndexByte(q[i+1:], '$')
			tag := ""
			if end >= 0 {
				tag = q[i : i+end+2]
			}
			if end >= 0 && isTag(tag[1:len(tag)-1]) {
				k := strings.Index(q[i+len(tag):], tag)
				if k >= 0 {
					b.WriteByte('?')
					i += len(tag) + k + len(tag)
					continue
				}
			}
			b.WriteByte(c)
			i++
		case c == '$' || c == ':' || c == '@' || c == '?':
			// Placeholders: copy the sigil and the name or number after it.
			j := i + 1
			for j < len(q) && isIdentPart(q[j]) {
				j++
			}
			b.WriteString(q[i:j])
			i = j
		case isDigit(c) || (c == '.' && i+1 < len(q) && isDigit(q[i+1])):
			j := i
			if c == '0' && i+1 < len(q) && (q[i+1] == 'x' || q[i+1] == 'X') {
				j += 2
				for j < len(q) && isHex(q[j]) {
					j++
				}
			} else {
				for j < len(q) && (isDigit(q[j]) || q[j] == '.') {
					j++
				}
				if j < len(q) && (q[j] == 'e' || q[j] == 'E') {
					k := j + 1
					if k < len(q) && (q[k] == '+' || q[k] == '-') {
						k++
					}
					if k < len(q) && isDigit(q[k]) {
						j = k
						for j < len(q) && isDigit(q[j]) {
							j++
						}
					}
				}
			}
			b.WriteByte('?')
			i = j
		case isIdentStart(c):
			j := i
			for j < len(q) && isIdentPart(q[j]) {
				j++
			}
			b.WriteString(q[i:j])
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') }
func isIdentStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c >= 0x80
}
func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }

func isTag(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isIdentPart(s[i]) || s[i] == '$' {
			return false
		}
	}
	return true
}

// skipString returns the index just past the '…' literal that starts at i:
// a doubled quote and a backslash escape (as MySQL reads it) do not end it,
// and an unterminated one runs to the end.
func skipString(q string, i int) int {
	j := i + 1
	for j < len(q) {
		switch {
		case q[j] == '\\' && j+1 < len(q):
			j += 2
		case q[j] == '\'' && j+1 < len(q) && q[j+1] == '\'':
			j += 2
		case q[j] == '\'':
			return j + 1
		default:
			j++
		}
	}
	return len(q)
}

// isLiteralPrefix reports whether q[i] starts a prefixed string literal:
// X'ff', B'01', N'text' or E'text', the letter not ending an identifier.
func isLiteralPrefix(q string, i int) bool {
	return strings.IndexByte("xXbBnNeE", q[i]) >= 0 && i+1 < len(q) && q[i+1] == '\'' &&
		(i == 0 || !isIdentPart(q[i-1]))
}
