//! Google Gemini: `functionDeclarations` (sanitised `parameters`, or `parametersJsonSchema`),
//! `functionCall` parts, and one user content of `functionResponse` parts.

use serde_json::{Map, Value, json};

use super::{Located, build_call, object_args, opt_array, parse_str_with, shape, single, strip};
use crate::call::{ToolCall, ToolResult};
use crate::error::{ExportError, ParseError};
use crate::tool::ToolDefinition;

/// The request's `tools` value: `[{"functionDeclarations":[{name, description, parameters}]}]`
/// with each schema sanitised to Gemini's OpenAPI subset (see [`gemini_parameters`](super::gemini_parameters));
/// a tool without parameters has no `parameters` member.
///
/// # Errors
/// The first tool whose schema cannot be expressed (recursive types): use [`tools_json_schema`].
pub fn tools(defs: &[ToolDefinition]) -> Result<Value, ExportError> {
    let decls = defs
        .iter()
        .map(|d| {
            let parameters = super::gemini_parameters(d)?;
            let mut decl = Map::new();
            decl.insert("name".into(), d.name().into());
            decl.insert("description".into(), d.description().into());
            // A function without parameters omits `parameters`: Gemini rejects an empty OBJECT.
            let empty = parameters
                .get("properties")
                .and_then(Value::as_object)
                .is_none_or(Map::is_empty);
            if !empty {
                decl.insert("parameters".into(), parameters);
            }
            Ok(Value::Object(decl))
        })
        .collect::<Result<Vec<_>, ExportError>>()?;
    Ok(json!([{ "functionDeclarations": decls }]))
}

/// The request's `tools` value with full JSON Schema in `parametersJsonSchema` (no sanitising;
/// recursive types allowed).
pub fn tools_json_schema(defs: &[ToolDefinition]) -> Value {
    let decls: Vec<Value> = defs
        .iter()
        .map(|d| json!({"name": d.name(), "description": d.description(), "parametersJsonSchema": d.parameters()}))
        .collect();
    json!([{ "functionDeclarations": decls }])
}

/// The `functionCall` parts of a `generateContent` response (its single candidate) or of a
/// `Content` object (`{"role":"model","parts":[…]}`). A missing `args` means no arguments.
///
/// # Errors
/// Not a response or content, or several candidates.
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
    if let Some(candidates) = opt_array(response, "candidates", "")? {
        return match single(candidates, "/candidates", "candidate")? {
            Some(c) => match c.get("content") {
                Some(content) => locate_content(content, "/candidates/0/content"),
                None => Ok(Vec::new()),
            },
            None => Ok(Vec::new()),
        };
    }
    if response.get("parts").is_some() {
        return locate_content(response, "");
    }
    Err(shape(
        "",
        "expected a generateContent response (`candidates`) or a content (`parts`)",
    ))
}

fn locate_content(content: &Value, ptr: &str) -> Result<Vec<Located>, ParseError> {
    let Some(parts) = opt_array(content, "parts", ptr)? else {
        return Ok(Vec::new());
    };
    Ok(parts
        .iter()
        .enumerate()
        .filter_map(|(i, part)| part.get("functionCall").map(|fc| (i, fc)))
        .map(|(i, fc)| {
            let p = format!("{ptr}/parts/{i}/functionCall");
            let args = object_args(fc.get("args"), &format!("{p}/args"));
            build_call(fc.get("id"), fc.get("name"), args, &p)
        })
        .collect())
}

/// The user content answering the calls: one `functionResponse` part per result, in order.
/// Outputs go under `response.output`, errors under `response.error` (Gemini's convention);
/// the call's `id` is echoed when it had one.
pub fn function_response_content(results: &[ToolResult]) -> Value {
    let parts: Vec<Value> = results
        .iter()
        .map(|r| {
            let response = match r.outcome() {
                Ok(v) => json!({ "output": v }),
                Err(e) => json!({ "error": e.model_message() }),
            };
            let mut fr = Map::new();
            if let Some(id) = r.call_id() {
                fr.insert("id".into(), id.into());
            }
            fr.insert("name".into(), r.name().into());
            fr.insert("response".into(), response);
            json!({ "functionResponse": fr })
        })
        .collect();
    json!({"role": "user", "parts": parts})
}
