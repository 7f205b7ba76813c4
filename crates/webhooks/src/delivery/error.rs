//! Errors of the [`WebhookManager`](super::WebhookManager) API.

use super::ids::{EndpointId, MessageId};
use super::store::StoreError;

/// Why a manager call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManagerError {
    /// An endpoint setting is invalid.
    #[error("invalid endpoint {field}: {reason}")]
    InvalidEndpoint {
        /// The setting (`name`, `url`, `events`, `secret`, `headers`, `max_in_flight`,
        /// `rate_limit`, `description`, `metadata`, `channels`; `overlap` for a rotation).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The SSRF policy refuses the endpoint URL.
    #[error("endpoint url is not allowed by the network policy: {0}")]
    Blocked(String),
    /// Another endpoint has this name.
    #[error("an endpoint named {0:?} already exists")]
    NameTaken(String),
    /// No endpoint has this id.
    #[error("unknown endpoint {0}")]
    UnknownEndpoint(EndpointId),
    /// No message has this id (or it was pruned).
    #[error("unknown message {0}")]
    UnknownMessage(MessageId),
    /// The event is invalid.
    #[error("invalid event {field}: {reason}")]
    InvalidEvent {
        /// `type`, `data` or `idempotency_key`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The configuration is invalid or the HTTP client could not be built.
    #[error("invalid delivery configuration: {0}")]
    Config(String),
    /// The manager was used outside a tokio runtime, or after shutdown.
    #[error("{0}")]
    Runtime(&'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
