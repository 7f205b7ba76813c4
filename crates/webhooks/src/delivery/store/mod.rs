//! The durable store behind the delivery engine: four small traits, three implementations.
//!
//! [`MemoryStore`] serves tests and ephemeral use, `SqliteStore` (feature `sqlite`) is the
//! embedded default, and `PostgresStore` (feature `postgres`) lets several processes share one
//! database. All three pass the same conformance suite (`tests/delivery_store/`).
//!
//! # The traits
//!
//! A store is split by concern; [`Store`] is the sum the manager and engine take, implemented
//! for every type that implements the four parts:
//!
//! - [`EndpointStore`]: endpoint records;
//! - [`QueueStore`]: the delivery queue — enqueue a message with its deliveries, claim due
//!   deliveries under a lease, release them, record an attempt's [`Decision`], replay and
//!   recover;
//! - [`JournalStore`]: what was sent — messages, deliveries and attempts — and its retention;
//! - [`SeenStore`]: records of accepted ingest requests, so replays of them are dropped.
//!
//! # Implementing a store
//!
//! The delivery policy is not the store's business: after each attempt the engine hands
//! [`QueueStore::complete`] a [`Decision`] (the delivery's new state, the attempt row, a
//! declarative endpoint change, the operational events) and the store applies it in one
//! transaction, following [`EndpointChange::apply`] against the endpoint as it finds it, and
//! reports what took effect ([`Applied`]). What a store must guarantee:
//!
//! - every method is atomic: a message is stored with all its deliveries or not at all, a
//!   decision is applied whole or not at all;
//! - a delivery is claimed by at most one caller until its lease expires: [`Claim::lease_token`]
//!   is unique per claim, and `release` and `complete` apply only while the delivery is still
//!   in flight under that token (otherwise [`StoreError::LeaseLost`], nothing changed);
//! - concurrent calls may share a commit, but each caller gets exactly its own result.

mod decision;
mod memory;
pub mod migrations;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
mod types;

use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;

pub use decision::{
    Applied, ClockChange, Decision, DeliveryUpdate, Disable, EndpointChange, NextStep,
};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresOptions, PostgresStore};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteOptions, SqliteStore, Synchronous};
pub use types::{
    Claim, ClaimRequest, Enqueued, NewMessage, Published, StoreError, Subscriber, fans_out_to,
};

use super::ids::{DeliveryId, EndpointId, MessageId};
use super::model::{Attempt, Delivery, DisabledReason, Endpoint, Message};
use super::query::{AttemptQuery, DeliveryQuery, MessageQuery, QueueDepth};

/// Everything the delivery engine and the manager need of a store.
///
/// Implemented for every type that implements the four parts; implement those.
pub trait Store: EndpointStore + QueueStore + JournalStore + SeenStore + fmt::Debug {}

impl<T> Store for T where T: EndpointStore + QueueStore + JournalStore + SeenStore + fmt::Debug {}

/// Endpoint records.
#[async_trait]
pub trait EndpointStore: Send + Sync {
    /// Adds an endpoint; [`StoreError::Conflict`] when its id or name is taken.
    async fn insert_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError>;

    /// Replaces an endpoint's settings (matched by id): everything but its state — `enabled`,
    /// `disabled_reason`, `failing_since` (which change only through
    /// [`set_endpoint_enabled`](Self::set_endpoint_enabled) and [`QueueStore::complete`]) — and
    /// its `created_at`. Its deliveries and attempts are kept. A change of `ordered` applies to
    /// the deliveries already queued, atomically with the change: from the next claim on they
    /// go out one at a time in publication order, or concurrently (an attempt already under way
    /// finishes). [`StoreError::NotFound`] when unknown, [`StoreError::Conflict`] when the new
    /// name is taken.
    async fn update_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError>;

    /// Removes an endpoint with its deliveries and attempts; `false` when it was unknown.
    async fn delete_endpoint(&self, id: &EndpointId) -> Result<bool, StoreError>;

    /// One endpoint.
    async fn get_endpoint(&self, id: &EndpointId) -> Result<Option<Endpoint>, StoreError>;

    /// Every endpoint, oldest first.
    async fn list_endpoints(&self) -> Result<Vec<Endpoint>, StoreError>;

    /// Enables (clearing the failure clock) or disables an endpoint; `false` when unknown.
    /// Its deliveries are kept either way.
    async fn set_endpoint_enabled(
        &self,
        id: &EndpointId,
        enabled: bool,
        reason: Option<DisabledReason>,
        now: SystemTime,
    ) -> Result<bool, StoreError>;
}

/// The delivery queue: messages in, claimed deliveries out, decisions back.
#[async_trait]
pub trait QueueStore: Send + Sync {
    /// In one transaction: returns the earlier message when `message.idempotency_key` was used
    /// within `idempotency_window` before `now`; otherwise stores the message and one pending
    /// delivery, due at `due_at`, per enabled endpoint whose filter matches, except
    /// `message.exclude_endpoint` (decide each with [`fans_out_to`]).
    async fn insert_message(
        &self,
        message: NewMessage,
        now: SystemTime,
        due_at: SystemTime,
        idempotency_window: Duration,
    ) -> Result<Enqueued, StoreError>;

    /// Claims up to `limit` due deliveries of enabled endpoints — pending ones whose time has
    /// come and in-flight ones whose lease expired — and leases them until `now + lease`.
    async fn claim_due(&self, request: &ClaimRequest) -> Result<Vec<Claim>, StoreError>;

    /// Gives a claimed delivery back without an attempt, due again at `at`.
    /// [`StoreError::LeaseLost`] when the lease is no longer held.
    async fn release(&self, claim: &Claim, at: SystemTime) -> Result<(), StoreError>;

    /// Applies the engine's decision after an attempt, in one transaction: updates the delivery,
    /// records the attempt, and applies the endpoint change as [`EndpointChange::apply`] defines
    /// it, against the endpoint as found. Returns which parts of the endpoint change took effect.
    /// [`StoreError::LeaseLost`] (and nothing recorded) when the lease is no longer held.
    async fn complete(&self, decision: &Decision) -> Result<Applied, StoreError>;

    /// When the dispatcher should look again: the earliest due time of a pending delivery of an
    /// enabled endpoint or lease expiry of an in-flight one.
    async fn next_due(&self) -> Result<Option<SystemTime>, StoreError>;

    /// How many unfinished deliveries wait, by state, as of `now` (see [`QueueDepth`]).
    ///
    /// Counts over indexes, without loading rows; meant for a metrics scrape every few
    /// seconds, not for every request.
    async fn queue_depth(&self, now: SystemTime) -> Result<QueueDepth, StoreError>;

    /// Queues `message` again: for `endpoint`, or for every enabled endpoint whose filter
    /// matches. A delivery still pending or in flight is left as is (not duplicated); others
    /// get a new delivery due at `now`. Returns the new deliveries.
    async fn replay(
        &self,
        message: &MessageId,
        endpoint: Option<&EndpointId>,
        now: SystemTime,
    ) -> Result<Vec<DeliveryId>, StoreError>;

    /// Requeues, due at `now` with a fresh schedule, every dead-lettered delivery of `endpoint`
    /// that last changed at or after `since`. Returns how many.
    async fn recover(
        &self,
        endpoint: &EndpointId,
        since: SystemTime,
        now: SystemTime,
    ) -> Result<u64, StoreError>;

    /// Fires when another process may have queued due work (Postgres `LISTEN/NOTIFY`), so the
    /// dispatcher need not wait for its poll interval. `None` (the default): the dispatcher
    /// relies on its own wake-ups and polling.
    fn work_signal(&self) -> Option<Arc<Notify>> {
        None
    }
}

/// What was sent: messages, deliveries and attempts, newest first, and their retention.
#[async_trait]
pub trait JournalStore: Send + Sync {
    /// One message (with its payload).
    async fn get_message(&self, id: &MessageId) -> Result<Option<Message>, StoreError>;

    /// Messages matching the query: at most its
    /// [`effective_limit`](MessageQuery::effective_limit), only rows its cursor
    /// [admits](crate::delivery::Cursor::admits), ordered by [`row_key`](crate::delivery::Listed)
    /// walking away from the cursor (newest first, or oldest first for a
    /// [`Newer`](crate::delivery::Direction::Newer) cursor). The manager makes pages of them.
    async fn list_messages(&self, query: &MessageQuery) -> Result<Vec<Message>, StoreError>;

    /// Deliveries matching the query, bounded and ordered as [`list_messages`](Self::list_messages).
    async fn list_deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError>;

    /// Attempts matching the query, bounded and ordered as [`list_messages`](Self::list_messages).
    async fn list_attempts(&self, query: &AttemptQuery) -> Result<Vec<Attempt>, StoreError>;

    /// Deletes messages created before `cutoff` whose deliveries are all finished (delivered or
    /// dead-lettered), with their deliveries and attempts. Pending work is never pruned.
    /// Returns how many messages were deleted.
    async fn prune(&self, cutoff: SystemTime) -> Result<u64, StoreError>;
}

/// Records of accepted ingest requests, shared by every process on the store, so a captured
/// request replayed to any of them is dropped.
#[async_trait]
pub trait SeenStore: Send + Sync {
    /// Remembers, until `expires_at`, that `source` accepted a request whose signed content
    /// hashes to `digest` (see `Verified::replay_digest`), in one atomic step: `true` the first
    /// time, `false` while an unexpired record of the same `(source, digest)` exists, however
    /// many callers in however many processes race. A record whose `expires_at` is at or before
    /// `now` counts as absent. Each call also deletes a few expired records, so the table holds
    /// about one row per request still inside its window.
    async fn mark_seen(
        &self,
        source: &str,
        digest: &[u8; 32],
        now: SystemTime,
        expires_at: SystemTime,
    ) -> Result<bool, StoreError>;

    /// Forgets a record [`SeenStore::mark_seen`] made, so that the sender's retry is accepted:
    /// for a request marked but then not stored. Unknown records are ignored.
    async fn unmark_seen(&self, source: &str, digest: &[u8; 32]) -> Result<(), StoreError>;
}
