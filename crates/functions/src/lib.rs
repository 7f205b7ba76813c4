//! Typed, validated LLM tools with exports for every provider's wire format.
#![doc = include_str!("../README.md")]
// On docs.rs (`--cfg docsrs`, nightly) every feature-gated item shows the features it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(hidden)]
#[path = "macro_support.rs"]
pub mod __private;
mod annotations;
#[cfg(any(
    feature = "calculate",
    feature = "read_file",
    feature = "query_database",
    feature = "execute_code"
))]
pub mod builtin;
mod call;
mod concurrency;
mod context;
mod dynamic;
mod erased;
mod error;
mod fn_tool;
mod history;
mod json;
pub mod providers;
mod registry;
pub mod schema;
mod tool;
mod validate;

pub use annotations::ToolAnnotations;
pub use call::{Arguments, ToolCall, ToolResult};
pub use context::{Context, User};
pub use dynamic::DynamicTool;
pub use error::{CallError, ExportError, ParseError, RegisterError, ResultFormatError, Violation};
pub use fn_tool::{ContextFn, FnTool};
pub use history::{HistoryEntry, Outcome};
pub use registry::{RegistryConfig, ToolRegistry};
#[cfg(feature = "macros")]
pub use switchboard_macros::{tool, tools};
pub use tokio_util::sync::CancellationToken;
pub use tool::{MAX_NAME_LEN, NoArgs, Tool, ToolDefinition, validate_name};
