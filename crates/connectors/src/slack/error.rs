//! Slack's `ok:false` answers and HTTP-level failures as a typed error.

use std::time::Duration;

use switchboard_core::http::StatusCode;

use super::limits::{SlackTier, marketplace_note};
use crate::common::{ErrorKind, InputError, open_enum};

open_enum! {
    /// The `error` code of an `ok:false` answer.
    pub enum SlackErrorCode {
        /// The bot is not a member of the channel.
        NotInChannel = "not_in_channel",
        /// The channel does not exist or is not visible to the token.
        ChannelNotFound = "channel_not_found",
        /// The channel is archived.
        IsArchived = "is_archived",
        /// The text is too long.
        MsgTooLong = "msg_too_long",
        /// Neither text nor blocks were sent.
        NoText = "no_text",
        /// The blocks are not valid Block Kit.
        InvalidBlocks = "invalid_blocks",
        /// The token is invalid.
        InvalidAuth = "invalid_auth",
        /// No token was sent.
        NotAuthed = "not_authed",
        /// The token lacks a scope (e.g. `chat:write`).
        MissingScope = "missing_scope",
        /// The token was revoked.
        TokenRevoked = "token_revoked",
        /// Rate limited.
        Ratelimited = "ratelimited",
        /// No message with that `ts` starts a thread in the channel.
        ThreadNotFound = "thread_not_found",
        /// The user id is unknown.
        UserNotFound = "user_not_found",
        /// A `cursor` is not one Slack handed out.
        InvalidCursor = "invalid_cursor",
        /// `oldest`/`latest` is not a valid timestamp.
        InvalidTsOldest = "invalid_ts_oldest",
        /// `latest` is not a valid timestamp.
        InvalidTsLatest = "invalid_ts_latest",
        /// A `types` value is not a conversation type.
        InvalidTypes = "invalid_types",
    }
}

impl SlackErrorCode {
    /// What to do about this error, for a person or a model reading it.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Self::NotInChannel => {
                "the bot is not a member of this channel: invite it there (/invite @the-bot) or \
                 pick a channel slack_list_channels shows with is_member true"
            }
            Self::ChannelNotFound => {
                "no channel with this id is visible to the bot: take an id from \
                 slack_list_channels (private channels need the bot invited)"
            }
            Self::MissingScope => {
                "the bot token lacks a scope: add the needed scope under OAuth & Permissions in \
                 the Slack app settings and reinstall the app"
            }
            Self::InvalidAuth | Self::NotAuthed | Self::TokenRevoked => {
                "the gateway's Slack token is not accepted: an administrator must set a valid \
                 bot token (xoxb-…)"
            }
            Self::ThreadNotFound => {
                "no thread starts at this ts: pass the ts of the thread's first message"
            }
            Self::InvalidCursor => "the cursor is not one Slack returned: start again without it",
            Self::InvalidTsOldest | Self::InvalidTsLatest => {
                "oldest/latest must be a Slack ts (1512085950.000216) or an RFC 3339 time"
            }
            Self::Ratelimited => "Slack is rate-limiting this method: wait a minute and retry",
            _ => return None,
        })
    }
}

/// Everything a Slack call can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// An argument was rejected before any request was sent.
    #[error(transparent)]
    InvalidInput(#[from] InputError),
    /// Slack answered `ok:false`.
    #[error("{0}")]
    Api(Box<SlackApiError>),
    /// Slack answered an HTTP error status (after retries).
    #[error("Slack answered {status}: {body}")]
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The start of the body.
        body: String,
        /// The `x-slack-req-id`.
        request_id: Option<String>,
    },
    /// The request failed below the API.
    #[error("Slack request failed: {0}")]
    Http(#[from] switchboard_core::Error),
    /// A response did not have the documented shape.
    #[error("Slack response is not the expected JSON: {0}")]
    Decode(#[source] serde_json::Error),
    /// Slack kept refusing the method with 429 after the retries the client allows.
    #[error("{}", rate_limited(method, *tier, *retry_after))]
    RateLimited {
        /// The Web API method.
        method: String,
        /// Its rate tier.
        tier: SlackTier,
        /// The `Retry-After` of the last answer.
        retry_after: Option<Duration>,
    },
}

/// An `ok:false` answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Slack error {code}{}", describe(self))]
pub struct SlackApiError {
    /// The `error` code.
    pub code: SlackErrorCode,
    /// With `missing_scope`: the scope the method needs (e.g. `channels:history`).
    pub needed: Option<String>,
    /// With `missing_scope`: the scopes the token has.
    pub provided: Option<String>,
    /// `warning` and `response_metadata.warnings`.
    pub warnings: Vec<String>,
    /// `response_metadata.messages` (details, e.g. which block is invalid).
    pub messages: Vec<String>,
    /// The `x-slack-req-id`.
    pub request_id: Option<String>,
}

/// "Slack is rate-limiting conversations.history (Tier 3, …; …), retry after 60 s; …".
fn rate_limited(method: &str, tier: SlackTier, retry_after: Option<Duration>) -> String {
    let mut out = format!("Slack is rate-limiting {method} ({}", tier.describe());
    if let Some(note) = marketplace_note(method) {
        out.push_str("; ");
        out.push_str(note);
    }
    out.push(')');
    if let Some(d) = retry_after {
        out.push_str(&format!(", retry after {} s", d.as_secs()));
    }
    out.push_str("; call it less often");
    out
}

/// The details after the code: Slack's messages, the scope needed, what to do.
fn describe(e: &SlackApiError) -> String {
    let mut out = String::new();
    if !e.messages.is_empty() {
        out.push_str(": ");
        out.push_str(&e.messages.join("; "));
    }
    if let Some(needed) = &e.needed {
        out.push_str(&format!(" (needs scope {needed}"));
        if let Some(provided) = &e.provided {
            out.push_str(&format!("; the token has {provided}"));
        }
        out.push(')');
    }
    if let Some(hint) = e.code.hint() {
        out.push_str(" — ");
        out.push_str(hint);
    }
    out
}

impl SlackError {
    /// The `ok:false` answer, if this is one.
    pub fn api(&self) -> Option<&SlackApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}

impl SlackErrorCode {
    /// The kind an `ok:false` code means. Slack answers these with a 200, so the status says
    /// nothing and the code decides; codes without a meaning of their own are
    /// [`ErrorKind::Api`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidAuth | Self::NotAuthed | Self::TokenRevoked => ErrorKind::Unauthorized,
            Self::MissingScope | Self::NotInChannel => ErrorKind::Forbidden,
            Self::ChannelNotFound | Self::ThreadNotFound | Self::UserNotFound => {
                ErrorKind::NotFound
            }
            Self::IsArchived => ErrorKind::Conflict,
            Self::Ratelimited => ErrorKind::RateLimited,
            Self::MsgTooLong
            | Self::NoText
            | Self::InvalidBlocks
            | Self::InvalidCursor
            | Self::InvalidTsOldest
            | Self::InvalidTsLatest
            | Self::InvalidTypes => ErrorKind::InvalidInput,
            _ => ErrorKind::Api,
        }
    }
}

impl SlackError {
    /// What kind of failure this is, in the vocabulary every service shares: an `ok:false`
    /// answer by its code ([`SlackErrorCode::kind`]), an error status by
    /// [`ErrorKind::from_status`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::Api(e) => e.code.kind(),
            Self::Status { status, .. } => ErrorKind::from_status(*status),
            Self::Http(e) => ErrorKind::from_http(e),
            Self::Decode(_) => ErrorKind::Decode,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
        }
    }

    /// The HTTP status of an error status answer (an `ok:false` answer comes with a 200 and
    /// has none here; its `code()` says what went wrong).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            Self::Http(e) => e.status(),
            Self::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            _ => None,
        }
    }

    /// The `x-slack-req-id` of the failed call, when there was an answer.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.request_id.as_deref(),
            Self::Status { request_id, .. } => request_id.as_deref(),
            Self::Http(e) => e.request_id(),
            _ => None,
        }
    }

    /// How long Slack asked to wait (`Retry-After`) when it rate-limited the call.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Slack's `error` code of an `ok:false` answer (`channel_not_found`, …).
    pub fn code(&self) -> Option<&str> {
        self.api().map(|e| e.code.as_str())
    }
}
