//! Durable, at-least-once delivery of outgoing webhooks.
//!
//! [`WebhookManager::trigger_event`] persists the message with one delivery per matching
//! endpoint before it returns; workers claim due deliveries with a lease, POST the exact
//! signed bytes (Standard Webhooks headers, a `webhook-id` stable across attempts), record
//! every attempt and schedule the next one. `docs/webhooks.md` explains the guarantees.
//!
//! - [`store`]: the [`Store`] trait and its in-memory, SQLite and Postgres implementations;
//! - [`schedule`]: the retry schedule and `Retry-After` handling;
//! - [`clock`]: injected time, so schedules spanning hours are tested without waiting;
//! - [`DeliveryObserver`] and [`WebhookManager::queue_depth`]: the hooks for metrics.

pub mod clock;
mod config;
mod endpoint;
mod engine;
mod envelope;
mod error;
mod events;
mod handler;
mod ids;
mod manager;
pub mod model;
mod observer;
pub mod schedule;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::DeliveryConfig;
pub use endpoint::EndpointSpec;
pub use error::ManagerError;
pub use events::OperationalEvent;
pub use handler::{Event, HandlerError, HandlerFuture, HandlerId, HandlerOutcome, HandlerRun};
pub use ids::{DeliveryId, EndpointId, IdError, MessageId};
pub use manager::{WebhookManager, WebhookManagerBuilder};
pub use model::{
    Attempt, AttemptErrorKind, Delivery, DeliveryStatus, DisabledReason, Endpoint, EndpointKey,
    EventFilter, Message,
};
pub use observer::{AttemptReport, DeliveryObserver, DeliveryOutcome};
pub use schedule::{RetrySchedule, ScheduleError};
pub use store::{
    AttemptQuery, DeliveryQuery, MemoryStore, MessageQuery, QueueDepth, Store, StoreError,
};
