//! The engine's decision after an attempt: what a store records and applies.
//!
//! What an attempt means for its delivery (delivered, retried when, dead-lettered) and for its
//! endpoint (the failure clock, `410 Gone`, the automatic disable) is decided in one place, the
//! engine, from the claim, the answer, the endpoint's health as claimed, the configuration and
//! the time. A store applies the resulting [`Decision`] in one transaction and reports what took
//! effect ([`Applied`]); it never works out policy of its own.
//!
//! The endpoint part is declarative and guarded, because other workers may have changed the
//! endpoint since it was claimed: "start the clock unless it runs", "disable unless a success
//! stopped the clock since". [`EndpointChange::apply_to`] is the reference semantics; a store
//! keeping endpoints in memory calls it, a SQL store writes the same conditions into its
//! statements.

use std::time::SystemTime;

use crate::delivery::events::OperationalEvent;
use crate::delivery::ids::{DeliveryId, EndpointId};
use crate::delivery::model::{Attempt, DeliveryStatus, DisabledReason, Endpoint};

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Delivered: no more attempts.
    Delivered,
    /// Try again at this time.
    Retry {
        /// When.
        at: SystemTime,
    },
    /// Give up: dead-letter it.
    DeadLetter,
}

impl NextStep {
    /// The delivery's status after the attempt.
    pub fn status(self) -> DeliveryStatus {
        match self {
            Self::Delivered => DeliveryStatus::Delivered,
            Self::Retry { .. } => DeliveryStatus::Pending,
            Self::DeadLetter => DeliveryStatus::DeadLetter,
        }
    }

    /// When the next attempt is due, for a retry.
    pub fn next_attempt_at(self) -> Option<SystemTime> {
        match self {
            Self::Retry { at } => Some(at),
            Self::Delivered | Self::DeadLetter => None,
        }
    }
}

/// The claimed delivery's new state; applies only while the claim's lease holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryUpdate {
    /// The delivery.
    pub id: DeliveryId,
    /// The claim's lease token: the update applies only if the delivery is still in flight under
    /// this token, otherwise the store answers [`StoreError::LeaseLost`](super::StoreError::LeaseLost)
    /// and records nothing.
    pub lease_token: String,
    /// Its status and next due time.
    pub next: NextStep,
    /// Its attempt count, this attempt included.
    pub attempts: u32,
    /// Its position in the retry schedule (failed attempts since it was last queued).
    pub failed_in_round: u32,
}

/// What happens to an endpoint's failure clock (when its current run of failures started).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockChange {
    /// Leave it as it is.
    Keep,
    /// Stop it, if it runs: the endpoint answered 2xx.
    Stop,
    /// Start it at `at`, unless it already runs: the attempt failed.
    Start {
        /// When the attempt started.
        at: SystemTime,
    },
}

/// Disabling an endpoint after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disable {
    /// Why: [`DisabledReason::Gone`] or [`DisabledReason::Failing`].
    pub reason: DisabledReason,
    /// `Some(t)`: only while the endpoint's failure clock still reads `t` (what it read when the
    /// delivery was claimed); a success since then stopped the run of failures. `None`: in any
    /// case.
    pub if_failing_since: Option<SystemTime>,
}

/// What an attempt does to its endpoint. Both parts are judged against the endpoint as the
/// store finds it, before either is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointChange {
    /// The failure clock.
    pub clock: ClockChange,
    /// Disabling the endpoint, which takes effect only if it is enabled (and, when guarded, its
    /// failure clock still reads the guard's time).
    pub disable: Option<Disable>,
}

impl EndpointChange {
    /// What the change does to an endpoint found `enabled` with its failure clock at
    /// `failing_since`: which parts take effect, and the clock afterwards. The reference
    /// semantics every store follows; a disable sets the reason of [`EndpointChange::disable`]
    /// and `updated_at` to the decision's time.
    pub fn apply(
        &self,
        enabled: bool,
        failing_since: Option<SystemTime>,
    ) -> (Applied, Option<SystemTime>) {
        let disabled = self.disable.is_some_and(|d| {
            enabled
                && d.if_failing_since
                    .is_none_or(|since| failing_since == Some(since))
        });
        let (clock, clock_started, clock_stopped) = match self.clock {
            ClockChange::Keep => (failing_since, false, false),
            ClockChange::Stop => (None, false, failing_since.is_some()),
            ClockChange::Start { at } => {
                (failing_since.or(Some(at)), failing_since.is_none(), false)
            }
        };
        let applied = Applied {
            clock_started,
            clock_stopped,
            disabled,
        };
        (applied, clock)
    }

    /// Applies the change to `endpoint` at `now`, following [`EndpointChange::apply`]: for a
    /// store that keeps endpoint records in memory.
    pub fn apply_to(&self, endpoint: &mut Endpoint, now: SystemTime) -> Applied {
        let (applied, clock) = self.apply(endpoint.enabled, endpoint.failing_since);
        endpoint.failing_since = clock;
        if let (true, Some(d)) = (applied.disabled, self.disable) {
            endpoint.enabled = false;
            endpoint.disabled_reason = Some(d.reason);
            endpoint.updated_at = now;
        }
        applied
    }

    /// Whether applying the change to an endpoint found `enabled` with its clock at
    /// `failing_since` changes anything.
    pub fn changes(&self, enabled: bool, failing_since: Option<SystemTime>) -> bool {
        self.apply(enabled, failing_since).0 != Applied::default()
    }
}

/// Which parts of an [`EndpointChange`] took effect, as a store reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    /// The failure clock was not running and now is.
    pub clock_started: bool,
    /// The failure clock was running and now is not.
    pub clock_stopped: bool,
    /// The endpoint was enabled and now is disabled.
    pub disabled: bool,
}

/// Everything that follows from one attempt, for a store to apply in one transaction:
/// [`QueueStore::complete`](super::QueueStore::complete).
#[derive(Debug, Clone)]
pub struct Decision {
    /// The delivery's new state.
    pub delivery: DeliveryUpdate,
    /// The attempt to record.
    pub attempt: Attempt,
    /// The delivery's endpoint.
    pub endpoint_id: EndpointId,
    /// What happens to the endpoint.
    pub endpoint: EndpointChange,
    /// What operators should hear about, if the parts it depends on take effect (see
    /// [`Decision::emitted`]).
    pub events: Vec<OperationalEvent>,
    /// When the attempt started: the time of every change.
    pub now: SystemTime,
}

impl Decision {
    /// The events that happened, given what the store applied: `endpoint.disabled` only if the
    /// endpoint was disabled, `message.attempt.failing` only if the failure clock started and the
    /// endpoint was not disabled (then `endpoint.disabled` says it all),
    /// `message.attempt.exhausted` always (the delivery update took effect, or the store would
    /// have answered `LeaseLost`).
    pub fn emitted(&self, applied: Applied) -> impl Iterator<Item = &OperationalEvent> {
        self.events.iter().filter(move |e| match e {
            OperationalEvent::EndpointDisabled { .. } => applied.disabled,
            OperationalEvent::AttemptFailing { .. } => applied.clock_started && !applied.disabled,
            OperationalEvent::AttemptExhausted { .. } => true,
        })
    }
}
