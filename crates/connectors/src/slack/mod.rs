//! Slack Web API: `chat.postMessage` with text or Block Kit blocks; reading the conversations
//! the bot can see (`conversations.list`), a channel's messages in a time window
//! (`conversations.history`) and a thread (`conversations.replies`), with user ids turned into
//! names (`users.info`, once per id and call).
//!
//! Slack answers errors with HTTP 200 and `{"ok":false,"error":"code"}`; those become
//! [`SlackError::Api`] with the code (`missing_scope` with the `needed` scope) and what to do
//! about it. JSON bodies are sent as `application/json; charset=utf-8` with
//! `Authorization: Bearer xoxb-…`; reading methods take their arguments in the query. A 429 is
//! retried after its `Retry-After` (core's retry loop; Slack refused the request, so a POST is
//! safe to repeat); a method still refused fails with its rate tier ([`SlackTier`]).
//!
//! ```no_run
//! use switchboard_connectors::slack::{Page, PostMessage, Slack, Window};
//!
//! # async fn run() -> Result<(), switchboard_connectors::slack::SlackError> {
//! let slack = Slack::builder("xoxb-…").build()?;
//! let posted = slack.post_message(&PostMessage::text("C0123456789", "Deploy finished")).await?;
//! println!("sent at {}", posted.ts);
//!
//! // Monday's messages in a channel, authors named.
//! let window = Window {
//!     oldest: Some("2025-06-02T00:00:00Z".into()),
//!     latest: Some("2025-06-03T00:00:00Z".into()),
//! };
//! let page = Page { limit: 50, cursor: None };
//! for m in slack.channel_history("C0123456789", &window, &page).await?.messages {
//!     println!("{} {}: {}", m.time, m.user.unwrap_or_default(), m.text);
//! }
//! # Ok(()) }
//! ```

mod client;
mod error;
mod limits;
mod markup;
mod models;
mod read;
mod tools;
mod users;

pub use client::{DEFAULT_BASE_URL, Slack, SlackBuilder};
pub use error::{SlackApiError, SlackError, SlackErrorCode};
pub use limits::SlackTier;
pub use models::{PostMessage, PostedMessage};
pub use read::{
    ConversationType, MAX_PAGE, MESSAGE_CHARS, Page, SlackChannel, SlackChannels, SlackMessage,
    SlackMessages, Window,
};
pub use tools::register_tools;
