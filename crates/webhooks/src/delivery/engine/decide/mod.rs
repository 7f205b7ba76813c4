//! The delivery state machine: one pure function from an attempt's outcome to its [`Decision`].
//!
//! Everything the delivery policy says lives here, and nowhere else: success is 2xx only;
//! a failure moves the delivery one step along the retry schedule (jittered, or clamped to the
//! receiver's `Retry-After` after a 429 or 503) or dead-letters it after the last step; a failure
//! starts the endpoint's failure clock, a success stops it; `410 Gone` disables the endpoint at
//! once, and a failure when the clock has run for `disable_after` disables it too. Stores apply
//! the decision; they do not decide. Being pure (the jitter is drawn by the caller), it is
//! property-tested on its own in `tests.rs`.

#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime};

use crate::delivery::config::DeliveryConfig;
use crate::delivery::events::OperationalEvent;
use crate::delivery::model::{Attempt, AttemptErrorKind, DisabledReason, Endpoint};
use crate::delivery::schedule::{JitterDraw, throttled_delay};
use crate::delivery::store::{
    Claim, ClockChange, Decision, DeliveryUpdate, Disable, EndpointChange, NextStep,
};

/// What the receiver did with one attempt (or why there was no answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// The response status, when there was a response.
    pub(crate) status: Option<u16>,
    /// The start of the response body, when there was one.
    pub(crate) body: Option<String>,
    /// The receiver's `Retry-After`, when it sent one.
    pub(crate) retry_after: Option<Duration>,
    /// What kind of failure it was; `None` for a 2xx.
    pub(crate) error_kind: Option<AttemptErrorKind>,
    /// A description of the failure.
    pub(crate) error: Option<String>,
    /// How long until the answer (or the failure).
    pub(crate) latency: Duration,
}

impl Outcome {
    fn succeeded(&self) -> bool {
        self.error_kind.is_none()
    }
}

/// What the engine knows of an endpoint's health when it decides: the endpoint as claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EndpointHealth {
    /// When its current run of failures started; `None` after a success.
    pub(crate) failing_since: Option<SystemTime>,
}

impl EndpointHealth {
    /// The health of `endpoint` as stored.
    pub(crate) fn of(endpoint: &Endpoint) -> Self {
        Self {
            failing_since: endpoint.failing_since,
        }
    }
}

/// Decides what follows from `outcome`, an attempt of `claim` started at `now`.
pub(crate) fn decide(
    claim: &Claim,
    outcome: Outcome,
    health: EndpointHealth,
    config: &DeliveryConfig,
    now: SystemTime,
    jitter: JitterDraw,
) -> Decision {
    let delivery = &claim.delivery;
    let next = next_step(claim, &outcome, config, now, jitter);
    let failed_in_round = if outcome.succeeded() {
        delivery.failed_in_round
    } else {
        delivery.failed_in_round.saturating_add(1)
    };
    let endpoint = endpoint_change(&outcome, health, config.disable_after, now);
    let attempt = Attempt {
        delivery_id: delivery.id.clone(),
        message_id: claim.message.id.clone(),
        endpoint_id: claim.endpoint.id.clone(),
        number: delivery.attempts.saturating_add(1),
        at: now,
        latency: outcome.latency,
        status: outcome.status,
        response_body: outcome.body,
        error_kind: outcome.error_kind,
        error: outcome.error,
    };
    let events = events(&attempt, next, &endpoint);
    Decision {
        delivery: DeliveryUpdate {
            id: delivery.id.clone(),
            lease_token: claim.lease_token.clone(),
            next,
            attempts: attempt.number,
            failed_in_round,
        },
        attempt,
        endpoint_id: claim.endpoint.id.clone(),
        endpoint,
        events,
        now,
    }
}

/// Delivered on success; otherwise the next step of the schedule, or the dead letter.
fn next_step(
    claim: &Claim,
    outcome: &Outcome,
    config: &DeliveryConfig,
    now: SystemTime,
    jitter: JitterDraw,
) -> NextStep {
    if outcome.succeeded() {
        return NextStep::Delivered;
    }
    let failed = claim.delivery.failed_in_round.saturating_add(1);
    let Some(scheduled) = config.schedule.scheduled_delay(failed) else {
        return NextStep::DeadLetter;
    };
    let delay = if matches!(outcome.status, Some(429 | 503)) {
        throttled_delay(scheduled, outcome.retry_after, config.throttle_floor)
    } else {
        config.schedule.jittered_at(scheduled, jitter)
    };
    NextStep::Retry {
        at: now.checked_add(delay).unwrap_or(now),
    }
}

/// A success stops the failure clock; a failure starts it; 410 disables the endpoint (leaving
/// the clock), and so does a failure once the clock (as claimed) has run for `disable_after`.
fn endpoint_change(
    outcome: &Outcome,
    health: EndpointHealth,
    disable_after: Duration,
    now: SystemTime,
) -> EndpointChange {
    if outcome.succeeded() {
        return EndpointChange {
            clock: ClockChange::Stop,
            disable: None,
        };
    }
    if outcome.status == Some(410) {
        return EndpointChange {
            clock: ClockChange::Keep,
            disable: Some(Disable {
                reason: DisabledReason::Gone,
                if_failing_since: None,
            }),
        };
    }
    // A run of failures starts with this one when the clock (as claimed) is not running.
    let since = health.failing_since.unwrap_or(now);
    let ran_long_enough = now
        .duration_since(since)
        .is_ok_and(|ran| ran >= disable_after);
    EndpointChange {
        clock: ClockChange::Start { at: now },
        disable: ran_long_enough.then_some(Disable {
            reason: DisabledReason::Failing,
            // Only while the clock still reads what was claimed: a success since then started
            // a new run. A run starting now is long enough only for a zero `disable_after`,
            // and then any failure disables.
            if_failing_since: health.failing_since,
        }),
    }
}

/// Every event the decision may cause; [`Decision::emitted`] keeps those that took effect.
fn events(attempt: &Attempt, next: NextStep, endpoint: &EndpointChange) -> Vec<OperationalEvent> {
    let mut events = Vec::new();
    if let Some(disable) = endpoint.disable {
        events.push(OperationalEvent::EndpointDisabled {
            endpoint_id: attempt.endpoint_id.clone(),
            reason: disable.reason,
            at: attempt.at,
        });
    }
    if matches!(endpoint.clock, ClockChange::Start { .. }) {
        events.push(OperationalEvent::AttemptFailing {
            endpoint_id: attempt.endpoint_id.clone(),
            message_id: attempt.message_id.clone(),
            delivery_id: attempt.delivery_id.clone(),
            attempt: attempt.number,
            at: attempt.at,
        });
    }
    if next == NextStep::DeadLetter {
        events.push(OperationalEvent::AttemptExhausted {
            endpoint_id: attempt.endpoint_id.clone(),
            message_id: attempt.message_id.clone(),
            delivery_id: attempt.delivery_id.clone(),
            attempts: attempt.number,
            at: attempt.at,
        });
    }
    events
}
