//! OpenAI Responses API: flat function tools, `function_call` output items and
//! `function_call_output` input items.

use serde_json::{Value, json};

use super::{
    Located, build_call, opt_array, parse_str_with, require_id, shape, strip, text_or_object,
};
use crate::call::{ToolCall, ToolResult};
use crate::error::{ExportError, ParseError, ResultFormatError};
use crate::tool::ToolDefinition;

const PROVIDER: &str = "OpenAI Responses";

/// `{"type":"function", name, description, parameters, "strict": false}` for each tool.
///
/// `strict` is written out as `false` because the Responses API turns strict mode on when it
/// is absent; use [`strict_tools`] for strict definitions.
pub fn tools(defs: &[ToolDefinition]) -> Vec<Value> {
    defs.iter()
        .map(|d| {
            json!({"type": "function", "name": d.name(), "description": d.description(),
                "parameters": d.parameters(), "strict": false})
        })
        .collect()
}

/// Strict definitions (schema transformed as for Chat Completions).
///
/// # Errors
/// The first tool that strict mode cannot express, with every problem listed.
pub fn strict_tools(defs: &[ToolDefinition]) -> Result<Vec<Value>, ExportError> {
    defs.iter()
        .map(|d| {
            Ok(
                json!({"type": "function", "name": d.name(), "description": d.description(),
                "parameters": super::strict_parameters(d)?, "strict": true}),
            )
        })
        .collect()
}

/// The `function_call` items of a response's `output` (other item types are not tool calls).
///
/// # Errors
/// No `output` array.
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
    let Some(items) = opt_array(response, "output", "")? else {
        return Err(shape("/output", "a response needs an `output` array"));
    };
    Ok(items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.get("type").and_then(Value::as_str) == Some("function_call"))
        .map(|(i, item)| {
            let p = format!("/output/{i}");
            let args = text_or_object(item.get("arguments"), &format!("{p}/arguments"));
            build_call(item.get("call_id"), item.get("name"), args, &p)
        })
        .collect())
}

/// One `{"type":"function_call_output","call_id":…,"output":…}` input item per result.
///
/// # Errors
/// A result without a call id.
pub fn function_call_outputs(results: &[ToolResult]) -> Result<Vec<Value>, ResultFormatError> {
    results
        .iter()
        .map(|r| {
            Ok(
                json!({"type": "function_call_output", "call_id": require_id(r, PROVIDER)?,
                "output": r.content()}),
            )
        })
        .collect()
}
