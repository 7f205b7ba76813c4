//! Zapier's error answers as a typed error, without the Catch Hook URL or the bearer token.

use std::time::Duration;

use serde_json::Value;
use switchboard_core::http::StatusCode;

use crate::common::{ApiResponse, InputError};

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
        matches!(self.status.as_u16(), 401 | 403)
    }

    /// Whether a rate limit was hit (429).
    pub fn is_rate_limited(&self) -> bool {
        self.status == StatusCode::TOO_MANY_REQUESTS
    }
}

impl From<ZapierApiError> for ZapierError {
    fn from(e: ZapierApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

impl ZapierError {
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
