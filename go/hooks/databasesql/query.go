package databasesql

import (
	"os"
	"strconv"
	"strings"

	"autotel.dev/go/api"
)

// EnvQuerySanitize turns query sanitizing off when "false": db.query.text is
// then the query as the application wrote it (literals included).
const EnvQuerySanitize = "OTEL_GO_DB_QUERY_SANITIZE"

var sanitizeQueries = func() bool {
	v, err := strconv.ParseBool(strings.TrimSpace(os.Getenv(EnvQuerySanitize)))
	return err != nil || v
}()

// maxQueryText bounds db.query.text.
const maxQueryText = 4096

// queryFacts is what the hooks learn from a query's text.
type queryFacts struct {
	text       string // db.query.text, sanitized unless disabled, valid UTF-8
	operation  string // db.operation.name, "" when unclear
	collection string // db.collection.name, "" when unclear
}

func readQuery(query string) queryFacts {
	f := queryFacts{text: query}
	if sanitizeQueries {
		f.text = sanitize(query)
	}
	f.text = api.TruncateText(f.text, maxQueryText)
	operation, collection := operationAndCollection(query)
	f.operation, f.collection = api.ValidText(operation), api.ValidText(collection)
	return f
}

// sanitize replaces string literals ('…', with ” and \' escapes), numbers
// (not part of an identifier, hex included) and PostgreSQL dollar-quoted
// strings by "?". Comments, identifiers, placeholders ($1, ?, :name) and
// double-quoted or backquoted identifiers are kept.
func sanitize(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'':
			j := i + 1
			for j < len(q) {
				if q[j] == '\\' && j+1 < len(q) {
					j += 2
					continue
				}
				if q[j] == '\'' {
					if j+1 < len(q) && q[j+1] == '\'' {
						j += 2
						continue
					}
					j++
					break
				}
				j++
			}
			b.WriteByte('?')
			i = j
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
		case c == '$' || c == ':' || c == '@':
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

// operationAndCollection returns the first keyword of the query (upper case)
// and, for SELECT/DELETE (FROM t), INSERT/REPLACE (INTO t) and UPDATE t, the
// table, when it is a single plain name (schema-qualified allowed, quotes
// removed). Anything less plain gives "".
func operationAndCollection(q string) (operation, collection string) {
	words := words(q, 8)
	if len(words) == 0 {
		return "", ""
	}
	operation = strings.ToUpper(words[0])
	if !isKeyword(operation) {
		return "", ""
	}
	var after string
	switch operation {
	case "SELECT", "DELETE":
		after = "FROM"
	case "INSERT", "REPLACE":
		after = "INTO"
	case "UPDATE":
		if len(words) > 1 {
			return operation, tableName(words[1])
		}
		return operation, ""
	default:
		return operation, ""
	}
	// SELECT: only a FROM that comes before anything complex; we scan the
	// whole query for the first FROM outside parentheses.
	return operation, tableAfter(q, after)
}

func isKeyword(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return false
		}
	}
	return w != ""
}

// words returns up to n leading words of q, skipping comments.
func words(q string, n int) []string {
	var out []string
	for i := 0; i < len(q) && len(out) < n; {
		c := q[i]
		switch {
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				return out
			}
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				return out
			}
			i += j + 4
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(':
			i++
		default:
			j := i
			for j < len(q) && !strings.ContainsRune(" \t\r\n(),;", rune(q[j])) {
				j++
			}
			if j == i {
				i++
				continue
			}
			out = append(out, q[i:j])
			i = j
		}
	}
	return out
}

// tableAfter finds keyword (FROM/INTO) at parenthesis depth 0 outside
// literals, and returns the table name after it when it is followed by
// nothing that makes it a list (a comma) or a subquery.
func tableAfter(q, keyword string) string {
	depth := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(q[i+1:], '\'')
			if j < 0 {
				return ""
			}
			i += j + 1
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && (c == keyword[0] || c == keyword[0]+'a'-'A') && i+len(keyword) <= len(q) &&
			strings.EqualFold(q[i:i+len(keyword)], keyword) &&
			(i == 0 || !isIdentPart(q[i-1])) &&
			(i+len(keyword) == len(q) || !isIdentPart(q[i+len(keyword)])):
			if strings.HasPrefix(strings.TrimLeft(q[i+len(keyword):], " \t\r\n"), "(") {
				return "" // a subquery
			}
			rest := words(q[i+len(keyword):], 2)
			if len(rest) == 0 {
				return ""
			}
			name := tableName(rest[0])
			tail := strings.TrimLeft(q[i+len(keyword):], " \t\r\n")
			tail = strings.TrimLeft(tail[min(len(rest[0]), len(tail)):], " \t\r\n")
			if strings.HasPrefix(tail, ",") {
				return "" // several tables
			}
			return name
		}
	}
	return ""
}

// tableName strips quotes from a (possibly qualified) name; "" when it is not
// a plain name.
func tableName(w string) string {
	w = strings.TrimRight(w, ";")
	if w == "" || w[0] == '(' {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c == '"' || c == '`' || c == '[' || c == ']':
		case c == '.' || isIdentPart(c):
			b.WriteByte(c)
		default:
			return ""
		}
	}
	return b.String()
}
