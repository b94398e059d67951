//! The fast path of OTLP/HTTP protobuf traces: an `ExportTraceServiceRequest` read from its
//! bytes straight into the model, with no prost structs in between (prost allocates a `String`
//! per attribute key, a `Vec` per id and per attribute list, which `convert` then moves into the
//! model and throws away: most of the receiver's time under load).
//!
//! It handles the requests senders actually make, every item valid, and declines everything
//! else: a malformed or truncated message, a field it does not know, a singular message field
//! given twice (prost merges those), an item `convert` would reject, nesting deeper than
//! [`MAX_DEPTH`]. A declined request goes the full way (prost, then `convert::traces`), which gives
//! the exact error or the rejections, so this path only has to be exact for what it accepts:
//! the same spans, in the same order, with the same shared keys (`trace_wire/tests.rs` compares
//! both ways on the fixtures and on mangled bodies). Ids, kinds and status codes are checked by
//! `convert`'s own rules, so the two ways cannot disagree on what is valid.

use std::sync::Arc;

use crate::convert::{self, shared_key, Decoded};
use crate::model::{Attributes, Event, Link, Resource, Scope, Span, Status, Value};

/// Deeper nesting of arrays and maps than this is declined (prost's own limit is 100).
const MAX_DEPTH: usize = 32;

/// The request's spans, or `None` when the request must take the full way (see above).
pub(crate) fn traces(body: &[u8]) -> Option<Decoded> {
    let mut decoded = Decoded::default();
    let mut fields = Fields(body);
    while let Some((tag, field)) = fields.next()? {
        match (tag, field) {
            (1, Field::Bytes(resource_spans)) => {
                self::resource_spans(resource_spans, &mut decoded.batch.spans)?
            }
            _ => return None,
        }
    }
    Some(decoded)
}

/// `ResourceSpans { resource = 1, scope_spans = 2, schema_url = 3 }`.
fn resource_spans(bytes: &[u8], out: &mut Vec<Span>) -> Option<()> {
    let resource = Arc::new(Resource {
        attributes: resource(container(bytes)?)?,
    });
    each_message(bytes, 2, |scope_spans| self::scope_spans(scope_spans, &resource, out))
}

/// `Resource { attributes = 1, dropped_attributes_count = 2 }`.
fn resource(bytes: &[u8]) -> Option<Attributes> {
    let mut list = AttributeList::default();
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        match (tag, field) {
            (1, Field::Bytes(pair)) => list.add(pair, 0)?,
            (2, Field::Varint(_)) => {}
            _ => return None,
        }
    }
    Some(list.attributes)
}

/// `ScopeSpans { scope = 1, spans = 2, schema_url = 3 }`.
fn scope_spans(bytes: &[u8], resource: &Arc<Resource>, out: &mut Vec<Span>) -> Option<()> {
    let scope = Arc::new(scope(container(bytes)?)?);
    each_message(bytes, 2, |span| {
        out.push(self::span(span, resource, &scope)?);
        Some(())
    })
}

/// Checks the fields of a `ResourceSpans` or `ScopeSpans` (its one resource or scope = 1, its
/// items = 2, a schema URL = 3) and returns the bytes of the first (empty when absent),
/// which every item shares, wherever it is in the message.
fn container(bytes: &[u8]) -> Option<&[u8]> {
    let mut shared = None;
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        match (tag, field) {
            (1, Field::Bytes(message)) if shared.is_none() => shared = Some(message),
            (2, Field::Bytes(_)) => {}
            (3, Field::Bytes(text)) => _ = text_of(text)?,
            _ => return None,
        }
    }
    Some(shared.unwrap_or_default())
}

/// Calls `each` with the bytes of every length-delimited field `tag` of a message whose fields
/// were checked already, in order.
fn each_message(bytes: &[u8], tag: u32, mut each: impl FnMut(&[u8]) -> Option<()>) -> Option<()> {
    let mut fields = Fields(bytes);
    while let Some((field_tag, field)) = fields.next()? {
        if let (true, Field::Bytes(message)) = (field_tag == tag, field) {
            each(message)?;
        }
    }
    Some(())
}

/// `InstrumentationScope { name = 1, version = 2, attributes = 3, dropped_attributes_count = 4 }`;
/// the attributes are read (prost checks them) but not kept, as in `convert`.
fn scope(bytes: &[u8]) -> Option<Scope> {
    let mut scope = Scope::default();
    let mut ignored = AttributeList::default();
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        match (tag, field) {
            (1, Field::Bytes(text)) => scope.name = text_of(text)?.to_owned(),
            (2, Field::Bytes(text)) => scope.version = text_of(text)?.to_owned(),
            (3, Field::Bytes(pair)) => ignored.add(pair, 0)?,
            (4, Field::Varint(_)) => {}
            _ => return None,
        }
    }
    Some(scope)
}

/// `Span`: ids 1, 2, 4; trace_state 3; flags 16; name 5; kind 6; times 7, 8; attributes 9;
/// events 11; links 13; status 15; dropped counts 10, 12, 14.
fn span(bytes: &[u8], resource: &Arc<Resource>, scope: &Arc<Scope>) -> Option<Span> {
    let (mut trace_id, mut span_id, mut parent): (&[u8], &[u8], &[u8]) = (&[], &[], &[]);
    let (mut name, mut kind, mut start, mut end) = ("", 0, 0, 0);
    let (mut status, mut attribute_count) = (None, 0);
    let (mut events, mut links) = (Vec::new(), Vec::new());
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        match (tag, field) {
            (1, Field::Bytes(id)) => trace_id = id,
            (2, Field::Bytes(id)) => span_id = id,
            (3, Field::Bytes(text)) => _ = text_of(text)?,
            (4, Field::Bytes(id)) => parent = id,
            (5, Field::Bytes(text)) => name = text_of(text)?,
            (6, Field::Varint(code)) => kind = code as i32,
            (7, Field::Fixed64(nanos)) => start = nanos,
            (8, Field::Fixed64(nanos)) => end = nanos,
            (9, Field::Bytes(_)) => attribute_count += 1,
            (11, Field::Bytes(message)) => events.push(event(message)?),
            (13, Field::Bytes(message)) => links.push(link(message)?),
            (15, Field::Bytes(message)) if status.is_none() => status = Some(self::status(message)?),
            (10 | 12 | 14, Field::Varint(_)) | (16, Field::Fixed32) => {}
            _ => return None,
        }
    }
    let mut list = AttributeList {
        attributes: Attributes::with_capacity(attribute_count),
        position: 0,
    };
    each_message(bytes, 9, |pair| list.add(pair, 0))?;
    Some(Span {
        trace_id: convert::trace_id(trace_id).ok()?,
        span_id: convert::span_id(span_id).ok()?,
        parent_span_id: convert::optional_span_id(parent, "parent_span_id").ok()?,
        name: name.to_owned(),
        kind: convert::span_kind(kind).ok()?,
        start_unix_nanos: start,
        end_unix_nanos: end,
        status: status.unwrap_or_default(),
        attributes: list.attributes,
        events,
        links,
        resource: Arc::clone(resource),
        scope: Arc::clone(scope),
    })
}

/// `Status { message = 2, code = 3 }`.
fn status(bytes: &[u8]) -> Option<Status> {
    let mut status = Status::default();
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        match (tag, field) {
            (2, Field::Bytes(text)) => status.message = text_of(text)?.to_owned(),
            (3, Field::Varint(code)) => status.code = convert::status_code(code as i32).ok()?,
            _ => return None,
        }
    }
    Some(status)
}

/// `Event { time_unix_nano = 1, name = 2, attributes = 3, dropped_attributes_count = 4 }`.
fn event(bytes: &[u8]) -> Option<Event> {
    let mut event = Event {
        name: String::new(),
        time_unix_nanos: 0,
        attributes: Attributes::new(),
    };
    let mut list = AttributeList::default();
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        match (tag, field) {
            (1, Field::Fixed64(nanos)) => event.time_unix_nanos = nanos,
            (2, Field::Bytes(text)) => event.name = text_of(text)?.to_owned(),
            (3, Field::Bytes(pair)) => list.add(pair, 0)?,
            (4, Field::Varint(_)) => {}
            _ => return None,
        }
    }
    event.attributes = list.attributes;
    Some(event)
}

/// `Link { trace_id = 1, span_id = 2, trace_state = 3, attributes = 4,
/// dropped_attributes_count = 5, flags = 6 }`.
fn link(bytes: &[u8]) -> Option<Link> {
    let (mut trace_id, mut span_id): (&[u8], &[u8]) = (&[], &[]);
    let mut list = AttributeList::default();
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        match (tag, field) {
            (1, Field::Bytes(id)) => trace_id = id,
            (2, Field::Bytes(id)) => span_id = id,
            (3, Field::Bytes(text)) => _ = text_of(text)?,
            (4, Field::Bytes(pair)) => list.add(pair, 0)?,
            (5, Field::Varint(_)) | (6, Field::Fixed32) => {}
            _ => return None,
        }
    }
    Some(Link {
        trace_id: convert::trace_id(trace_id).ok()?,
        span_id: convert::span_id(span_id).ok()?,
        attributes: list.attributes,
    })
}

/// An attribute list being read, pair by pair: `convert` shares a key by its position in its
/// list.
#[derive(Default)]
struct AttributeList {
    attributes: Attributes,
    position: usize,
}

impl AttributeList {
    /// Adds `KeyValue { key = 1, value = 2 }` as `convert` adds it.
    fn add(&mut self, bytes: &[u8], depth: usize) -> Option<()> {
        let (mut key, mut value) = ("", None);
        let mut fields = Fields(bytes);
        while let Some((tag, field)) = fields.next()? {
            match (tag, field) {
                (1, Field::Bytes(text)) => key = text_of(text)?,
                (2, Field::Bytes(message)) if value.is_none() => value = Some(any_value(message, depth)?),
                _ => return None,
            }
        }
        let key = shared_key(self.position, key);
        self.attributes.insert_shared(key, value.unwrap_or(Value::Empty));
        self.position += 1;
        Some(())
    }
}

/// `AnyValue`: one of string 1, bool 2, int 3, double 4, array 5, map 6, bytes 7 (or none).
fn any_value(bytes: &[u8], depth: usize) -> Option<Value> {
    if depth >= MAX_DEPTH {
        return None;
    }
    let mut value = None;
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        if value.is_some() {
            return None;
        }
        value = Some(match (tag, field) {
            (1, Field::Bytes(text)) => Value::String(text_of(text)?.to_owned()),
            (2, Field::Varint(flag)) => Value::Bool(flag != 0),
            (3, Field::Varint(number)) => Value::Int(number as i64),
            (4, Field::Fixed64(bits)) => Value::Double(f64::from_bits(bits)),
            (5, Field::Bytes(array)) => Value::Array(array_values(array, depth + 1)?),
            (6, Field::Bytes(list)) => Value::Map(key_value_list(list, depth + 1)?),
            (7, Field::Bytes(raw)) => Value::Bytes(raw.to_vec()),
            _ => return None,
        });
    }
    Some(value.unwrap_or(Value::Empty))
}

/// `ArrayValue { values = 1 }`.
fn array_values(bytes: &[u8], depth: usize) -> Option<Vec<Value>> {
    let mut values = Vec::new();
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        match (tag, field) {
            (1, Field::Bytes(message)) => values.push(any_value(message, depth)?),
            _ => return None,
        }
    }
    Some(values)
}

/// `KeyValueList { values = 1 }`.
fn key_value_list(bytes: &[u8], depth: usize) -> Option<Attributes> {
    let mut list = AttributeList::default();
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        match (tag, field) {
            (1, Field::Bytes(pair)) => list.add(pair, depth)?,
            _ => return None,
        }
    }
    Some(list.attributes)
}

/// A string field's text; prost refuses a request whose strings are not UTF-8.
fn text_of(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// One field of a message, by wire type (groups, long deprecated, are declined).
#[derive(Clone, Copy)]
enum Field<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    /// Only flags are fixed32 here, and the model keeps none.
    Fixed32,
}

/// The fields of a message in wire order.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    /// `Some(None)` at the end, `None` when the bytes are not a well-formed message.
    fn next(&mut self) -> Option<Option<(u32, Field<'a>)>> {
        if self.0.is_empty() {
            return Some(None);
        }
        let key = self.varint()?;
        let tag = u32::try_from(key >> 3).ok().filter(|tag| *tag != 0)?;
        let field = match key & 7 {
            0 => Field::Varint(self.varint()?),
            1 => Field::Fixed64(u64::from_le_bytes(self.take(8)?.try_into().ok()?)),
            2 => {
                let len = usize::try_from(self.varint()?).ok()?;
                Field::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Field::Fixed32
            }
            _ => return None,
        };
        Some(Some((tag, field)))
    }

    /// A base-128 varint of at most ten bytes, the tenth holding only the top bit (as prost
    /// requires).
    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for (index, &byte) in self.0.iter().enumerate().take(10) {
            if index == 9 && byte > 1 {
                return None;
            }
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte < 0x80 {
                self.0 = &self.0[index + 1..];
                return Some(value);
            }
        }
        None
    }

    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.0.len() {
            return None;
        }
        let (taken, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(taken)
    }
}

#[cfg(test)]
mod tests;
