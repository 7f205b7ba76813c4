//! OpenAI Chat Completions: `tools[]` entries, `message.tool_calls`, and `role: "tool"` results.

use serde_json::{Value, json};

use super::{
    Located, build_call, opt_array, parse_str_with, require_id, shape, single, strip,
    text_or_object,
};
use crate::call::{ToolCall, ToolResult};
use crate::error::{ExportError, ParseError, ResultFormatError};
use crate::tool::ToolDefinition;

const PROVIDER: &str = "OpenAI Chat Completions";

/// `{"type":"function","function":{name, description, parameters}}` for each tool (non-strict).
pub fn tools(defs: &[ToolDefinition]) -> Vec<Value> {
    defs.iter()
        .map(|d| {
            json!({"type": "function", "function": {
                "name": d.name(), "description": d.description(), "parameters": d.parameters()}})
        })
        .collect()
}

/// The same with `"strict": true` and the strict-mode schema transform.
///
/// # Errors
/// The first tool that strict mode cannot express, with every problem listed.
pub fn strict_tools(defs: &[ToolDefinition]) -> Result<Vec<Value>, ExportError> {
    defs.iter()
        .map(|d| {
            let parameters = super::strict_parameters(d)?;
            Ok(json!({"type": "function", "function": {
                "name": d.name(), "description": d.description(),
                "strict": true, "parameters": parameters}}))
        })
        .collect()
}

/// The tool calls of a chat completion (its single choice) or of an assistant message.
///
/// # Errors
/// The JSON is not a completion or message, or has several choices
/// (parse each `choices[i].message` with [`parse_message`]).
pub fn parse_response(response: &Value) -> Result<Vec<ToolCall>, ParseError> {
    locate_response(response).map(strip)
}

/// Like [`parse_response`] from the raw body, also reporting duplicate keys per call.
///
/// # Errors
/// As for [`parse_response`], or the body is not JSON.
pub fn parse_response_str(body: &str) -> Result<Vec<ToolCall>, ParseError> {
    parse_str_with(body, locate_response)
}

/// The tool calls of one assistant message (`{"role":"assistant","tool_calls":[…]}`).
///
/// # Errors
/// `tool_calls` is present but not an array.
pub fn parse_message(message: &Value) -> Result<Vec<ToolCall>, ParseError> {
    locate_message(message, "").map(strip)
}

fn locate_response(response: &Value) -> Result<Vec<Located>, ParseError> {
    match opt_array(response, "choices", "")? {
        Some(choices) => match single(choices, "/choices", "choice")? {
            Some(choice) => match choice.get("message") {
                Some(m) => locate_message(m, "/choices/0/message"),
                None => Err(shape("/choices/0", "the choice has no `message`")),
            },
            None => Ok(Vec::new()),
        },
        None if response.is_object() => locate_message(response, ""),
        None => Err(shape(
            "",
            "expected a chat completion or an assistant message object",
        )),
    }
}

fn locate_message(message: &Value, ptr: &str) -> Result<Vec<Located>, ParseError> {
    let Some(calls) = opt_array(message, "tool_calls", ptr)? else {
        return Ok(Vec::new());
    };
    Ok(calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let p = format!("{ptr}/tool_calls/{i}");
            let function = c.get("function");
            let kind = c.get("type").and_then(Value::as_str).unwrap_or("function");
            let arguments = if kind == "function" {
                text_or_object(
                    function.and_then(|f| f.get("arguments")),
                    &format!("{p}/function/arguments"),
                )
            } else {
                Err(format!(
                    "{p}: tool calls of type {kind:?} are not supported"
                ))
            };
            let name = function
                .and_then(|f| f.get("name"))
                .or_else(|| c.get("custom").and_then(|x| x.get("name")));
            build_call(c.get("id"), name, arguments, &p)
        })
        .collect())
}

/// One `{"role":"tool","tool_call_id":…,"content":…}` message per result, in order.
///
/// # Errors
/// A result without a call id.
pub fn tool_messages(results: &[ToolResult]) -> Result<Vec<Value>, ResultFormatError> {
    results
        .iter()
        .map(|r| {
            Ok(json!({"role": "tool", "tool_call_id": require_id(r, PROVIDER)?, "content": r.content()}))
        })
        .collect()
}
