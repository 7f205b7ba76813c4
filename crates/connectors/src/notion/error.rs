//! Notion's `{"object":"error","status","code","message","request_id"}` as a typed error.

use serde::Deserialize;
use switchboard_core::http::StatusCode;

use crate::common::{ApiResponse, ErrorKind, InputError, open_enum};

open_enum! {
    /// Notion's error `code`.
    pub enum NotionErrorCode {
        /// The body or a property does not validate (also size limits).
        ValidationError = "validation_error",
        /// The JSON is malformed.
        InvalidJson = "invalid_json",
        /// The request URL is malformed.
        InvalidRequestUrl = "invalid_request_url",
        /// The request is not supported.
        InvalidRequest = "invalid_request",
        /// `Notion-Version` is missing.
        MissingVersion = "missing_version",
        /// The token is invalid.
        Unauthorized = "unauthorized",
        /// The integration lacks the capability.
        RestrictedResource = "restricted_resource",
        /// Not found, or not shared with the integration.
        ObjectNotFound = "object_not_found",
        /// A transaction conflicted; retry.
        ConflictError = "conflict_error",
        /// Too many requests.
        RateLimited = "rate_limited",
        /// Unexpected server error.
        InternalServerError = "internal_server_error",
        /// Notion is unavailable.
        ServiceUnavailable = "service_unavailable",
        /// Notion is overloaded (529).
        ServiceOverload = "service_overload",
        /// The database or data source is unavailable.
        DatabaseConnectionUnavailable = "database_connection_unavailable",
        /// The request timed out at Notion.
        GatewayTimeout = "gateway_timeout",
    }
}

/// Everything a Notion call can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum NotionError {
    /// An argument was rejected before any request was sent.
    #[error(transparent)]
    InvalidInput(#[from] InputError),
    /// Notion answered with an error.
    #[error("{0}")]
    Api(Box<NotionApiError>),
    /// The page was created but appending the rest of its content failed: the page holds the
    /// first `written` of `total` blocks.
    #[error(
        "Notion page {page_id} was created with {written} of {total} blocks; appending the rest failed: {source}"
    )]
    PartialContent {
        /// The created page's id.
        page_id: String,
        /// Blocks written.
        written: usize,
        /// Blocks in the content.
        total: usize,
        /// Why appending failed.
        source: Box<NotionError>,
    },
    /// Appending to an existing page or block stopped part way: the first `written` of
    /// `total` blocks are there.
    #[error(
        "appended {written} of {total} blocks to Notion block {block_id}; appending the rest failed: {source}"
    )]
    PartialAppend {
        /// The page or block appended to.
        block_id: String,
        /// Blocks written.
        written: usize,
        /// Blocks in the text.
        total: usize,
        /// Why appending failed.
        source: Box<NotionError>,
    },
    /// The request failed below the API.
    #[error("Notion request failed: {0}")]
    Http(#[from] switchboard_core::Error),
    /// A success response did not have the documented shape.
    #[error("Notion response is not the expected JSON: {0}")]
    Decode(#[source] serde_json::Error),
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Notion answered {status} {code}: {message}")]
pub struct NotionApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The error code.
    pub code: NotionErrorCode,
    /// Notion's message, e.g. `body.children[0].paragraph.rich_text[0].text.content.length
    /// should be ≤ 2000`.
    pub message: String,
    /// `request_id`.
    pub request_id: Option<String>,
}

#[derive(Deserialize)]
struct Body {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

impl NotionApiError {
    pub(crate) fn from_response(res: &ApiResponse) -> Self {
        let body: Option<Body> = serde_json::from_slice(&res.body).ok();
        let (code, message, request_id) = match body {
            Some(b) => (
                b.code.unwrap_or_else(|| "unknown".to_owned()),
                b.message.unwrap_or_else(|| res.snippet()),
                b.request_id.or_else(|| res.request_id.clone()),
            ),
            None => ("unknown".to_owned(), res.snippet(), res.request_id.clone()),
        };
        Self {
            status: res.status,
            code: NotionErrorCode::from(code.as_str()),
            message,
            request_id,
        }
    }
}

impl NotionError {
    /// Notion's error answer, if this is one (also inside [`NotionError::PartialContent`] and
    /// [`NotionError::PartialAppend`]).
    pub fn api(&self) -> Option<&NotionApiError> {
        match self {
            Self::Api(e) => Some(e),
            Self::PartialContent { source, .. } | Self::PartialAppend { source, .. } => {
                source.api()
            }
            _ => None,
        }
    }
}

impl NotionError {
    /// What kind of failure this is, in the vocabulary every service shares.
    /// A page or block list written only in part is [`ErrorKind::Partial`] whatever stopped
    /// it (its source says what): retrying the whole call would write twice.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::Api(e) => ErrorKind::from_status(e.status),
            Self::PartialContent { .. } | Self::PartialAppend { .. } => ErrorKind::Partial,
            Self::Http(e) => ErrorKind::from_http(e),
            Self::Decode(_) => ErrorKind::Decode,
        }
    }

    /// The HTTP status Notion answered with (for a partial write, that of the request that
    /// stopped it), when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Http(e) => e.status(),
            Self::PartialContent { source, .. } | Self::PartialAppend { source, .. } => {
                source.status()
            }
            _ => self.api().map(|e| e.status),
        }
    }

    /// Notion's `request_id` of the failed call, when there was an answer.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Http(e) => e.request_id(),
            Self::PartialContent { source, .. } | Self::PartialAppend { source, .. } => {
                source.request_id()
            }
            _ => self.api().and_then(|e| e.request_id.as_deref()),
        }
    }

    /// Notion's error `code` (`object_not_found`, `validation_error`, …), when it answered
    /// with one.
    pub fn code(&self) -> Option<&str> {
        self.api().map(|e| e.code.as_str())
    }
}
