//! Notion's overload signal for core's retry loop: 529 `service_overload` is handled like a 429
//! (core already honours 429 with `Retry-After`).

use switchboard_core::retry::{RateLimitHook, RateLimited, ResponseView, parse_retry_after};

/// The [`RateLimitHook`] Notion clients install.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotionRateLimits;

impl RateLimitHook for NotionRateLimits {
    fn check(&self, res: &ResponseView<'_>) -> Option<RateLimited> {
        if res.status().as_u16() != 529 {
            return None;
        }
        let wait = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, res.now()));
        Some(RateLimited::new(wait))
    }
}
