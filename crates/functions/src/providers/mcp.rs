//! MCP (2025-11-25): `tools/list` entries, `tools/call` params, and `CallToolResult`s.

use serde_json::{Map, Value, json};

use super::shape;
use crate::annotations::ToolAnnotations;
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

/// The `tools/list` result:
/// `{"tools":[{name, title?, description, inputSchema, outputSchema?, annotations}]}`
/// (all tools in one page, no `nextCursor`).
///
/// `annotations` carries every hint explicitly, so no client falls back on its own defaults;
/// the title appears both at the top (2025-06-18 and later) and in `annotations.title`, where
/// 2025-03-26 clients look for it.
///
/// `outputSchema` is listed only when it is an object schema: MCP 2025-11-25 carries structured
/// output in `structuredContent`, which must be an object, so other outputs are sent as text only.
pub fn tools_list(defs: &[ToolDefinition]) -> Value {
    let tools: Vec<Value> = defs
        .iter()
        .map(|d| {
            let mut t = Map::new();
            let annotations = d.annotations();
            t.insert("name".into(), d.name().into());
            if let Some(title) = &annotations.title {
                t.insert("title".into(), title.as_str().into());
            }
            t.insert("description".into(), d.description().into());
            t.insert("inputSchema".into(), d.parameters().clone());
            if let Some(out) = d
                .output_schema()
                .filter(|o| o.get("type").and_then(Value::as_str) == Some("object"))
            {
                t.insert("outputSchema".into(), out.clone());
            }
            t.insert("annotations".into(), tool_annotations(annotations));
            Value::Object(t)
        })
        .collect();
    json!({ "tools": tools })
}

/// MCP `ToolAnnotations` for `a`: `title` when set, and every hint (`readOnlyHint`,
/// `destructiveHint`, `idempotentHint`, `openWorldHint`) present, so no client falls back on
/// its own defaults. Other exports (the gateway's OpenAPI document) reuse this shape.
pub fn tool_annotations(a: &ToolAnnotations) -> Value {
    let mut out = Map::new();
    if let Some(title) = &a.title {
        out.insert("title".into(), title.as_str().into());
    }
    out.insert("readOnlyHint".into(), a.read_only.into());
    out.insert("destructiveHint".into(), a.destructive.into());
    out.insert("idempotentHint".into(), a.idempotent.into());
    out.insert("openWorldHint".into(), a.open_world.into());
    Value::Object(out)
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

/// A `CallToolResult` with `isError: true` and `text` as its content: a call refused before
/// its tool ran (a policy or a limit), in the shape [`call_tool_result`] gives a failed call.
pub fn error_result(text: &str) -> Value {
    json!({"content": [{"type": "text", "text": text}], "isError": true})
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
