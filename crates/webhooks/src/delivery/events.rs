//! Operational events: what operators want to hear about a delivery or an endpoint.
//!
//! The engine's decision after each attempt lists them (see
//! [`Decision::emitted`](super::store::Decision::emitted)), and a store's answer says which of
//! them happened, so each is reported once however many workers race on one endpoint. They reach
//! a [`DeliveryObserver`](super::DeliveryObserver) in
//! [`AttemptReport::events`](super::AttemptReport::events).
//!
//! With [`WebhookManagerBuilder::publish_operational_events`](super::WebhookManagerBuilder::publish_operational_events)
//! the manager also publishes each as an event of its [`event_type`](OperationalEvent::event_type)
//! with its [`data`](OperationalEvent::data), as [`trigger_event`](super::WebhookManager::trigger_event)
//! would, except that the endpoint it is about gets no delivery of it; and it publishes
//! [`ENDPOINT_ENABLED`] when an endpoint is enabled again.

use std::time::SystemTime;

use serde_json::json;

use super::envelope::rfc3339;
use super::ids::{DeliveryId, EndpointId, MessageId};
use super::model::{AttemptErrorKind, DisabledReason, Endpoint};
use super::observer::AttemptReport;

/// Something operators should hear about, caused by one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OperationalEvent {
    /// `endpoint.disabled`: the attempt disabled its endpoint, because the receiver answered
    /// `410 Gone` or because the endpoint had been failing for the configured time. Its pending
    /// deliveries are kept and resume when it is enabled again.
    EndpointDisabled {
        /// The endpoint.
        endpoint_id: EndpointId,
        /// Why: [`DisabledReason::Gone`] or [`DisabledReason::Failing`].
        reason: DisabledReason,
        /// When the attempt started.
        at: SystemTime,
    },
    /// `message.attempt.exhausted`: the attempt was the last of the retry schedule and failed;
    /// the delivery is dead-lettered until it is recovered or replayed.
    AttemptExhausted {
        /// The endpoint.
        endpoint_id: EndpointId,
        /// The message.
        message_id: MessageId,
        /// The delivery.
        delivery_id: DeliveryId,
        /// Attempts the delivery has had, this one included.
        attempts: u32,
        /// When the attempt started.
        at: SystemTime,
    },
    /// `message.attempt.failing`: the first failed attempt to an endpoint after a success (its
    /// failure clock started).
    AttemptFailing {
        /// The endpoint.
        endpoint_id: EndpointId,
        /// The message.
        message_id: MessageId,
        /// The delivery.
        delivery_id: DeliveryId,
        /// The attempt's number for its delivery, from 1.
        attempt: u32,
        /// When the attempt started.
        at: SystemTime,
    },
}

impl OperationalEvent {
    /// The event type it is published as: `endpoint.disabled`, `message.attempt.exhausted` or
    /// `message.attempt.failing`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::EndpointDisabled { .. } => "endpoint.disabled",
            Self::AttemptExhausted { .. } => "message.attempt.exhausted",
            Self::AttemptFailing { .. } => "message.attempt.failing",
        }
    }

    /// The endpoint it is about.
    pub fn endpoint_id(&self) -> &EndpointId {
        match self {
            Self::EndpointDisabled { endpoint_id, .. }
            | Self::AttemptExhausted { endpoint_id, .. }
            | Self::AttemptFailing { endpoint_id, .. } => endpoint_id,
        }
    }
}

/// The event type published when an endpoint is enabled again (by
/// [`WebhookManager::enable`](super::WebhookManager::enable), only when it was disabled).
pub const ENDPOINT_ENABLED: &str = "endpoint.enabled";

/// Every operational event type. An endpoint receives these only when its filter names them.
pub const OPERATIONAL_EVENT_TYPES: [&str; 4] = [
    "endpoint.disabled",
    ENDPOINT_ENABLED,
    "message.attempt.exhausted",
    "message.attempt.failing",
];

impl OperationalEvent {
    /// The `data` it is published with, for the attempt `report` that caused it:
    ///
    /// - `endpoint.disabled`: `endpoint_id`, `endpoint_name`, `reason` (`gone` or `failing`),
    ///   `status` (the receiver's answer, or `null`), `at`;
    /// - `message.attempt.exhausted`: `endpoint_id`, `endpoint_name`, `message_id`,
    ///   `delivery_id`, `attempts`, `status`, `error` (`status`, `timeout`, `connect`, …), `at`;
    /// - `message.attempt.failing`: the same with `attempt` (its number) for `attempts`.
    ///
    /// `at` is the attempt's start, RFC 3339 in UTC.
    pub fn data(&self, report: &AttemptReport<'_>) -> serde_json::Value {
        let error = report.error_kind.map(AttemptErrorKind::as_str);
        match self {
            Self::EndpointDisabled {
                endpoint_id,
                reason,
                at,
            } => json!({
                "endpoint_id": endpoint_id,
                "endpoint_name": report.endpoint_name,
                "reason": reason.as_str(),
                "status": report.status,
                "at": rfc3339(*at),
            }),
            Self::AttemptExhausted {
                endpoint_id,
                message_id,
                delivery_id,
                attempts,
                at,
            } => json!({
                "endpoint_id": endpoint_id,
                "endpoint_name": report.endpoint_name,
                "message_id": message_id,
                "delivery_id": delivery_id,
                "attempts": attempts,
                "status": report.status,
                "error": error,
                "at": rfc3339(*at),
            }),
            Self::AttemptFailing {
                endpoint_id,
                message_id,
                delivery_id,
                attempt,
                at,
            } => json!({
                "endpoint_id": endpoint_id,
                "endpoint_name": report.endpoint_name,
                "message_id": message_id,
                "delivery_id": delivery_id,
                "attempt": attempt,
                "status": report.status,
                "error": error,
                "at": rfc3339(*at),
            }),
        }
    }
}

/// The `data` of `endpoint.enabled`: `endpoint_id`, `endpoint_name`, `at` (RFC 3339, UTC).
pub(crate) fn enabled_data(endpoint: &Endpoint, at: SystemTime) -> serde_json::Value {
    json!({
        "endpoint_id": endpoint.id,
        "endpoint_name": endpoint.name,
        "at": rfc3339(at),
    })
}
