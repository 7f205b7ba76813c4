//! Error types: registration failures, per-call failures and argument violations.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// One way in which a tool's arguments broke its schema.
///
/// `pointer` is a JSON pointer into the arguments object (`""` is the whole object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pointer: String,
    message: String,
}

impl Violation {
    /// Creates a violation at `pointer` with a human (and model) readable `message`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// The JSON pointer of the offending value inside the arguments (`""` for the root).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// What was wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "(root)"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {}", self.message)
    }
}

/// Why a tool could not be registered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The name is empty, longer than 64 characters, or uses characters outside `[A-Za-z0-9_-]`.
    #[error("invalid tool name {name:?}: {reason}")]
    InvalidName {
        /// The rejected name.
        name: String,
        /// What rule it broke.
        reason: String,
    },
    /// A tool with this name is already registered.
    #[error("a tool named {name:?} is already registered")]
    Duplicate {
        /// The name in use.
        name: String,
    },
    /// The parameter schema's root is not an object schema (`"type": "object"`).
    #[error(
        "tool {tool:?}: the parameter schema must be an object schema (`\"type\": \"object\"` at the root), found {found}"
    )]
    RootNotObject {
        /// The tool.
        tool: String,
        /// A short description of what the root was.
        found: String,
    },
    /// The schema does not compile (bad keyword value, unresolvable or remote `$ref`, bad regex).
    #[error("tool {tool:?}: invalid schema at {pointer:?}: {message}")]
    InvalidSchema {
        /// The tool.
        tool: String,
        /// JSON pointer into the schema, where known (`""` otherwise).
        pointer: String,
        /// What the schema compiler said.
        message: String,
    },
    /// The description is empty.
    #[error("tool {tool:?}: the description must not be empty")]
    EmptyDescription {
        /// The tool.
        tool: String,
    },
    /// The annotations contradict themselves (a destructive read-only tool, a blank title).
    #[error("tool {tool:?}: invalid annotations: {reason}")]
    InvalidAnnotations {
        /// The tool.
        tool: String,
        /// What is contradictory.
        reason: &'static str,
    },
}

/// Why one tool call did not produce an output.
///
/// Every variant can be shown to the model through [`CallError::model_message`]
/// (what [`ToolResult::content`](crate::ToolResult::content) uses for errors).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No tool of that name is registered.
    #[error("unknown tool {name:?}; available tools: {}", available.join(", "))]
    UnknownTool {
        /// The name the caller asked for.
        name: String,
        /// The registered names, sorted.
        available: Vec<String>,
    },
    /// The tool call itself was malformed (argument text that is not JSON, duplicate keys,
    /// a provider entry missing its name); the handler did not run.
    #[error("malformed tool call for {tool:?}: {message}")]
    MalformedCall {
        /// The tool named by the call (may be empty when the call had no name).
        tool: String,
        /// What was wrong, with a JSON pointer where one applies.
        message: String,
    },
    /// The arguments broke the tool's schema; the handler did not run.
    #[error("invalid arguments for tool {tool:?}: {}", join_violations(violations))]
    InvalidArguments {
        /// The tool.
        tool: String,
        /// Every violation found, in schema-evaluation order.
        violations: Vec<Violation>,
    },
    /// The handler returned an error (its `Display` text).
    #[error("tool {tool:?} failed: {message}")]
    Failed {
        /// The tool.
        tool: String,
        /// The handler's error text.
        message: String,
    },
    /// The handler did not finish in time; its future was dropped.
    #[error("tool {tool:?} timed out after {}", fmt_duration(*after))]
    Timeout {
        /// The tool.
        tool: String,
        /// The timeout that applied.
        after: Duration,
    },
    /// The call was cancelled through its cancellation token; its future was dropped.
    #[error("tool {tool:?} was cancelled")]
    Cancelled {
        /// The tool.
        tool: String,
    },
    /// The tool already runs as many calls as its concurrency limit allows
    /// ([`RegistryConfig::with_tool_concurrency`](crate::RegistryConfig::with_tool_concurrency));
    /// the handler did not run. Retrying later can succeed.
    #[error("tool {tool:?} is busy: {limit} calls are already running, the most it runs at once")]
    Busy {
        /// The tool.
        tool: String,
        /// Its concurrency limit.
        limit: usize,
    },
    /// The handler's output could not be serialised to JSON, or does not match the tool's
    /// declared output schema.
    #[error("tool {tool:?} returned an unusable output: {message}")]
    Output {
        /// The tool.
        tool: String,
        /// The serialiser's message.
        message: String,
    },
}

impl CallError {
    /// A short stable name for the kind of error, used in history and tracing
    /// (`unknown_tool`, `malformed_call`, `invalid_arguments`, `failed`, `timeout`, `cancelled`,
    /// `busy`, `output`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnknownTool { .. } => "unknown_tool",
            Self::MalformedCall { .. } => "malformed_call",
            Self::InvalidArguments { .. } => "invalid_arguments",
            Self::Failed { .. } => "failed",
            Self::Timeout { .. } => "timeout",
            Self::Cancelled { .. } => "cancelled",
            Self::Busy { .. } => "busy",
            Self::Output { .. } => "output",
        }
    }

    /// The text handed back to the model as an error tool result.
    ///
    /// Argument errors list every violation on its own line so the model can fix all of them
    /// in one retry.
    pub fn model_message(&self) -> String {
        match self {
            Self::UnknownTool { name, available } => format!(
                "Error: there is no tool named {name:?}. Available tools: {}.",
                available.join(", ")
            ),
            Self::MalformedCall { tool, message } => {
                format!(
                    "Error: the call to {tool:?} was malformed: {message}. Send the arguments as one JSON object."
                )
            }
            Self::InvalidArguments { tool, violations } => {
                let mut out = format!(
                    "Error: invalid arguments for tool {tool:?} ({} problem{}):",
                    violations.len(),
                    if violations.len() == 1 { "" } else { "s" }
                );
                for v in violations {
                    out.push_str("\n- ");
                    out.push_str(&v.to_string());
                }
                out.push_str("\nFix the arguments and call the tool again.");
                out
            }
            Self::Failed { tool, message } => format!("Error: tool {tool:?} failed: {message}"),
            Self::Timeout { tool, after } => {
                format!(
                    "Error: tool {tool:?} timed out after {}.",
                    fmt_duration(*after)
                )
            }
            Self::Cancelled { tool } => format!("Error: tool {tool:?} was cancelled."),
            Self::Busy { tool, limit } => format!(
                "Error: tool {tool:?} is busy: {limit} call{} already running, the most it runs at once. Try again in a moment.",
                if *limit == 1 { " is" } else { "s are" }
            ),
            Self::Output { tool, message } => {
                format!(
                    "Error: tool {tool:?} produced an output that could not be encoded: {message}"
                )
            }
        }
    }

    /// The violations, for [`CallError::InvalidArguments`]; empty otherwise.
    pub fn violations(&self) -> &[Violation] {
        match self {
            Self::InvalidArguments { violations, .. } => violations,
            _ => &[],
        }
    }
}

fn join_violations(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn fmt_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// A provider response (or request) that could not be read at all.
///
/// Problems with a single call inside a readable response are not `ParseError`s: they become
/// that call's [`CallError::MalformedCall`] so no call is lost.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is not JSON.
    #[error("response is not valid JSON: {0}")]
    Json(String),
    /// The JSON does not have the provider's shape.
    #[error("unexpected response shape at {pointer:?}: {message}")]
    Shape {
        /// JSON pointer into the response.
        pointer: String,
        /// What was expected.
        message: String,
    },
}

/// A tool result that cannot be written in a provider's format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResultFormatError {
    /// The provider needs a call id to match the result to its call, and the call had none.
    #[error("the result for tool {tool:?} has no call id, which {provider} requires")]
    MissingCallId {
        /// The tool.
        tool: String,
        /// The provider format.
        provider: &'static str,
    },
}

/// A schema that a provider format cannot represent faithfully.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tool {tool:?} cannot be exported for {target}: {}", problems.iter().map(|(p, m)| format!("{p}: {m}")).collect::<Vec<_>>().join("; "))]
pub struct ExportError {
    tool: String,
    target: &'static str,
    problems: Vec<(String, String)>,
}

impl ExportError {
    pub(crate) fn new(tool: &str, target: &'static str, problems: Vec<(String, String)>) -> Self {
        Self {
            tool: tool.to_owned(),
            target,
            problems,
        }
    }

    /// The tool that could not be exported.
    pub fn tool(&self) -> &str {
        &self.tool
    }

    /// The target format, e.g. `"OpenAI strict mode"`.
    pub fn target(&self) -> &'static str {
        self.target
    }

    /// Each problem as `(JSON pointer into the schema, reason)`.
    pub fn problems(&self) -> &[(String, String)] {
        &self.problems
    }
}
