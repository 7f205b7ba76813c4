//! Google's `{"error":{"code","message","errors":[{domain,reason,message}]}}` as a typed error.

use serde::{Deserialize, Serialize};
use switchboard_core::http::StatusCode;

use crate::common::{ApiResponse, InputError};

/// Everything a Google Calendar call can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// An argument was rejected before any request was sent.
    #[error(transparent)]
    InvalidInput(#[from] InputError),
    /// Google answered with an error.
    #[error("{0}")]
    Api(Box<GoogleApiError>),
    /// The request failed below the API, including getting or refreshing the access token
    /// (`invalid_grant`: the refresh token was revoked or expired).
    #[error("Google Calendar request failed: {0}")]
    Http(#[from] switchboard_core::Error),
    /// A success response did not have the documented shape.
    #[error("Google Calendar response is not the expected JSON: {0}")]
    Decode(#[source] serde_json::Error),
}

/// One entry of `error.errors`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct GoogleErrorItem {
    /// E.g. `global`, `usageLimits`.
    #[serde(default)]
    pub domain: Option<String>,
    /// E.g. `required`, `authError`, `rateLimitExceeded`, `userRateLimitExceeded`.
    #[serde(default)]
    pub reason: Option<String>,
    /// The message.
    #[serde(default)]
    pub message: Option<String>,
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Google Calendar answered {status}{}: {message}{}", reasons(.errors), hint(.errors))]
pub struct GoogleApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// `error.message`.
    pub message: String,
    /// `error.status`, e.g. `PERMISSION_DENIED`, when sent.
    pub code: Option<String>,
    /// `error.errors`.
    pub errors: Vec<GoogleErrorItem>,
}

fn reasons(errors: &[GoogleErrorItem]) -> String {
    let r: Vec<&str> = errors.iter().filter_map(|e| e.reason.as_deref()).collect();
    if r.is_empty() {
        String::new()
    } else {
        format!(" ({})", r.join(", "))
    }
}

/// What to do about the reasons that have a remedy outside the call.
fn hint(errors: &[GoogleErrorItem]) -> &'static str {
    let has = |r: &str| errors.iter().any(|e| e.reason.as_deref() == Some(r));
    if has("insufficientPermissions") {
        " — the account's consent lacks a scope this call needs (events: calendar.events or \
         calendar.readonly; free/busy: calendar.freebusy or calendar.readonly): grant it and \
         configure the new refresh token"
    } else if has("notFound") {
        " — no such calendar or event is visible to this account"
    } else {
        ""
    }
}

#[derive(Deserialize)]
struct Envelope {
    error: Inner,
}

#[derive(Deserialize)]
struct Inner {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    errors: Vec<GoogleErrorItem>,
}

/// The `reason`s of an error body, for the rate-limit hook.
pub(crate) fn reasons_of(body: &[u8]) -> Vec<String> {
    serde_json::from_slice::<Envelope>(body)
        .map(|e| {
            e.error
                .errors
                .into_iter()
                .filter_map(|i| i.reason)
                .collect()
        })
        .unwrap_or_default()
}

impl GoogleApiError {
    pub(crate) fn from_response(res: &ApiResponse) -> Self {
        match serde_json::from_slice::<Envelope>(&res.body) {
            Ok(e) => Self {
                status: res.status,
                message: e.error.message.unwrap_or_else(|| res.snippet()),
                code: e.error.status,
                errors: e.error.errors,
            },
            Err(_) => Self {
                status: res.status,
                message: res.snippet(),
                code: None,
                errors: Vec::new(),
            },
        }
    }

    /// Whether any entry has this `reason`.
    pub fn has_reason(&self, reason: &str) -> bool {
        self.errors
            .iter()
            .any(|e| e.reason.as_deref() == Some(reason))
    }
}

impl CalendarError {
    /// Google's error answer, if this is one.
    pub fn api(&self) -> Option<&GoogleApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}
