//! Slack Web API: `chat.postMessage` with text or Block Kit blocks.
//!
//! Slack answers errors with HTTP 200 and `{"ok":false,"error":"code"}`; those become
//! [`SlackError::Api`] with the code. JSON bodies are sent as
//! `application/json; charset=utf-8` with `Authorization: Bearer xoxb-…`. A 429 is retried
//! after its `Retry-After` (core's retry loop; Slack refused the request, so a POST is safe to
//! repeat).
//!
//! ```no_run
//! use switchboard_connectors::slack::{PostMessage, Slack};
//!
//! # async fn run() -> Result<(), switchboard_connectors::slack::SlackError> {
//! let slack = Slack::builder("xoxb-…").build()?;
//! let posted = slack.post_message(&PostMessage::text("C0123456789", "Deploy finished")).await?;
//! println!("sent at {}", posted.ts);
//! # Ok(()) }
//! ```

mod client;
mod error;
mod models;
mod tools;

pub use client::{DEFAULT_BASE_URL, Slack, SlackBuilder};
pub use error::{SlackApiError, SlackError, SlackErrorCode};
pub use models::{PostMessage, PostedMessage};
pub use tools::register_tools;
