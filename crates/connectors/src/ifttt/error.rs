//! IFTTT's error answers as a typed error, without the key.

use std::time::Duration;

use serde_json::Value;
use switchboard_core::http::StatusCode;

use crate::common::{ApiResponse, ErrorKind, InputError};

/// Everything an IFTTT call can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum IftttError {
    /// An argument or setting was rejected before any request was sent.
    #[error(transparent)]
    InvalidInput(#[from] InputError),
    /// IFTTT answered with an error status.
    #[error("{0}")]
    Api(Box<IftttApiError>),
    /// The request failed below the API (connect, timeout, body limit, policy); core reports
    /// the URL with the key's path segment masked.
    #[error("IFTTT request failed: {0}")]
    Http(#[from] switchboard_core::Error),
}

/// An error answer. IFTTT's error bodies are not documented; the message is the first
/// `errors[].message` or the start of the body, with the key masked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("IFTTT answered {status}: {}", .message.as_deref().unwrap_or("no error message"))]
pub struct IftttApiError {
    /// The HTTP status (401 for a bad key).
    pub status: StatusCode,
    /// IFTTT's message, the key masked.
    pub message: Option<String>,
    /// The request id, when sent.
    pub request_id: Option<String>,
    /// How long IFTTT asked to wait (`Retry-After`), when it said.
    pub retry_after: Option<Duration>,
}

impl IftttApiError {
    /// The error for `res`; `scrub` masks the key in any text taken from the body.
    pub(crate) fn from_response(res: &ApiResponse, scrub: impl Fn(&str) -> String) -> Self {
        let message = serde_json::from_slice::<Value>(&res.body)
            .ok()
            .and_then(|v| {
                v.get("errors")?
                    .get(0)?
                    .get("message")?
                    .as_str()
                    .map(str::to_owned)
            })
            .or_else(|| (!res.body.is_empty()).then(|| res.snippet()))
            .map(|m| crate::text::truncate_chars(scrub(m.trim()).as_str(), 300));
        Self {
            status: res.status,
            message,
            request_id: res.request_id.clone(),
            retry_after: res.retry_after(),
        }
    }
}

impl From<IftttApiError> for IftttError {
    fn from(e: IftttApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

impl IftttError {
    /// What kind of failure this is, in the vocabulary every service shares.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::Api(e) => ErrorKind::from_status(e.status),
            Self::Http(e) => ErrorKind::from_http(e),
        }
    }

    /// The HTTP status IFTTT answered with, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Http(e) => e.status(),
            Self::InvalidInput(_) => None,
        }
    }

    /// The request id, when IFTTT sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.request_id.as_deref(),
            Self::Http(e) => e.request_id(),
            Self::InvalidInput(_) => None,
        }
    }

    /// How long IFTTT asked to wait (`Retry-After`), when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }

    /// IFTTT's error answer, if this is one.
    pub fn api(&self) -> Option<&IftttApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}
