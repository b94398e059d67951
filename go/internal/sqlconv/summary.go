package sqlconv

// This file owns db.query.summary and the db.operation.name and
// db.collection.name taken from a query's text. Attach mode computes the same
// from the same rules (crates/attach/src/sql.rs); both are checked against
// testdata/semantics/sql.json.
//
// The summary follows the database conventions ("Generating a summary of
// the query"): the operations and their targets in the order the query gives
// them, "{operation} {target} {operation} {target} …", keywords upper case,
// names as written (quotes kept), at most 255 bytes, cut between parts. The
// conventions ask SQL instrumentations not to take db.operation.name and
// db.collection.name from the text because a query can hold several; autotel
// sets them only when it holds exactly one operation (and, for the
// collection, exactly one table of it), where they cannot mislead.

import (
	"slices"
	"strings"
)

// maxSummary bounds db.query.summary, as the conventions advise.
const maxSummary = 255

// querySummary is what summarize learns from a query's text.
type querySummary struct {
	summary    string // db.query.summary, "" when no operation is known
	operation  string // the only operation, else ""
	collection string // the only table of the only operation (unquoted), else ""
}

// sqlToken is one token of a query: a name (keyword or identifier, possibly
// qualified, quotes kept), a punctuation character, or a literal or
// placeholder (which the summary ignores).
type sqlToken struct {
	text  string
	kind  byte // 'n' name, 'p' punctuation, 'v' literal or placeholder
	upper string
}

// sqlTokens splits q into tokens, skipping white space and comments.
func sqlTokens(q string) []sqlToken {
	out := make([]sqlToken, 0, len(q)/6+4)
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
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
		case c == '\'':
			i = skipString(q, i)
			out = append(out, sqlToken{kind: 'v'})
		case isLiteralPrefix(q, i):
			i = skipString(q, i+1)
			out = append(out, sqlToken{kind: 'v'})
		case c == '$' && i+1 < len(q) && (q[i+1] == '$' || isIdentStart(q[i+1])) && dollarQuoteEnd(q, i) > 0:
			i = dollarQuoteEnd(q, i)
			out = append(out, sqlToken{kind: 'v'})
		case c == '$' || c == '?' || c == ':' || c == '@' || isDigit(c) || (c == '.' && i+1 < len(q) && isDigit(q[i+1])):
			j := i + 1
			for j < len(q) && (isIdentPart(q[j]) || q[j] == '.') {
				j++
			}
			i = j
			out = append(out, sqlToken{kind: 'v'})
		case isIdentStart(c) || c == '"' || c == '`' || (c == '[' && (i == 0 || !isIdentPart(q[i-1]) && q[i-1] != ')' && q[i-1] != ']')):
			j := nameEnd(q, i)
			name := q[i:j]
			out = append(out, sqlToken{text: name, kind: 'n', upper: asciiUpper(name)})
			i = j
		default:
			out = append(out, sqlToken{text: q[i : i+1], kind: 'p', upper: q[i : i+1]})
			i++
		}
	}
	return out
}

// nameEnd returns the end of the name starting at i: identifiers and quoted
// identifiers ("…", `…`, […]) joined by dots (schema.table, `db`.`t`).
func nameEnd(q string, i int) int {
	for {
		switch c := q[i]; {
		case c == '"' || c == '`' || c == '[':
			closing := c
			if c == '[' {
				closing = ']'
			}
			k := strings.IndexByte(q[i+1:], closing)
			if k < 0 {
				return len(q)
			}
			i += k + 2
		default:
			for i < len(q) && isIdentPart(q[i]) {
				i++
			}
		}
		if i+1 < len(q) && q[i] == '.' && (isIdentStart(q[i+1]) || strings.IndexByte("\"`[", q[i+1]) >= 0) {
			i++
			continue
		}
		return i
	}
}

// dollarQuoteEnd returns the end of the $tag$…$tag$ string at i, or 0.
func dollarQuoteEnd(q string, i int) int {
	end := strings.IndexByte(q[i+1:], '$')
	if end < 0 || !isTag(q[i+1:i+1+end]) {
		return 0
	}
	tag := q[i : i+end+2]
	k := strings.Index(q[i+len(tag):], tag)
	if k < 0 {
		return 0
	}
	return i + len(tag) + k + len(tag)
}

// statementKeywords are the first words of statements that have no target the
// summary names (their operation alone).
var statementKeywords = map[string]bool{
	"BEGIN": true, "START": true, "COMMIT": true, "ROLLBACK": true, "SAVEPOINT": true, "RELEASE": true,
	"SET": true, "SHOW": true, "USE": true, "PRAGMA": true, "VACUUM": true, "ANALYZE": true,
	"GRANT": true, "REVOKE": true, "LOCK": true, "UNLOCK": true, "DESCRIBE": true, "DESC": true,
}

// ddlKeywords start statements on a schema object; ddlObjects are the objects
// whose kind joins the operation ("CREATE TABLE"), tableObjects those whose
// name is a collection.
var (
	ddlKeywords  = map[string]bool{"CREATE": true, "DROP": true, "ALTER": true, "TRUNCATE": true}
	ddlObjects   = map[string]bool{"TABLE": true, "INDEX": true, "VIEW": true, "SEQUENCE": true, "SCHEMA": true, "DATABASE": true, "TRIGGER": true, "FUNCTION": true, "PROCEDURE": true, "TYPE": true, "EXTENSION": true}
	tableObjects = map[string]bool{"TABLE": true, "VIEW": true}
	// skippedWords come between an operation and its target.
	skippedWords = map[string]bool{
		"INTO": true, "IGNORE": true, "OR": true, "REPLACE": true, "ABORT": true, "FAIL": true, "LOW_PRIORITY": true,
		"DELAYED": true, "HIGH_PRIORITY": true, "QUICK": true, "ONLY": true, "LATERAL": true, "IF": true, "NOT": true,
		"EXISTS": true, "TEMP": true, "TEMPORARY": true, "UNIQUE": true, "UNLOGGED": true, "GLOBAL": true,
		"LOCAL": true, "MATERIALIZED": true, "VIRTUAL": true, "EXTERNAL": true, "CONCURRENTLY": true,
	}
	// clauseWords end a table list; any other name right after a table is its alias.
	clauseWords = map[string]bool{
		"WHERE": true, "JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true, "FULL": true, "OUTER": true,
		"CROSS": true, "NATURAL": true, "STRAIGHT_JOIN": true, "ON": true, "USING": true, "GROUP": true,
		"ORDER": true, "LIMIT": true, "OFFSET": true, "HAVING": true, "UNION": true, "EXCEPT": true,
		"INTERSECT": true, "SET": true, "VALUES": true, "VALUE": true, "SELECT": true, "RETURNING": true,
		"FOR": true, "WINDOW": true, "FETCH": true, "DEFAULT": true, "AS": true, "USE": true, "FORCE": true,
		"IGNORE": true, "PARTITION": true, "WITH": true, "OUTPUT": true, "FROM": true, "INTO": true,
		"WHEN": true, "TABLESAMPLE": true,
	}
	// listEnds close an open table list: after them a comma separates
	// something else (ORDER BY a DESC, b).
	listEnds = map[string]bool{
		"WHERE": true, "GROUP": true, "ORDER": true, "HAVING": true, "LIMIT": true, "OFFSET": true,
		"WINDOW": true, "FETCH": true, "FOR": true, "RETURNING": true, "SET": true, "VALUES": true,
		"VALUE": true, "UNION": true, "EXCEPT": true, "INTERSECT": true,
	}
)

// summarize reads a query's operations and targets.
func summarize(q string) querySummary {
	toks := sqlTokens(q)
	var (
		parts      []string
		ops        int
		tables     []string // targets that are tables, unquoted
		targets    int
		opAt       []int // depths where an operation started (a handful: a slice is a set)
		depth      int
		expect     bool     // the next name is a target
		expectAt   int      // depth of the table list expect belongs to (-1: a single target)
		isTable    bool     // that target is a table
		listAt     = -1     // depth of the open table list, -1 for none
		afterName  bool     // the previous token was a target (an alias may follow)
		ctes       []string // names of the WITH clause's tables
		withAt     = -1     // depth of an open WITH list, -1 for none
		skipToEnd  bool     // the rest of the statement names nothing
		stmtStart  = true
		prevUpper  string
		ddlPending string // DDL keyword waiting for its object kind
	)
	addOp := func(op string) {
		parts = append(parts, op)
		ops++
		if !slices.Contains(opAt, depth) {
			opAt = append(opAt, depth)
		}
	}
	addTarget := func(t sqlToken, table bool) {
		if slices.Contains(ctes, t.upper) {
			return
		}
		parts = append(parts, t.text)
		targets++
		if table {
			tables = append(tables, unquote(t.text))
		}
	}
	for _, t := range toks {
		start := stmtStart
		stmtStart = false
		prev := prevUpper
		prevUpper = t.upper
		if t.kind == 'p' {
			afterName = afterName && t.text == ","
			switch t.text {
			case "(":
				depth++
				expect = false
				stmtStart = true
			case ")":
				if k := slices.Index(opAt, depth); k >= 0 {
					opAt = slices.Delete(opAt, k, k+1)
				}
				depth--
				if listAt > depth {
					listAt = -1
				}
			case ",":
				if listAt == depth {
					expect, expectAt, isTable = true, depth, true
				}
			case ";":
				depth, listAt, withAt, expect, skipToEnd, ddlPending = 0, -1, -1, false, false, ""
				opAt = opAt[:0]
				stmtStart = true
			}
			continue
		}
		if t.kind != 'n' || skipToEnd {
			afterName = false
			continue
		}
		if ddlPending != "" {
			if ddlObjects[t.upper] {
				addOp(ddlPending + " " + t.upper)
				ddlPending = ""
				expect, expectAt, isTable = true, -1, tableObjects[t.upper]
				continue
			}
			if !skippedWords[t.upper] {
				addOp(ddlPending)
				ddlPending = ""
				expect, expectAt, isTable = true, -1, prev == "TRUNCATE"
			} else {
				continue
			}
		}
		switch {
		case withAt >= 0 && depth == withAt && (prev == "WITH" || prev == "RECURSIVE" || prev == ","):
			if t.upper != "RECURSIVE" {
				ctes = append(ctes, t.upper)
			}
			continue
		case expect && skippedWords[t.upper]:
			continue
		case expect && (strings.IndexByte("\"`[", t.text[0]) >= 0 || !clauseWords[t.upper]):
			addTarget(t, isTable)
			expect = false
			afterName = expectAt >= 0
			if expectAt >= 0 {
				listAt = expectAt
			}
			continue
		case afterName && t.upper == "AS":
			continue
		case afterName && !clauseWords[t.upper]:
			afterName = false // an alias
			continue
		}
		afterName, expect = false, false
		if listAt == depth && listEnds[t.upper] {
			listAt = -1
		}
		switch t.upper {
		case "SELECT":
			addOp("SELECT")
			if withAt == depth {
				withAt = -1
			}
		case "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE":
			// Not FOR UPDATE (a lock), ON DUPLICATE KEY UPDATE, DO UPDATE,
			// ON UPDATE/DELETE (a foreign key's action), MERGE's THEN ….
			if (t.upper == "UPDATE" && (prev == "FOR" || prev == "KEY" || prev == "DO" || prev == "ON")) ||
				(t.upper == "DELETE" && prev == "ON") || prev == "THEN" ||
				((t.upper == "MERGE" || t.upper == "REPLACE") && !start) {
				continue
			}
			addOp(t.upper)
			if withAt == depth {
				withAt = -1
			}
			if t.upper != "DELETE" {
				expect, expectAt, isTable = true, -1, true
			}
		case "FROM", "JOIN", "STRAIGHT_JOIN", "USING":
			// A table list, where an operation started at this depth (not
			// EXTRACT(… FROM …)).
			expect, expectAt, isTable = slices.Contains(opAt, depth), depth, true
		case "WITH":
			if start {
				withAt = depth
			}
		case "CALL", "EXEC", "EXECUTE":
			if start {
				addOp(t.upper)
				expect, expectAt, isTable = true, -1, false
			}
		case "EXPLAIN":
			if start {
				addOp(t.upper)
				stmtStart = true
			}
		default:
			switch {
			case start && ddlKeywords[t.upper]:
				ddlPending = t.upper
			case start && depth == 0 && statementKeywords[t.upper]:
				addOp(t.upper)
				skipToEnd = true
			case start && depth == 0:
				skipToEnd = true // not a statement the summary knows
			}
		}
	}
	if ddlPending != "" {
		addOp(ddlPending)
	}
	var s querySummary
	for _, p := range parts {
		if len(s.summary)+1+len(p) > maxSummary {
			break
		}
		if s.summary != "" {
			s.summary += " "
		}
		s.summary += p
	}
	if ops == 1 {
		s.operation = parts[0]
		if targets == 1 && len(tables) == 1 {
			s.collection = tables[0]
		}
	}
	return s
}

// unquote removes the quotes of each part of a qualified name.
func unquote(name string) string {
	return quotes.Replace(name)
}

var quotes = strings.NewReplacer(`"`, "", "`", "", "[", "", "]", "")

// asciiUpper upper-cases ASCII letters only (keywords are ASCII), as attach
// mode does; it allocates only when there is a lower-case letter.
func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
