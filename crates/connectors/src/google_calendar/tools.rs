//! Google Calendar operations as LLM tools.

use schemars::JsonSchema;
use serde::Deserialize;
use switchboard_functions::{FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{
    client::GoogleCalendar,
    models::{NewEvent, SendUpdates},
};

/// Arguments of `google_calendar_insert_event`.
#[derive(Debug, Deserialize, JsonSchema)]
struct InsertArgs {
    /// Calendar id, or "primary" for the user's main calendar.
    #[serde(default)]
    calendar_id: Option<String>,
    /// The event.
    #[serde(flatten)]
    event: NewEvent,
    /// Whom to notify: all, externalOnly or none (Google's default is none).
    #[serde(default)]
    send_updates: Option<SendUpdates>,
}

/// Registers `google_calendar_insert_event`, calling `client`.
pub fn register_tools(
    registry: &ToolRegistry,
    client: &GoogleCalendar,
) -> Result<(), RegisterError> {
    let cal = client.clone();
    registry.register(
        FnTool::new(
            "google_calendar_insert_event",
            "Creates a Google Calendar event: timed (start/end dateTime in RFC 3339 with an offset, or \
             with timeZone) or all-day (start/end date, end exclusive). Returns the event id and link.",
            move |a: InsertArgs| {
                let cal = cal.clone();
                async move {
                    let id = a.calendar_id.as_deref().unwrap_or("primary");
                    cal.insert_event(id, &a.event, a.send_updates).await
                }
            },
        )
        .with_annotations(ToolAnnotations::additive("Add a calendar event")),
    )?;
    Ok(())
}
