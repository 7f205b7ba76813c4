//! Zapier failures, without the Catch Hook URL or the bearer token.

use std::time::Duration;

/// A Zapier failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZapierError {
    /// An argument or setting was refused before anything was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which input.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The token was refused (401/403).
    #[error("zapier refused the token (status {status}){}", detail(.message))]
    Unauthorized {
        /// The HTTP status.
        status: u16,
        /// Zapier's message.
        message: Option<String>,
    },
    /// The rate limit was hit (429; the Workflow API asks for a 60 s cool-down).
    #[error("zapier rate limit reached (429){}", wait(.retry_after))]
    RateLimited {
        /// How long Zapier asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// Any other unsuccessful status.
    #[error("zapier answered status {status}{}", detail(.message))]
    Status {
        /// The HTTP status.
        status: u16,
        /// Zapier's message or the start of the body.
        message: Option<String>,
    },
    /// The response was not the documented JSON.
    #[error("zapier sent a response that is not the documented JSON: {reason}")]
    Malformed {
        /// What did not parse.
        reason: String,
    },
    /// The request failed in transit; the URL is not included.
    #[error("zapier request failed: {detail}")]
    Transport {
        /// The client error, without the URL.
        detail: String,
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
        .map(|d| format!("; retry after {} s", d.as_secs()))
        .unwrap_or_default()
}

/// Sends and returns `(status, body)` for 2xx; maps every failure.
pub(super) async fn fetch(
    request: switchboard_core::RequestBuilder,
) -> Result<String, ZapierError> {
    let transport = |e: switchboard_core::Error| ZapierError::Transport {
        detail: crate::hook_url::describe(&e),
    };
    let res = request.send().await.map_err(transport)?;
    let status = res.status();
    let retry_after = res
        .headers()
        .get(switchboard_core::http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = res.text().await.map_err(transport)?;
    if status.is_success() {
        return Ok(body);
    }
    let message = message(&body);
    let code = status.as_u16();
    Err(match code {
        401 | 403 => ZapierError::Unauthorized {
            status: code,
            message,
        },
        429 => ZapierError::RateLimited { retry_after },
        _ => ZapierError::Status {
            status: code,
            message,
        },
    })
}

/// Zapier's error text: `errors[0].detail`/`title`, `message`, `detail`, else the body's start.
fn message(body: &str) -> Option<String> {
    let body = body.trim();
    if body.is_empty() {
        return None;
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        let first = v.get("errors").and_then(|e| e.get(0));
        let candidates = [
            first.and_then(|e| e.get("detail")),
            first.and_then(|e| e.get("title")),
            v.get("message"),
            v.get("detail"),
            v.get("error"),
        ];
        if let Some(s) = candidates.into_iter().flatten().find_map(|c| c.as_str()) {
            return Some(crate::text::truncate_chars(s, 300));
        }
    }
    Some(crate::text::truncate_chars(body, 300))
}
