//! SQL text for database spans: literals replaced by `?` (design invariant 4), and the
//! `db.query.summary` (the span name), `db.operation.name` and `db.collection.name` read from
//! it. A small lexer, not a parser: it never fails, and when it is unsure it names less rather
//! than guess. Build mode computes the same by the same rules (`go/internal/sqlconv/query.go`
//! and `summary.go`); `testdata/semantics/sql.json` holds both to them.
//!
//! The summary follows the database conventions ("Generating a summary of the query"): the
//! operations and their targets in the order the query gives them, keywords upper case, names
//! as written (quotes kept), at most 255 bytes, cut between parts. The conventions ask SQL
//! instrumentations not to take `db.operation.name` and `db.collection.name` from the text,
//! because a query can hold several; they are set only when it holds exactly one operation
//! (and, for the collection, exactly one table of it), where they cannot mislead.

use std::collections::HashSet;

/// `query` with every string, number, hex and blob literal (and PostgreSQL `$tag$…$tag$` string)
/// replaced by `?`. Identifiers (including `"quoted"` and `` `quoted` `` ones), keywords,
/// placeholders and comments are kept. A literal cut off at the end (a truncated query) still
/// becomes `?`.
pub fn sanitize(query: &str) -> String {
    let b = query.as_bytes();
    let mut out = String::with_capacity(query.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' => {
                i = skip_quoted(b, i, b'\'');
                out.push('?');
            }
            // X'ab' / B'01' / N'text' / E'text'
            b'x' | b'X' | b'b' | b'B' | b'n' | b'N' | b'e' | b'E'
                if b.get(i + 1) == Some(&b'\'') && !prev_is_ident(b, i) =>
            {
                i = skip_quoted(b, i + 1, b'\'');
                out.push('?');
            }
            b'"' | b'`' => {
                let end = skip_quoted(b, i, c);
                out.push_str(&query[i..end]);
                i = end;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = query[i..].find('\n').map(|n| i + n).unwrap_or(b.len());
                out.push_str(&query[i..end]);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = query[i + 2..].find("*/").map(|n| i + 2 + n + 2).unwrap_or(b.len());
                out.push_str(&query[i..end]);
                i = end;
            }
            b'$' if dollar_quote_end(query, i).is_some() => {
                i = dollar_quote_end(query, i).unwrap_or(b.len());
                out.push('?');
            }
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) && !prev_is_ident(b, i) => {
                i = number_end(b, i);
                out.push('?');
            }
            b'0'..=b'9' if !prev_is_ident(b, i) && !prev_is_placeholder(b, i) => {
                i = number_end(b, i);
                out.push('?');
            }
            _ => {
                // Copy one whole UTF-8 character.
                let len = query[i..].chars().next().map(char::len_utf8).unwrap_or(1);
                out.push_str(&query[i..i + len]);
                i += len;
            }
        }
    }
    out
}

/// Index just past the quoted run starting at `start` (a doubled quote is an escape; so is a
/// backslash, as MySQL reads it).
fn skip_quoted(b: &[u8], start: usize, q: u8) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        if b[i] == b'\\' && q == b'\'' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    b.len()
}

fn prev_is_ident(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] >= 0x80)
}

/// `$1`, `:2`, `?3` placeholders keep their numbers.
fn prev_is_placeholder(b: &[u8], i: usize) -> bool {
    i > 0 && matches!(b[i - 1], b'$' | b':' | b'?')
}

/// Index just past the number at `i` (hex, decimals, an exponent).
fn number_end(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    if b[i] == b'0' && matches!(b.get(j), Some(b'x' | b'X')) {
        j += 1;
        while j < b.len() && b[j].is_ascii_hexdigit() {
            j += 1;
        }
        return j;
    }
    while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
        j += 1;
    }
    if j < b.len() && matches!(b[j], b'e' | b'E') {
        let mut k = j + 1;
        if k < b.len() && matches!(b[k], b'+' | b'-') {
            k += 1;
        }
        if k < b.len() && b[k].is_ascii_digit() {
            j = k;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
    }
    j
}

/// Index just past the `$tag$…$tag$` string starting at `i`, if one does.
fn dollar_quote_end(query: &str, i: usize) -> Option<usize> {
    let b = query.as_bytes();
    if !b.get(i + 1).is_some_and(|&c| c == b'$' || is_ident_start(c)) {
        return None;
    }
    let end = query[i + 1..].find('$')?;
    if !b[i + 1..i + 1 + end].iter().all(|&c| is_ident_start(c) || c.is_ascii_digit()) {
        return None;
    }
    let tag = &query[i..i + end + 2];
    let k = query[i + tag.len()..].find(tag)?;
    Some(i + 2 * tag.len() + k)
}

fn is_ident_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic() || c >= 0x80
}

fn is_ident_part(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == b'$'
}

/// What [`summarize`] reads from a query.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// `db.query.summary`; `None` when no operation is known.
    pub summary: Option<String>,
    /// The only operation, if there is one.
    pub operation: Option<String>,
    /// The only table of the only operation (unquoted), if there is one.
    pub collection: Option<String>,
}

/// `db.query.summary` bounded as the conventions advise.
const MAX_SUMMARY: usize = 255;

#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Name,
    Punct,
    /// A literal or a placeholder: the summary ignores it.
    Value,
}

struct Token<'a> {
    text: &'a str,
    kind: TokenKind,
    upper: String,
}

/// The tokens of a query, without white space and comments.
fn tokens(q: &str) -> Vec<Token<'_>> {
    let b = q.as_bytes();
    let mut out = Vec::new();
    let value = |out: &mut Vec<Token>| out.push(Token { text: "", kind: TokenKind::Value, upper: String::new() });
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let prefixed = matches!(c, b'x' | b'X' | b'b' | b'B' | b'n' | b'N' | b'e' | b'E')
            && b.get(i + 1) == Some(&b'\'')
            && !(i > 0 && is_ident_part(b[i - 1]));
        let bracket = c == b'[' && !(i > 0 && (is_ident_part(b[i - 1]) || matches!(b[i - 1], b')' | b']')));
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c) {
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            match q[i..].find('\n') {
                Some(n) => i += n,
                None => break,
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            match q[i + 2..].find("*/") {
                Some(n) => i += n + 4,
                None => break,
            }
        } else if c == b'\'' {
            i = skip_quoted(b, i, c);
            value(&mut out);
        } else if prefixed {
            i = skip_quoted(b, i + 1, b'\'');
            value(&mut out);
        } else if c == b'$' && dollar_quote_end(q, i).is_some() {
            i = dollar_quote_end(q, i).unwrap_or(b.len());
            value(&mut out);
        } else if matches!(c, b'$' | b'?' | b':' | b'@')
            || c.is_ascii_digit()
            || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i += 1;
            while i < b.len() && (is_ident_part(b[i]) || b[i] == b'.') {
                i += 1;
            }
            value(&mut out);
        } else if is_ident_start(c) || c == b'"' || c == b'`' || bracket {
            let end = name_end(b, i);
            let text = &q[i..end];
            out.push(Token { text, kind: TokenKind::Name, upper: text.to_ascii_uppercase() });
            i = end;
        } else {
            let len = q[i..].chars().next().map(char::len_utf8).unwrap_or(1);
            let text = &q[i..i + len];
            out.push(Token { text, kind: TokenKind::Punct, upper: text.to_owned() });
            i += len;
        }
    }
    out
}

/// End of the name starting at `i`: identifiers and quoted identifiers (`"…"`, `` `…` ``,
/// `[…]`) joined by dots (`schema.table`, `` `db`.`t` ``).
fn name_end(b: &[u8], mut i: usize) -> usize {
    loop {
        match b[i] {
            c @ (b'"' | b'`' | b'[') => {
                let closing = if c == b'[' { b']' } else { c };
                match b[i + 1..].iter().position(|&x| x == closing) {
                    Some(k) => i += k + 2,
                    None => return b.len(),
                }
            }
            _ => {
                while i < b.len() && is_ident_part(b[i]) {
                    i += 1;
                }
            }
        }
        if i + 1 < b.len() && b[i] == b'.' && (is_ident_start(b[i + 1]) || matches!(b[i + 1], b'"' | b'`' | b'[')) {
            i += 1;
            continue;
        }
        return i;
    }
}

/// First words of statements that have no target the summary names.
const STATEMENT_KEYWORDS: &[&str] = &[
    "BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "SHOW", "USE", "PRAGMA", "VACUUM", "ANALYZE",
    "GRANT", "REVOKE", "LOCK", "UNLOCK", "DESCRIBE", "DESC",
];
/// Statements on a schema object; the objects whose kind joins the operation (`CREATE TABLE`);
/// those whose name is a collection.
const DDL_KEYWORDS: &[&str] = &["CREATE", "DROP", "ALTER", "TRUNCATE"];
const DDL_OBJECTS: &[&str] = &[
    "TABLE", "INDEX", "VIEW", "SEQUENCE", "SCHEMA", "DATABASE", "TRIGGER", "FUNCTION", "PROCEDURE", "TYPE", "EXTENSION",
];
const TABLE_OBJECTS: &[&str] = &["TABLE", "VIEW"];
/// Words between an operation and its target.
const SKIPPED_WORDS: &[&str] = &[
    "INTO", "IGNORE", "OR", "REPLACE", "ABORT", "FAIL", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "QUICK", "ONLY",
    "LATERAL", "IF", "NOT", "EXISTS", "TEMP", "TEMPORARY", "UNIQUE", "UNLOGGED", "GLOBAL", "LOCAL", "MATERIALIZED",
    "VIRTUAL", "EXTERNAL", "CONCURRENTLY",
];
/// Words that end a table list; any other name right after a table is its alias.
const CLAUSE_WORDS: &[&str] = &[
    "WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "OUTER", "CROSS", "NATURAL", "STRAIGHT_JOIN", "ON", "USING",
    "GROUP", "ORDER", "LIMIT", "OFFSET", "HAVING", "UNION", "EXCEPT", "INTERSECT", "SET", "VALUES", "VALUE", "SELECT",
    "RETURNING", "FOR", "WINDOW", "FETCH", "DEFAULT", "AS", "USE", "FORCE", "IGNORE", "PARTITION", "WITH", "OUTPUT",
    "FROM", "INTO", "WHEN", "TABLESAMPLE",
];
/// Words that close an open table list: after them a comma separates something else
/// (`ORDER BY a DESC, b`).
const LIST_ENDS: &[&str] = &[
    "WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "WINDOW", "FETCH", "FOR", "RETURNING", "SET", "VALUES",
    "VALUE", "UNION", "EXCEPT", "INTERSECT",
];

/// The summary, operation and collection of a query (see the module's comment).
pub fn summarize(query: &str) -> Summary {
    let is = |list: &[&str], w: &str| list.contains(&w);
    let mut parts: Vec<String> = Vec::new();
    let (mut ops, mut targets) = (0usize, 0usize);
    let mut tables: Vec<String> = Vec::new();
    let mut op_at: HashSet<i32> = HashSet::new(); // depths where an operation started
    let mut depth: i32 = 0;
    let mut expect = false; // the next name is a target
    let mut expect_at: i32 = -1; // depth of the table list `expect` belongs to (-1: one target)
    let mut is_table = false; // that target is a table
    let mut list_at: i32 = -1; // depth of the open table list
    let mut after_name = false; // the previous token was a target (an alias may follow)
    let mut ctes: HashSet<String> = HashSet::new();
    let mut with_at: i32 = -1; // depth of an open WITH list
    let mut skip_to_end = false; // the rest of the statement names nothing
    let mut stmt_start = true;
    let mut prev_upper = String::new();
    let mut ddl_pending: Option<String> = None; // a DDL keyword waiting for its object kind
    for t in tokens(query) {
        let start = stmt_start;
        stmt_start = false;
        let prev = std::mem::replace(&mut prev_upper, t.upper.clone());
        macro_rules! add_op {
            ($op:expr) => {{
                parts.push($op);
                ops += 1;
                op_at.insert(depth);
            }};
        }
        if t.kind == TokenKind::Punct {
            after_name = after_name && t.text == ",";
            match t.text {
                "(" => {
                    depth += 1;
                    expect = false;
                    stmt_start = true;
                }
                ")" => {
                    op_at.remove(&depth);
                    depth -= 1;
                    if list_at > depth {
                        list_at = -1;
                    }
                }
                "," if list_at == depth => (expect, expect_at, is_table) = (true, depth, true),
                ";" => {
                    (depth, list_at, with_at, expect, skip_to_end, ddl_pending) = (0, -1, -1, false, false, None);
                    op_at.clear();
                    stmt_start = true;
                }
                _ => {}
            }
            continue;
        }
        if t.kind != TokenKind::Name || skip_to_end {
            after_name = false;
            continue;
        }
        if let Some(ddl) = ddl_pending.take() {
            if is(DDL_OBJECTS, &t.upper) {
                add_op!(format!("{ddl} {}", t.upper));
                (expect, expect_at, is_table) = (true, -1, is(TABLE_OBJECTS, &t.upper));
                continue;
            }
            if is(SKIPPED_WORDS, &t.upper) {
                ddl_pending = Some(ddl);
                continue;
            }
            add_op!(ddl);
            (expect, expect_at, is_table) = (true, -1, prev == "TRUNCATE");
        }
        if with_at >= 0 && depth == with_at && matches!(prev.as_str(), "WITH" | "RECURSIVE" | ",") {
            if t.upper != "RECURSIVE" {
                ctes.insert(t.upper.clone());
            }
            continue;
        }
        if expect && is(SKIPPED_WORDS, &t.upper) {
            continue;
        }
        if expect && (t.text.starts_with(['"', '`', '[']) || !is(CLAUSE_WORDS, &t.upper)) {
            if !ctes.contains(&t.upper) {
                parts.push(t.text.to_owned());
                targets += 1;
                if is_table {
                    tables.push(t.text.replace(['"', '`', '[', ']'], ""));
                }
            }
            expect = false;
            after_name = expect_at >= 0;
            if expect_at >= 0 {
                list_at = expect_at;
            }
            continue;
        }
        if after_name && (t.upper == "AS" || !is(CLAUSE_WORDS, &t.upper)) {
            after_name = t.upper == "AS"; // AS, then the alias
            continue;
        }
        (after_name, expect) = (false, false);
        if list_at == depth && is(LIST_ENDS, &t.upper) {
            list_at = -1;
        }
        match t.upper.as_str() {
            "SELECT" => {
                add_op!("SELECT".into());
                if with_at == depth {
                    with_at = -1;
                }
            }
            w @ ("INSERT" | "UPDATE" | "DELETE" | "MERGE" | "REPLACE") => {
                // Not FOR UPDATE (a lock), ON DUPLICATE KEY UPDATE, DO UPDATE, ON UPDATE/DELETE
                // (a foreign key's action), MERGE's THEN ….
                let not_an_operation = (w == "UPDATE" && matches!(prev.as_str(), "FOR" | "KEY" | "DO" | "ON"))
                    || (w == "DELETE" && prev == "ON")
                    || prev == "THEN"
                    || (matches!(w, "MERGE" | "REPLACE") && !start);
                if not_an_operation {
                    continue;
                }
                add_op!(w.to_owned());
                if with_at == depth {
                    with_at = -1;
                }
                if w != "DELETE" {
                    (expect, expect_at, is_table) = (true, -1, true);
                }
            }
            // A table list, where an operation started at this depth (not EXTRACT(… FROM …)).
            "FROM" | "JOIN" | "STRAIGHT_JOIN" | "USING" => {
                (expect, expect_at, is_table) = (op_at.contains(&depth), depth, true);
            }
            "WITH" if start => with_at = depth,
            w @ ("CALL" | "EXEC" | "EXECUTE") if start => {
                add_op!(w.to_owned());
                (expect, expect_at, is_table) = (true, -1, false);
            }
            "EXPLAIN" if start => {
                add_op!("EXPLAIN".into());
                stmt_start = true;
            }
            w if start && is(DDL_KEYWORDS, w) => ddl_pending = Some(w.to_owned()),
            w if start && depth == 0 => {
                if is(STATEMENT_KEYWORDS, w) {
                    add_op!(w.to_owned());
                }
                skip_to_end = true; // the rest names nothing (or the statement is unknown)
            }
            _ => {}
        }
    }
    if let Some(ddl) = ddl_pending {
        parts.push(ddl);
        ops += 1;
    }
    let mut summary = String::new();
    for p in &parts {
        if summary.len() + 1 + p.len() > MAX_SUMMARY {
            break;
        }
        if !summary.is_empty() {
            summary.push(' ');
        }
        summary.push_str(p);
    }
    let operation = (ops == 1).then(|| parts[0].clone());
    let collection = (ops == 1 && targets == 1 && tables.len() == 1).then(|| tables[0].clone());
    Summary {
        summary: (!summary.is_empty()).then_some(summary),
        operation,
        collection,
    }
}
