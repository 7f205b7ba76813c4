//! Jira's rate-limit signals: 429 (and 503 with `Retry-After`) wait for `Retry-After` seconds,
//! or until `X-RateLimit-Reset` (an ISO 8601 timestamp).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use switchboard_core::{
    http::StatusCode,
    retry::{RateLimitHook, RateLimited, ResponseView, parse_retry_after},
};

use crate::common::parse_iso8601;

/// The [`RateLimitHook`] Jira clients install.
#[derive(Debug, Clone, Copy, Default)]
pub struct JiraRateLimits;

impl RateLimitHook for JiraRateLimits {
    fn check(&self, res: &ResponseView<'_>) -> Option<RateLimited> {
        let h = res.headers();
        let header = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
        let retry_after = header("retry-after").and_then(|v| parse_retry_after(v, res.now()));
        match res.status() {
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = retry_after.or_else(|| {
                    header("x-ratelimit-reset").and_then(|v| until_iso8601(v, res.now()))
                });
                Some(RateLimited::new(wait))
            }
            // Atlassian sends Retry-After on 503s that are load shedding, not failures.
            StatusCode::SERVICE_UNAVAILABLE => retry_after.map(|w| RateLimited::new(Some(w))),
            _ => None,
        }
    }
}

/// The time from `now` until an ISO 8601 timestamp (`2025-06-01T09:00:00Z`,
/// `2025-06-01T09:00:00.123+02:00`); zero when it has passed.
pub(crate) fn until_iso8601(value: &str, now: SystemTime) -> Option<Duration> {
    let at = parse_iso8601(value.trim())?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
    Some(Duration::from_secs_f64((at - now).max(0.0)))
}
