//! The `ifttt_trigger` tool: fire one of the configured IFTTT events.

use schemars::JsonSchema;
use serde::Deserialize;
use switchboard_functions::{FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{Ifttt, IftttError, Values};
use crate::common::InputError;

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

/// Registers `ifttt_trigger`, limited to `allowed_events` (the model cannot fire any other
/// applet of the account).
///
/// # Errors
/// The registry's error. An empty `allowed_events` registers nothing and returns `Ok(false)`.
pub fn register_tools(
    registry: &ToolRegistry,
    ifttt: &Ifttt,
    allowed_events: &[&str],
) -> Result<bool, RegisterError> {
    if allowed_events.is_empty() {
        return Ok(false);
    }
    let ifttt = ifttt.clone();
    let allowed: Vec<String> = allowed_events.iter().map(|e| (*e).to_owned()).collect();
    let description = format!(
        "Fires an IFTTT applet event with up to three values. Allowed events: {}.",
        allowed.join(", ")
    );
    let trigger = FnTool::new("ifttt_trigger", description, move |args: TriggerArgs| {
        let ifttt = ifttt.clone();
        let allowed = allowed.clone();
        async move {
            if !allowed.contains(&args.event) {
                return Err(IftttError::from(InputError::new(
                    "event",
                    format!("{:?} is not one of {}", args.event, allowed.join(", ")),
                )));
            }
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
    registry.register(trigger)?;
    Ok(true)
}
