//! Changing existing events: `PATCH` (only the fields given change) and `DELETE`, each with
//! `sendUpdates` stated by the caller, since whether guests get an email is the caller's
//! decision and Google's default (`none`) silently leaves them with a stale invitation.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    client::{GoogleCalendar, check_calendar_id},
    error::GoogleCalendarError,
    models::{EventTime, SendUpdates, check_attendees, check_span},
    read::{CalendarEvent, WireEvent},
};
use crate::common::{InputError, join};

/// The fields of an event to change; those left `None` keep their value.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EventPatch {
    /// A new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// A new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A new location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// A new start (give end too when moving an event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<EventTime>,
    /// A new end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<EventTime>,
    /// The whole new guest list, by email (replaces the current one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendees: Option<Vec<String>>,
}

impl EventPatch {
    /// The request body, after checking the fields.
    pub(crate) fn body(&self) -> Result<Value, InputError> {
        let mut body = Map::new();
        if let Some(s) = &self.summary {
            if s.trim().is_empty() {
                return Err(InputError::new("summary", "must not be blank"));
            }
            body.insert("summary".into(), json!(s));
        }
        if let Some(d) = &self.description {
            body.insert("description".into(), json!(d));
        }
        if let Some(l) = &self.location {
            body.insert("location".into(), json!(l));
        }
        match (&self.start, &self.end) {
            (Some(start), Some(end)) => check_span(start, end)?,
            (Some(start), None) => {
                start.check("start")?;
            }
            (None, Some(end)) => {
                end.check("end")?;
            }
            (None, None) => {}
        }
        if let Some(start) = &self.start {
            body.insert("start".into(), json!(start));
        }
        if let Some(end) = &self.end {
            body.insert("end".into(), json!(end));
        }
        if let Some(a) = &self.attendees {
            check_attendees(a)?;
            let list: Vec<Value> = a.iter().map(|e| json!({"email": e})).collect();
            body.insert("attendees".into(), Value::Array(list));
        }
        if body.is_empty() {
            return Err(InputError::new(
                "summary",
                "nothing to change: give at least one of summary, description, location, start, \
                 end, attendees",
            ));
        }
        Ok(Value::Object(body))
    }
}

/// What a deletion did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DeletedEvent {
    /// The calendar.
    pub calendar_id: String,
    /// The deleted event.
    pub event_id: String,
    /// Whom Google notified.
    pub send_updates: SendUpdates,
}

/// Checks an event id before it becomes a path segment.
fn check_event_id(id: &str) -> Result<(), InputError> {
    let ok = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@' | '.'));
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            "event_id",
            format!("{id:?} is not an event id (google_calendar_list_events gives them)"),
        ))
    }
}

impl GoogleCalendar {
    /// `PATCH /calendars/{calendar_id}/events/{event_id}?sendUpdates=…`: changes the fields of
    /// `patch` and returns the event as it is now.
    pub async fn update_event(
        &self,
        calendar_id: &str,
        event_id: &str,
        patch: &EventPatch,
        send_updates: SendUpdates,
    ) -> Result<CalendarEvent, GoogleCalendarError> {
        check_calendar_id(calendar_id)?;
        check_event_id(event_id)?;
        let body = patch.body()?;
        let url = join(&self.base, &["calendars", calendar_id, "events", event_id])?;
        let req = self
            .http
            .patch(url.as_str())
            .query(&[("sendUpdates", send_updates.as_str())])
            .json(&body);
        let res = self.send(req).await?;
        let wire: WireEvent =
            serde_json::from_slice(&res.body).map_err(GoogleCalendarError::Decode)?;
        Ok(wire.into())
    }

    /// `DELETE /calendars/{calendar_id}/events/{event_id}?sendUpdates=…`. An event deleted
    /// already is an error (410 Gone).
    pub async fn delete_event(
        &self,
        calendar_id: &str,
        event_id: &str,
        send_updates: SendUpdates,
    ) -> Result<DeletedEvent, GoogleCalendarError> {
        check_calendar_id(calendar_id)?;
        check_event_id(event_id)?;
        let url = join(&self.base, &["calendars", calendar_id, "events", event_id])?;
        let req = self
            .http
            .delete(url.as_str())
            .query(&[("sendUpdates", send_updates.as_str())]);
        self.send(req).await?;
        Ok(DeletedEvent {
            calendar_id: calendar_id.to_owned(),
            event_id: event_id.to_owned(),
            send_updates,
        })
    }
}
