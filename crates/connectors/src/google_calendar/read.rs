//! Reading calendars: the events in a time window (`events.list`, recurring events expanded
//! into their occurrences and ordered by start) and free/busy times of a set of calendars
//! (`freeBusy.query`). Answers are compact views for a model; long descriptions are cut.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    client::{GoogleCalendar, check_calendar_id},
    error::GoogleCalendarError,
    models::{EventStatus, EventTime},
};
use crate::common::{InputError, join, parse_iso8601};
use crate::text::cut_chars;

/// Most events one page holds here (Google allows 2500; a model reads these).
pub const MAX_EVENTS: u32 = 250;
/// Most calendars one free/busy query covers (Google's `calendarExpansionMax` limit).
pub const MAX_FREE_BUSY_CALENDARS: usize = 50;
/// Characters of an event's description kept.
pub const EVENT_DESCRIPTION_CHARS: usize = 2000;

/// Which events of a calendar: a window, a text search, a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct EventQuery {
    /// Events ending after this RFC 3339 time (with an offset).
    pub time_min: Option<String>,
    /// Events starting before this RFC 3339 time (with an offset).
    pub time_max: Option<String>,
    /// The IANA time zone the answer's times are written in (default: the calendar's).
    pub time_zone: Option<String>,
    /// Free text matched against summary, description, location, attendees.
    pub text: Option<String>,
    /// Events per page, 1–[`MAX_EVENTS`] (default 50).
    pub max_results: Option<u32>,
    /// The previous page's `next_page_token`.
    pub page_token: Option<String>,
}

/// A guest of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    /// The email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `needsAction`, `declined`, `tentative` or `accepted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<String>,
    /// Whether attendance is optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// An event as listed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CalendarEvent {
    /// The event id (for update and delete; an occurrence of a recurring event has its own).
    pub id: String,
    /// `confirmed`, `tentative` or `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub status: Option<EventStatus>,
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Start: `dateTime` (in the requested time zone) or `date` for all-day events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<EventTime>,
    /// End (exclusive for all-day events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<EventTime>,
    /// The location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The description, at most [`EVENT_DESCRIPTION_CHARS`] characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// True when the description was cut.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub description_truncated: bool,
    /// The organizer's name, else email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer: Option<String>,
    /// The guests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<Attendee>,
    /// The video call link (Google Meet), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_link: Option<String>,
    /// For an occurrence of a recurring event: the recurring event's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurring_event_id: Option<String>,
    /// The event's page in Google Calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_link: Option<String>,
}

/// One page of a calendar's events, ordered by start.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CalendarEvents {
    /// The calendar's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// The time zone the times are written in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The events of this page.
    pub events: Vec<CalendarEvent>,
    /// True when more events follow.
    pub truncated: bool,
    /// The `page_token` that gets the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// A busy interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BusyInterval {
    /// Start (RFC 3339).
    pub start: String,
    /// End (RFC 3339, exclusive).
    pub end: String,
}

/// One calendar's busy times.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CalendarBusy {
    /// The calendar id as asked.
    pub calendar_id: String,
    /// The busy intervals in the window, in order; free is everything else.
    pub busy: Vec<BusyInterval>,
    /// Why Google could not tell (e.g. `notFound`: unknown or not shared with this account);
    /// when present, `busy` means nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The answer of a free/busy query.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FreeBusy {
    /// The window's start.
    pub time_min: String,
    /// The window's end.
    pub time_max: String,
    /// Each calendar asked about, in the order asked.
    pub calendars: Vec<CalendarBusy>,
}

// -- Google's JSON --

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Person {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryPoint {
    #[serde(default)]
    entry_point_type: Option<String>,
    #[serde(default)]
    uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Conference {
    #[serde(default)]
    entry_points: Vec<EntryPoint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireEvent {
    id: String,
    #[serde(default)]
    status: Option<EventStatus>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    start: Option<EventTime>,
    #[serde(default)]
    end: Option<EventTime>,
    #[serde(default)]
    organizer: Option<Person>,
    #[serde(default)]
    attendees: Vec<Attendee>,
    #[serde(default)]
    hangout_link: Option<String>,
    #[serde(default)]
    conference_data: Option<Conference>,
    #[serde(default)]
    recurring_event_id: Option<String>,
    #[serde(default)]
    html_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvents {
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    items: Vec<WireEvent>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct WireBusyError {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct WireCalendarBusy {
    #[serde(default)]
    busy: Vec<BusyInterval>,
    #[serde(default)]
    errors: Vec<WireBusyError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireFreeBusy {
    time_min: String,
    time_max: String,
    #[serde(default)]
    calendars: std::collections::HashMap<String, WireCalendarBusy>,
}

impl From<WireEvent> for CalendarEvent {
    fn from(e: WireEvent) -> Self {
        let (description, description_truncated) = match e.description {
            Some(d) => {
                let (d, cut) = cut_chars(d, EVENT_DESCRIPTION_CHARS);
                (Some(d), cut)
            }
            None => (None, false),
        };
        let video = e.conference_data.and_then(|c| {
            c.entry_points
                .into_iter()
                .find(|p| p.entry_point_type.as_deref() == Some("video"))
                .and_then(|p| p.uri)
        });
        Self {
            id: e.id,
            status: e.status,
            summary: e.summary,
            start: e.start,
            end: e.end,
            location: e.location,
            description,
            description_truncated,
            organizer: e.organizer.and_then(|p| p.display_name.or(p.email)),
            attendees: e.attendees,
            meeting_link: video.or(e.hangout_link),
            recurring_event_id: e.recurring_event_id,
            html_link: e.html_link,
        }
    }
}

/// Checks an RFC 3339 time with an offset, as Google requires for `timeMin`/`timeMax`.
fn instant(field: &str, value: &str) -> Result<f64, InputError> {
    parse_iso8601(value).ok_or_else(|| {
        InputError::new(
            field,
            format!(
                "{value:?} is not an RFC 3339 time with an offset, e.g. 2025-06-02T00:00:00+02:00 \
                 or 2025-06-01T22:00:00Z"
            ),
        )
    })
}

/// Checks a window: both times well-formed, the end after the start.
fn window(min: Option<&str>, max: Option<&str>) -> Result<(), InputError> {
    let min = min.map(|v| instant("time_min", v)).transpose()?;
    let max = max.map(|v| instant("time_max", v)).transpose()?;
    if let (Some(a), Some(b)) = (min, max)
        && b <= a
    {
        return Err(InputError::new("time_max", "must be after time_min"));
    }
    Ok(())
}

/// Checks an IANA time zone name's shape (Google checks that it exists).
pub(super) fn time_zone(field: &str, tz: &str) -> Result<(), InputError> {
    let ok = !tz.is_empty()
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            field,
            format!("{tz:?} is not an IANA time zone name like Europe/Paris"),
        ))
    }
}

impl GoogleCalendar {
    /// `GET /calendars/{calendar_id}/events` with `singleEvents=true` and
    /// `orderBy=startTime`: one page of the events (recurring ones as their occurrences) in
    /// the query's window, by start.
    pub async fn list_events(
        &self,
        calendar_id: &str,
        query: &EventQuery,
    ) -> Result<CalendarEvents, GoogleCalendarError> {
        check_calendar_id(calendar_id)?;
        window(query.time_min.as_deref(), query.time_max.as_deref())?;
        let max = query.max_results.unwrap_or(50);
        if max == 0 || max > MAX_EVENTS {
            return Err(InputError::new(
                "max_results",
                format!("{max} is not within 1–{MAX_EVENTS}"),
            )
            .into());
        }
        let mut url = join(&self.base, &["calendars", calendar_id, "events"])?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("singleEvents", "true")
                .append_pair("orderBy", "startTime")
                .append_pair("maxResults", &max.to_string());
            if let Some(v) = &query.time_min {
                q.append_pair("timeMin", v);
            }
            if let Some(v) = &query.time_max {
                q.append_pair("timeMax", v);
            }
            if let Some(tz) = &query.time_zone {
                time_zone("time_zone", tz)?;
                q.append_pair("timeZone", tz);
            }
            if let Some(text) = query.text.as_deref().filter(|t| !t.trim().is_empty()) {
                q.append_pair("q", text);
            }
            if let Some(token) = query.page_token.as_deref().filter(|t| !t.is_empty()) {
                q.append_pair("pageToken", token);
            }
        }
        let res = self.send(self.http.get(url.as_str())).await?;
        let wire: WireEvents =
            serde_json::from_slice(&res.body).map_err(GoogleCalendarError::Decode)?;
        let next = wire.next_page_token.filter(|t| !t.is_empty());
        Ok(CalendarEvents {
            calendar: wire.summary,
            time_zone: wire.time_zone,
            events: wire.items.into_iter().map(CalendarEvent::from).collect(),
            truncated: next.is_some(),
            next_page_token: next,
        })
    }

    /// `POST /freeBusy`: the busy intervals of each of `calendar_ids` between `time_min` and
    /// `time_max`, written in `time_zone` (default UTC).
    pub async fn free_busy(
        &self,
        calendar_ids: &[String],
        time_min: &str,
        time_max: &str,
        time_zone: Option<&str>,
    ) -> Result<FreeBusy, GoogleCalendarError> {
        if calendar_ids.is_empty() || calendar_ids.len() > MAX_FREE_BUSY_CALENDARS {
            return Err(InputError::new(
                "calendar_ids",
                format!(
                    "{} calendars; give 1–{MAX_FREE_BUSY_CALENDARS}",
                    calendar_ids.len()
                ),
            )
            .into());
        }
        for id in calendar_ids {
            check_calendar_id(id).map_err(|e| InputError::new("calendar_ids", e.reason()))?;
        }
        window(Some(time_min), Some(time_max))?;
        let mut body = json!({
            "timeMin": time_min,
            "timeMax": time_max,
            "items": calendar_ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        });
        if let Some(tz) = time_zone {
            self::time_zone("time_zone", tz)?;
            body["timeZone"] = json!(tz);
        }
        let url = join(&self.base, &["freeBusy"])?;
        let res = self.send(self.http.post(url.as_str()).json(&body)).await?;
        let mut wire: WireFreeBusy =
            serde_json::from_slice(&res.body).map_err(GoogleCalendarError::Decode)?;
        let calendars = calendar_ids
            .iter()
            .map(|id| match wire.calendars.remove(id) {
                Some(c) => CalendarBusy {
                    calendar_id: id.clone(),
                    busy: c.busy,
                    errors: c
                        .errors
                        .into_iter()
                        .map(|e| e.reason.unwrap_or_else(|| "unknown".to_owned()))
                        .collect(),
                },
                None => CalendarBusy {
                    calendar_id: id.clone(),
                    busy: Vec::new(),
                    errors: vec!["missing from Google's answer".to_owned()],
                },
            })
            .collect();
        Ok(FreeBusy {
            time_min: wire.time_min,
            time_max: wire.time_max,
            calendars,
        })
    }
}
