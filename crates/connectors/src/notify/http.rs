//! Sending a JSON body to a webhook URL and reading the answer, shared by the chat targets.

use switchboard_core::{Client, RetryPolicy, http::HeaderMap, http::StatusCode};

use super::NotifyError;
use crate::{WebhookUrl, hook_url::describe, text::truncate_chars};

/// A webhook's answer.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: String,
}

/// POSTs `body` as JSON to `url` once more per call; core may retry only a request that never
/// left. With `rate_limit_retries` false, core does not retry 429 (the caller does).
pub(super) async fn post_json(
    target: &'static str,
    client: &Client,
    url: &url::Url,
    body: &serde_json::Value,
    core_retries_429: bool,
) -> Result<Answer, NotifyError> {
    let mut req = client
        .request_url(switchboard_core::http::Method::POST, url.clone())
        .json(body);
    if !core_retries_429 {
        req = req.retry(RetryPolicy::none());
    }
    let res = req.send().await.map_err(|e| NotifyError::Transport {
        target,
        detail: describe(&e),
    })?;
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.text().await.map_err(|e| NotifyError::Transport {
        target,
        detail: describe(&e),
    })?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// The hook URL with `extra` query pairs appended.
pub(super) fn with_query(url: &WebhookUrl, extra: &[(&str, &str)]) -> url::Url {
    let mut u = url.expose().clone();
    if !extra.is_empty() {
        let mut q = u.query_pairs_mut();
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    u
}

/// The start of a body for an error, on one line.
pub(super) fn snippet(body: &str) -> String {
    truncate_chars(body.trim(), 300)
}

/// `Retry-After` (delay seconds, fractional tolerated, or an HTTP date), read by core's one
/// parser.
pub(super) fn retry_after_header(headers: &HeaderMap) -> Option<std::time::Duration> {
    headers
        .get(switchboard_core::http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| switchboard_core::retry::parse_retry_after(v, std::time::SystemTime::now()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use switchboard_core::http::{HeaderMap, HeaderValue, header::RETRY_AFTER};

    fn wait(value: &'static str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
        super::retry_after_header(&headers)
    }

    #[test]
    fn retry_after_is_read_by_cores_parser() {
        assert_eq!(wait("2"), Some(Duration::from_secs(2)));
        assert_eq!(wait("0.25"), Some(Duration::from_millis(250)));
        // An HTTP date in the past is no wait at all, not a parse failure.
        assert_eq!(wait("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(wait("soon"), None);
    }
}
