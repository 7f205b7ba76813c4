//! JSON forms shared by the engines for values JSON has no native type for.

use base64::Engine as _;
use serde_json::{Value, json};

/// Bytes as `{"$base64": "…"}` (standard alphabet, padded).
pub(super) fn bytes(b: &[u8]) -> Value {
    json!({ "$base64": base64::engine::general_purpose::STANDARD.encode(b) })
}

/// A float as a JSON number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub(super) fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or_else(
        || {
            Value::String(
                if f.is_nan() {
                    "NaN"
                } else if f > 0.0 {
                    "Infinity"
                } else {
                    "-Infinity"
                }
                .to_owned(),
            )
        },
        Value::Number,
    )
}

/// The clear marker for a value of a type this tool does not convert.
pub(super) fn unsupported(type_name: &str) -> Value {
    Value::String(format!(
        "[unsupported type {type_name}: cast it to text in the query]"
    ))
}

/// The clear marker for a value that could not be decoded as its declared type.
pub(super) fn undecodable(type_name: &str) -> Value {
    Value::String(format!("[value of type {type_name} could not be decoded]"))
}
