//! Which failures are transient, and which requests are safe to send again.

use std::{error::Error as StdError, io};

use http::{HeaderMap, Method, StatusCode};

use crate::{
    error::{ErrorKind, find_source},
    net::PolicyViolation,
};

/// The header that makes a non-idempotent request safe to retry.
pub(crate) const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Whether a status is worth retrying: 408, 425, 429, 500, 502, 503, 504.
///
/// ```
/// use http::StatusCode;
/// use switchboard_core::retry::is_transient_status;
/// assert!(is_transient_status(StatusCode::SERVICE_UNAVAILABLE));
/// assert!(!is_transient_status(StatusCode::NOT_FOUND));
/// ```
pub fn is_transient_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 425 | 429 | 500 | 502 | 503 | 504)
}

/// Whether a method is idempotent (RFC 9110): GET, HEAD, OPTIONS, TRACE, PUT, DELETE.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// Whether the request may be sent again after the server may have seen it.
pub(crate) fn replay_safe(method: &Method, headers: &HeaderMap) -> bool {
    is_idempotent(method) || headers.contains_key(IDEMPOTENCY_KEY)
}

/// How a transport failure is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TransportFailure {
    pub(crate) kind: ErrorKind,
    /// Worth another attempt.
    pub(crate) transient: bool,
    /// The request certainly never reached the server.
    pub(crate) never_sent: bool,
}

/// Classifies an error from the hyper-util client.
pub(crate) fn classify_transport(err: &hyper_util::client::legacy::Error) -> TransportFailure {
    let dyn_err: &(dyn StdError + 'static) = err;
    if find_source::<PolicyViolation>(dyn_err).is_some() {
        return TransportFailure {
            kind: ErrorKind::BlockedByPolicy,
            transient: false,
            never_sent: true,
        };
    }
    if err.is_connect() {
        // A TLS failure (untrusted certificate, wrong name, no common protocol) repeats on
        // every attempt; other connect failures may be momentary.
        let tls = find_source::<rustls::Error>(dyn_err).is_some();
        return TransportFailure {
            kind: ErrorKind::Connect,
            transient: !tls,
            never_sent: true,
        };
    }
    let transient = match find_source::<hyper::Error>(dyn_err) {
        Some(h) if h.is_incomplete_message() || h.is_canceled() || h.is_closed() => true,
        _ => find_source::<io::Error>(dyn_err).is_some_and(|io| {
            matches!(
                io.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::TimedOut
            )
        }),
    };
    TransportFailure {
        kind: ErrorKind::Transport,
        transient,
        never_sent: false,
    }
}
