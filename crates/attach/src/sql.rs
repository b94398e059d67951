//! SQL text for database spans: literals replaced by `?` (design invariant 4), and the
//! operation and collection names the span name and `db.operation.name` /
//! `db.collection.name` come from. A small lexer, not a parser: it never fails, and when it
//! is unsure it says nothing (no operation, no collection) rather than guess.

/// `query` with every string, number, hex and blob literal replaced by `?`. Identifiers
/// (including `"quoted"` and `` `quoted` `` ones), keywords, placeholders and comments are kept.
/// A literal cut off at the end (a truncated query) still becomes `?`.
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
            b'0'..=b'9' if !prev_is_ident(b, i) && !prev_is_placeholder(b, i) => {
                let mut j = i + 1;
                if c == b'0' && matches!(b.get(j), Some(b'x' | b'X')) {
                    j += 1;
                    while j < b.len() && b[j].is_ascii_hexdigit() {
                        j += 1;
                    }
                } else {
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
                }
                out.push('?');
                i = j;
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

/// The operation (upper-case first keyword, e.g. `SELECT`) and, for statements on a single
/// table, the collection (e.g. `users`). Either is `None` when the text does not say it plainly.
pub fn operation_and_collection(query: &str) -> (Option<String>, Option<String>) {
    let words = words(query);
    let Some(first) = words.first() else {
        return (None, None);
    };
    let op = first.to_ascii_uppercase();
    const OPS: &[&str] = &[
        "SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "CREATE", "DROP", "ALTER", "TRUNCATE",
        "WITH", "BEGIN", "COMMIT", "ROLLBACK", "SET", "SHOW", "EXPLAIN", "CALL", "PRAGMA", "VACUUM", "GRANT",
        "REVOKE", "USE",
    ];
    if !OPS.contains(&op.as_str()) {
        return (None, None);
    }
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let after = |kw: &str| -> Option<usize> { upper.iter().position(|w| w == kw).map(|p| p + 1) };
    let table_at = |mut p: usize| -> Option<String> {
        // Skip `TABLE`, `IF [NOT] EXISTS`, `ONLY`.
        while p < upper.len() && ["TABLE", "IF", "NOT", "EXISTS", "ONLY", "INTO", "FROM"].contains(&upper[p].as_str()) {
            p += 1;
        }
        let name = words.get(p)?;
        let plain = name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '"' | '`' | '[' | ']' | '$'));
        if !plain || name.is_empty() {
            return None;
        }
        // A second table (`FROM a, b` or a join) makes the collection ambiguous.
        if words.get(p + 1).is_some_and(|w| w == ",") || upper.iter().any(|w| w == "JOIN") {
            return None;
        }
        Some(name.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']')).to_owned())
    };
    let collection = match op.as_str() {
        "SELECT" | "DELETE" => {
            // Subqueries make the FROM ambiguous.
            if upper.iter().filter(|w| *w == "SELECT").count() > 1 {
                None
            } else {
                after("FROM").and_then(table_at)
            }
        }
        "INSERT" | "REPLACE" => after("INTO").and_then(table_at),
        "UPDATE" => table_at(1),
        // Build mode names no collection for DDL; neither does attach (same span names).
        _ => None,
    };
    (Some(op), collection)
}

/// Identifiers/keywords, quoted identifiers and single punctuation characters, outside
/// literals and comments.
fn words(query: &str) -> Vec<String> {
    let b = query.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            i = query[i..].find('\n').map(|n| i + n).unwrap_or(b.len());
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = query[i + 2..].find("*/").map(|n| i + 2 + n + 2).unwrap_or(b.len());
        } else if c == b'\'' {
            i = skip_quoted(b, i, c);
            out.push("?".into());
        } else if c == b'"' || c == b'`' {
            let end = skip_quoted(b, i, c);
            out.push(query[i..end].to_owned());
            i = end;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'_' | b'.' | b'$') || b[j] >= 0x80) {
                j += 1;
            }
            out.push(query[i..j].to_owned());
            i = j;
        } else {
            let len = query[i..].chars().next().map(char::len_utf8).unwrap_or(1);
            out.push(query[i..i + len].to_owned());
            i += len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_literals() {
        let cases = [
            ("SELECT * FROM users WHERE id = 42 AND name = 'bob'", "SELECT * FROM users WHERE id = ? AND name = ?"),
            ("INSERT INTO t (a, b) VALUES (1.5e3, 'it''s')", "INSERT INTO t (a, b) VALUES (?, ?)"),
            ("SELECT x'ff', 0xFF, -7, t1.c2 FROM t1", "SELECT ?, ?, -?, t1.c2 FROM t1"),
            ("SELECT \"col 1\", `c2` FROM t WHERE a = $1 AND b = ?2", "SELECT \"col 1\", `c2` FROM t WHERE a = $1 AND b = ?2"),
            ("SELECT 'unterminated", "SELECT ?"),
            ("SELECT 1 -- note 5\nFROM t", "SELECT ? -- note 5\nFROM t"),
            ("SELECT 'é', 'x\\'y' FROM é2", "SELECT ?, ? FROM é2"),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), want, "{input}");
        }
    }

    #[test]
    fn operations_and_collections() {
        let op = |q: &str| operation_and_collection(q);
        let some = |a: &str, b: &str| (Some(a.to_owned()), Some(b.to_owned()));
        assert_eq!(op("select name from users where id = ?"), some("SELECT", "users"));
        assert_eq!(op("INSERT INTO users (id) VALUES (1)"), some("INSERT", "users"));
        assert_eq!(op("UPDATE main.users SET a = 1"), some("UPDATE", "main.users"));
        assert_eq!(op("DELETE FROM \"Users\" WHERE id = 7"), some("DELETE", "Users"));
        assert_eq!(op("CREATE TABLE IF NOT EXISTS t (id INT)"), (Some("CREATE".into()), None));
        assert_eq!(op("SELECT count(*) FROM users"), some("SELECT", "users"));
        assert_eq!(op("SELECT * FROM a, b"), (Some("SELECT".into()), None));
        assert_eq!(op("SELECT * FROM a JOIN b ON a.x = b.x"), (Some("SELECT".into()), None));
        assert_eq!(op("SELECT * FROM (SELECT 1)"), (Some("SELECT".into()), None));
        assert_eq!(op("SELECT 1"), (Some("SELECT".into()), None));
        assert_eq!(op("  "), (None, None));
        assert_eq!(op("frobnicate the db"), (None, None));
    }
}
