//! Operational events: what operators want to hear about a delivery or an endpoint.
//!
//! The engine's decision after each attempt lists them (see
//! [`Decision::emitted`](super::store::Decision::emitted)), and a store's answer says which of
//! them happened, so each is reported once however many workers race on one endpoint. They reach
//! a [`DeliveryObserver`](super::DeliveryObserver) in
//! [`AttemptReport::events`](super::AttemptReport::events).

use std::time::SystemTime;

use super::ids::{DeliveryId, EndpointId, MessageId};
use super::model::DisabledReason;

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
