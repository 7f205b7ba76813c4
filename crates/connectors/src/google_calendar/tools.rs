//! Google Calendar operations as LLM tools.

use schemars::JsonSchema;
use serde::Deserialize;
use switchboard_functions::{
    FnTool, RegisterError, ToolAnnotations, ToolRegistry, schema::schema_for,
};

use super::{
    changes::{DeletedEvent, EventPatch},
    client::GoogleCalendar,
    models::{NewEvent, SendUpdates},
    read::{CalendarEvent, CalendarEvents, EventQuery, FreeBusy},
};
use crate::common::ToolOptions;

/// The calendar a call names, `primary` when it names none.
fn calendar(id: Option<&str>) -> &str {
    id.unwrap_or("primary")
}

/// Arguments of `google_calendar_list_events`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListArgs {
    /// Calendar id, or "primary" (default) for the user's main calendar.
    #[serde(default)]
    calendar_id: Option<String>,
    /// Events ending after this RFC 3339 time with an offset, e.g. 2025-06-02T00:00:00+02:00.
    #[serde(default)]
    time_min: Option<String>,
    /// Events starting before this RFC 3339 time with an offset.
    #[serde(default)]
    time_max: Option<String>,
    /// IANA time zone to write the times in, e.g. Europe/Paris (default: the calendar's).
    #[serde(default)]
    time_zone: Option<String>,
    /// Free text to match in titles, descriptions, locations and guests.
    #[serde(default)]
    query: Option<String>,
    /// Events per page (default 50, at most 250).
    #[serde(default)]
    max_results: Option<u32>,
    /// The previous answer's next_page_token, to get the next events.
    #[serde(default)]
    page_token: Option<String>,
}

/// Arguments of `google_calendar_free_busy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct FreeBusyArgs {
    /// The calendars to check: "primary", or ids / email addresses of calendars shared with
    /// this account (1 to 50).
    calendar_ids: Vec<String>,
    /// The window's start, RFC 3339 with an offset.
    time_min: String,
    /// The window's end, RFC 3339 with an offset.
    time_max: String,
    /// IANA time zone to write the busy times in (default UTC).
    #[serde(default)]
    time_zone: Option<String>,
}

/// Arguments of `google_calendar_update_event`.
#[derive(Debug, Deserialize, JsonSchema)]
struct UpdateArgs {
    /// Calendar id, or "primary" (default).
    #[serde(default)]
    calendar_id: Option<String>,
    /// The event's id, as google_calendar_list_events gives it.
    event_id: String,
    /// Whom Google emails about the change: all (every guest), externalOnly (guests outside
    /// Google Calendar) or none.
    send_updates: SendUpdates,
    /// The fields to change; the others keep their values.
    #[serde(flatten)]
    patch: EventPatch,
}

/// Arguments of `google_calendar_delete_event`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DeleteArgs {
    /// Calendar id, or "primary" (default).
    #[serde(default)]
    calendar_id: Option<String>,
    /// The event's id, as google_calendar_list_events gives it.
    event_id: String,
    /// Whom Google emails about the cancellation: all, externalOnly or none.
    send_updates: SendUpdates,
}

/// Registers the reading tools `google_calendar_list_events` and `google_calendar_free_busy`.
fn register_read_tools(registry: &ToolRegistry, cal: &GoogleCalendar) -> Result<(), RegisterError> {
    let c = cal.clone();
    registry.register(
        FnTool::new(
            "google_calendar_list_events",
            "Lists Google Calendar events in a time window (time_min/time_max), recurring events \
             as their occurrences, ordered by start: title, start/end, location, description, \
             organizer, guests and their responses, meeting link. Paged: pass next_page_token \
             back as page_token.",
            move |a: ListArgs| {
                let c = c.clone();
                async move {
                    let query = EventQuery {
                        time_min: a.time_min,
                        time_max: a.time_max,
                        time_zone: a.time_zone,
                        text: a.query,
                        max_results: a.max_results,
                        page_token: a.page_token,
                    };
                    c.list_events(calendar(a.calendar_id.as_deref()), &query)
                        .await
                }
            },
        )
        .with_output_schema(schema_for::<CalendarEvents>())
        .with_annotations(ToolAnnotations::read_only("List calendar events")),
    )?;
    let c = cal.clone();
    registry.register(
        FnTool::new(
            "google_calendar_free_busy",
            "Gives the busy intervals of one or more Google calendars in a time window (free is \
             everything else), e.g. to find a slot for a meeting.",
            move |a: FreeBusyArgs| {
                let c = c.clone();
                async move {
                    c.free_busy(
                        &a.calendar_ids,
                        &a.time_min,
                        &a.time_max,
                        a.time_zone.as_deref(),
                    )
                    .await
                }
            },
        )
        .with_output_schema(schema_for::<FreeBusy>())
        .with_annotations(ToolAnnotations::read_only("Check free/busy times")),
    )?;
    Ok(())
}

/// Registers `google_calendar_update_event` and `google_calendar_delete_event`.
fn register_change_tools(
    registry: &ToolRegistry,
    cal: &GoogleCalendar,
) -> Result<(), RegisterError> {
    let c = cal.clone();
    registry.register(
        FnTool::new(
            "google_calendar_update_event",
            "Changes a Google Calendar event: only the fields given (title, description, \
             location, start/end, the whole guest list) change. send_updates says whom Google \
             emails. Returns the event as it is now.",
            move |a: UpdateArgs| {
                let c = c.clone();
                async move {
                    c.update_event(
                        calendar(a.calendar_id.as_deref()),
                        &a.event_id,
                        &a.patch,
                        a.send_updates,
                    )
                    .await
                }
            },
        )
        .with_output_schema(schema_for::<CalendarEvent>())
        .with_annotations(ToolAnnotations::destructive("Change a calendar event").idempotent()),
    )?;
    let c = cal.clone();
    registry.register(
        FnTool::new(
            "google_calendar_delete_event",
            "Deletes a Google Calendar event (for a recurring event's occurrence, only that \
             occurrence). send_updates says whom Google emails about the cancellation.",
            move |a: DeleteArgs| {
                let c = c.clone();
                async move {
                    c.delete_event(
                        calendar(a.calendar_id.as_deref()),
                        &a.event_id,
                        a.send_updates,
                    )
                    .await
                }
            },
        )
        .with_output_schema(schema_for::<DeletedEvent>())
        .with_annotations(ToolAnnotations::destructive("Delete a calendar event").idempotent()),
    )?;
    Ok(())
}

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

/// Registers `google_calendar_list_events`, `google_calendar_free_busy` (reading),
/// `google_calendar_insert_event`, `google_calendar_update_event` and
/// `google_calendar_delete_event` (writing), calling `client`.
///
/// `options` is taken for the one shape every service's `register_tools` has; these tools
/// write nothing people read as a message, so they credit no caller.
///
/// # Errors
/// The registry's error, e.g. when a tool name is already taken.
pub fn register_tools(
    registry: &ToolRegistry,
    client: &GoogleCalendar,
    options: &ToolOptions,
) -> Result<(), RegisterError> {
    let _ = options;
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
    register_read_tools(registry, client)?;
    register_change_tools(registry, client)
}
