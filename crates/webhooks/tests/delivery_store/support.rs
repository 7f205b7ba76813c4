//! Fixtures and helpers shared by the cases: records, claims, and the engine's decisions as a test
//! writes them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use switchboard_core::Secret;
use switchboard_webhooks::delivery::store::Store;
use switchboard_webhooks::delivery::store::{
    Applied, Claim, ClaimRequest, ClockChange, Decision, DeliveryUpdate, Disable, EndpointChange,
    NewMessage, NextStep,
};
use switchboard_webhooks::delivery::{
    Attempt, AttemptErrorKind, DisabledReason, Endpoint, EndpointId, EndpointKey, EventFilter,
    MessageId,
};

pub(crate) fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

pub(crate) fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub(crate) fn endpoint(name: &str, events: EventFilter) -> Endpoint {
    Endpoint {
        id: EndpointId::generate(),
        name: name.to_owned(),
        url: format!("https://{name}.example.com/hook"),
        events,
        channels: Vec::new(),
        keys: vec![EndpointKey {
            secret: Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            valid_until: None,
        }],
        headers: vec![("x-tenant".to_owned(), name.to_owned())],
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        max_in_flight: 4,
        rate_limit: Some(50),
        ordered: false,
        description: None,
        metadata: Default::default(),
        origin: Default::default(),
        created_at: t0(),
        updated_at: t0(),
    }
}

pub(crate) fn message(event_type: &str, key: Option<&str>) -> NewMessage {
    NewMessage {
        id: MessageId::generate(),
        event_type: event_type.to_owned(),
        channels: Vec::new(),
        payload: Bytes::from(format!(r#"{{"type":"{event_type}","data":{{}}}}"#)),
        idempotency_key: key.map(str::to_owned),
        exclude_endpoint: None,
    }
}

pub(crate) fn claim_at(now: SystemTime, limit: usize) -> ClaimRequest {
    ClaimRequest {
        now,
        limit,
        lease: secs(60),
        exclude: Vec::new(),
    }
}

pub(crate) fn attempt_of(claim: &Claim, at: SystemTime, status: u16) -> Attempt {
    let ok = (200..300).contains(&status);
    Attempt {
        delivery_id: claim.delivery.id.clone(),
        message_id: claim.message.id.clone(),
        endpoint_id: claim.endpoint.id.clone(),
        number: claim.delivery.attempts + 1,
        at,
        latency: Duration::from_millis(12),
        status: Some(status),
        response_body: Some(format!("status {status}")),
        error_kind: (!ok).then_some(AttemptErrorKind::Status),
        error: (!ok).then(|| format!("HTTP {status}")),
    }
}

/// What a test attempt does to its endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Effect {
    /// A 2xx: stop the failure clock.
    Success,
    /// A failure: start the failure clock.
    Failure,
    /// A failure after the clock ran since `since` (as claimed): disable unless it moved.
    FailingSince(SystemTime),
    /// A 410: disable.
    Gone,
}

pub(crate) fn change(effect: Effect, now: SystemTime) -> EndpointChange {
    let disable = |reason, if_failing_since| {
        Some(Disable {
            reason,
            if_failing_since,
        })
    };
    match effect {
        Effect::Success => EndpointChange {
            clock: ClockChange::Stop,
            disable: None,
        },
        Effect::Failure => EndpointChange {
            clock: ClockChange::Start { at: now },
            disable: None,
        },
        Effect::FailingSince(since) => EndpointChange {
            clock: ClockChange::Start { at: now },
            disable: disable(DisabledReason::Failing, Some(since)),
        },
        Effect::Gone => EndpointChange {
            clock: ClockChange::Keep,
            disable: disable(DisabledReason::Gone, None),
        },
    }
}

/// The engine's decision for an attempt of `claim` at `now` answered `status`.
pub(crate) fn decision(
    claim: &Claim,
    now: SystemTime,
    status: u16,
    next: NextStep,
    effect: Effect,
) -> Decision {
    let failed = u32::from(!(200..300).contains(&status));
    Decision {
        delivery: DeliveryUpdate {
            id: claim.delivery.id.clone(),
            lease_token: claim.lease_token.clone(),
            next,
            attempts: claim.delivery.attempts + 1,
            failed_in_round: claim.delivery.failed_in_round + failed,
        },
        attempt: attempt_of(claim, now, status),
        endpoint_id: claim.endpoint.id.clone(),
        endpoint: change(effect, now),
        events: Vec::new(),
        now,
    }
}

/// One attempt of a new message to `endpoint` at `now`, with `effect` on the endpoint.
pub(crate) async fn attempt_once(
    store: &Arc<dyn Store>,
    endpoint: &Endpoint,
    now: SystemTime,
    status: u16,
    effect: Effect,
) -> Applied {
    let filter = match &endpoint.events {
        EventFilter::Only(types) => types[0].clone(),
        EventFilter::All => "x".to_owned(),
    };
    store
        .insert_message(message(&filter, None), now, now, secs(1))
        .await
        .unwrap();
    let c = store.claim_due(&claim_at(now, 1)).await.unwrap().remove(0);
    assert_eq!(c.endpoint.id, endpoint.id);
    let next = if status < 300 {
        NextStep::Delivered
    } else {
        NextStep::DeadLetter
    };
    store
        .complete(&decision(&c, now, status, next, effect))
        .await
        .unwrap()
}

pub(crate) async fn clock_of(store: &Arc<dyn Store>, endpoint: &Endpoint) -> Option<SystemTime> {
    let got = store.get_endpoint(&endpoint.id).await.unwrap().unwrap();
    got.failing_since
}
