//! Google Calendar API v3: list the events in a window (recurring events expanded, by start,
//! in a chosen time zone), free/busy times of several calendars, and insert, update (patch)
//! and delete events with `sendUpdates` stated; authenticated with an OAuth2 refresh token
//! that core renews before expiry and once on a 401. A 403 `rateLimitExceeded` or
//! `userRateLimitExceeded` backs off and retries ([`GoogleRateLimits`]).
//!
//! ```no_run
//! use switchboard_connectors::google_calendar::{EventQuery, EventTime, GoogleCalendar, NewEvent};
//!
//! # async fn run() -> Result<(), switchboard_connectors::google_calendar::GoogleCalendarError> {
//! let calendar = GoogleCalendar::builder()
//!     .oauth_refresh_token("client-id.apps.googleusercontent.com", "client-secret", "1//refresh")
//!     .build()?;
//! let event = calendar
//!     .insert_event(
//!         "primary",
//!         &NewEvent::new(
//!             "Design review",
//!             EventTime::date_time("2025-06-01T09:00:00-07:00", Some("America/Los_Angeles")),
//!             EventTime::date_time("2025-06-01T10:00:00-07:00", Some("America/Los_Angeles")),
//!         ),
//!         None,
//!     )
//!     .await?;
//! println!("{}", event.html_link.unwrap_or_default());
//!
//! // Tomorrow, in Paris time.
//! let tomorrow = EventQuery {
//!     time_min: Some("2025-06-02T00:00:00+02:00".into()),
//!     time_max: Some("2025-06-03T00:00:00+02:00".into()),
//!     time_zone: Some("Europe/Paris".into()),
//!     ..EventQuery::default()
//! };
//! for e in calendar.list_events("primary", &tomorrow).await?.events {
//!     println!("{:?} {}", e.start, e.summary.unwrap_or_default());
//! }
//! # Ok(()) }
//! ```

mod changes;
mod client;
mod error;
mod limits;
mod models;
mod read;
mod tools;

pub use changes::{DeletedEvent, EventPatch};
pub use client::{DEFAULT_BASE_URL, DEFAULT_TOKEN_URL, GoogleCalendar, GoogleCalendarBuilder};
pub use error::{GoogleApiError, GoogleCalendarError, GoogleErrorItem};
pub use limits::GoogleRateLimits;
pub use models::{Event, EventStatus, EventTime, NewEvent, SendUpdates};
pub use read::{
    Attendee, BusyInterval, CalendarBusy, CalendarEvent, CalendarEvents, EVENT_DESCRIPTION_CHARS,
    EventQuery, FreeBusy, MAX_EVENTS, MAX_FREE_BUSY_CALENDARS,
};
pub use tools::register_tools;
