//! Slack's `ok:false` answers and HTTP-level failures as a typed error.

use switchboard_core::http::StatusCode;

use crate::common::{InputError, open_enum};

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
}

/// An `ok:false` answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Slack error {code}{}", if messages.is_empty() { String::new() } else { format!(": {}", messages.join("; ")) })]
pub struct SlackApiError {
    /// The `error` code.
    pub code: SlackErrorCode,
    /// `warning` and `response_metadata.warnings`.
    pub warnings: Vec<String>,
    /// `response_metadata.messages` (details, e.g. which block is invalid).
    pub messages: Vec<String>,
    /// The `x-slack-req-id`.
    pub request_id: Option<String>,
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
