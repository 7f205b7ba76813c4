//! Jira's `errorMessages`/`errors` body as a typed error.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchboard_core::http::StatusCode;

use crate::common::{ApiResponse, ErrorKind, InputError};

/// Everything a Jira call can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum JiraError {
    /// An argument was rejected before any request was sent.
    #[error(transparent)]
    InvalidInput(#[from] InputError),
    /// Jira answered with an error status.
    #[error("{0}")]
    Api(Box<JiraApiError>),
    /// The request failed below the API.
    #[error("Jira request failed: {0}")]
    Http(#[from] switchboard_core::Error),
    /// A success response did not have the documented shape.
    #[error("Jira response is not the expected JSON: {0}")]
    Decode(#[source] serde_json::Error),
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Jira answered {status}: {}", describe(.messages, .field_errors))]
pub struct JiraApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// `errorMessages` (or the start of the body when it is not Jira's JSON).
    pub messages: Vec<String>,
    /// `errors`: field id → message, e.g. `summary` → `You must specify a summary of the issue.`
    pub field_errors: BTreeMap<String, String>,
    /// The request id (`atl-traceid`).
    pub request_id: Option<String>,
}

fn describe(messages: &[String], fields: &BTreeMap<String, String>) -> String {
    let mut parts: Vec<String> = messages.to_vec();
    parts.extend(fields.iter().map(|(k, v)| format!("{k}: {v}")));
    if parts.is_empty() {
        "no error message".to_owned()
    } else {
        parts.join("; ")
    }
}

#[derive(Deserialize)]
struct Body {
    #[serde(default, rename = "errorMessages")]
    error_messages: Vec<String>,
    #[serde(default)]
    errors: BTreeMap<String, serde_json::Value>,
}

impl JiraApiError {
    pub(crate) fn from_response(res: &ApiResponse) -> Self {
        let (messages, field_errors) = match serde_json::from_slice::<Body>(&res.body) {
            Ok(b) if !b.error_messages.is_empty() || !b.errors.is_empty() => (
                b.error_messages,
                b.errors
                    .into_iter()
                    .map(|(k, v)| {
                        let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                        (k, text)
                    })
                    .collect(),
            ),
            _ => (vec![res.snippet()], BTreeMap::new()),
        };
        Self {
            status: res.status,
            messages,
            field_errors,
            request_id: res.request_id.clone(),
        }
    }
}

impl JiraError {
    /// Jira's error answer, if this is one.
    pub fn api(&self) -> Option<&JiraApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}

impl JiraError {
    /// What kind of failure this is, in the vocabulary every service shares.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::Api(e) => ErrorKind::from_status(e.status),
            Self::Http(e) => ErrorKind::from_http(e),
            Self::Decode(_) => ErrorKind::Decode,
        }
    }

    /// The HTTP status Jira answered with, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Http(e) => e.status(),
            _ => None,
        }
    }

    /// The request id (`atl-traceid`) of the failed call, when there was an answer.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.request_id.as_deref(),
            Self::Http(e) => e.request_id(),
            _ => None,
        }
    }
}
