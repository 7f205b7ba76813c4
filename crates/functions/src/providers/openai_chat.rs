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

/// Reassembles tool calls from a streamed chat completion (`chat.completion.chunk`s whose
/// `choices[0].delta.tool_calls[]` carry an `index`, the `id` and name once, and argument
/// fragments).
///
/// ```
/// use serde_json::json;
/// use switchboard_functions::providers::openai_chat::ToolCallStream;
///
/// let mut stream = ToolCallStream::new();
/// stream.push_chunk(&json!({"choices": [{"index": 0, "delta": {"tool_calls": [
///     {"index": 0, "id": "call_1", "type": "function",
///      "function": {"name": "get_weather", "arguments": "{\"ci"}}]}}]}))?;
/// stream.push_chunk(&json!({"choices": [{"index": 0, "delta": {"tool_calls": [
///     {"index": 0, "function": {"arguments": "ty\":\"Oslo\"}"}}]}}]}))?;
/// let calls = stream.finish();
/// assert_eq!(calls[0].id(), Some("call_1"));
/// # Ok::<(), switchboard_functions::ParseError>(())
/// ```
#[derive(Debug, Default)]
pub struct ToolCallStream {
    calls: std::collections::BTreeMap<u64, Partial>,
}

#[derive(Debug, Default)]
struct Partial {
    id: Option<String>,
    name: String,
    arguments: String,
    kind: Option<String>,
}

impl ToolCallStream {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one streamed chunk. Chunks without tool-call deltas (text, usage) are accepted.
    ///
    /// # Errors
    /// The chunk is not an object, `choices` or `tool_calls` have the wrong type, a delta has
    /// no numeric `index`, or the chunk carries a choice other than index 0 (with `n > 1`,
    /// feed each choice's deltas to its own accumulator with [`push_delta`](Self::push_delta)).
    pub fn push_chunk(&mut self, chunk: &Value) -> Result<(), ParseError> {
        if !chunk.is_object() {
            return Err(shape("", "a chunk must be a JSON object"));
        }
        let Some(choices) = opt_array(chunk, "choices", "")? else {
            return Ok(());
        };
        for (i, choice) in choices.iter().enumerate() {
            let index = choice.get("index").and_then(Value::as_u64).unwrap_or(0);
            if index != 0 {
                return Err(shape(
                    format!("/choices/{i}/index"),
                    "choice index other than 0; accumulate each choice separately",
                ));
            }
            if let Some(delta) = choice.get("delta") {
                self.push_delta_at(delta, &format!("/choices/{i}/delta"))?;
            }
        }
        Ok(())
    }

    /// Adds one `delta` object (`{"tool_calls":[…]}`) of a single choice.
    ///
    /// # Errors
    /// As for [`push_chunk`](Self::push_chunk).
    pub fn push_delta(&mut self, delta: &Value) -> Result<(), ParseError> {
        self.push_delta_at(delta, "")
    }

    fn push_delta_at(&mut self, delta: &Value, ptr: &str) -> Result<(), ParseError> {
        let Some(parts) = opt_array(delta, "tool_calls", ptr)? else {
            return Ok(());
        };
        for (i, part) in parts.iter().enumerate() {
            let p = format!("{ptr}/tool_calls/{i}");
            let index = part.get("index").and_then(Value::as_u64).ok_or_else(|| {
                shape(
                    format!("{p}/index"),
                    "a tool-call delta needs a numeric `index`",
                )
            })?;
            let entry = self.calls.entry(index).or_default();
            if let Some(id) = part
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                entry.id.get_or_insert_with(|| id.to_owned());
            }
            if let Some(kind) = part.get("type").and_then(Value::as_str) {
                entry.kind.get_or_insert_with(|| kind.to_owned());
            }
            if let Some(f) = part.get("function") {
                // The name normally arrives whole in the first delta; some servers repeat it.
                if let Some(name) = f.get("name").and_then(Value::as_str)
                    && entry.name != name
                {
                    entry.name.push_str(name);
                }
                match f.get("arguments") {
                    Some(Value::String(fragment)) => entry.arguments.push_str(fragment),
                    None | Some(Value::Null) => {}
                    Some(_) => {
                        return Err(shape(
                            format!("{p}/function/arguments"),
                            "argument fragments must be strings",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The assembled calls in `index` order. A call that never got a name, or of a type other
    /// than `function`, comes back with [`Arguments::Malformed`](crate::Arguments::Malformed).
    pub fn finish(self) -> Vec<ToolCall> {
        self.calls
            .into_iter()
            .map(|(index, p)| {
                let arguments = match p.kind.as_deref() {
                    Some(kind) if kind != "function" => crate::Arguments::Malformed {
                        message: format!("streamed tool call {index}: tool calls of type {kind:?} are not supported"),
                    },
                    _ if p.name.is_empty() => crate::Arguments::Malformed {
                        message: format!("streamed tool call {index} has no name"),
                    },
                    _ => crate::Arguments::Text(p.arguments),
                };
                let call = ToolCall::new(p.name, arguments);
                match p.id {
                    Some(id) => call.with_id(id),
                    None => call,
                }
            })
            .collect()
    }
}
