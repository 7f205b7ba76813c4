//! The `ifttt_trigger` tool: fire one of the configured IFTTT events.

use schemars::JsonSchema;
use serde::Deserialize;
use switchboard_functions::{FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{Ifttt, Values};
use crate::common::ToolOptions;

/// Arguments of `ifttt_trigger`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerArgs {
    /// The event name, one of those the application allows.
    pub event: String,
    /// The Value1 ingredient.
    #[serde(default)]
    pub value1: Option<String>,
    /// The Value2 ingredient.
    #[serde(default)]
    pub value2: Option<String>,
    /// The Value3 ingredient.
    #[serde(default)]
    pub value3: Option<String>,
}

/// Registers `ifttt_trigger`, which fires the events `ifttt` allows
/// ([`IftttBuilder::allowed_events`](super::IftttBuilder::allowed_events)) and no other
/// applet of the account. `options` is taken for the one shape every service's
/// `register_tools` has; the tool credits no caller.
///
/// # Errors
/// The registry's error, e.g. when a tool named `ifttt_trigger` is already registered.
pub fn register_tools(
    registry: &ToolRegistry,
    client: &Ifttt,
    options: &ToolOptions,
) -> Result<(), RegisterError> {
    let _ = options;
    let ifttt = client.clone();
    let description = format!(
        "Fires an IFTTT applet event with up to three values. Allowed events: {}.",
        ifttt.allowed_events().join(", ")
    );
    let trigger = FnTool::new("ifttt_trigger", description, move |args: TriggerArgs| {
        let ifttt = ifttt.clone();
        async move {
            let mut values = Values::new();
            if let Some(v) = args.value1 {
                values = values.value1(v);
            }
            if let Some(v) = args.value2 {
                values = values.value2(v);
            }
            if let Some(v) = args.value3 {
                values = values.value3(v);
            }
            ifttt.trigger(&args.event, &values).await
        }
    })
    // An applet can do anything its owner built (switch devices off, delete rows), so the
    // cautious defaults stand: destructive, not idempotent, open world.
    .with_annotations(ToolAnnotations::destructive("Fire an IFTTT event"));
    registry.register(trigger)
}
