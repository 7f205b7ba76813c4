//! MCP (2025-11-25): `tools/list` entries, `tools/call` params, and `CallToolResult`s.

use serde_json::{Map, Value, json};

use super::shape;
use crate::call::{Arguments, ToolCall, ToolResult};
use crate::error::{CallError, ParseError};
use crate::tool::ToolDefinition;

/// JSON-RPC "invalid params", used for unknown tools and malformed requests.
pub const INVALID_PARAMS: i64 = -32602;

/// A JSON-RPC error to send instead of a `CallToolResult` (protocol errors, not tool errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonRpcError {
    code: i64,
    message: String,
}

impl JsonRpcError {
    /// The JSON-RPC error code.
    pub fn code(&self) -> i64 {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `error` member of a JSON-RPC response.
    pub fn to_value(&self) -> Value {
        json!({"code": self.code, "message": self.message})
    }
}

/// The `tools/list` result: `{"tools":[{name, description, inputSchema, outputSchema?}]}`
/// (all tools in one page, no `nextCursor`).
///
/// `outputSchema` is listed only when it is an object schema: MCP 2025-11-25 carries structured
/// output in `structuredContent`, which must be an object, so other outputs are sent as text only.
pub fn tools_list(defs: &[ToolDefinition]) -> Value {
    let tools: Vec<Value> = defs
        .iter()
        .map(|d| {
            let mut t = Map::new();
            t.insert("name".into(), d.name().into());
            t.insert("description".into(), d.description().into());
            t.insert("inputSchema".into(), d.parameters().clone());
            if let Some(out) = d
                .output_schema()
                .filter(|o| o.get("type").and_then(Value::as_str) == Some("object"))
            {
                t.insert("outputSchema".into(), out.clone());
            }
            Value::Object(t)
        })
        .collect();
    json!({ "tools": tools })
}

/// Reads `tools/call` params `{"name":…, "arguments":{…}}` into a call.
///
/// # Errors
/// No string `name`, or `arguments` that is neither an object nor absent: answer with
/// [`INVALID_PARAMS`].
pub fn parse_call_params(params: &Value) -> Result<ToolCall, ParseError> {
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| shape("/name", "`tools/call` needs a string `name`"))?;
    let arguments = match params.get("arguments") {
        None | Some(Value::Null) => Arguments::Value(Value::Null),
        Some(v @ Value::Object(_)) => Arguments::Value(v.clone()),
        Some(_) => return Err(shape("/arguments", "`arguments` must be an object")),
    };
    Ok(ToolCall::new(name, arguments))
}

/// The `CallToolResult` for a result: the content as one text block, `structuredContent` when
/// the output is a JSON object, and `isError`. Argument and execution errors are tool errors
/// (`isError: true`, so the model sees them); an unknown tool is a protocol error.
///
/// # Errors
/// [`JsonRpcError`] with [`INVALID_PARAMS`] for an unknown tool.
pub fn call_tool_result(result: &ToolResult) -> Result<Value, JsonRpcError> {
    if let Err(e @ CallError::UnknownTool { .. }) = result.outcome() {
        return Err(JsonRpcError {
            code: INVALID_PARAMS,
            message: e.to_string(),
        });
    }
    let mut out = Map::new();
    out.insert(
        "content".into(),
        json!([{"type": "text", "text": result.content()}]),
    );
    if let Ok(v @ Value::Object(_)) = result.outcome() {
        out.insert("structuredContent".into(), v.clone());
    }
    out.insert("isError".into(), result.is_error().into());
    Ok(Value::Object(out))
}
