//! The common types of every enabled part: `use switchboard::prelude::*;`.

pub use switchboard_core::{Auth, Client, NetPolicy, RetryPolicy, Secret};

#[cfg(feature = "functions")]
pub use switchboard_functions::{
    CallError, DynamicTool, Tool, ToolCall, ToolDefinition, ToolRegistry, ToolResult,
};

#[cfg(feature = "calculate")]
pub use switchboard_functions::builtin::calculate::Calculate;

#[cfg(feature = "read_file")]
pub use switchboard_functions::builtin::read_file::{FileRoots, ListDir, ReadFile};

#[cfg(feature = "webhooks")]
pub use switchboard_webhooks::delivery::{EndpointSpec, WebhookManager};
#[cfg(feature = "webhooks")]
pub use switchboard_webhooks::sign::{StandardSigner, StandardVerifier, Verifier, WebhookSecret};
