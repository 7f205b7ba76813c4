//! Ollama `/api/chat`: OpenAI-shaped `tools`, `message.tool_calls` with object arguments and
//! no ids, and `{"role":"tool","tool_name":…}` results.

use serde_json::{Value, json};

use super::{Located, build_call, object_args, opt_array, parse_str_with, shape, strip};
use crate::call::{ToolCall, ToolResult};
use crate::error::ParseError;
use crate::schema::inline_refs;
use crate::tool::ToolDefinition;

/// `{"type":"function","function":{name, description, parameters}}` for each tool.
///
/// `$ref`s are inlined, because Ollama's schema type keeps `$defs` but has lost referenced
/// structure in practice; recursive types keep their `$ref`/`$defs` (Ollama may not follow them).
pub fn tools(defs: &[ToolDefinition]) -> Vec<Value> {
    defs.iter()
        .map(|d| {
            let parameters = inline_refs(d.parameters()).unwrap_or_else(|_| d.parameters().clone());
            json!({"type": "function", "function": {
                "name": d.name(), "description": d.description(), "parameters": parameters}})
        })
        .collect()
}

/// The tool calls of a `/api/chat` response (or of its `message`).
///
/// # Errors
/// Not a chat response or message object.
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
    let (message, ptr) = match response.get("message") {
        Some(m) => (m, "/message"),
        None if response.is_object() => (response, ""),
        None => return Err(shape("", "expected a chat response or message object")),
    };
    let Some(calls) = opt_array(message, "tool_calls", ptr)? else {
        return Ok(Vec::new());
    };
    Ok(calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let p = format!("{ptr}/tool_calls/{i}");
            let f = c.get("function");
            let args = object_args(
                f.and_then(|f| f.get("arguments")),
                &format!("{p}/function/arguments"),
            );
            build_call(c.get("id"), f.and_then(|f| f.get("name")), args, &p)
        })
        .collect())
}

/// One `{"role":"tool","tool_name":…,"content":…}` message per result, in order.
pub fn tool_messages(results: &[ToolResult]) -> Vec<Value> {
    results
        .iter()
        .map(|r| json!({"role": "tool", "tool_name": r.name(), "content": r.content()}))
        .collect()
}
