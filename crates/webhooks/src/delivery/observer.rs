//! A hook for metrics: the engine reports every finished attempt to a [`DeliveryObserver`].
//!
//! Set one with [`WebhookManagerBuilder::observer`](super::WebhookManagerBuilder::observer);
//! read the backlog with [`WebhookManager::queue_depth`](super::WebhookManager::queue_depth).
//! Together they give the usual delivery metrics: a counter per [`DeliveryOutcome`], histograms
//! of [`AttemptReport::http_duration`] and [`AttemptReport::since_created`], and a gauge of the
//! [`QueueDepth`](super::QueueDepth).
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use switchboard_webhooks::delivery::store::MemoryStore;
//! use switchboard_webhooks::delivery::{
//!     AttemptReport, DeliveryObserver, DeliveryOutcome, WebhookManager,
//! };
//!
//! #[derive(Default)]
//! struct Counters {
//!     delivered: AtomicU64,
//!     failed: AtomicU64,
//! }
//!
//! impl DeliveryObserver for Counters {
//!     fn attempt_finished(&self, report: &AttemptReport<'_>) {
//!         let counter = match report.outcome {
//!             DeliveryOutcome::Delivered => &self.delivered,
//!             _ => &self.failed,
//!         };
//!         counter.fetch_add(1, Ordering::Relaxed);
//!     }
//! }
//!
//! let counters = Arc::new(Counters::default());
//! let manager = WebhookManager::builder(Arc::new(MemoryStore::new()))
//!     .observer(counters.clone())
//!     .build()
//!     .unwrap();
//! # drop(manager);
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::events::OperationalEvent;
use super::ids::{DeliveryId, EndpointId, MessageId};
use super::model::AttemptErrorKind;

/// What became of a delivery after one attempt.
///
/// One value per attempt. When several apply, the first in this order wins:
/// [`NotRecorded`](Self::NotRecorded), [`EndpointDisabled`](Self::EndpointDisabled), then what
/// the attempt decided ([`Delivered`](Self::Delivered), [`Retrying`](Self::Retrying),
/// [`DeadLettered`](Self::DeadLettered)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx; the delivery is finished.
    Delivered,
    /// The attempt failed and another is scheduled.
    Retrying,
    /// The attempt failed and it was the last of the schedule: the delivery is dead-lettered
    /// (it can be recovered with [`WebhookManager::recover`](super::WebhookManager::recover)).
    DeadLettered,
    /// The attempt failed and disabled its endpoint (410 Gone, or failing continuously for
    /// `disable_after`). The delivery is kept and resumes when the endpoint is enabled.
    EndpointDisabled,
    /// The attempt was made but its result could not be stored (the lease expired, or the
    /// store failed). The delivery is attempted again once its lease expires: a receiver may
    /// see it twice, with the same `webhook-id`.
    NotRecorded,
}

impl DeliveryOutcome {
    /// A stable lowercase name, fit for a metrics label: `delivered`, `retrying`,
    /// `dead_lettered`, `endpoint_disabled`, `not_recorded`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retrying => "retrying",
            Self::DeadLettered => "dead_lettered",
            Self::EndpointDisabled => "endpoint_disabled",
            Self::NotRecorded => "not_recorded",
        }
    }

    /// Every outcome, for pre-registering metric label values.
    pub const ALL: [DeliveryOutcome; 5] = [
        Self::Delivered,
        Self::Retrying,
        Self::DeadLettered,
        Self::EndpointDisabled,
        Self::NotRecorded,
    ];
}

impl fmt::Display for DeliveryOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finished attempt, as reported to a [`DeliveryObserver`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AttemptReport<'a> {
    /// What became of the delivery.
    pub outcome: DeliveryOutcome,
    /// The endpoint's id.
    pub endpoint_id: &'a EndpointId,
    /// The endpoint's name (unique; bounded by the number of endpoints, so usable as a label).
    pub endpoint_name: &'a str,
    /// The message (its id is the `webhook-id` header).
    pub message_id: &'a MessageId,
    /// The delivery.
    pub delivery_id: &'a DeliveryId,
    /// The attempt's number for this delivery, from 1.
    pub attempt: u32,
    /// The HTTP status the receiver answered, if it answered.
    pub status: Option<u16>,
    /// Why the attempt failed, if it did.
    pub error_kind: Option<AttemptErrorKind>,
    /// The attempt's own HTTP duration: connect (or pooled connection), request, response
    /// head and the kept part of the body.
    pub http_duration: Duration,
    /// From the message's creation (`trigger_event`, on the manager's clock) to this attempt's
    /// completion, its result stored. For attempt 1 this is the end-to-end delivery latency;
    /// for later attempts it includes the retry schedule's delays.
    pub since_created: Duration,
    /// What operators should hear about, caused by this attempt (an endpoint disabled, a
    /// delivery dead-lettered, the first failure after a success); usually empty.
    pub events: &'a [OperationalEvent],
}

/// Receives a report of every finished attempt, for metrics.
///
/// Called by the engine on the attempt's task right after the result is stored (or failed to
/// be stored), once per attempt, from many tasks at once. Keep it cheap and non-blocking:
/// increment atomics or a metrics registry; never wait on I/O. A panic in the observer is
/// caught and logged; it does not affect the delivery.
///
/// Closures `Fn(&AttemptReport<'_>) + Send + Sync` implement it too.
pub trait DeliveryObserver: Send + Sync + 'static {
    /// One attempt finished.
    fn attempt_finished(&self, report: &AttemptReport<'_>);
}

impl<F> DeliveryObserver for F
where
    F: Fn(&AttemptReport<'_>) + Send + Sync + 'static,
{
    fn attempt_finished(&self, report: &AttemptReport<'_>) {
        self(report);
    }
}

/// The engine's handle on an observer (`Debug` without requiring it of the observer).
#[derive(Clone)]
pub(crate) struct Observer(pub(crate) Arc<dyn DeliveryObserver>);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeliveryObserver")
    }
}
