//! The extension point through which connectors add service-specific rate-limit signals.

use std::{fmt, time::Duration, time::SystemTime};

use http::{HeaderMap, StatusCode};

/// A service-specific rate-limit detector, consulted for every non-success response.
///
/// Core already honours `Retry-After` and, on 429/503, `X-RateLimit-Reset`. A hook recognises
/// other signals — GitHub's 403 with `x-ratelimit-remaining: 0`, Google's 403
/// `rateLimitExceeded` body — and returns [`RateLimited`]; the client then retries (any method,
/// since the server refused the request) after the given delay, within the policy's limits.
///
/// ```
/// use std::time::Duration;
/// use switchboard_core::retry::{parse_rate_limit_reset, RateLimitHook, RateLimited, ResponseView};
///
/// #[derive(Debug)]
/// struct GitHubLimits;
///
/// impl RateLimitHook for GitHubLimits {
///     fn check(&self, res: &ResponseView<'_>) -> Option<RateLimited> {
///         let h = res.headers();
///         let exhausted = h.get("x-ratelimit-remaining").is_some_and(|v| v == "0");
///         if res.status().as_u16() != 403 || !exhausted {
///             return None;
///         }
///         let wait = h
///             .get("x-ratelimit-reset")
///             .and_then(|v| v.to_str().ok())
///             .and_then(|v| parse_rate_limit_reset(v, res.now()));
///         Some(RateLimited::new(wait))
///     }
/// }
/// ```
pub trait RateLimitHook: Send + Sync + fmt::Debug {
    /// Whether [`check`](Self::check) needs the response body for this status and headers.
    /// The body is then buffered (within the client's body limit) before `check` is called.
    fn needs_body(&self, status: StatusCode, headers: &HeaderMap) -> bool {
        let _ = (status, headers);
        false
    }

    /// Returns `Some` when the response is a rate-limit refusal.
    fn check(&self, response: &ResponseView<'_>) -> Option<RateLimited>;
}

/// What a [`RateLimitHook`] sees of a response.
#[derive(Debug, Clone, Copy)]
pub struct ResponseView<'a> {
    status: StatusCode,
    headers: &'a HeaderMap,
    body: Option<&'a [u8]>,
    now: SystemTime,
}

impl<'a> ResponseView<'a> {
    /// A view of a response; `body` is `Some` only when a hook asked for it.
    pub fn new(
        status: StatusCode,
        headers: &'a HeaderMap,
        body: Option<&'a [u8]>,
        now: SystemTime,
    ) -> Self {
        Self {
            status,
            headers,
            body,
            now,
        }
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// The buffered body, when some hook's [`RateLimitHook::needs_body`] returned true.
    pub fn body(&self) -> Option<&'a [u8]> {
        self.body
    }

    /// The wall-clock time to compute delays from reset timestamps against.
    pub fn now(&self) -> SystemTime {
        self.now
    }
}

/// A rate-limit refusal found by a [`RateLimitHook`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    retry_after: Option<Duration>,
}

impl RateLimited {
    /// A refusal, with the delay the service asked for if it said one.
    pub fn new(retry_after: Option<Duration>) -> Self {
        Self { retry_after }
    }

    /// The delay the service asked for; `None` means use the backoff.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}
