//! Google's rate-limit signal: 403 with reason `rateLimitExceeded` or `userRateLimitExceeded`
//! means "back off and retry" (a 429 is handled by core already).

use switchboard_core::{
    http::{HeaderMap, StatusCode},
    retry::{RateLimitHook, RateLimited, ResponseView},
};

use super::error::reasons_of;

/// The [`RateLimitHook`] Google Calendar clients install.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoogleRateLimits;

impl RateLimitHook for GoogleRateLimits {
    fn needs_body(&self, status: StatusCode, _: &HeaderMap) -> bool {
        status == StatusCode::FORBIDDEN
    }

    fn check(&self, res: &ResponseView<'_>) -> Option<RateLimited> {
        if res.status() != StatusCode::FORBIDDEN {
            return None;
        }
        let limited = reasons_of(res.body()?)
            .iter()
            .any(|r| r == "rateLimitExceeded" || r == "userRateLimitExceeded");
        // Google documents exponential backoff for these, with no server-given delay.
        limited.then(|| RateLimited::new(None))
    }
}
