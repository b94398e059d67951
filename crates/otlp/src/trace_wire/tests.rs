//! The fast path against the full way (prost, then `convert::traces`): the usual requests take
//! it and give the same spans; whatever it accepts, mangled bodies included, the full way
//! decodes alike with nothing rejected; what it declines still decodes the full way.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span};
use prost::encoding::{encode_key, encode_varint, message, WireType};
use prost::Message;

use super::traces;
use crate::convert::{self, Decoded, Rejections};
use crate::json::Json;
use crate::jsonl::span_line;
use crate::otlp_json;

const FIXTURE: &str = include_str!("../../tests/fixtures/traces.json");

fn fixture() -> ExportTraceServiceRequest {
    otlp_json::trace_request(&Json::parse(FIXTURE.as_bytes()).unwrap()).unwrap()
}

fn key_value(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

/// The fixture plus what it lacks: a second resource with a schema URL, a scope with
/// attributes, two scopes, dropped counts, flags, a span without a status.
fn rich() -> ExportTraceServiceRequest {
    let mut request = fixture();
    let span = |id: u8, name: &str| Span {
        trace_id: vec![7; 16],
        span_id: vec![id; 8],
        name: name.to_owned(),
        kind: span::SpanKind::Consumer as i32,
        start_time_unix_nano: 5,
        end_time_unix_nano: 9,
        flags: 0x301,
        dropped_attributes_count: 2,
        dropped_events_count: 1,
        attributes: vec![
            key_value("messaging.system", any_value::Value::StringValue("kafka".into())),
            key_value("messaging.batch.message_count", any_value::Value::IntValue(-4)),
        ],
        ..Span::default()
    };
    let scope = |name: &str, spans| ScopeSpans {
        scope: Some(InstrumentationScope {
            name: name.to_owned(),
            version: "2".into(),
            attributes: vec![key_value("scope.k", any_value::Value::BoolValue(true))],
            dropped_attributes_count: 3,
        }),
        spans,
        schema_url: "https://opentelemetry.io/schemas/1.26.0".into(),
    };
    request.resource_spans.push(ResourceSpans {
        resource: Some(opentelemetry_proto::tonic::resource::v1::Resource {
            attributes: vec![key_value("service.name", any_value::Value::StringValue("worker".into()))],
            dropped_attributes_count: 1,
            ..Default::default()
        }),
        scope_spans: vec![scope("a", vec![span(1, "recv"), span(2, "recv")]), scope("b", vec![span(3, "")])],
        schema_url: "https://opentelemetry.io/schemas/1.26.0".into(),
    });
    request
}

fn full_way(body: &[u8]) -> Option<Decoded> {
    ExportTraceServiceRequest::decode(body).ok().map(convert::traces)
}

/// The spans as their JSON lines: equal lines are equal spans (NaN attributes included, which
/// `==` would call different).
fn lines(decoded: &Decoded) -> Vec<String> {
    decoded.batch.spans.iter().map(span_line).collect()
}

fn assert_alike(fast: &Decoded, body: &[u8]) {
    let full = full_way(body).expect("the full way reads what the fast path read");
    assert_eq!(full.rejections, Rejections::default());
    assert_eq!(fast.rejections, Rejections::default());
    assert_eq!(lines(fast), lines(&full));
}

#[test]
fn the_usual_requests_take_the_fast_path_and_decode_as_the_full_way_does() {
    for request in [fixture(), rich()] {
        let body = request.encode_to_vec();
        let fast = traces(&body).expect("the usual request takes the fast path");
        assert_eq!(fast.batch.spans.len(), request.resource_spans.iter().flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum::<usize>());
        assert_alike(&fast, &body);
    }
    // Keys are shared between spans, as the full way shares them.
    let fast = traces(&rich().encode_to_vec()).unwrap();
    let key = |index: usize| {
        let span: &crate::model::Span = &fast.batch.spans[index];
        span.attributes.iter().next().unwrap().0.as_ptr()
    };
    assert_eq!(key(2), key(3));
}

#[test]
fn a_resource_or_scope_after_the_spans_is_read_first() {
    let request = rich();
    let resource_spans = &request.resource_spans[1];
    let scope_spans = &resource_spans.scope_spans[0];
    // ScopeSpans { spans…, scope }, then ResourceSpans { scope_spans, resource }: the reverse of
    // prost's order.
    let mut scope_bytes = Vec::new();
    for span in &scope_spans.spans {
        message::encode(2, span, &mut scope_bytes);
    }
    message::encode(1, scope_spans.scope.as_ref().unwrap(), &mut scope_bytes);
    let mut resource_bytes = Vec::new();
    length_delimited(2, &scope_bytes, &mut resource_bytes);
    message::encode(1, resource_spans.resource.as_ref().unwrap(), &mut resource_bytes);
    let mut body = Vec::new();
    length_delimited(1, &resource_bytes, &mut body);
    let fast = traces(&body).expect("fields in another order take the fast path");
    assert_eq!(fast.batch.spans[0].resource.service_name(), Some("worker"));
    assert_eq!(fast.batch.spans[0].scope.name, "a");
    assert_alike(&fast, &body);
}

fn length_delimited(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
    encode_key(tag, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

#[test]
fn what_the_fast_path_declines_still_decodes_the_full_way() {
    let with = |change: fn(&mut ExportTraceServiceRequest)| {
        let mut request = rich();
        change(&mut request);
        request.encode_to_vec()
    };
    let rejected = [
        with(|r| r.resource_spans[1].scope_spans[0].spans[0].trace_id = vec![0; 16]),
        with(|r| r.resource_spans[1].scope_spans[0].spans[0].span_id = vec![1; 3]),
        with(|r| r.resource_spans[1].scope_spans[0].spans[0].parent_span_id = vec![1; 2]),
        with(|r| r.resource_spans[1].scope_spans[0].spans[0].kind = 9),
        with(|r| r.resource_spans[1].scope_spans[0].spans[0].status = Some(opentelemetry_proto::tonic::trace::v1::Status { code: 7, ..Default::default() })),
        with(|r| r.resource_spans[1].scope_spans[0].spans[0].links.push(Default::default())),
        with(|r| r.resource_spans[1].resource.as_mut().unwrap().attributes.push(key_value("x", any_value::Value::StringValueStrindex(1)))),
    ];
    for body in rejected {
        assert!(traces(&body).is_none());
        let full = full_way(&body).unwrap();
        assert!(full.rejections.count > 0, "{:?}", full.rejections);
    }
    // Read by prost, but not by the fast path: a key's string index, a resource given twice
    // (prost merges the two), a field number neither knows.
    let mut key_index = rich();
    key_index.resource_spans[1].scope_spans[0].spans[0].attributes[0].key_strindex = 4;
    let mut twice = Vec::new();
    let resource_spans = &rich().resource_spans[1];
    message::encode(1, resource_spans.resource.as_ref().unwrap(), &mut twice);
    message::encode(1, resource_spans.resource.as_ref().unwrap(), &mut twice);
    message::encode(2, &resource_spans.scope_spans[0], &mut twice);
    let mut merged = Vec::new();
    length_delimited(1, &twice, &mut merged);
    let mut unknown = rich().encode_to_vec();
    encode_key(99, WireType::Varint, &mut unknown);
    encode_varint(1, &mut unknown);
    for body in [key_index.encode_to_vec(), merged, unknown] {
        assert!(traces(&body).is_none());
        let full = full_way(&body).expect("prost reads it");
        assert_eq!(full.rejections, Rejections::default());
        assert!(!full.batch.spans.is_empty());
    }
    // Not a message at all: both refuse it.
    let mut bad_text = rich();
    bad_text.resource_spans[1].scope_spans[0].schema_url = "x".into();
    let mut bytes = bad_text.encode_to_vec();
    let at = bytes.iter().rposition(|&b| b == b'x').unwrap();
    bytes[at] = 0xff;
    let truncated = &rich().encode_to_vec()[..100];
    for body in [&bytes[..], truncated] {
        assert!(traces(body).is_none());
        assert!(full_way(body).is_none());
    }
}

/// Whatever the fast path accepts of mangled bodies (bytes flipped, cut, repeated), the full
/// way decodes alike; deterministic (xorshift), so a failure reproduces.
#[test]
fn mangled_bodies_the_fast_path_accepts_decode_alike() {
    let seeds = [fixture().encode_to_vec(), rich().encode_to_vec()];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut accepted = 0;
    for round in 0..4000 {
        let mut body = seeds[round % seeds.len()].clone();
        for _ in 0..1 + next() % 3 {
            let at = (next() as usize) % body.len();
            match next() % 3 {
                0 => body[at] = next() as u8,
                1 => body.truncate(at.max(1)),
                _ => body.insert(at, body[at]),
            }
        }
        if let Some(fast) = traces(&body) {
            accepted += 1;
            assert_alike(&fast, &body);
        }
    }
    assert!(accepted > 100, "only {accepted} mangled bodies were accepted: the comparison says little");
}
