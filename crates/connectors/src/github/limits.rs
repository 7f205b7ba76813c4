//! GitHub's rate-limit signals for core's retry loop: primary limits (403/429 with
//! `x-ratelimit-remaining: 0` → wait until `x-ratelimit-reset`) and secondary limits
//! (`retry-after`, else at least 60 s).

use std::time::Duration;

use switchboard_core::{
    http::{HeaderMap, StatusCode},
    retry::{RateLimitHook, RateLimited, ResponseView, parse_rate_limit_reset, parse_retry_after},
};

/// How long GitHub asks clients to wait after a secondary limit that names no time.
pub(crate) const SECONDARY_DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// The [`RateLimitHook`] GitHub clients install.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitHubRateLimits;

fn is_limit_status(status: StatusCode) -> bool {
    status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS
}

impl RateLimitHook for GitHubRateLimits {
    fn needs_body(&self, status: StatusCode, headers: &HeaderMap) -> bool {
        // A 403 without limit headers is a secondary limit only if its message says so.
        status == StatusCode::FORBIDDEN
            && !headers.contains_key("retry-after")
            && headers
                .get("x-ratelimit-remaining")
                .is_none_or(|v| v != "0")
    }

    fn check(&self, res: &ResponseView<'_>) -> Option<RateLimited> {
        if !is_limit_status(res.status()) {
            return None;
        }
        let h = res.headers();
        let header = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
        if let Some(wait) = header("retry-after").and_then(|v| parse_retry_after(v, res.now())) {
            return Some(RateLimited::new(Some(wait)));
        }
        if header("x-ratelimit-remaining") == Some("0") {
            let wait =
                header("x-ratelimit-reset").and_then(|v| parse_rate_limit_reset(v, res.now()));
            return Some(RateLimited::new(wait));
        }
        let secondary = res.body().is_some_and(|b| {
            String::from_utf8_lossy(b)
                .to_ascii_lowercase()
                .contains("secondary rate limit")
        });
        if secondary || res.status() == StatusCode::TOO_MANY_REQUESTS {
            return Some(RateLimited::new(Some(SECONDARY_DEFAULT_WAIT)));
        }
        None
    }
}
