//! A recorded call as the admin API (`GET /admin/tool-calls`) and `switchboard calls list
//! --json` show it: times in RFC 3339, the caller's fields together, the arguments as JSON.
//! The OpenAPI document takes its schema from these types.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::query::format_time;
use super::row::CallRow;

/// One tool call of the audit trail.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToolCall {
    /// The row's id.
    id: i64,
    /// When the call started (RFC 3339, UTC, microseconds).
    #[schemars(extend("format" = "date-time"))]
    at: String,
    /// Who called.
    caller: ToolCaller,
    /// The tool called.
    tool: String,
    /// How it came: `rest`, `mcp` or `console`.
    transport: String,
    /// How it ended: `ok`, an error kind, a refusal or `dropped`.
    outcome: String,
    /// How long it took, in milliseconds.
    duration_ms: f64,
    /// The SHA-256 (hex) of the stored arguments; `null` when they were not JSON.
    arguments_sha256: Option<String>,
    /// The redacted arguments; `null` when they were not JSON or too long to keep.
    arguments: Option<Value>,
    /// Bytes of the tool's JSON output.
    result_bytes: i64,
}

/// Who made a tool call, as far as the gateway knows.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToolCaller {
    /// The bearer token's name.
    token: Option<String>,
    /// The user's id (Open WebUI's forwarded headers or JWT).
    user_id: Option<String>,
    /// The user's email.
    email: Option<String>,
    /// The user's name.
    name: Option<String>,
    /// The user's role.
    role: Option<String>,
    /// The chat the call came from.
    chat_id: Option<String>,
    /// The chat message the call came from.
    message_id: Option<String>,
}

impl From<&CallRow> for ToolCall {
    fn from(row: &CallRow) -> Self {
        // Stored arguments that do not read back as JSON (cut short, or never JSON) show as
        // `null`; their hash still identifies them.
        let arguments = row
            .arguments
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok());
        ToolCall {
            id: row.id,
            at: format_time(row.at_us),
            caller: ToolCaller {
                token: row.token.clone(),
                user_id: row.user_id.clone(),
                email: row.email.clone(),
                name: row.user_name.clone(),
                role: row.role.clone(),
                chat_id: row.chat_id.clone(),
                message_id: row.message_id.clone(),
            },
            tool: row.tool.clone(),
            transport: row.transport.clone(),
            outcome: row.outcome.clone(),
            duration_ms: row.duration_us as f64 / 1000.0,
            arguments_sha256: row.arguments_sha256.clone(),
            arguments,
            result_bytes: row.result_bytes,
        }
    }
}
