//! Attribute values (OTLP's `AnyValue`) and ordered attribute lists.

use std::sync::Arc;

/// One attribute value, log body or nested element.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An `AnyValue` with nothing set (OTLP allows it; JSON shows it as `null`).
    Empty,
    String(String),
    Bool(bool),
    Int(i64),
    Double(f64),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    Map(Attributes),
}

impl Value {
    /// The string inside a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::String(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::String(text)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Self {
        Value::Bool(flag)
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Self {
        Value::Int(number)
    }
}

impl From<f64> for Value {
    fn from(number: f64) -> Self {
        Value::Double(number)
    }
}

/// Key/value pairs in the order they arrived, keys unique: inserting a key that is already
/// present replaces its value in place (OTLP requires unique keys; a sender that repeats one
/// gets the last value, as the OpenTelemetry SDKs do).
///
/// Keys are shared strings: the receiver gives every span the same allocation for the same
/// key (see `convert`), which is most of an attribute's memory.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attributes(Vec<(Arc<str>, Value)>);

impl Attributes {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `capacity` pairs.
    pub fn with_capacity(capacity: usize) -> Self {
        Attributes(Vec::with_capacity(capacity))
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(name, _)| &**name == key)
            .map(|(_, value)| value)
    }

    /// Sets `key` to `value`, keeping the key's position if it was already present.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        let key: String = key.into();
        self.insert_shared(Arc::from(key), value.into());
    }

    /// [`insert`](Self::insert) with a key that is already shared.
    pub(crate) fn insert_shared(&mut self, key: Arc<str>, value: Value) {
        match self.0.iter_mut().find(|(name, _)| *name == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> {
        self.0.iter().map(|(key, value)| (&**key, value))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Attributes {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut attributes = Attributes::new();
        for (key, value) in pairs {
            attributes.insert(key, value);
        }
        attributes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_keeps_its_first_position_and_takes_the_last_value() {
        let attributes: Attributes = [
            ("a", Value::Int(1)),
            ("b", Value::Bool(true)),
            ("a", Value::Int(3)),
        ]
        .into_iter()
        .collect();
        let pairs: Vec<_> = attributes.iter().collect();
        assert_eq!(pairs, [("a", &Value::Int(3)), ("b", &Value::Bool(true))]);
        assert_eq!(attributes.get("b"), Some(&Value::Bool(true)));
        assert_eq!(attributes.get("c"), None);
    }
}
