//! Durable, at-least-once delivery of outgoing webhooks.
//!
//! [`WebhookManager::trigger_event`] persists the message with one delivery per matching
//! endpoint before it returns; workers claim due deliveries with a lease, POST the exact
//! signed bytes (Standard Webhooks headers, a `webhook-id` stable across attempts), record
//! every attempt and schedule the next one. `docs/webhooks.md` explains the guarantees.
//!
//! Every type of the manager's API lives here, once; the durable state behind it is in
//! [`store`]:
//!
//! - [`store`]: the store traits, their in-memory, SQLite and Postgres implementations, and what
//!   a store implementation needs to know;
//! - [`RetrySchedule`]: when attempts are due, with jitter and `Retry-After` handling;
//! - [`Clock`]: injected time, so schedules spanning hours are tested without waiting;
//! - [`DeliveryObserver`] and [`WebhookManager::queue_depth`]: the hooks for metrics, and
//!   [`OperationalEvent`]s for what operators should hear about.

mod channel;
mod clock;
mod config;
mod endpoint;
mod engine;
mod envelope;
mod error;
mod events;
mod handler;
mod ids;
mod manager;
mod model;
mod observer;
mod page;
mod pattern;
mod publish;
mod query;
mod schedule;
pub mod store;
mod trigger;

pub use channel::{MAX_CHANNEL_LEN, MAX_CHANNELS, channels_match, validate_channels};
pub use clock::{Clock, ManualClock, Sleep, SystemClock};
pub use config::DeliveryConfig;
pub use endpoint::{DEFAULT_MAX_IN_FLIGHT, EndpointSpec, EndpointUpdate};
pub use error::ManagerError;
pub use events::{ENDPOINT_ENABLED, OPERATIONAL_EVENT_TYPES, OperationalEvent};
pub use handler::{Event, HandlerError, HandlerFuture, HandlerId, HandlerOutcome, HandlerRun};
pub use ids::{DeliveryId, EndpointId, IdError, MessageId};
pub use manager::{WebhookManager, WebhookManagerBuilder};
pub use model::{
    Attempt, AttemptErrorKind, Delivery, DeliveryStatus, DisabledReason, Endpoint, EndpointKey,
    EndpointOrigin, EventFilter, Message,
};
pub use observer::{AttemptReport, DeliveryObserver, DeliveryOutcome};
pub use page::{Cursor, CursorError, Direction, Listed, Page, RowKey};
pub use pattern::EventTypePattern;
pub use query::{AttemptQuery, DEFAULT_LIMIT, DeliveryQuery, MessageQuery, QueueDepth};
pub use schedule::{RetrySchedule, ScheduleError};
pub use trigger::TriggerOptions;
