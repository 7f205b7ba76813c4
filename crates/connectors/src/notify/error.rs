//! Why a notification was not delivered, without the target's secret URL or credentials.

use std::time::Duration;

/// A notification delivery failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// An argument or setting was refused before anything was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which input.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The target refused the message with a documented error.
    #[error("{target} refused the message (status {status}){}{}", code_text(.code), message_text(.message))]
    Rejected {
        /// The target (`slack`, `discord`, …).
        target: &'static str,
        /// The HTTP status.
        status: u16,
        /// The service's error code (`channel_not_found`, `10015`, `INVALID_ARGUMENT`, …).
        code: Option<String>,
        /// The service's message or the start of the body.
        message: Option<String>,
    },
    /// The target kept answering 429 (or asked for a longer wait than allowed).
    #[error("{target} rate limit reached (429){}", wait_text(.retry_after))]
    RateLimited {
        /// The target.
        target: &'static str,
        /// The last wait the service asked for.
        retry_after: Option<Duration>,
    },
    /// A 2xx answer whose body is not the documented success.
    #[error("{target} answered status {status} with an unexpected body: {body}")]
    UnexpectedResponse {
        /// The target.
        target: &'static str,
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The request failed in transit (connect, timeout, SSRF policy); the URL is not included.
    #[error("{target} request failed: {detail}")]
    Transport {
        /// The target.
        target: &'static str,
        /// The client error, without the URL.
        detail: String,
    },
    /// The SMTP server refused the message or the connection failed.
    #[error("email delivery failed: {detail}")]
    Smtp {
        /// lettre's description (no credentials), with the SMTP reply where there was one.
        detail: String,
        /// Whether the server answered with a permanent (5xx) reply.
        permanent: bool,
    },
}

fn code_text(code: &Option<String>) -> String {
    code.as_ref().map(|c| format!(" {c}")).unwrap_or_default()
}

fn message_text(message: &Option<String>) -> String {
    message
        .as_ref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

fn wait_text(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!("; asked to wait {:.3} s", d.as_secs_f64()))
        .unwrap_or_default()
}
