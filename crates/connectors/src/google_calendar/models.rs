//! Event arguments and the inserted event.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{InputError, WithRaw, open_enum, parse_iso8601};

open_enum! {
    /// An event's status.
    pub enum EventStatus {
        /// Confirmed.
        Confirmed = "confirmed",
        /// Tentative.
        Tentative = "tentative",
        /// Cancelled.
        Cancelled = "cancelled",
    }
}

/// Whom Google notifies about a new, changed or deleted event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SendUpdates {
    /// All guests.
    #[serde(rename = "all")]
    All,
    /// Only guests outside Google Calendar.
    #[serde(rename = "externalOnly")]
    ExternalOnly,
    /// Nobody.
    #[serde(rename = "none")]
    None,
}

impl SendUpdates {
    /// The value as Google spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::ExternalOnly => "externalOnly",
            Self::None => "none",
        }
    }
}

/// A start or end: `dateTime` (timed) or `date` (all-day), with an optional IANA time zone.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventTime {
    /// RFC 3339 time, e.g. `2025-06-01T09:00:00-07:00`; without an offset `time_zone` is
    /// required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time: Option<String>,
    /// All-day date `YYYY-MM-DD` (the end date is exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// IANA time zone, e.g. `America/Los_Angeles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl EventTime {
    /// A timed start or end.
    pub fn date_time(value: impl Into<String>, time_zone: Option<&str>) -> Self {
        Self {
            date_time: Some(value.into()),
            date: None,
            time_zone: time_zone.map(str::to_owned),
        }
    }

    /// An all-day date.
    pub fn date(value: impl Into<String>) -> Self {
        Self {
            date_time: None,
            date: Some(value.into()),
            time_zone: None,
        }
    }

    /// Checks the value and returns (is all-day, comparable seconds, has an offset).
    pub(super) fn check(&self, field: &str) -> Result<(bool, f64, bool), InputError> {
        if let Some(tz) = &self.time_zone
            && (tz.is_empty() || tz.contains(char::is_whitespace))
        {
            return Err(InputError::new(
                format!("{field}/timeZone"),
                format!("{tz:?} is not an IANA time zone name"),
            ));
        }
        match (&self.date_time, &self.date) {
            (Some(dt), None) => {
                if let Some(at) = parse_iso8601(dt) {
                    return Ok((false, at, true));
                }
                let naive = parse_iso8601(&format!("{dt}Z")).ok_or_else(|| {
                    InputError::new(
                        format!("{field}/dateTime"),
                        format!("{dt:?} is not an RFC 3339 time (2025-06-01T09:00:00-07:00)"),
                    )
                })?;
                if self.time_zone.is_none() {
                    return Err(InputError::new(
                        format!("{field}/timeZone"),
                        "is required when dateTime has no UTC offset",
                    ));
                }
                Ok((false, naive, false))
            }
            (None, Some(d)) => {
                let at = (d.len() == 10)
                    .then(|| parse_iso8601(&format!("{d}T00:00:00Z")))
                    .flatten()
                    .ok_or_else(|| {
                        InputError::new(format!("{field}/date"), format!("{d:?} is not YYYY-MM-DD"))
                    })?;
                Ok((true, at, false))
            }
            _ => Err(InputError::new(
                field,
                "needs exactly one of dateTime or date",
            )),
        }
    }
}

/// A new event.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NewEvent {
    /// The title.
    pub summary: String,
    /// Start.
    pub start: EventTime,
    /// End (exclusive for all-day events).
    pub end: EventTime,
    /// Description (HTML allowed by Google).
    #[serde(default)]
    pub description: Option<String>,
    /// Location, free text.
    #[serde(default)]
    pub location: Option<String>,
    /// Attendee email addresses.
    #[serde(default)]
    pub attendees: Vec<String>,
}

impl NewEvent {
    /// An event with a title, start and end.
    pub fn new(summary: impl Into<String>, start: EventTime, end: EventTime) -> Self {
        Self {
            summary: summary.into(),
            start,
            end,
            description: None,
            location: None,
            attendees: Vec::new(),
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets the location.
    #[must_use]
    pub fn location(mut self, text: impl Into<String>) -> Self {
        self.location = Some(text.into());
        self
    }

    /// Adds an attendee by email.
    #[must_use]
    pub fn attendee(mut self, email: impl Into<String>) -> Self {
        self.attendees.push(email.into());
        self
    }

    /// The request body, after checking the fields.
    pub(crate) fn body(&self) -> Result<Value, InputError> {
        if self.summary.trim().is_empty() {
            return Err(InputError::new("summary", "must not be blank"));
        }
        check_span(&self.start, &self.end)?;
        check_attendees(&self.attendees)?;
        let mut body = json!({"summary": self.summary, "start": self.start, "end": self.end});
        if let Some(d) = &self.description {
            body["description"] = json!(d);
        }
        if let Some(l) = &self.location {
            body["location"] = json!(l);
        }
        if !self.attendees.is_empty() {
            body["attendees"] = self.attendees.iter().map(|e| json!({"email": e})).collect();
        }
        Ok(body)
    }
}

/// Checks a start and an end: each well-formed, both timed or both all-day, the end after the
/// start when the two can be compared.
pub(super) fn check_span(start: &EventTime, end: &EventTime) -> Result<(), InputError> {
    let (start_all_day, start_at, start_offset) = start.check("start")?;
    let (end_all_day, end_at, end_offset) = end.check("end")?;
    if start_all_day != end_all_day {
        return Err(InputError::new(
            "end",
            "start and end must both be dates (all-day) or both be dateTimes",
        ));
    }
    let comparable = start_all_day
        || start_offset && end_offset
        || (!start_offset && !end_offset && start.time_zone == end.time_zone);
    if comparable && end_at <= start_at {
        return Err(InputError::new(
            "end",
            if start_all_day {
                "must be after start (the end date is exclusive: a one-day event ends the next day)"
            } else {
                "must be after start"
            },
        ));
    }
    Ok(())
}

/// Checks that each attendee is an email address.
pub(super) fn check_attendees(attendees: &[String]) -> Result<(), InputError> {
    for (i, a) in attendees.iter().enumerate() {
        let ok = a
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
            && !a.contains(char::is_whitespace);
        if !ok {
            return Err(InputError::new(
                format!("attendees/{i}"),
                format!("{a:?} is not an email address"),
            ));
        }
    }
    Ok(())
}

/// An inserted event.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The event id.
    pub id: String,
    /// The status.
    #[serde(default)]
    pub status: Option<EventStatus>,
    /// The event's page in Google Calendar.
    #[serde(default)]
    pub html_link: Option<String>,
    /// The title.
    #[serde(default)]
    pub summary: Option<String>,
    /// Start.
    #[serde(default)]
    pub start: Option<EventTime>,
    /// End.
    #[serde(default)]
    pub end: Option<EventTime>,
    #[serde(skip)]
    raw: Value,
}

impl Event {
    /// The event resource Google returned.
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}

impl WithRaw for Event {
    fn set_raw(&mut self, raw: Value) {
        self.raw = raw;
    }
}
