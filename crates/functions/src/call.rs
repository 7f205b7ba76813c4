//! Provider-neutral tool calls (what the model asked for) and tool results (what we answer).

use serde_json::Value;

use crate::context::Context;
use crate::error::CallError;

/// The arguments of one tool call, as the provider delivered them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Arguments {
    /// JSON text (OpenAI Chat Completions and Responses send arguments as a string).
    /// Parsed by the registry, which rejects malformed JSON and duplicate keys per call.
    Text(String),
    /// An already parsed value (Anthropic, Gemini, Ollama, MCP).
    Value(Value),
    /// The provider entry could not be read; the registry answers with
    /// [`CallError::MalformedCall`] carrying `message` and never runs the handler.
    Malformed {
        /// What was wrong, with a JSON pointer into the provider response where one applies.
        message: String,
    },
}

impl From<&str> for Arguments {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Arguments {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<Value> for Arguments {
    fn from(value: Value) -> Self {
        Self::Value(value)
    }
}

/// One tool call requested by a model, and who it is made for.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    id: Option<String>,
    name: String,
    arguments: Arguments,
    context: Context,
}

impl ToolCall {
    /// A call of tool `name` with `arguments` (JSON text or a [`Value`]).
    pub fn new(name: impl Into<String>, arguments: impl Into<Arguments>) -> Self {
        Self {
            id: None,
            name: name.into(),
            arguments: arguments.into(),
            context: Context::default(),
        }
    }

    /// Sets the provider's call id (needed to answer OpenAI, Anthropic and Responses calls).
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Says who the call is made for; the registry hands `context` to the tool
    /// ([`Tool::call_with_context`](crate::Tool::call_with_context)). Without it the tool gets
    /// [`Context::default`].
    #[must_use]
    pub fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// Who the call is made for.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The provider's call id, if it sent one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The requested tool name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The arguments as received.
    pub fn arguments(&self) -> &Arguments {
        &self.arguments
    }

    pub(crate) fn into_parts(self) -> (Option<String>, String, Arguments, Context) {
        (self.id, self.name, self.arguments, self.context)
    }
}

/// The outcome of one tool call, ready to be written in any provider's format.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    call_id: Option<String>,
    name: String,
    outcome: Result<Value, CallError>,
}

impl ToolResult {
    /// A result for the call `call_id` of tool `name`.
    pub fn new(
        call_id: Option<String>,
        name: impl Into<String>,
        outcome: Result<Value, CallError>,
    ) -> Self {
        Self {
            call_id,
            name: name.into(),
            outcome,
        }
    }

    /// The id of the call this answers.
    pub fn call_id(&self) -> Option<&str> {
        self.call_id.as_deref()
    }

    /// The tool name from the call.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The output or the error.
    pub fn outcome(&self) -> Result<&Value, &CallError> {
        self.outcome.as_ref()
    }

    /// Consumes the result, giving the output or the error.
    pub fn into_outcome(self) -> Result<Value, CallError> {
        self.outcome
    }

    /// Whether this result reports an error to the model.
    pub fn is_error(&self) -> bool {
        self.outcome.is_err()
    }

    /// The text sent to the model: a string output as is, any other output as compact JSON,
    /// an error as [`CallError::model_message`].
    pub fn content(&self) -> String {
        match &self.outcome {
            Ok(Value::String(s)) => s.clone(),
            // Not `to_string`: `Display` formats fragment by fragment; this writes the bytes.
            Ok(v) => serde_json::to_string(v).unwrap_or_default(),
            Err(e) => e.model_message(),
        }
    }
}
