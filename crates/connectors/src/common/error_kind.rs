//! One vocabulary for what went wrong, whichever service answered: every service's error
//! type says its [`ErrorKind`], so a caller (the gateway, a model-facing tool, a retry loop)
//! decides on the kind without knowing each service's error shape.
//!
//! The policy from an HTTP status to a kind is [`ErrorKind::from_status`], the one place
//! every service calls; a service refines it only with what its body says beyond the status
//! (Slack's `ok:false` codes, Google's `rateLimitExceeded` on a 403).

use switchboard_core::http::StatusCode;

/// What kind of failure a service call ended in.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The arguments were refused: by the client before sending (no status), or by the
    /// service as malformed or invalid (400, 422). Fix the arguments; retrying as-is fails.
    InvalidInput,
    /// The credentials are missing, invalid or revoked (401).
    Unauthorized,
    /// The credentials are valid but may not do this (403): a scope, a permission, a
    /// resource not shared with the integration.
    Forbidden,
    /// The thing named does not exist or is not visible to these credentials (404, 410).
    NotFound,
    /// The request conflicts with the resource's current state (409, 412).
    Conflict,
    /// The service refused for rate or quota reasons (429, or the service's own rate-limit
    /// signal); `retry_after()` says how long to wait when the service said.
    RateLimited,
    /// The service failed or is unavailable (5xx); the same call may succeed later.
    Unavailable,
    /// The service answered with another error status or error code.
    Api,
    /// The request did not complete below the API: connect, timeout, TLS, body limit, the
    /// network policy, a redirect.
    Transport,
    /// A response arrived but did not have the documented shape.
    Decode,
    /// A call made of several requests stopped part-way: some writes happened (e.g. a Notion
    /// page created with only part of its blocks).
    Partial,
}

impl ErrorKind {
    /// The kind an error status means. Statuses without a meaning of their own (other 4xx,
    /// unexpected 1xx–3xx) are [`ErrorKind::Api`].
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 | 422 => Self::InvalidInput,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 | 410 => Self::NotFound,
            409 | 412 => Self::Conflict,
            429 => Self::RateLimited,
            500..=599 => Self::Unavailable,
            _ => Self::Api,
        }
    }

    /// The kind of a failure below the API, from core's error: a status core saw (e.g. an
    /// OAuth token endpoint's answer) maps through [`from_status`](Self::from_status), failed
    /// credentials are [`Unauthorized`](Self::Unauthorized), a request that could not be
    /// built is [`InvalidInput`](Self::InvalidInput), a body that did not decode is
    /// [`Decode`](Self::Decode), everything else [`Transport`](Self::Transport).
    pub fn from_http(error: &switchboard_core::Error) -> Self {
        use switchboard_core::ErrorKind as Core;
        if let Some(status) = error.status() {
            return Self::from_status(status);
        }
        match error.kind() {
            Core::Auth => Self::Unauthorized,
            Core::InvalidRequest | Core::Endpoint => Self::InvalidInput,
            Core::Decode => Self::Decode,
            _ => Self::Transport,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(code: u16) -> ErrorKind {
        ErrorKind::from_status(StatusCode::from_u16(code).unwrap())
    }

    #[test]
    fn malformed_or_invalid_requests_are_invalid_input() {
        assert_eq!(kind(400), ErrorKind::InvalidInput);
        assert_eq!(kind(422), ErrorKind::InvalidInput);
    }

    #[test]
    fn a_401_is_unauthorized_and_a_403_forbidden() {
        assert_eq!(kind(401), ErrorKind::Unauthorized);
        assert_eq!(kind(403), ErrorKind::Forbidden);
    }

    #[test]
    fn missing_and_gone_are_not_found() {
        assert_eq!(kind(404), ErrorKind::NotFound);
        assert_eq!(kind(410), ErrorKind::NotFound);
    }

    #[test]
    fn state_conflicts_are_conflict() {
        assert_eq!(kind(409), ErrorKind::Conflict);
        assert_eq!(kind(412), ErrorKind::Conflict);
    }

    #[test]
    fn a_429_is_rate_limited() {
        assert_eq!(kind(429), ErrorKind::RateLimited);
    }

    #[test]
    fn every_5xx_is_unavailable() {
        for code in [500, 502, 503, 504, 529, 599] {
            assert_eq!(kind(code), ErrorKind::Unavailable, "{code}");
        }
    }

    #[test]
    fn other_statuses_are_api() {
        for code in [100, 200, 302, 402, 405, 413, 418, 451] {
            assert_eq!(kind(code), ErrorKind::Api, "{code}");
        }
    }
}
