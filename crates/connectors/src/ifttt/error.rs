//! IFTTT failures, without the key.

/// An IFTTT failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IftttError {
    /// An argument or setting was refused before anything was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which input.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// IFTTT refused the call (401 for a bad key, 4xx/5xx otherwise). IFTTT's error bodies are
    /// not documented; the message is its first `errors[].message` or the start of the body,
    /// with the key masked.
    #[error("ifttt answered status {status}{}", detail(.message))]
    Status {
        /// The HTTP status.
        status: u16,
        /// IFTTT's message.
        message: Option<String>,
    },
    /// The request failed in transit; the URL is not included.
    #[error("ifttt request failed: {detail}")]
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
