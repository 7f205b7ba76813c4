//! GitHub's error body (`message`, `documentation_url`, 422 `errors`) as a typed error.

use serde::Deserialize;
use switchboard_core::http::StatusCode;

use crate::common::{ApiResponse, ErrorKind, InputError};

/// Everything a GitHub call can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// An argument was rejected before any request was sent.
    #[error(transparent)]
    InvalidInput(#[from] InputError),
    /// GitHub answered with an error status.
    #[error("{0}")]
    Api(Box<GitHubApiError>),
    /// The request failed below the API (connect, timeout, body limit, policy…).
    #[error("GitHub request failed: {0}")]
    Http(#[from] switchboard_core::Error),
    /// A success response did not have the documented shape.
    #[error("GitHub response is not the expected JSON: {0}")]
    Decode(#[source] serde_json::Error),
    /// A `Link` header pointed somewhere the client will not follow.
    #[error("GitHub pagination link refused: {0}")]
    Pagination(String),
    /// A file cannot be shown as text: a directory, a binary file, or one too large for the
    /// contents API. The message names the path and says which.
    #[error("{0}")]
    NotText(String),
}

/// An error status with GitHub's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("GitHub answered {status}: {message}{}", fields_suffix(.errors))]
pub struct GitHubApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// GitHub's `message` (or the start of the body when it is not GitHub's JSON).
    pub message: String,
    /// GitHub's `documentation_url`.
    pub documentation_url: Option<String>,
    /// Per-field validation errors of a 422.
    pub errors: Vec<FieldError>,
    /// The `x-github-request-id`.
    pub request_id: Option<String>,
    /// `x-ratelimit-remaining`, when sent.
    pub rate_limit_remaining: Option<u64>,
    /// `x-ratelimit-reset` (Unix seconds), when sent: after a rate-limit refusal whose wait
    /// exceeded the retry policy, the earliest time to try again.
    pub rate_limit_reset: Option<u64>,
}

/// One entry of a 422's `errors` array.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct FieldError {
    /// The resource, e.g. `Issue`.
    #[serde(default)]
    pub resource: Option<String>,
    /// The field, e.g. `title`.
    #[serde(default)]
    pub field: Option<String>,
    /// `missing`, `missing_field`, `invalid`, `already_exists`, `custom` or newer codes.
    #[serde(default)]
    pub code: Option<String>,
    /// The message of a `custom` error.
    #[serde(default)]
    pub message: Option<String>,
}

fn fields_suffix(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| {
            let mut s = format!(
                "{}.{} {}",
                e.resource.as_deref().unwrap_or("?"),
                e.field.as_deref().unwrap_or("?"),
                e.code.as_deref().unwrap_or("?")
            );
            if let Some(m) = &e.message {
                s.push_str(": ");
                s.push_str(m);
            }
            s
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

#[derive(Deserialize)]
struct Body {
    message: Option<String>,
    documentation_url: Option<String>,
    #[serde(default)]
    errors: Vec<serde_json::Value>,
}

impl GitHubApiError {
    pub(crate) fn from_response(res: &ApiResponse) -> Self {
        let parsed: Option<Body> = serde_json::from_slice(&res.body).ok();
        let (message, documentation_url, errors) = match parsed {
            Some(b) => (
                b.message.unwrap_or_else(|| res.snippet()),
                b.documentation_url,
                b.errors
                    .into_iter()
                    .map(|v| match v {
                        // Some endpoints send plain strings in `errors`.
                        serde_json::Value::String(s) => FieldError {
                            resource: None,
                            field: None,
                            code: Some("custom".to_owned()),
                            message: Some(s),
                        },
                        other => serde_json::from_value(other).unwrap_or(FieldError {
                            resource: None,
                            field: None,
                            code: None,
                            message: None,
                        }),
                    })
                    .collect(),
            ),
            None => (res.snippet(), None, Vec::new()),
        };
        let header = |name: &str| {
            res.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        };
        Self {
            status: res.status,
            message,
            documentation_url,
            errors,
            request_id: res.request_id.clone(),
            rate_limit_remaining: header("x-ratelimit-remaining"),
            rate_limit_reset: header("x-ratelimit-reset"),
        }
    }
}

impl From<GitHubApiError> for GitHubError {
    fn from(e: GitHubApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

impl GitHubError {
    /// The API error, when GitHub answered with an error status.
    pub fn api(&self) -> Option<&GitHubApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}

impl GitHubApiError {
    /// The kind of this answer: a 403 or 429 that is a primary limit
    /// (`x-ratelimit-remaining: 0`) or a secondary one (GitHub's message says so) is
    /// [`ErrorKind::RateLimited`]; any other status as [`ErrorKind::from_status`] says.
    pub fn kind(&self) -> ErrorKind {
        let limit_status = matches!(self.status.as_u16(), 403 | 429);
        let limited = self.rate_limit_remaining == Some(0)
            || self
                .message
                .to_ascii_lowercase()
                .contains("secondary rate limit");
        if limit_status && limited {
            ErrorKind::RateLimited
        } else {
            ErrorKind::from_status(self.status)
        }
    }
}

impl GitHubError {
    /// What kind of failure this is, in the vocabulary every service shares.
    /// A file that cannot be shown as text is [`ErrorKind::InvalidInput`] (ask for another
    /// path); a refused pagination link is [`ErrorKind::Decode`] (the answer was not usable).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) | Self::NotText(_) => ErrorKind::InvalidInput,
            Self::Api(e) => e.kind(),
            Self::Http(e) => ErrorKind::from_http(e),
            Self::Decode(_) | Self::Pagination(_) => ErrorKind::Decode,
        }
    }

    /// The HTTP status GitHub answered with, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Http(e) => e.status(),
            _ => None,
        }
    }

    /// The `x-github-request-id` of the failed call, when there was an answer.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.request_id.as_deref(),
            Self::Http(e) => e.request_id(),
            _ => None,
        }
    }
}
