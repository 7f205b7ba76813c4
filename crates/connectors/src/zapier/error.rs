//! Zapier's error answers as a typed error, without the Catch Hook URL or the bearer token.

use std::time::Duration;

use serde_json::Value;
use switchboard_core::http::StatusCode;

use crate::common::{ApiResponse, ErrorKind, InputError};

/// Everything a Zapier call can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ZapierError {
    /// An argument or setting was rejected before any request was sent.
    #[error(transparent)]
    InvalidInput(#[from] InputError),
    /// Zapier answered with an error status.
    #[error("{0}")]
    Api(Box<ZapierApiError>),
    /// The request failed below the API (connect, timeout, body limit, policy); core reports
    /// the hook URL with its secret path masked.
    #[error("Zapier request failed: {0}")]
    Http(#[from] switchboard_core::Error),
    /// A success response did not have the documented shape.
    #[error("Zapier response is not the expected JSON: {0}")]
    Decode(#[source] serde_json::Error),
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Zapier answered {status}: {}{}", .message.as_deref().unwrap_or("no error message"), wait(.retry_after))]
pub struct ZapierApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Zapier's message: `errors[0].detail`/`title`, `message`, `detail` or `error`, else the
    /// start of the body.
    pub message: Option<String>,
    /// `errors[0].code` of the Workflow API (`not_authenticated`, …), when sent.
    pub code: Option<String>,
    /// The request id, when sent.
    pub request_id: Option<String>,
    /// How long Zapier asked to wait (`Retry-After`; the Workflow API asks for 60 s).
    pub retry_after: Option<Duration>,
}

fn wait(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!("; retry after {} s", d.as_secs_f64()))
        .unwrap_or_default()
}

impl ZapierApiError {
    pub(crate) fn from_response(res: &ApiResponse) -> Self {
        let json: Option<Value> = serde_json::from_slice(&res.body).ok();
        let first = json
            .as_ref()
            .and_then(|v| v.get("errors"))
            .and_then(|e| e.get(0));
        let message = json.as_ref().and_then(|v| {
            [
                first.and_then(|e| e.get("detail")),
                first.and_then(|e| e.get("title")),
                v.get("message"),
                v.get("detail"),
                v.get("error"),
            ]
            .into_iter()
            .flatten()
            .find_map(Value::as_str)
            .map(str::to_owned)
        });
        let message = message
            .or_else(|| (!res.body.is_empty()).then(|| res.snippet()))
            .map(|m| crate::text::truncate_chars(m.trim(), 300));
        Self {
            status: res.status,
            message,
            code: first
                .and_then(|e| e.get("code"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            request_id: res.request_id.clone(),
            retry_after: res.retry_after(),
        }
    }

    /// Whether the token was refused (401/403).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self.kind(), ErrorKind::Unauthorized | ErrorKind::Forbidden)
    }

    /// Whether a rate limit was hit (429).
    pub fn is_rate_limited(&self) -> bool {
        self.kind() == ErrorKind::RateLimited
    }
}

impl ZapierApiError {
    /// The kind of this answer, as [`ErrorKind::from_status`] says.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_status(self.status)
    }
}

impl From<ZapierApiError> for ZapierError {
    fn from(e: ZapierApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

impl ZapierError {
    /// What kind of failure this is, in the vocabulary every service shares.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::Api(e) => e.kind(),
            Self::Http(e) => ErrorKind::from_http(e),
            Self::Decode(_) => ErrorKind::Decode,
        }
    }

    /// The HTTP status Zapier answered with, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Http(e) => e.status(),
            _ => None,
        }
    }

    /// Zapier's request id, when there was an answer.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.request_id.as_deref(),
            Self::Http(e) => e.request_id(),
            _ => None,
        }
    }

    /// How long Zapier asked to wait (`Retry-After`), when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }

    /// The first `errors[].code` of Zapier's answer, when it had one.
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(|e| e.code.as_deref())
    }

    /// Zapier's error answer, if this is one.
    pub fn api(&self) -> Option<&ZapierApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}

/// Sends `request` and reads the answer; an error status becomes [`ZapierError::Api`].
pub(super) async fn send(
    request: switchboard_core::RequestBuilder,
) -> Result<ApiResponse, ZapierError> {
    let res = crate::common::read(request.send().await?).await?;
    if res.status.is_success() {
        Ok(res)
    } else {
        Err(ZapierApiError::from_response(&res).into())
    }
}
