//! Durable, at-least-once delivery of outgoing webhooks.
//!
//! A message is persisted with one delivery per matching endpoint before
//! `trigger_event` returns; workers claim due deliveries with a lease, POST the exact signed
//! bytes, record every attempt and schedule the next one. See `docs/webhooks.md` for the
//! guarantees in a user's words.

pub mod clock;
mod ids;
pub mod model;
pub mod schedule;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use ids::{DeliveryId, EndpointId, IdError, MessageId};
pub use model::{
    Attempt, AttemptErrorKind, Delivery, DeliveryStatus, DisabledReason, Endpoint, EndpointKey,
    EventFilter, Message,
};
pub use schedule::{RetrySchedule, ScheduleError};
pub use store::{MemoryStore, Store, StoreError};
