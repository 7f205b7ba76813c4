//! The `zapier_trigger` tool: start a configured Zap through its Catch Hook.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use switchboard_functions::{FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{CatchHook, ZapierError};
use crate::common::ToolOptions;

/// Arguments of `zapier_trigger`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerArgs {
    /// The fields to send to the Zap, as a JSON object.
    pub data: Map<String, Value>,
}

/// What `zapier_trigger` returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TriggerOutput {
    /// `success` when Zapier accepted the call (it does so even for a Zap that is off).
    pub status: Option<String>,
    /// Zapier's request id.
    pub request_id: Option<String>,
}

/// Registers `zapier_trigger`, which posts its `data` to the hook of `client`. The hook URL is
/// fixed by the application; the model only chooses the data. `options` is taken for the one
/// shape every service's `register_tools` has; the tool credits no caller.
///
/// # Errors
/// The registry's error, e.g. when the name is taken.
pub fn register_tools(
    registry: &ToolRegistry,
    client: &CatchHook,
    options: &ToolOptions,
) -> Result<(), RegisterError> {
    let _ = options;
    let hook = client.clone();
    // A Zap can do anything its owner built (update or delete records included), so the
    // cautious defaults stand: destructive, not idempotent, open world.
    registry.register(
        FnTool::new(
            "zapier_trigger",
            "Starts the configured Zapier automation (Zap) with the given data fields.",
            move |args: TriggerArgs| {
                let hook = hook.clone();
                async move {
                    let receipt = hook.trigger(&Value::Object(args.data)).await?;
                    Ok::<_, ZapierError>(TriggerOutput {
                        status: receipt.status,
                        request_id: receipt.request_id,
                    })
                }
            },
        )
        .with_output_schema(switchboard_functions::schema::schema_for::<TriggerOutput>())
        .with_annotations(ToolAnnotations::destructive("Start a Zapier automation")),
    )
}
