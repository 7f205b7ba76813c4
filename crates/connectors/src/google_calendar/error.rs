//! Google's `{"error":{"code","message","errors":[{domain,reason,message}]}}` as a typed error.

use serde::{Deserialize, Serialize};
use switchboard_core::http::StatusCode;

use crate::common::{ApiResponse, ErrorKind, InputError};

/// Everything a Google Calendar call can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum GoogleCalendarError {
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

/// An error answer in Google's generic error shape (the same `{"error": {…}}` body every
/// Google API sends), which is why it is named for Google and not for Calendar.
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

impl GoogleCalendarError {
    /// Google's error answer, if this is one.
    pub fn api(&self) -> Option<&GoogleApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}

impl GoogleApiError {
    /// The kind of this answer: a 403 whose reason is `rateLimitExceeded` or
    /// `userRateLimitExceeded` is [`ErrorKind::RateLimited`] (Google's rate-limit signal); any
    /// other as [`ErrorKind::from_status`] says.
    pub fn kind(&self) -> ErrorKind {
        if self.has_reason("rateLimitExceeded") || self.has_reason("userRateLimitExceeded") {
            ErrorKind::RateLimited
        } else {
            ErrorKind::from_status(self.status)
        }
    }
}

impl GoogleCalendarError {
    /// What kind of failure this is, in the vocabulary every service shares.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::Api(e) => e.kind(),
            Self::Http(e) => ErrorKind::from_http(e),
            Self::Decode(_) => ErrorKind::Decode,
        }
    }

    /// The HTTP status Google answered with (the API or its token endpoint), when it
    /// answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Http(e) => e.status(),
            _ => None,
        }
    }

    /// The request id core read from the answer, when there was one (Google's error body
    /// carries none).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Http(e) => e.request_id(),
            _ => None,
        }
    }

    /// Google's canonical error status (`NOT_FOUND`, `PERMISSION_DENIED`, …), when the body
    /// had one.
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(|e| e.code.as_deref())
    }
}
