//! A JSON tree that keeps object members in document order, its parser and compact writer,
//! and typed accessors whose errors carry the path of the offending field.
//!
//! serde_json's own `Value` sorts object members unless its `preserve_order` feature is on,
//! and turning that on would change every crate of the workspace; attribute order matters
//! here (it is the order the sender chose), so this crate reads and writes JSON through this
//! tree. Used by the OTLP/JSON decoder (`otlp_json`) and the JSON-lines format (`jsonl`).

use std::fmt::{self, Write as _};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

/// A JSON document. Objects keep their members in order, duplicates included.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses one JSON document (serde_json's parser, with its nesting limit of 128).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Json, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// A number from a finite float; `None` for NaN and the infinities, which JSON lacks.
    pub(crate) fn finite(number: f64) -> Option<Json> {
        Number::from_f64(number).map(Json::Number)
    }

    fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    fn expected(&self, what: &str) -> JsonError {
        JsonError::new(format!("expected {what}, found {}", self.type_name()))
    }

    pub(crate) fn as_object(&self) -> Result<Object<'_>, JsonError> {
        match self {
            Json::Object(members) => Ok(Object(members)),
            other => Err(other.expected("an object")),
        }
    }

    pub(crate) fn as_array(&self) -> Result<&[Json], JsonError> {
        match self {
            Json::Array(items) => Ok(items),
            other => Err(other.expected("an array")),
        }
    }

    pub(crate) fn as_str(&self) -> Result<&str, JsonError> {
        match self {
            Json::String(text) => Ok(text),
            other => Err(other.expected("a string")),
        }
    }

    pub(crate) fn as_bool(&self) -> Result<bool, JsonError> {
        match self {
            Json::Bool(flag) => Ok(*flag),
            other => Err(other.expected("a boolean")),
        }
    }

    /// An unsigned integer written as a JSON number or, as the protobuf JSON mapping writes
    /// 64-bit integers, as a string of decimal digits.
    pub(crate) fn as_u64(&self) -> Result<u64, JsonError> {
        let parsed = match self {
            Json::Number(number) => number.as_u64(),
            Json::String(text) => text.parse().ok(),
            other => return Err(other.expected("an unsigned integer")),
        };
        parsed.ok_or_else(|| JsonError::new(format!("{self} is not an unsigned 64-bit integer")))
    }

    /// A signed integer, as a JSON number or a string of decimal digits.
    pub(crate) fn as_i64(&self) -> Result<i64, JsonError> {
        let parsed = match self {
            Json::Number(number) => number.as_i64(),
            Json::String(text) => text.parse().ok(),
            other => return Err(other.expected("an integer")),
        };
        parsed.ok_or_else(|| JsonError::new(format!("{self} is not a signed 64-bit integer")))
    }

    /// A 32-bit integer, as a JSON number or a string of decimal digits.
    pub(crate) fn as_i32(&self) -> Result<i32, JsonError> {
        let wide = self.as_i64()?;
        i32::try_from(wide).map_err(|_| JsonError::new(format!("{wide} does not fit in 32 bits")))
    }

    /// A float: a JSON number, `"NaN"`, `"Infinity"`, `"-Infinity"`, or a number in a string.
    pub(crate) fn as_f64(&self) -> Result<f64, JsonError> {
        match self {
            Json::Number(number) => number
                .as_f64()
                .ok_or_else(|| JsonError::new(format!("{number} is not a floating-point number"))),
            Json::String(text) => match text.as_str() {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => text
                    .parse()
                    .map_err(|_| JsonError::new(format!("{self} is not a floating-point number"))),
            },
            other => Err(other.expected("a number")),
        }
    }
}

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Json::String(text.to_owned())
    }
}

impl From<String> for Json {
    fn from(text: String) -> Self {
        Json::String(text)
    }
}

impl From<u64> for Json {
    fn from(number: u64) -> Self {
        Json::Number(number.into())
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Self {
        value.map_or(Json::Null, Into::into)
    }
}

/// The members of a JSON object.
#[derive(Clone, Copy)]
pub(crate) struct Object<'a>(&'a [(String, Json)]);

impl<'a> Object<'a> {
    /// The first member called exactly `name`; a `null` member counts as absent.
    pub(crate) fn get(self, name: &str) -> Option<&'a Json> {
        self.find(|key| key == name)
    }

    /// The first member called `camel` (lowerCamelCase) or its snake_case form, as the
    /// protobuf JSON mapping accepts both; a `null` member counts as absent.
    pub(crate) fn get_field(self, camel: &str) -> Option<&'a Json> {
        self.find(|key| same_field(key, camel))
    }

    fn find(self, mut matches: impl FnMut(&str) -> bool) -> Option<&'a Json> {
        self.0
            .iter()
            .find(|(key, _)| matches(key))
            .map(|(_, value)| value)
            .filter(|value| **value != Json::Null)
    }

    /// Every member, in document order.
    pub(crate) fn members(self) -> impl Iterator<Item = (&'a str, &'a Json)> {
        self.0.iter().map(|(key, value)| (key.as_str(), value))
    }

    /// The member `name` converted by `read`; errors name the field.
    pub(crate) fn read<T>(
        self,
        name: &str,
        read: impl FnOnce(&'a Json) -> Result<T, JsonError>,
    ) -> Result<T, JsonError> {
        match self.get(name) {
            Some(value) => read(value).map_err(|err| err.in_field(name)),
            None => Err(JsonError::new("missing").in_field(name)),
        }
    }

    /// Like [`read`](Self::read), but an absent or `null` member gives `None`.
    pub(crate) fn read_optional<T>(
        self,
        name: &str,
        read: impl FnOnce(&'a Json) -> Result<T, JsonError>,
    ) -> Result<Option<T>, JsonError> {
        self.get(name)
            .map(|value| read(value).map_err(|err| err.in_field(name)))
            .transpose()
    }
}

/// Whether `key` is `camel` or its snake_case spelling (`traceId` / `trace_id`).
pub(crate) fn same_field(key: &str, camel: &str) -> bool {
    if key == camel {
        return true;
    }
    let mut key = key.chars();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            if key.next() != Some('_') || key.next() != Some(c.to_ascii_lowercase()) {
                return false;
            }
        } else if key.next() != Some(c) {
            return false;
        }
    }
    key.next().is_none()
}

/// A value that does not fit where it was found, with the path to it
/// (`resourceSpans[0].scopeSpans[1].spans[2].traceId`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct JsonError {
    path: String,
    reason: String,
}

impl JsonError {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        JsonError {
            path: String::new(),
            reason: reason.into(),
        }
    }

    /// The same error, one object member further out.
    pub(crate) fn in_field(mut self, name: &str) -> Self {
        self.path = if self.path.is_empty() || self.path.starts_with('[') {
            format!("{name}{}", self.path)
        } else {
            format!("{name}.{}", self.path)
        };
        self
    }

    /// The same error, one array element further out.
    pub(crate) fn in_item(mut self, index: usize) -> Self {
        self.path = if self.path.is_empty() || self.path.starts_with('[') {
            format!("[{index}]{}", self.path)
        } else {
            format!("[{index}].{}", self.path)
        };
        self
    }
}

/// Applies `read` to every element of `items`; errors name the element's index.
pub(crate) fn read_items<'a, T>(
    items: &'a [Json],
    mut read: impl FnMut(&'a Json) -> Result<T, JsonError>,
) -> Result<Vec<T>, JsonError> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| read(item).map_err(|err| err.in_item(index)))
        .collect()
}

impl fmt::Display for Json {
    /// Compact JSON, members in order, no trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(flag) => write!(f, "{flag}"),
            Json::Number(number) => write!(f, "{number}"),
            Json::String(text) => write_escaped(f, text),
            Json::Array(items) => {
                f.write_char('[')?;
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(']')
            }
            Json::Object(members) => {
                f.write_char('{')?;
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        f.write_char(',')?;
                    }
                    write_escaped(f, key)?;
                    write!(f, ":{value}")?;
                }
                f.write_char('}')
            }
        }
    }
}

/// Writes `text` as a JSON string: quotes, `\"`, `\\`, `\n`, `\r`, `\t`, the other control
/// characters as `\u00XX`, everything else as it is. Runs that need no escaping (the usual
/// case: all of the text) are copied whole rather than character by character.
pub(crate) fn write_escaped(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
    let bytes = text.as_bytes();
    if !needs_escaping(bytes) {
        out.write_str(text)?;
        return out.write_char('"');
    }
    let mut copied = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        // Bytes of multi-byte UTF-8 sequences are all >= 0x80, so this never splits one.
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..0x20 => "",
            _ => continue,
        };
        out.write_str(&text[copied..index])?;
        if escape.is_empty() {
            write!(out, "\\u{:04x}", byte)?;
        } else {
            out.write_str(escape)?;
        }
        copied = index + 1;
    }
    out.write_str(&text[copied..])?;
    out.write_char('"')
}

/// Whether any byte of `bytes` must be escaped in a JSON string: one table look-up per byte
/// (faster, on the short keys and values of telemetry, than comparisons or 8-byte words).
fn needs_escaping(bytes: &[u8]) -> bool {
    static SPECIAL: [bool; 256] = {
        let mut special = [false; 256];
        let mut byte = 0;
        while byte < 0x20 {
            special[byte] = true;
            byte += 1;
        }
        special[b'"' as usize] = true;
        special[b'\\' as usize] = true;
        special
    };
    bytes.iter().any(|&byte| SPECIAL[usize::from(byte)])
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Json, E> {
        Ok(Json::Bool(flag))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Json, E> {
        Ok(Json::Number(number.into()))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Json, E> {
        Ok(Json::Number(number.into()))
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Json, E> {
        Json::finite(number).ok_or_else(|| E::custom("a JSON number must be finite"))
    }

    fn visit_str<E>(self, text: &str) -> Result<Json, E> {
        Ok(Json::String(text.to_owned()))
    }

    fn visit_string<E>(self, text: String) -> Result<Json, E> {
        Ok(Json::String(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            members.push((key, value));
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_then_write_keeps_member_order_and_number_forms() {
        let text = r#"{"z":1,"a":[true,null,-2,1.0,1e300,"x"],"m":{"b":"\"q\"\n\u0001","a":18446744073709551615}}"#;
        let json = Json::parse(text.as_bytes()).unwrap();
        assert_eq!(
            json.to_string(),
            r#"{"z":1,"a":[true,null,-2,1.0,1e+300,"x"],"m":{"b":"\"q\"\n\u0001","a":18446744073709551615}}"#
        );
    }

    #[test]
    fn a_character_to_escape_is_escaped_at_any_position() {
        let escapes = [
            ('"', r#"\""#),
            ('\\', r"\\"),
            ('\n', r"\n"),
            ('\u{1}', r"\u0001"),
            ('\u{1f}', r"\u001f"),
        ];
        // Fillers next to the special bytes' values, and one of two bytes.
        let fillers = [' ', '!', '#', '[', ']', '\u{7f}', 'é'];
        for ((special, escape), filler) in escapes
            .into_iter()
            .flat_map(|escape| fillers.map(|filler| (escape, filler)))
        {
            for length in [1, 7, 8, 9, 15, 16, 17, 40] {
                for position in 0..length {
                    let text: String = (0..length)
                        .map(|index| if index == position { special } else { filler })
                        .collect();
                    let written = Json::String(text.clone()).to_string();
                    assert_eq!(written, format!("\"{}\"", text.replace(special, escape)));
                    assert_eq!(Json::parse(written.as_bytes()).unwrap(), Json::String(text));
                }
                let plain: String = (0..length).map(|_| filler).collect();
                assert_eq!(
                    Json::String(plain.clone()).to_string(),
                    format!("\"{plain}\"")
                );
            }
        }
    }

    #[test]
    fn lenient_numbers_accept_the_protobuf_json_forms() {
        let parse = |text: &str| Json::parse(text.as_bytes()).unwrap();
        assert_eq!(
            parse(r#""1700000000000000000""#).as_u64(),
            Ok(1_700_000_000_000_000_000)
        );
        assert_eq!(parse("42").as_u64(), Ok(42));
        assert_eq!(parse(r#""-7""#).as_i64(), Ok(-7));
        assert!(parse(r#""NaN""#).as_f64().unwrap().is_nan());
        assert_eq!(parse(r#""-Infinity""#).as_f64(), Ok(f64::NEG_INFINITY));
        assert_eq!(parse(r#""2.5""#).as_f64(), Ok(2.5));
        assert_eq!(parse("3").as_f64(), Ok(3.0));
        assert_eq!(
            parse("-1").as_u64().unwrap_err().to_string(),
            "-1 is not an unsigned 64-bit integer"
        );
        assert_eq!(
            parse("1.5").as_i64().unwrap_err().to_string(),
            "1.5 is not a signed 64-bit integer"
        );
        assert_eq!(
            parse("true").as_u64().unwrap_err().to_string(),
            "expected an unsigned integer, found a boolean"
        );
        assert_eq!(
            parse("4294967296").as_i32().unwrap_err().to_string(),
            "4294967296 does not fit in 32 bits"
        );
    }

    #[test]
    fn fields_match_camel_case_and_snake_case_and_null_counts_as_absent() {
        let json =
            Json::parse(br#"{"trace_id":"ab","spanId":"cd","parentSpanId":null,"x":1}"#).unwrap();
        let object = json.as_object().unwrap();
        assert_eq!(
            object.get_field("traceId"),
            Some(&Json::String("ab".into()))
        );
        assert_eq!(object.get_field("spanId"), Some(&Json::String("cd".into())));
        assert_eq!(object.get_field("parentSpanId"), None);
        assert_eq!(object.get_field("trace"), None);
        assert!(!same_field("trace_idx", "traceId"));
        assert!(!same_field("traceid", "traceId"));
    }

    #[test]
    fn errors_carry_the_path_to_the_field() {
        let json = Json::parse(br#"{"spans":[{"name":"a"},{"name":3}]}"#).unwrap();
        let err = json
            .as_object()
            .unwrap()
            .read("spans", |spans| {
                read_items(spans.as_array()?, |span| {
                    span.as_object()?.read("name", Json::as_str)
                })
            })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "spans[1].name: expected a string, found a number"
        );
    }
}
