//! What to list from the journal, and how much work is queued: the vocabulary the manager's
//! read API shares with the stores.

use std::time::SystemTime;

use super::ids::{DeliveryId, EndpointId, MessageId};
use super::model::DeliveryStatus;
use super::page::Cursor;

/// Rows a list returns when its query's `limit` is zero.
pub const DEFAULT_LIMIT: usize = 100;

/// Which messages to list.
#[derive(Debug, Clone, Default)]
pub struct MessageQuery {
    /// Only messages with a delivery to this endpoint (in `status`, when that is set too).
    pub endpoint: Option<EndpointId>,
    /// Only messages with a delivery in this status.
    pub status: Option<DeliveryStatus>,
    /// Only event types this [`EventTypePattern`](super::EventTypePattern) names
    /// (`github.push`, `github.*`).
    pub event_type: Option<String>,
    /// Only messages published on this channel.
    pub channel: Option<String>,
    /// Only messages created at or after this time.
    pub since: Option<SystemTime>,
    /// Only messages created before this time.
    pub until: Option<SystemTime>,
    /// Where the page starts; `None` for the newest rows.
    pub cursor: Option<Cursor>,
    /// Most rows ([`DEFAULT_LIMIT`] when zero).
    pub limit: usize,
}

/// Which deliveries to list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryQuery {
    /// Only to this endpoint.
    pub endpoint: Option<EndpointId>,
    /// Only of this message.
    pub message: Option<MessageId>,
    /// Only in this status.
    pub status: Option<DeliveryStatus>,
    /// Only deliveries created at or after this time.
    pub since: Option<SystemTime>,
    /// Only deliveries created before this time.
    pub until: Option<SystemTime>,
    /// Where the page starts; `None` for the newest rows.
    pub cursor: Option<Cursor>,
    /// Most rows ([`DEFAULT_LIMIT`] when zero).
    pub limit: usize,
}

/// Which attempts to list.
#[derive(Debug, Clone, Default)]
pub struct AttemptQuery {
    /// Only to this endpoint.
    pub endpoint: Option<EndpointId>,
    /// Only of this message.
    pub message: Option<MessageId>,
    /// Only of this delivery.
    pub delivery: Option<DeliveryId>,
    /// Only attempts made at or after this time.
    pub since: Option<SystemTime>,
    /// Only attempts made before this time.
    pub until: Option<SystemTime>,
    /// Where the page starts; `None` for the newest rows.
    pub cursor: Option<Cursor>,
    /// Most rows ([`DEFAULT_LIMIT`] when zero).
    pub limit: usize,
}

/// `limit`, or [`DEFAULT_LIMIT`] when it is zero.
fn or_default(limit: usize) -> usize {
    if limit == 0 { DEFAULT_LIMIT } else { limit }
}

impl MessageQuery {
    /// The most rows to return: `limit`, or [`DEFAULT_LIMIT`] when it is zero.
    pub fn effective_limit(&self) -> usize {
        or_default(self.limit)
    }
}

impl DeliveryQuery {
    /// The most rows to return: `limit`, or [`DEFAULT_LIMIT`] when it is zero.
    pub fn effective_limit(&self) -> usize {
        or_default(self.limit)
    }
}

impl AttemptQuery {
    /// The most rows to return: `limit`, or [`DEFAULT_LIMIT`] when it is zero.
    pub fn effective_limit(&self) -> usize {
        or_default(self.limit)
    }
}

/// How much work is waiting, from [`WebhookManager::queue_depth`](super::WebhookManager::queue_depth)
/// (and [`QueueStore::queue_depth`](super::store::QueueStore::queue_depth)).
///
/// Only unfinished deliveries count (pending and in flight); delivered and dead-lettered ones
/// are history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct QueueDepth {
    /// Deliveries of enabled endpoints waiting for a worker: pending ones that are due, and
    /// in-flight ones whose lease expired (their worker died). A steadily growing value means
    /// delivery does not keep up.
    pub due: u64,
    /// Pending deliveries of enabled endpoints due later: retries waiting out their delay.
    pub scheduled: u64,
    /// Deliveries claimed by a worker whose lease has not expired (attempts under way).
    pub in_flight: u64,
    /// Pending or in-flight deliveries of disabled endpoints: kept, resumed on enable.
    pub paused: u64,
}

impl QueueDepth {
    /// A depth with these counts.
    pub fn new(due: u64, scheduled: u64, in_flight: u64, paused: u64) -> Self {
        Self {
            due,
            scheduled,
            in_flight,
            paused,
        }
    }

    /// Every unfinished delivery: `due + scheduled + in_flight + paused`.
    pub fn total(&self) -> u64 {
        self.due + self.scheduled + self.in_flight + self.paused
    }
}
