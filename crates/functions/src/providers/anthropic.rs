//! Anthropic Messages: `tools[]` with `input_schema`, `tool_use` content blocks, and one user
//! message of `tool_result` blocks (`is_error` on failures).

use serde_json::{Map, Value, json};

use super::{
    Located, build_call, object_args, opt_array, parse_str_with, require_id, shape, strip,
};
use crate::call::{ToolCall, ToolResult};
use crate::error::{ParseError, ResultFormatError};
use crate::tool::ToolDefinition;

const PROVIDER: &str = "Anthropic Messages";

/// `{name, description, input_schema}` for each tool.
pub fn tools(defs: &[ToolDefinition]) -> Vec<Value> {
    defs.iter()
        .map(|d| json!({"name": d.name(), "description": d.description(), "input_schema": d.parameters()}))
        .collect()
}

/// The `tool_use` blocks of a Messages response (or of any message with a `content` array).
///
/// # Errors
/// `content` is missing or not an array.
pub fn parse_response(response: &Value) -> Result<Vec<ToolCall>, ParseError> {
    locate(response).map(strip)
}

/// Like [`parse_response`] from the raw body, also reporting duplicate keys per call.
///
/// # Errors
/// As for [`parse_response`], or the body is not JSON.
pub fn parse_response_str(body: &str) -> Result<Vec<ToolCall>, ParseError> {
    parse_str_with(body, locate)
}

fn locate(response: &Value) -> Result<Vec<Located>, ParseError> {
    let Some(blocks) = opt_array(response, "content", "")? else {
        return Err(shape("/content", "a message needs a `content` array"));
    };
    Ok(blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.get("type").and_then(Value::as_str) == Some("tool_use"))
        .map(|(i, b)| {
            let p = format!("/content/{i}");
            let args = object_args(b.get("input"), &format!("{p}/input"));
            build_call(b.get("id"), b.get("name"), args, &p)
        })
        .collect())
}

/// The user message answering the calls: `{"role":"user","content":[tool_result…]}`, one block
/// per result in order (Anthropic wants all results of a turn in one message).
///
/// # Errors
/// A result without a call id.
pub fn tool_result_message(results: &[ToolResult]) -> Result<Value, ResultFormatError> {
    let blocks = results
        .iter()
        .map(|r| {
            let mut block = Map::new();
            block.insert("type".into(), "tool_result".into());
            block.insert("tool_use_id".into(), require_id(r, PROVIDER)?.into());
            block.insert("content".into(), r.content().into());
            if r.is_error() {
                block.insert("is_error".into(), true.into());
            }
            Ok(Value::Object(block))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({"role": "user", "content": blocks}))
}
