//! Trace and span identifiers: fixed-size byte arrays shown as lowercase hex.

use std::fmt;
use std::str::FromStr;

/// A 16-byte W3C trace id. `Display` writes 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span id. `Display` writes 16 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId(pub [u8; 8]);

/// Why a string is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a {what}: expected {digits} hex digits")]
pub struct ParseIdError {
    text: String,
    what: &'static str,
    digits: usize,
}

macro_rules! id_impls {
    ($ty:ident, $len:literal, $what:literal) => {
        impl $ty {
            /// The id held in `bytes`, or `None` unless it is exactly
            #[doc = concat!(stringify!($len), " bytes.")]
            pub fn from_slice(bytes: &[u8]) -> Option<Self> {
                <[u8; $len]>::try_from(bytes).ok().map(Self)
            }

            /// True for the all-zero id, which OTLP reserves for "no id".
            pub fn is_zero(&self) -> bool {
                self.0 == [0; $len]
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for byte in self.0 {
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($ty), "({})"), self)
            }
        }

        impl FromStr for $ty {
            type Err = ParseIdError;

            /// Parses hex digits of either case.
            fn from_str(text: &str) -> Result<Self, ParseIdError> {
                decode_hex(text)
                    .and_then(|bytes| Self::from_slice(&bytes))
                    .ok_or_else(|| ParseIdError {
                        text: text.to_owned(),
                        what: $what,
                        digits: 2 * $len,
                    })
            }
        }
    };
}

id_impls!(TraceId, 16, "trace id");
id_impls!(SpanId, 8, "span id");

/// Decodes an even-length string of hex digits (either case); `None` if it is not one.
pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    fn nibble(digit: u8) -> Option<u8> {
        match digit {
            b'0'..=b'9' => Some(digit - b'0'),
            b'a'..=b'f' => Some(digit - b'a' + 10),
            b'A'..=b'F' => Some(digit - b'A' + 10),
            _ => None,
        }
    }
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_display_as_lowercase_hex_and_parse_back_from_either_case() {
        let trace: TraceId = "0AF7651916CD43DD8448EB211C80319C".parse().unwrap();
        assert_eq!(trace.to_string(), "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(
            format!("{trace:?}"),
            "TraceId(0af7651916cd43dd8448eb211c80319c)"
        );
        let span: SpanId = "b7ad6b7169203331".parse().unwrap();
        assert_eq!(span.0, [0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31]);
        assert_eq!(span.to_string(), "b7ad6b7169203331");
    }

    #[test]
    fn wrong_lengths_and_non_hex_are_refused_with_the_expected_digit_count() {
        let err = "b7ad".parse::<SpanId>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "`b7ad` is not a span id: expected 16 hex digits"
        );
        let err = "zz".repeat(16).parse::<TraceId>().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "`{}` is not a trace id: expected 32 hex digits",
                "zz".repeat(16)
            )
        );
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex(""), Some(vec![]));
        assert!(TraceId([0; 16]).is_zero());
        assert_eq!(SpanId::from_slice(&[1, 2, 3]), None);
    }
}
