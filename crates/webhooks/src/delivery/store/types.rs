//! Requests and answers of the store traits that are not records, and the store's error.

use std::time::{Duration, SystemTime};

use bytes::Bytes;

use crate::delivery::ids::{DeliveryId, EndpointId, MessageId};
use crate::delivery::model::{Delivery, DeliveryStatus, Endpoint, EventFilter, Message};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A unique value is taken (an endpoint name or id).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The record does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The delivery's lease expired and it may have been claimed again; nothing was recorded.
    #[error("lease on delivery {0} is no longer held")]
    LeaseLost(DeliveryId),
    /// The message's payload was pruned, so it cannot be sent again.
    #[error("message {0} has been pruned")]
    Pruned(MessageId),
    /// A stored row could not be read back (corrupt or from an unknown schema version).
    #[error("corrupt row in {table}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The store is closed or its worker thread is gone.
    #[error("the store is closed")]
    Closed,
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Its id.
    pub id: MessageId,
    /// The event type, matched against endpoint filters.
    pub event_type: String,
    /// Its channels, matched against endpoints' channel filters (empty for none).
    pub channels: Vec<String>,
    /// The exact bytes to send.
    pub payload: Bytes,
    /// The caller's idempotency key.
    pub idempotency_key: Option<String>,
    /// An endpoint that gets no delivery of this message even when its filter matches: the
    /// endpoint an operational event is about.
    pub exclude_endpoint: Option<EndpointId>,
}

/// The fan-out rule every store applies when it stores a message: an enabled endpoint gets a
/// delivery when its filter matches the event type, its channels
/// [match](crate::delivery::channels_match) the message's, and it is not the excluded endpoint.
///
/// Operational events ([`OPERATIONAL_EVENT_TYPES`](crate::delivery::OPERATIONAL_EVENT_TYPES))
/// go only to endpoints that name them: an endpoint that takes every type receives the
/// application's own events, and must not learn about other endpoints unless it asks.
pub fn fans_out_to(endpoint: Subscriber<'_>, message: Published<'_>) -> bool {
    let Subscriber {
        id: endpoint,
        events,
        channels,
    } = endpoint;
    if message.excluded == Some(endpoint)
        || !crate::delivery::channels_match(channels, message.channels)
    {
        return false;
    }
    let event_type = message.event_type;
    match events {
        EventFilter::All => !crate::delivery::events::OPERATIONAL_EVENT_TYPES.contains(&event_type),
        EventFilter::Only(_) => events.matches(event_type),
    }
}

/// What [`fans_out_to`] needs of an endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Subscriber<'a> {
    /// Its id.
    pub id: &'a EndpointId,
    /// Its event-type filter.
    pub events: &'a EventFilter,
    /// Its channels (empty: no channel filter).
    pub channels: &'a [String],
}

impl<'a> Subscriber<'a> {
    /// The parts of `endpoint` the rule reads.
    pub fn of(endpoint: &'a Endpoint) -> Self {
        Self {
            id: &endpoint.id,
            events: &endpoint.events,
            channels: &endpoint.channels,
        }
    }
}

/// What [`fans_out_to`] needs of a message.
#[derive(Debug, Clone, Copy)]
pub struct Published<'a> {
    /// Its event type.
    pub event_type: &'a str,
    /// Its channels.
    pub channels: &'a [String],
    /// The endpoint that gets no delivery of it, if any.
    pub excluded: Option<&'a EndpointId>,
}

/// Whether [`fans_out_to`] reduces, for `message`, to "the endpoint takes every type or lists
/// one of [`patterns_matching`](crate::delivery::pattern::patterns_matching) its type, and
/// its channels match (`PG_ENDPOINT_TAKES`)": the form a SQL store may evaluate in a query
/// instead of calling it. Not
/// for a message with an excluded endpoint, nor for operational types, which only endpoints
/// that name them receive.
#[cfg(feature = "postgres")]
pub(crate) fn fans_out_in_sql(message: &NewMessage) -> bool {
    message.exclude_endpoint.is_none()
        && !crate::delivery::events::OPERATIONAL_EVENT_TYPES.contains(&message.event_type.as_str())
}

/// What [`QueueStore::insert_message`](super::QueueStore::insert_message) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    /// The message id: the new one, or the earlier one with the same idempotency key.
    pub message_id: MessageId,
    /// Whether a new message was stored (`false` for an idempotent repeat).
    pub created: bool,
    /// The deliveries created.
    pub deliveries: Vec<DeliveryId>,
}

/// Parameters of a claim.
#[derive(Debug, Clone)]
pub struct ClaimRequest {
    /// The current time: what is due, and the start of the lease.
    pub now: SystemTime,
    /// Most deliveries to claim.
    pub limit: usize,
    /// How long the lease lasts; longer than a request can take.
    pub lease: Duration,
    /// Endpoints to skip (their concurrency limit is reached in this process).
    pub exclude: Vec<EndpointId>,
}

/// A claimed delivery with everything needed to attempt it.
///
/// The engine decides what follows an attempt from this claim, the endpoint's failure clock
/// included, so a store returns the records as they are when the claim is made.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The delivery, as claimed (status in flight, its lease until `now + lease`).
    pub delivery: Delivery,
    /// The message, with its payload.
    pub message: Message,
    /// The endpoint, as stored when the delivery was claimed.
    pub endpoint: Endpoint,
    /// The lease token: proves this claim still holds the delivery. Unique per claim (a
    /// delivery claimed again after its lease expired gets a new one).
    pub lease_token: String,
}

/// A new random lease token.
pub(crate) fn lease_token() -> String {
    DeliveryId::generate().as_str()[4..].to_owned()
}

/// Shared by implementations: a delivery row for a new message or replay.
pub(crate) fn new_delivery(
    message_id: &MessageId,
    endpoint_id: &EndpointId,
    now: SystemTime,
    due_at: SystemTime,
) -> Delivery {
    Delivery {
        id: DeliveryId::generate(),
        message_id: message_id.clone(),
        endpoint_id: endpoint_id.clone(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        failed_in_round: 0,
        next_attempt_at: Some(due_at),
        lease_until: None,
        created_at: now,
        updated_at: now,
    }
}

/// Shared by implementations: the message/endpoint/delivery triple of a claim.
pub(crate) fn claim_of(
    delivery: Delivery,
    message: Message,
    endpoint: Endpoint,
    token: &str,
) -> Claim {
    Claim {
        delivery,
        message,
        endpoint,
        lease_token: token.to_owned(),
    }
}
