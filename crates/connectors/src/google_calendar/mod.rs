//! Google Calendar API v3: insert an event (timed or all-day), authenticated with an OAuth2
//! refresh token that core renews before expiry and once on a 401.
//!
//! ```no_run
//! use switchboard_connectors::google_calendar::{EventTime, GoogleCalendar, NewEvent};
//!
//! # async fn run() -> Result<(), switchboard_connectors::google_calendar::CalendarError> {
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
//! # Ok(()) }
//! ```

mod client;
mod error;
mod limits;
mod models;
mod tools;

pub use client::{DEFAULT_BASE_URL, DEFAULT_TOKEN_URL, GoogleCalendar, GoogleCalendarBuilder};
pub use error::{CalendarError, GoogleApiError, GoogleErrorItem};
pub use limits::GoogleRateLimits;
pub use models::{Event, EventStatus, EventTime, NewEvent, SendUpdates};
pub use tools::register_tools;
