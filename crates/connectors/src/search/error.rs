//! What can go wrong in a web search: the provider's own answer kept whole (status, message,
//! code, request id, requested wait), the transport error kept as the source, never a secret.

use std::time::Duration;

use switchboard_core::{RequestBuilder, http::StatusCode};

use crate::common::{ApiResponse, ErrorKind, InputError, read};

/// Everything a web search can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// An argument or setting was rejected before any request was sent.
    #[error(transparent)]
    InvalidInput(#[from] InputError),
    /// The provider answered with an error.
    #[error("{0}")]
    Api(Box<SearchApiError>),
    /// The request failed below the API (connect, timeout, body limit, SSRF policy).
    #[error("{provider} request failed: {source}")]
    Http {
        /// The provider.
        provider: &'static str,
        /// The client error (URLs redacted).
        #[source]
        source: switchboard_core::Error,
    },
    /// A success response did not have the documented shape.
    #[error("{provider} response is not the expected JSON: {source}")]
    Decode {
        /// The provider.
        provider: &'static str,
        /// What did not parse (serde's message, with line and column).
        #[source]
        source: serde_json::Error,
    },
}

/// A provider's error answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{provider} answered {status}: {}{}{}", .message.as_deref().unwrap_or("no error message"), code_suffix(.code), wait_suffix(.retry_after))]
pub struct SearchApiError {
    /// The provider (`searxng`, `brave`, `tavily`, `google`, `kagi`, `serpapi`, `external`).
    pub provider: &'static str,
    /// The HTTP status (Kagi can also answer 200 with an error envelope).
    pub status: StatusCode,
    /// The provider's message (or the start of the body when it is not the provider's JSON).
    pub message: Option<String>,
    /// The provider's error code or reason (`rateLimitExceeded`, Kagi's `2`, …), when sent.
    pub code: Option<String>,
    /// The provider's request id, when sent (a header, or Kagi's `meta.id`).
    pub request_id: Option<String>,
    /// How long the provider asked to wait (`Retry-After`), when it said.
    pub retry_after: Option<Duration>,
}

impl SearchApiError {
    /// The kind of this answer: Google's `rateLimitExceeded`, `userRateLimitExceeded` and
    /// `dailyLimitExceeded` codes (sent with a 403) are [`ErrorKind::RateLimited`]; any other
    /// answer as [`ErrorKind::from_status`] says.
    pub fn kind(&self) -> ErrorKind {
        let limit_code = self.code.as_deref().is_some_and(|c| {
            matches!(
                c,
                "rateLimitExceeded" | "userRateLimitExceeded" | "dailyLimitExceeded"
            )
        });
        if limit_code {
            ErrorKind::RateLimited
        } else {
            ErrorKind::from_status(self.status)
        }
    }

    /// Whether the key or account was refused ([`ErrorKind::Unauthorized`] or
    /// [`ErrorKind::Forbidden`]): a configuration problem, not worth retrying.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self.kind(), ErrorKind::Unauthorized | ErrorKind::Forbidden)
    }

    /// Whether the provider refused for rate or quota reasons ([`ErrorKind::RateLimited`]).
    pub fn is_rate_limited(&self) -> bool {
        self.kind() == ErrorKind::RateLimited
    }
}

fn code_suffix(code: &Option<String>) -> String {
    code.as_ref()
        .map(|c| format!(" (code {c})"))
        .unwrap_or_default()
}

fn wait_suffix(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!("; retry after {} s", d.as_secs_f64()))
        .unwrap_or_default()
}

impl SearchError {
    /// What kind of failure this is, in the vocabulary every service shares.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::Api(e) => e.kind(),
            Self::Http { source, .. } => ErrorKind::from_http(source),
            Self::Decode { .. } => ErrorKind::Decode,
        }
    }

    /// The HTTP status the provider answered with, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Http { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The provider's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.request_id.as_deref(),
            Self::Http { source, .. } => source.request_id(),
            _ => None,
        }
    }

    /// How long the provider asked to wait (`Retry-After`), when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }

    /// The provider's error code, when its answer had one.
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(|e| e.code.as_deref())
    }

    /// The provider's error answer, if this is one.
    pub fn api(&self) -> Option<&SearchApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SearchApiError> for SearchError {
    fn from(e: SearchApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

/// The message and code a provider put in an error body.
#[derive(Debug, Default)]
pub(super) struct ErrorBody {
    pub(super) message: Option<String>,
    pub(super) code: Option<String>,
    pub(super) request_id: Option<String>,
}

/// Reads an error body: a provider-specific parser, else [`generic_error`].
pub(super) type ErrorParser = fn(&[u8]) -> ErrorBody;

/// Sends a prepared request and returns the 2xx response; maps every failure.
pub(super) async fn fetch(
    provider: &'static str,
    request: RequestBuilder,
    parse_error: ErrorParser,
) -> Result<ApiResponse, SearchError> {
    let http = |source| SearchError::Http { provider, source };
    let res = read(request.send().await.map_err(http)?)
        .await
        .map_err(http)?;
    if res.status.is_success() {
        return Ok(res);
    }
    Err(api_error(provider, &res, parse_error(&res.body)).into())
}

/// The error for an unsuccessful `res` whose body said `body`.
pub(super) fn api_error(
    provider: &'static str,
    res: &ApiResponse,
    body: ErrorBody,
) -> SearchApiError {
    SearchApiError {
        provider,
        status: res.status,
        message: body
            .message
            .or_else(|| (!res.body.is_empty()).then(|| res.snippet()))
            .map(|m| crate::text::truncate_chars(m.trim(), 300)),
        code: body.code,
        request_id: body.request_id.or_else(|| res.request_id.clone()),
        retry_after: res.retry_after(),
    }
}

/// The error text of the usual JSON shapes: `message`, `detail`, `error` or `title` as a string,
/// or one of those holding an object with `error`/`detail`/`message` (Tavily's
/// `{"detail": {"error": …}}`).
pub(super) fn generic_error(body: &[u8]) -> ErrorBody {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return ErrorBody::default();
    };
    let message = ["message", "detail", "error", "title"]
        .iter()
        .find_map(|key| match v.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            inner @ serde_json::Value::Object(_) => ["error", "detail", "message"]
                .iter()
                .find_map(|k| inner.get(k)?.as_str().map(str::to_owned)),
            _ => None,
        });
    ErrorBody {
        message,
        ..ErrorBody::default()
    }
}

/// Decodes a provider's JSON, naming the provider and serde's line/column on failure.
pub(super) fn decode<T: serde::de::DeserializeOwned>(
    provider: &'static str,
    body: &[u8],
) -> Result<T, SearchError> {
    serde_json::from_slice(body).map_err(|source| SearchError::Decode { provider, source })
}
