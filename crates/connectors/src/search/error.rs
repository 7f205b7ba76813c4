//! What can go wrong in a web search, per provider, without secrets.

use std::time::Duration;

/// A web search failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// An argument or setting was refused before anything was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which input (`query`, `base_url`, `api_key`).
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// SearXNG answered 403 to `format=json`: the instance does not enable JSON output.
    #[error(
        "searxng refused format=json (403): enable it in the instance's settings.yml with \
         `search: formats: [html, json]`"
    )]
    JsonFormatDisabled,
    /// The provider refused the credentials (401, or 403 where that means a bad key).
    #[error("{provider} refused the API key (status {status}){}", detail(.message))]
    Unauthorized {
        /// The provider.
        provider: &'static str,
        /// The HTTP status.
        status: u16,
        /// The provider's message, if it sent one.
        message: Option<String>,
    },
    /// The provider's rate limit or quota was hit (429) and retries did not get through.
    #[error("{provider} rate limit reached (429){}", wait(.retry_after))]
    RateLimited {
        /// The provider.
        provider: &'static str,
        /// How long the provider asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// Any other unsuccessful status.
    #[error("{provider} answered status {status}{}", detail(.message))]
    Status {
        /// The provider.
        provider: &'static str,
        /// The HTTP status.
        status: u16,
        /// The provider's message or the start of the body.
        message: Option<String>,
    },
    /// The response was not the documented JSON.
    #[error("{provider} sent a response that is not the documented JSON: {reason}")]
    Malformed {
        /// The provider.
        provider: &'static str,
        /// What did not parse (serde's message, with line and column).
        reason: String,
    },
    /// The request failed in transit (connect, timeout, body limit, SSRF policy).
    #[error("{provider} request failed: {source}")]
    Http {
        /// The provider.
        provider: &'static str,
        /// The client error (URLs redacted).
        #[source]
        source: switchboard_core::Error,
    },
}

fn detail(message: &Option<String>) -> String {
    message
        .as_ref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

fn wait(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!("; retry after {} s", d.as_secs_f64()))
        .unwrap_or_default()
}

/// Sends a prepared request and returns the body of a 2xx response; maps every failure.
pub(super) async fn fetch(
    provider: &'static str,
    request: switchboard_core::RequestBuilder,
) -> Result<String, SearchError> {
    let res = request
        .send()
        .await
        .map_err(|source| SearchError::Http { provider, source })?;
    let status = res.status();
    let retry_after = res
        .headers()
        .get(switchboard_core::http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = res
        .text()
        .await
        .map_err(|source| SearchError::Http { provider, source })?;
    if status.is_success() {
        return Ok(body);
    }
    let message = error_message(&body);
    let code = status.as_u16();
    Err(match code {
        401 => SearchError::Unauthorized {
            provider,
            status: code,
            message,
        },
        403 if provider == "searxng" => SearchError::JsonFormatDisabled,
        403 => SearchError::Unauthorized {
            provider,
            status: code,
            message,
        },
        429 => SearchError::RateLimited {
            provider,
            retry_after,
        },
        _ => SearchError::Status {
            provider,
            status: code,
            message,
        },
    })
}

/// The provider's error text: a JSON `message`/`detail`/`error` field, else the body's start.
fn error_message(body: &str) -> Option<String> {
    let body = body.trim();
    if body.is_empty() {
        return None;
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        let pick = |v: &serde_json::Value| -> Option<String> {
            for key in ["message", "detail", "error", "title"] {
                match v.get(key) {
                    Some(serde_json::Value::String(s)) => return Some(s.clone()),
                    Some(inner @ serde_json::Value::Object(_)) => {
                        for k in ["error", "detail", "message"] {
                            if let Some(serde_json::Value::String(s)) = inner.get(k) {
                                return Some(s.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
            None
        };
        if let Some(m) = pick(&v) {
            return Some(crate::text::truncate_chars(&m, 300));
        }
    }
    Some(crate::text::truncate_chars(body, 300))
}

/// Decodes a provider's JSON, naming the provider and serde's line/column on failure.
pub(super) fn decode<T: serde::de::DeserializeOwned>(
    provider: &'static str,
    body: &str,
) -> Result<T, SearchError> {
    serde_json::from_str(body).map_err(|e| SearchError::Malformed {
        provider,
        reason: e.to_string(),
    })
}
