//! Provider wire formats: export definitions, parse tool calls, build tool-result messages.
//!
//! Each module offers the same three steps for one provider:
//! `tools…` (definitions for the request), `parse_…` (tool calls out of a response) and a
//! result builder (the message that answers the calls). Parsing never loses a call: an entry
//! that cannot be read becomes a [`ToolCall`] whose arguments are
//! [`Arguments::Malformed`], which the registry answers with an error result. The `_str`
//! parsers read the raw body and also catch duplicate keys inside a call, which a parsed
//! [`Value`] can no longer show.

pub mod anthropic;
pub mod gemini;
mod gemini_schema;
pub mod mcp;
pub mod ollama;
pub mod openai_chat;
pub mod openai_responses;
mod strict;

pub use gemini_schema::gemini_parameters;
pub use strict::strict_parameters;

use serde_json::Value;

use crate::call::{Arguments, ToolCall};
use crate::error::ParseError;
use crate::json::parse_checked;

/// A parsed call and the JSON pointer of its entry in the response.
pub(crate) struct Located {
    pub(crate) call: ToolCall,
    pub(crate) pointer: String,
}

/// Parses a raw body, then marks calls that contain duplicate keys as malformed.
pub(crate) fn parse_str_with(
    body: &str,
    parse: impl FnOnce(&Value) -> Result<Vec<Located>, ParseError>,
) -> Result<Vec<ToolCall>, ParseError> {
    let (value, dups) = parse_checked(body).map_err(|e| ParseError::Json(e.to_string()))?;
    let located = parse(&value)?;
    Ok(located
        .into_iter()
        .map(|Located { call, pointer }| {
            let inside: Vec<String> = dups
                .iter()
                .filter_map(|d| d.strip_prefix(pointer.as_str()))
                .filter(|rest| rest.starts_with('/'))
                .map(relative_to_arguments)
                .collect();
            if inside.is_empty() {
                call
            } else {
                let message = format!("duplicate key at {}", inside.join(", "));
                let (id, name, _, _) = call.into_parts();
                let call = ToolCall::new(name, Arguments::Malformed { message });
                match id {
                    Some(id) => call.with_id(id),
                    None => call,
                }
            }
        })
        .collect())
}

/// A pointer inside a call entry, made relative to the arguments when it lies inside them.
fn relative_to_arguments(rest: &str) -> String {
    for prefix in ["/function/arguments", "/arguments", "/input", "/args"] {
        if let Some(inner) = rest.strip_prefix(prefix)
            && inner.starts_with('/')
        {
            return inner.to_owned();
        }
    }
    format!("{rest} (in the tool call entry)")
}

pub(crate) fn strip(located: Vec<Located>) -> Vec<ToolCall> {
    located.into_iter().map(|l| l.call).collect()
}

pub(crate) fn shape(pointer: impl Into<String>, message: impl Into<String>) -> ParseError {
    ParseError::Shape {
        pointer: pointer.into(),
        message: message.into(),
    }
}

/// The array at `key` of `parent` (`Ok(None)` when absent or null).
pub(crate) fn opt_array<'a>(
    parent: &'a Value,
    key: &str,
    ptr: &str,
) -> Result<Option<&'a Vec<Value>>, ParseError> {
    match parent.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(shape(format!("{ptr}/{key}"), "expected an array")),
    }
}

/// Picks the single choice/candidate of a response.
pub(crate) fn single<'a>(
    items: &'a [Value],
    ptr: &str,
    what: &str,
) -> Result<Option<&'a Value>, ParseError> {
    match items {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(shape(
            ptr,
            format!(
                "{} {what}s; their tool calls are alternatives, parse each {what} on its own",
                many.len()
            ),
        )),
    }
}

/// Builds a call from an entry, recording what is missing as a malformed call.
pub(crate) fn build_call(
    id: Option<&Value>,
    name: Option<&Value>,
    arguments: Result<Arguments, String>,
    ptr: &str,
) -> Located {
    let name_str = name.and_then(Value::as_str);
    let arguments = match (name_str, arguments) {
        (None, _) => Arguments::Malformed {
            message: format!("{ptr}: the tool call has no name"),
        },
        (Some(_), Ok(a)) => a,
        (Some(_), Err(message)) => Arguments::Malformed { message },
    };
    let mut call = ToolCall::new(name_str.unwrap_or_default(), arguments);
    if let Some(id) = id.and_then(Value::as_str) {
        call = call.with_id(id);
    }
    Located {
        call,
        pointer: ptr.to_owned(),
    }
}

/// Arguments given as JSON text (or, from lenient servers, as an object).
pub(crate) fn text_or_object(v: Option<&Value>, ptr: &str) -> Result<Arguments, String> {
    match v {
        Some(Value::String(s)) => Ok(Arguments::Text(s.clone())),
        Some(v @ Value::Object(_)) => Ok(Arguments::Value(v.clone())),
        None | Some(Value::Null) => Ok(Arguments::Value(Value::Null)),
        Some(other) => Err(format!(
            "{ptr}: arguments must be a JSON string or object, found {}",
            crate::schema::json_type(other)
        )),
    }
}

/// Arguments given as a JSON object (missing means none).
pub(crate) fn object_args(v: Option<&Value>, ptr: &str) -> Result<Arguments, String> {
    match v {
        None | Some(Value::Null) => Ok(Arguments::Value(Value::Null)),
        Some(v @ Value::Object(_)) => Ok(Arguments::Value(v.clone())),
        Some(Value::String(s)) => Ok(Arguments::Text(s.clone())),
        Some(other) => Err(format!(
            "{ptr}: arguments must be a JSON object, found {}",
            crate::schema::json_type(other)
        )),
    }
}

pub(crate) fn require_id<'a>(
    result: &'a crate::call::ToolResult,
    provider: &'static str,
) -> Result<&'a str, crate::error::ResultFormatError> {
    result
        .call_id()
        .ok_or_else(|| crate::error::ResultFormatError::MissingCallId {
            tool: result.name().to_owned(),
            provider,
        })
}
