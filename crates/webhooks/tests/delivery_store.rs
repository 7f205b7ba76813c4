//! The store conformance suite, run against every `Store` implementation.
//!
//! Each case gets a fresh store from the implementation's factory. Postgres runs only when
//! `SWITCHBOARD_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use switchboard_core::Secret;
use switchboard_webhooks::delivery::store::{
    Applied, AttemptQuery, ClaimRequest, ClockChange, Decision, DeliveryQuery, DeliveryUpdate,
    Disable, EndpointChange, MessageQuery, NewMessage, NextStep,
};
use switchboard_webhooks::delivery::{
    Attempt, AttemptErrorKind, DeliveryStatus, DisabledReason, Endpoint, EndpointId, EndpointKey,
    EventFilter, MessageId, QueueDepth, Store, StoreError,
};

type Case = fn(Arc<dyn Store>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

const CASES: &[(&str, Case)] = &[
    ("endpoints", |s| Box::pin(endpoints_crud(s))),
    ("fan_out", |s| {
        Box::pin(insert_message_fans_out_in_one_go(s))
    }),
    ("idempotency", |s| {
        Box::pin(idempotency_key_dedupes_within_window(s))
    }),
    ("claim", |s| Box::pin(claims_are_exclusive(s))),
    ("lease_expiry", |s| {
        Box::pin(expired_leases_are_reclaimed(s))
    }),
    ("attempts", |s| {
        Box::pin(attempts_are_recorded_and_scheduled(s))
    }),
    ("release", |s| {
        Box::pin(release_returns_without_an_attempt(s))
    }),
    ("dead_letter", |s| Box::pin(dead_letter_and_recover(s))),
    ("disable", |s| Box::pin(disabled_endpoint_keeps_pending(s))),
    ("clock", |s| {
        Box::pin(failure_clock_starts_once_and_stops_on_success(s))
    }),
    ("guarded_disable", |s| {
        Box::pin(guarded_disable_applies_only_while_the_clock_reads_its_start(s))
    }),
    ("gone", |s| {
        Box::pin(gone_disables_once_and_keeps_the_deliveries(s))
    }),
    ("queries", |s| {
        Box::pin(queries_filter_by_endpoint_message_status(s))
    }),
    ("replay", |s| Box::pin(replay_creates_deliveries_once(s))),
    ("prune", |s| Box::pin(prune_keeps_pending_work(s))),
    ("queue_depth", |s| Box::pin(queue_depth_counts_by_state(s))),
    ("seen", |s| {
        Box::pin(mark_seen_catches_replays_until_expiry(s))
    }),
    ("once", |s| {
        Box::pin(racing_changes_of_one_endpoint_take_effect_once(s))
    }),
    ("concurrent", |s| {
        Box::pin(concurrent_enqueues_and_completions_keep_their_own_results(
            s,
        ))
    }),
];

/// Runs every case against fresh stores from `factory`.
async fn conformance<F, Fut>(factory: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    for (name, case) in CASES {
        let store = factory(name).await;
        eprintln!("conformance case {name}");
        case(store).await;
    }
}

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn endpoint(name: &str, events: EventFilter) -> Endpoint {
    Endpoint {
        id: EndpointId::generate(),
        name: name.to_owned(),
        url: format!("https://{name}.example.com/hook"),
        events,
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
        created_at: t0(),
        updated_at: t0(),
    }
}

fn message(event_type: &str, key: Option<&str>) -> NewMessage {
    NewMessage {
        id: MessageId::generate(),
        event_type: event_type.to_owned(),
        payload: Bytes::from(format!(r#"{{"type":"{event_type}","data":{{}}}}"#)),
        idempotency_key: key.map(str::to_owned),
    }
}

fn claim_at(now: SystemTime, limit: usize) -> ClaimRequest {
    ClaimRequest {
        now,
        limit,
        lease: secs(60),
        exclude: Vec::new(),
    }
}

fn attempt_of(
    claim: &switchboard_webhooks::delivery::store::Claim,
    at: SystemTime,
    status: u16,
) -> Attempt {
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
enum Effect {
    /// A 2xx: stop the failure clock.
    Success,
    /// A failure: start the failure clock.
    Failure,
    /// A failure after the clock ran since `since` (as claimed): disable unless it moved.
    FailingSince(SystemTime),
    /// A 410: disable.
    Gone,
}

fn change(effect: Effect, now: SystemTime) -> EndpointChange {
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
fn decision(
    claim: &switchboard_webhooks::delivery::store::Claim,
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

async fn endpoints_crud(store: Arc<dyn Store>) {
    let a = endpoint("alpha", EventFilter::All);
    store.insert_endpoint(&a).await.unwrap();
    let dup = endpoint("alpha", EventFilter::All);
    assert!(matches!(
        store.insert_endpoint(&dup).await,
        Err(StoreError::Conflict(_))
    ));
    let mut b = endpoint("beta", EventFilter::Only(vec!["a.b".into()]));
    b.created_at = t0() + secs(1);
    store.insert_endpoint(&b).await.unwrap();

    let got = store.get_endpoint(&b.id).await.unwrap().unwrap();
    assert_eq!(got.name, "beta");
    assert_eq!(got.events, EventFilter::Only(vec!["a.b".into()]));
    assert_eq!(
        got.keys[0].secret.expose(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    );
    assert_eq!(
        got.headers,
        vec![("x-tenant".to_owned(), "beta".to_owned())]
    );
    assert_eq!(got.max_in_flight, 4);
    assert_eq!(got.rate_limit, Some(50));
    assert_eq!(got.created_at, t0() + secs(1));

    let mut renamed = got.clone();
    renamed.name = "alpha".into();
    assert!(matches!(
        store.update_endpoint(&renamed).await,
        Err(StoreError::Conflict(_))
    ));
    renamed.name = "gamma".into();
    renamed.url = "https://gamma.example.com/x".into();
    renamed.rate_limit = None;
    store.update_endpoint(&renamed).await.unwrap();
    let updated = store.get_endpoint(&b.id).await.unwrap().unwrap();
    assert_eq!(updated.url, "https://gamma.example.com/x");
    assert_eq!(updated.rate_limit, None);
    let names: Vec<String> = store
        .list_endpoints()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["alpha", "gamma"]);
    let unknown = endpoint("nobody", EventFilter::All);
    assert!(matches!(
        store.update_endpoint(&unknown).await,
        Err(StoreError::NotFound(_))
    ));

    assert!(store.delete_endpoint(&a.id).await.unwrap());
    assert!(!store.delete_endpoint(&a.id).await.unwrap());
    assert!(store.get_endpoint(&a.id).await.unwrap().is_none());
}

async fn insert_message_fans_out_in_one_go(store: Arc<dyn Store>) {
    let all = endpoint("all", EventFilter::All);
    let matching = endpoint("matching", EventFilter::Only(vec!["user.joined".into()]));
    let other = endpoint("other", EventFilter::Only(vec!["chat.created".into()]));
    let mut off = endpoint("off", EventFilter::All);
    off.enabled = false;
    off.disabled_reason = Some(DisabledReason::Manual);
    for e in [&all, &matching, &other, &off] {
        store.insert_endpoint(e).await.unwrap();
    }
    let m = message("user.joined", None);
    let id = m.id.clone();
    let out = store
        .insert_message(m, t0(), t0(), secs(3600))
        .await
        .unwrap();
    assert!(out.created);
    assert_eq!(out.message_id, id);
    assert_eq!(out.deliveries.len(), 2);

    let stored = store.get_message(&id).await.unwrap().unwrap();
    assert_eq!(stored.event_type, "user.joined");
    assert_eq!(
        stored.payload,
        Bytes::from_static(br#"{"type":"user.joined","data":{}}"#)
    );
    assert_eq!(stored.created_at, t0());

    let ds = store
        .list_deliveries(&DeliveryQuery {
            message: Some(id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut targets: Vec<&EndpointId> = ds.iter().map(|d| &d.endpoint_id).collect();
    targets.sort();
    let mut expected = vec![&all.id, &matching.id];
    expected.sort();
    assert_eq!(targets, expected);
    for d in &ds {
        assert_eq!(d.status, DeliveryStatus::Pending);
        assert_eq!(d.attempts, 0);
        assert_eq!(d.next_attempt_at, Some(t0()));
    }
    assert_eq!(store.next_due().await.unwrap(), Some(t0()));

    // A type only the catch-all endpoint takes.
    let lonely = store
        .insert_message(message("nobody.cares", None), t0(), t0(), secs(3600))
        .await
        .unwrap();
    assert!(lonely.created && lonely.deliveries.len() == 1);
    assert!(
        store
            .get_message(&lonely.message_id)
            .await
            .unwrap()
            .is_some()
    );
}

async fn idempotency_key_dedupes_within_window(store: Arc<dyn Store>) {
    store
        .insert_endpoint(&endpoint("e", EventFilter::All))
        .await
        .unwrap();
    let window = secs(3600);
    let first = store
        .insert_message(message("a", Some("order-17")), t0(), t0(), window)
        .await
        .unwrap();
    assert!(first.created);
    let again = store
        .insert_message(
            message("a", Some("order-17")),
            t0() + secs(60),
            t0(),
            window,
        )
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.message_id, first.message_id);
    assert!(again.deliveries.is_empty());
    let other_key = store
        .insert_message(
            message("a", Some("order-18")),
            t0() + secs(60),
            t0(),
            window,
        )
        .await
        .unwrap();
    assert!(other_key.created);
    let later = store
        .insert_message(
            message("a", Some("order-17")),
            t0() + secs(3601),
            t0(),
            window,
        )
        .await
        .unwrap();
    assert!(later.created);
    assert_ne!(later.message_id, first.message_id);
    let all = store
        .list_deliveries(&DeliveryQuery::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}

async fn claims_are_exclusive(store: Arc<dyn Store>) {
    let e1 = endpoint("one", EventFilter::All);
    let e2 = endpoint("two", EventFilter::All);
    store.insert_endpoint(&e1).await.unwrap();
    store.insert_endpoint(&e2).await.unwrap();
    for _ in 0..3 {
        store
            .insert_message(message("x", None), t0(), t0(), secs(1))
            .await
            .unwrap();
    }
    // Not due yet.
    store
        .insert_message(message("later", None), t0(), t0() + secs(30), secs(1))
        .await
        .unwrap();

    let mut only_two = claim_at(t0(), 100);
    only_two.exclude = vec![e1.id.clone()];
    let c2 = store.claim_due(&only_two).await.unwrap();
    assert_eq!(c2.len(), 3);
    assert!(c2.iter().all(|c| c.endpoint.id == e2.id));

    let first = store.claim_due(&claim_at(t0(), 2)).await.unwrap();
    assert_eq!(first.len(), 2);
    let second = store.claim_due(&claim_at(t0(), 100)).await.unwrap();
    assert_eq!(second.len(), 1);
    assert!(
        store
            .claim_due(&claim_at(t0(), 100))
            .await
            .unwrap()
            .is_empty()
    );
    for c in first.iter().chain(&second) {
        assert_eq!(c.endpoint.id, e1.id);
        assert_eq!(c.delivery.status, DeliveryStatus::InFlight);
        assert_eq!(c.delivery.lease_until, Some(t0() + secs(60)));
        assert_eq!(c.message.event_type, "x");
        assert!(!c.message.payload.is_empty());
    }
    let mut ids: Vec<_> = first
        .iter()
        .chain(&second)
        .map(|c| &c.delivery.id)
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);

    let in_flight = store
        .list_deliveries(&DeliveryQuery {
            status: Some(DeliveryStatus::InFlight),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(in_flight.len(), 6);

    let later = store
        .claim_due(&claim_at(t0() + secs(30), 100))
        .await
        .unwrap();
    assert_eq!(later.len(), 2);
    assert!(later.iter().all(|c| c.message.event_type == "later"));

    // Many concurrent claimers never get the same delivery twice.
    for _ in 0..20 {
        store
            .insert_message(message("burst", None), t0(), t0(), secs(1))
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .claim_due(&claim_at(t0() + secs(31), 3))
                .await
                .unwrap()
        }));
    }
    let mut seen = Vec::new();
    for t in tasks {
        seen.extend(t.await.unwrap().into_iter().map(|c| c.delivery.id));
    }
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "a delivery was claimed twice");
    assert_eq!(total, 24);
}

async fn expired_leases_are_reclaimed(store: Arc<dyn Store>) {
    store
        .insert_endpoint(&endpoint("e", EventFilter::All))
        .await
        .unwrap();
    store
        .insert_message(message("x", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    let first = store.claim_due(&claim_at(t0(), 10)).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(store.next_due().await.unwrap(), Some(t0() + secs(60)));
    assert!(
        store
            .claim_due(&claim_at(t0() + secs(59), 10))
            .await
            .unwrap()
            .is_empty()
    );
    let again = store
        .claim_due(&claim_at(t0() + secs(60), 10))
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].delivery.id, first[0].delivery.id);
    assert_ne!(again[0].lease_token, first[0].lease_token);
    assert_eq!(again[0].delivery.attempts, 0);

    // The first worker's lease is gone: its late result is refused and nothing recorded.
    let late = decision(
        &first[0],
        t0() + secs(61),
        200,
        NextStep::Delivered,
        Effect::Success,
    );
    assert!(matches!(
        store.complete(&late).await,
        Err(StoreError::LeaseLost(_))
    ));
    assert!(matches!(
        store.release(&first[0], t0()).await,
        Err(StoreError::LeaseLost(_))
    ));
    let ok = decision(
        &again[0],
        t0() + secs(61),
        200,
        NextStep::Delivered,
        Effect::Success,
    );
    store.complete(&ok).await.unwrap();
    let attempts = store.list_attempts(&AttemptQuery::default()).await.unwrap();
    assert_eq!(attempts.len(), 1);
    // Completing twice is refused too.
    assert!(matches!(
        store.complete(&ok).await,
        Err(StoreError::LeaseLost(_))
    ));
}

async fn attempts_are_recorded_and_scheduled(store: Arc<dyn Store>) {
    let e = endpoint("e", EventFilter::All);
    store.insert_endpoint(&e).await.unwrap();
    let out = store
        .insert_message(message("x", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    let c = store
        .claim_due(&claim_at(t0(), 10))
        .await
        .unwrap()
        .remove(0);
    let retry_at = t0() + secs(5);
    let applied = store
        .complete(&decision(
            &c,
            t0(),
            500,
            NextStep::Retry { at: retry_at },
            Effect::Failure,
        ))
        .await
        .unwrap();
    assert!(applied.clock_started && !applied.disabled);
    let d = &store
        .list_deliveries(&DeliveryQuery::default())
        .await
        .unwrap()[0];
    assert_eq!(d.id, out.deliveries[0]);
    assert_eq!(d.status, DeliveryStatus::Pending);
    assert_eq!(d.attempts, 1);
    assert_eq!(d.failed_in_round, 1);
    assert_eq!(d.next_attempt_at, Some(retry_at));
    assert_eq!(d.lease_until, None);
    assert_eq!(
        store
            .get_endpoint(&e.id)
            .await
            .unwrap()
            .unwrap()
            .failing_since,
        Some(t0())
    );
    assert!(
        store
            .claim_due(&claim_at(t0() + secs(4), 10))
            .await
            .unwrap()
            .is_empty()
    );
    let c2 = store
        .claim_due(&claim_at(retry_at, 10))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(c2.delivery.attempts, 1);
    store
        .complete(&decision(
            &c2,
            retry_at,
            204,
            NextStep::Delivered,
            Effect::Success,
        ))
        .await
        .unwrap();
    let d = &store
        .list_deliveries(&DeliveryQuery::default())
        .await
        .unwrap()[0];
    assert_eq!(d.status, DeliveryStatus::Delivered);
    assert_eq!(d.attempts, 2);
    assert_eq!(d.next_attempt_at, None);
    assert_eq!(
        store
            .get_endpoint(&e.id)
            .await
            .unwrap()
            .unwrap()
            .failing_since,
        None
    );
    let attempts = store
        .list_attempts(&AttemptQuery {
            delivery: Some(d.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(attempts.len(), 2);
    // Newest first.
    assert_eq!(attempts[0].number, 2);
    assert_eq!(attempts[0].status, Some(204));
    assert!(attempts[0].succeeded());
    assert_eq!(attempts[1].number, 1);
    assert_eq!(attempts[1].status, Some(500));
    assert_eq!(attempts[1].error_kind, Some(AttemptErrorKind::Status));
    assert_eq!(attempts[1].error.as_deref(), Some("HTTP 500"));
    assert_eq!(attempts[1].response_body.as_deref(), Some("status 500"));
    assert_eq!(attempts[1].latency, Duration::from_millis(12));
    assert_eq!(attempts[1].at, t0());
    assert_eq!(store.next_due().await.unwrap(), None);
}

async fn release_returns_without_an_attempt(store: Arc<dyn Store>) {
    store
        .insert_endpoint(&endpoint("e", EventFilter::All))
        .await
        .unwrap();
    store
        .insert_message(message("x", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    let c = store
        .claim_due(&claim_at(t0(), 10))
        .await
        .unwrap()
        .remove(0);
    store.release(&c, t0() + secs(2)).await.unwrap();
    let d = &store
        .list_deliveries(&DeliveryQuery::default())
        .await
        .unwrap()[0];
    assert_eq!(d.status, DeliveryStatus::Pending);
    assert_eq!(d.attempts, 0);
    assert_eq!(d.next_attempt_at, Some(t0() + secs(2)));
    assert!(
        store
            .claim_due(&claim_at(t0() + secs(1), 10))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .claim_due(&claim_at(t0() + secs(2), 10))
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn dead_letter_and_recover(store: Arc<dyn Store>) {
    let e = endpoint("e", EventFilter::All);
    store.insert_endpoint(&e).await.unwrap();
    store
        .insert_message(message("x", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    let c = store
        .claim_due(&claim_at(t0(), 10))
        .await
        .unwrap()
        .remove(0);
    let at = t0() + secs(100);
    store
        .complete(&decision(
            &c,
            at,
            500,
            NextStep::DeadLetter,
            Effect::Failure,
        ))
        .await
        .unwrap();
    let dead = store
        .list_deliveries(&DeliveryQuery {
            status: Some(DeliveryStatus::DeadLetter),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(store.next_due().await.unwrap(), None);
    assert!(
        store
            .claim_due(&claim_at(at + secs(1_000_000), 10))
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        store
            .recover(&e.id, at + secs(1), at + secs(10))
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.recover(&e.id, at, at + secs(10)).await.unwrap(), 1);
    let d = &store
        .list_deliveries(&DeliveryQuery::default())
        .await
        .unwrap()[0];
    assert_eq!(d.status, DeliveryStatus::Pending);
    assert_eq!(d.failed_in_round, 0);
    assert_eq!(d.attempts, 1);
    assert_eq!(d.next_attempt_at, Some(at + secs(10)));
    let again = store.claim_due(&claim_at(at + secs(10), 10)).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].delivery.id, dead[0].id);
}

async fn disabled_endpoint_keeps_pending(store: Arc<dyn Store>) {
    let e = endpoint("e", EventFilter::All);
    store.insert_endpoint(&e).await.unwrap();
    store
        .insert_message(message("x", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    assert!(
        store
            .set_endpoint_enabled(&e.id, false, Some(DisabledReason::Manual), t0())
            .await
            .unwrap()
    );
    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert!(!got.enabled);
    assert_eq!(got.disabled_reason, Some(DisabledReason::Manual));
    assert!(
        store
            .claim_due(&claim_at(t0(), 10))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.next_due().await.unwrap(), None);
    // New messages skip the disabled endpoint.
    let skipped = store
        .insert_message(message("x", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    assert!(skipped.deliveries.is_empty());
    let pending = store
        .list_deliveries(&DeliveryQuery {
            endpoint: Some(e.id.clone()),
            status: Some(DeliveryStatus::Pending),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pending.len(), 1, "disabling must keep pending deliveries");

    assert!(
        store
            .set_endpoint_enabled(&e.id, true, None, t0() + secs(5))
            .await
            .unwrap()
    );
    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert!(got.enabled && got.disabled_reason.is_none());
    assert_eq!(
        store
            .claim_due(&claim_at(t0() + secs(5), 10))
            .await
            .unwrap()
            .len(),
        1
    );
    let unknown = EndpointId::generate();
    assert!(
        !store
            .set_endpoint_enabled(&unknown, true, None, t0())
            .await
            .unwrap()
    );
}

/// One attempt of a new message to `endpoint` at `now`, with `effect` on the endpoint.
async fn attempt_once(
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

async fn clock_of(store: &Arc<dyn Store>, endpoint: &Endpoint) -> Option<SystemTime> {
    let got = store.get_endpoint(&endpoint.id).await.unwrap().unwrap();
    got.failing_since
}

async fn failure_clock_starts_once_and_stops_on_success(store: Arc<dyn Store>) {
    let e = endpoint("e", EventFilter::All);
    store.insert_endpoint(&e).await.unwrap();
    let started = Applied {
        clock_started: true,
        ..Applied::default()
    };
    let stopped = Applied {
        clock_stopped: true,
        ..Applied::default()
    };
    assert_eq!(
        attempt_once(&store, &e, t0(), 500, Effect::Failure).await,
        started
    );
    assert_eq!(clock_of(&store, &e).await, Some(t0()));
    // A running clock keeps its start.
    let later = t0() + secs(60);
    let nothing = attempt_once(&store, &e, later, 500, Effect::Failure).await;
    assert_eq!(nothing, Applied::default());
    assert_eq!(clock_of(&store, &e).await, Some(t0()));
    assert_eq!(
        attempt_once(&store, &e, later, 200, Effect::Success).await,
        stopped
    );
    assert_eq!(clock_of(&store, &e).await, None);
    let again = attempt_once(&store, &e, later, 200, Effect::Success).await;
    assert_eq!(again, Applied::default());
    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert!(got.enabled && got.disabled_reason.is_none());
}

async fn guarded_disable_applies_only_while_the_clock_reads_its_start(store: Arc<dyn Store>) {
    let e = endpoint("e", EventFilter::All);
    store.insert_endpoint(&e).await.unwrap();
    attempt_once(&store, &e, t0(), 500, Effect::Failure).await;
    let now = t0() + secs(6 * 24 * 3600);
    // Claimed when the clock read another time (a success and a new run since): no disable.
    let moved = Effect::FailingSince(t0() - secs(1));
    assert_eq!(
        attempt_once(&store, &e, now, 500, moved).await,
        Applied::default()
    );
    assert!(store.get_endpoint(&e.id).await.unwrap().unwrap().enabled);
    // The clock still reads what was claimed: disabled.
    let applied = attempt_once(&store, &e, now, 500, Effect::FailingSince(t0())).await;
    assert_eq!(
        applied,
        Applied {
            disabled: true,
            ..Applied::default()
        }
    );
    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert!(!got.enabled);
    assert_eq!(got.disabled_reason, Some(DisabledReason::Failing));
    assert_eq!(got.updated_at, now);
    assert_eq!(got.failing_since, Some(t0()));

    // A stopped clock is a moved clock: the failure starts a new run instead.
    let f = endpoint("f", EventFilter::Only(vec!["f".into()]));
    store.insert_endpoint(&f).await.unwrap();
    let applied = attempt_once(&store, &f, now, 500, Effect::FailingSince(t0())).await;
    assert_eq!(
        applied,
        Applied {
            clock_started: true,
            ..Applied::default()
        }
    );
    assert!(store.get_endpoint(&f.id).await.unwrap().unwrap().enabled);
    assert_eq!(clock_of(&store, &f).await, Some(now));
}

async fn gone_disables_once_and_keeps_the_deliveries(store: Arc<dyn Store>) {
    let g = endpoint("gone", EventFilter::Only(vec!["g".into()]));
    store.insert_endpoint(&g).await.unwrap();
    for _ in 0..2 {
        store
            .insert_message(message("g", None), t0(), t0(), secs(1))
            .await
            .unwrap();
    }
    let claims = store.claim_due(&claim_at(t0(), 2)).await.unwrap();
    let retry = NextStep::Retry { at: t0() + secs(5) };
    let first = store
        .complete(&decision(&claims[0], t0(), 410, retry, Effect::Gone))
        .await
        .unwrap();
    assert_eq!(
        first,
        Applied {
            disabled: true,
            ..Applied::default()
        }
    );
    // The second 410 of the same endpoint finds it disabled already.
    let second = store
        .complete(&decision(&claims[1], t0(), 410, retry, Effect::Gone))
        .await
        .unwrap();
    assert_eq!(second, Applied::default());
    let got = store.get_endpoint(&g.id).await.unwrap().unwrap();
    assert_eq!(got.disabled_reason, Some(DisabledReason::Gone));
    assert_eq!(got.failing_since, None, "a 410 leaves the failure clock");
    let kept = store
        .list_deliveries(&DeliveryQuery {
            endpoint: Some(g.id.clone()),
            status: Some(DeliveryStatus::Pending),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(kept.len(), 2);
    // A manual disable is not overwritten by a later automatic one.
    let m = endpoint("manual", EventFilter::Only(vec!["m".into()]));
    store.insert_endpoint(&m).await.unwrap();
    store
        .insert_message(message("m", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    let c = store.claim_due(&claim_at(t0(), 1)).await.unwrap().remove(0);
    store
        .set_endpoint_enabled(&m.id, false, Some(DisabledReason::Manual), t0())
        .await
        .unwrap();
    let late = store
        .complete(&decision(&c, t0(), 410, retry, Effect::Gone))
        .await
        .unwrap();
    assert!(!late.disabled);
    let got = store.get_endpoint(&m.id).await.unwrap().unwrap();
    assert_eq!(got.disabled_reason, Some(DisabledReason::Manual));
}

async fn queries_filter_by_endpoint_message_status(store: Arc<dyn Store>) {
    let a = endpoint("a", EventFilter::All);
    let b = endpoint("b", EventFilter::Only(vec!["only.b".into()]));
    store.insert_endpoint(&a).await.unwrap();
    store.insert_endpoint(&b).await.unwrap();
    let m1 = store
        .insert_message(message("only.b", None), t0(), t0(), secs(1))
        .await
        .unwrap()
        .message_id;
    let m2 = store
        .insert_message(
            message("other", None),
            t0() + secs(1),
            t0() + secs(1),
            secs(1),
        )
        .await
        .unwrap()
        .message_id;
    let ids = |ms: Vec<switchboard_webhooks::delivery::Message>| {
        ms.into_iter().map(|m| m.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.list_messages(&MessageQuery::default()).await.unwrap()),
        [m2.clone(), m1.clone()]
    );
    assert_eq!(
        ids(store
            .list_messages(&MessageQuery {
                endpoint: Some(b.id.clone()),
                ..Default::default()
            })
            .await
            .unwrap()),
        vec![m1.clone()]
    );
    assert_eq!(
        ids(store
            .list_messages(&MessageQuery {
                event_type: Some("other".into()),
                ..Default::default()
            })
            .await
            .unwrap()),
        vec![m2.clone()]
    );
    assert_eq!(
        ids(store
            .list_messages(&MessageQuery {
                since: Some(t0() + secs(1)),
                ..Default::default()
            })
            .await
            .unwrap()),
        vec![m2.clone()]
    );
    assert_eq!(
        store
            .list_messages(&MessageQuery {
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .list_deliveries(&DeliveryQuery {
                endpoint: Some(a.id.clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        2
    );
    // Deliver one of a's.
    let c = store
        .claim_due(&ClaimRequest {
            exclude: vec![b.id.clone()],
            ..claim_at(t0(), 1)
        })
        .await
        .unwrap()
        .remove(0);
    store
        .complete(&decision(
            &c,
            t0(),
            200,
            NextStep::Delivered,
            Effect::Success,
        ))
        .await
        .unwrap();
    let delivered = store
        .list_deliveries(&DeliveryQuery {
            status: Some(DeliveryStatus::Delivered),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].endpoint_id, a.id);
    let by_message = store
        .list_attempts(&AttemptQuery {
            message: Some(c.message.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_message.len(), 1);
    assert!(
        store
            .list_attempts(&AttemptQuery {
                endpoint: Some(b.id.clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .list_attempts(&AttemptQuery {
                endpoint: Some(a.id.clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn replay_creates_deliveries_once(store: Arc<dyn Store>) {
    let a = endpoint("a", EventFilter::All);
    let b = endpoint("b", EventFilter::All);
    store.insert_endpoint(&a).await.unwrap();
    store.insert_endpoint(&b).await.unwrap();
    let m = store
        .insert_message(message("x", None), t0(), t0(), secs(1))
        .await
        .unwrap()
        .message_id;
    // Both deliveries are still pending: nothing new.
    assert!(store.replay(&m, None, t0()).await.unwrap().is_empty());
    for c in store.claim_due(&claim_at(t0(), 10)).await.unwrap() {
        store
            .complete(&decision(
                &c,
                t0(),
                200,
                NextStep::Delivered,
                Effect::Success,
            ))
            .await
            .unwrap();
    }
    let one = store.replay(&m, Some(&a.id), t0() + secs(9)).await.unwrap();
    assert_eq!(one.len(), 1);
    let all = store.replay(&m, None, t0() + secs(9)).await.unwrap();
    assert_eq!(all.len(), 1, "a's replay is still pending");
    let claims = store
        .claim_due(&claim_at(t0() + secs(9), 10))
        .await
        .unwrap();
    assert_eq!(claims.len(), 2);
    assert!(
        claims
            .iter()
            .all(|c| c.message.id == m && c.delivery.attempts == 0)
    );
    assert!(matches!(
        store.replay(&MessageId::generate(), None, t0()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.replay(&m, Some(&EndpointId::generate()), t0()).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn prune_keeps_pending_work(store: Arc<dyn Store>) {
    store
        .insert_endpoint(&endpoint("e", EventFilter::All))
        .await
        .unwrap();
    let done = store
        .insert_message(message("x", Some("k")), t0(), t0(), secs(1))
        .await
        .unwrap()
        .message_id;
    let c = store.claim_due(&claim_at(t0(), 1)).await.unwrap().remove(0);
    store
        .complete(&decision(
            &c,
            t0(),
            200,
            NextStep::Delivered,
            Effect::Success,
        ))
        .await
        .unwrap();
    let waiting = store
        .insert_message(message("x", None), t0(), t0() + secs(999), secs(1))
        .await
        .unwrap()
        .message_id;
    let recent = store
        .insert_message(
            message("y", None),
            t0() + secs(100),
            t0() + secs(999),
            secs(1),
        )
        .await
        .unwrap()
        .message_id;
    assert_eq!(store.prune(t0() + secs(50)).await.unwrap(), 1);
    assert!(store.get_message(&done).await.unwrap().is_none());
    assert!(store.get_message(&waiting).await.unwrap().is_some());
    assert!(store.get_message(&recent).await.unwrap().is_some());
    assert!(
        store
            .list_attempts(&AttemptQuery {
                message: Some(done.clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .list_deliveries(&DeliveryQuery::default())
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(store.prune(t0() + secs(50)).await.unwrap(), 0);
}

/// The record the `seen` case leaves live until `t0 + 1 h`, checked again after a reopen.
const SEEN_SOURCE: &str = "github";
const SEEN_LAST: [u8; 32] = [9; 32];

async fn mark_seen_catches_replays_until_expiry(store: Arc<dyn Store>) {
    let (a, b) = ([1u8; 32], [2u8; 32]);
    let window = secs(600);
    let mark = |source: &'static str, digest: [u8; 32], at: SystemTime| {
        let store = store.clone();
        async move {
            store
                .mark_seen(source, &digest, at, at + window)
                .await
                .unwrap()
        }
    };
    assert!(mark("github", a, t0()).await, "first sighting");
    assert!(!mark("github", a, t0() + secs(1)).await, "a replay");
    assert!(mark("stripe", a, t0()).await, "per source");
    assert!(mark("github", b, t0()).await, "per digest");
    assert!(
        !mark("github", a, t0() + secs(599)).await,
        "still inside the window"
    );
    // At `expires_at` the record is gone; the new sighting starts a new window.
    assert!(mark("github", a, t0() + secs(600)).await, "expired");
    assert!(
        !mark("github", a, t0() + secs(601)).await,
        "the new window holds"
    );

    store.unmark_seen("github", &b).await.unwrap();
    store.unmark_seen("github", &[7; 32]).await.unwrap();
    assert!(mark("github", b, t0() + secs(2)).await, "forgotten");

    // Racing callers: exactly one wins.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .mark_seen("race", &[3; 32], t0(), t0() + window)
                .await
                .unwrap()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1, "one first sighting among racing callers");

    // Many expired records are swept by later calls without changing any answer.
    for i in 0..40u8 {
        assert!(mark("bulk", [i; 32], t0()).await);
    }
    let later = t0() + secs(3600);
    for i in 0..40u8 {
        assert!(mark("bulk", [i; 32], later).await, "record {i} expired");
    }
    assert!(
        store
            .mark_seen(SEEN_SOURCE, &SEEN_LAST, t0(), t0() + secs(3600))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn memory_store_conforms() {
    conformance(|_| async {
        Arc::new(switchboard_webhooks::delivery::MemoryStore::new()) as Arc<dyn Store>
    })
    .await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_conforms() {
    use switchboard_webhooks::delivery::store::{SqliteOptions, SqliteStore};
    let dir = std::env::temp_dir().join(format!(
        "sb-delivery-conformance-{}-{}",
        std::process::id(),
        MessageId::generate()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let base = dir.clone();
    conformance(move |name| {
        let path = base.join(format!("{name}.db"));
        async move {
            Arc::new(SqliteStore::open(&path, SqliteOptions::default()).unwrap()) as Arc<dyn Store>
        }
    })
    .await;
    // Reopening applies no migration twice and sees the data.
    let again = SqliteStore::open(dir.join("prune.db"), SqliteOptions::default()).unwrap();
    assert_eq!(again.list_endpoints().await.unwrap().len(), 1);
    // Replay records survive a restart.
    let again = SqliteStore::open(dir.join("seen.db"), SqliteOptions::default()).unwrap();
    let replay = again
        .mark_seen(SEEN_SOURCE, &SEEN_LAST, t0() + secs(1), t0() + secs(601))
        .await
        .unwrap();
    assert!(!replay, "a replay after reopening the file is still caught");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_conforms() {
    use switchboard_webhooks::delivery::store::{PostgresOptions, PostgresStore};
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!("skipping postgres_store_conforms: SWITCHBOARD_TEST_POSTGRES_URL is not set");
        return;
    };
    let run = format!(
        "sbtest_{}_{}",
        std::process::id(),
        &MessageId::generate().as_str()[4..]
    );
    let stores = Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = stores.clone();
    conformance(move |name| {
        let url = url.clone();
        let schema = format!("{run}_{name}");
        let keep = keep.clone();
        async move {
            let store = PostgresStore::connect(
                &url,
                PostgresOptions {
                    schema: Some(schema),
                    max_connections: 8,
                },
            )
            .await
            .unwrap();
            keep.lock().unwrap().push(store.clone());
            Arc::new(store) as Arc<dyn Store>
        }
    })
    .await;
    let all: Vec<PostgresStore> = std::mem::take(&mut *stores.lock().unwrap());
    for store in all {
        store.drop_schema().await.unwrap();
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_replay_records_are_shared_between_nodes() {
    use switchboard_webhooks::delivery::store::{PostgresOptions, PostgresStore};
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!(
            "skipping postgres_replay_records_are_shared_between_nodes: SWITCHBOARD_TEST_POSTGRES_URL is not set"
        );
        return;
    };
    let options = PostgresOptions {
        schema: Some(format!(
            "sbtest_seen_{}_{}",
            std::process::id(),
            &MessageId::generate().as_str()[4..]
        )),
        max_connections: 4,
    };
    let a = PostgresStore::connect(&url, options.clone()).await.unwrap();
    let b = PostgresStore::connect(&url, options).await.unwrap();
    let until = t0() + secs(600);
    assert!(a.mark_seen("github", &[1; 32], t0(), until).await.unwrap());
    assert!(
        !b.mark_seen("github", &[1; 32], t0(), until).await.unwrap(),
        "the other node sees the first node's record"
    );
    // Both nodes racing on one new request: exactly one first sighting.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            store
                .mark_seen("github", &[2; 32], t0(), until)
                .await
                .unwrap()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
    drop(b);
    a.drop_schema().await.unwrap();
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_announces_new_work_to_other_stores() {
    use switchboard_webhooks::delivery::store::{PostgresOptions, PostgresStore};
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!(
            "skipping postgres_announces_new_work_to_other_stores: SWITCHBOARD_TEST_POSTGRES_URL is not set"
        );
        return;
    };
    let options = PostgresOptions {
        schema: Some(format!(
            "sbtest_notify_{}_{}",
            std::process::id(),
            &MessageId::generate().as_str()[4..]
        )),
        max_connections: 2,
    };
    let a = PostgresStore::connect(&url, options.clone()).await.unwrap();
    let b = PostgresStore::connect(&url, options).await.unwrap();
    let signal = b.work_signal().unwrap();
    let woken = tokio::spawn(async move { signal.notified().await });
    a.insert_endpoint(&endpoint("e", EventFilter::All))
        .await
        .unwrap();
    a.insert_message(message("x", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    // Real time: the notification crosses the server.
    tokio::time::timeout(Duration::from_secs(5), woken)
        .await
        .expect("the other store was not notified")
        .unwrap();
    drop(b);
    a.drop_schema().await.unwrap();
}

async fn queue_depth_counts_by_state(store: Arc<dyn Store>) {
    let depth = |now: SystemTime| {
        let store = store.clone();
        async move { store.queue_depth(now).await.unwrap() }
    };
    assert_eq!(depth(t0()).await, QueueDepth::default());
    let a = endpoint("a", EventFilter::All);
    let b = endpoint("b", EventFilter::Only(vec!["b.only".into()]));
    store.insert_endpoint(&a).await.unwrap();
    store.insert_endpoint(&b).await.unwrap();
    // Four messages for `a` (one due later), one for `a` and `b`.
    for due in [t0(), t0(), t0(), t0() + secs(30)] {
        store
            .insert_message(message("x", None), t0(), due, secs(1))
            .await
            .unwrap();
    }
    store
        .insert_message(message("b.only", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    assert_eq!(depth(t0()).await, QueueDepth::new(5, 1, 0, 0));
    assert_eq!(depth(t0()).await.total(), 6);
    // Claim two of `a`: in flight until their lease (60 s) expires, then due again.
    let of_a = |limit| ClaimRequest {
        exclude: vec![b.id.clone()],
        ..claim_at(t0(), limit)
    };
    let claims = store.claim_due(&of_a(2)).await.unwrap();
    assert_eq!(claims.len(), 2);
    assert_eq!(depth(t0()).await, QueueDepth::new(3, 1, 2, 0));
    assert_eq!(depth(t0() + secs(61)).await, QueueDepth::new(6, 0, 0, 0));
    // One delivered (gone from the queue), one failed and retried in 10 s.
    store
        .complete(&decision(
            &claims[0],
            t0(),
            204,
            NextStep::Delivered,
            Effect::Success,
        ))
        .await
        .unwrap();
    store
        .complete(&decision(
            &claims[1],
            t0(),
            500,
            NextStep::Retry {
                at: t0() + secs(10),
            },
            Effect::Failure,
        ))
        .await
        .unwrap();
    assert_eq!(depth(t0()).await, QueueDepth::new(3, 2, 0, 0));
    // Dead letters are history, not backlog.
    let last = store.claim_due(&of_a(1)).await.unwrap();
    store
        .complete(&decision(
            &last[0],
            t0(),
            500,
            NextStep::DeadLetter,
            Effect::Failure,
        ))
        .await
        .unwrap();
    assert_eq!(depth(t0()).await, QueueDepth::new(2, 2, 0, 0));
    // A disabled endpoint's deliveries are paused, wherever they were.
    store
        .set_endpoint_enabled(&b.id, false, Some(DisabledReason::Manual), t0())
        .await
        .unwrap();
    assert_eq!(depth(t0()).await, QueueDepth::new(1, 2, 0, 1));
    store
        .set_endpoint_enabled(&a.id, false, Some(DisabledReason::Manual), t0())
        .await
        .unwrap();
    assert_eq!(depth(t0()).await, QueueDepth::new(0, 0, 0, 4));
}

/// Stores may group concurrent calls into one commit: each caller must still get exactly its
/// own result (deliveries, conflicts, lost leases, a disabled endpoint).
async fn concurrent_enqueues_and_completions_keep_their_own_results(store: Arc<dyn Store>) {
    let all = endpoint("all", EventFilter::All);
    let only_b = endpoint("only-b", EventFilter::Only(vec!["b".into()]));
    let mut failing = endpoint("failing", EventFilter::Only(vec!["f".into()]));
    failing.failing_since = Some(t0());
    for e in [&all, &only_b, &failing] {
        store.insert_endpoint(e).await.unwrap();
    }
    let taken = message("a", None);
    store
        .insert_message(taken.clone(), t0(), t0(), secs(1))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = store.clone();
        // Every tenth reuses a stored message id: only that caller hears of the conflict.
        let m = if i % 10 == 9 {
            NewMessage {
                event_type: "b".into(),
                ..taken.clone()
            }
        } else {
            message(if i % 2 == 0 { "a" } else { "b" }, None)
        };
        tasks.push(tokio::spawn(async move {
            let r = store.insert_message(m.clone(), t0(), t0(), secs(1)).await;
            (m, r)
        }));
    }
    let mut stored = 1;
    for t in tasks {
        let (m, r) = t.await.unwrap();
        if m.id == taken.id {
            assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
            continue;
        }
        let e = r.unwrap();
        assert_eq!(e.message_id, m.id);
        assert!(e.created);
        let want = if m.event_type == "b" { 2 } else { 1 };
        assert_eq!(e.deliveries.len(), want, "{}", m.event_type);
        for d in &e.deliveries {
            let got = store
                .list_deliveries(&DeliveryQuery {
                    message: Some(m.id.clone()),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(got.iter().any(|x| &x.id == d && x.message_id == m.id));
        }
        stored += 1;
    }
    assert_eq!(stored, 37);
    store
        .insert_message(message("f", None), t0(), t0(), secs(1))
        .await
        .unwrap();
    let claims = store.claim_due(&claim_at(t0(), 1000)).await.unwrap();
    assert_eq!(claims.len(), 38 + 16 + 1);
    let mut tasks = Vec::new();
    for (i, claim) in claims.into_iter().enumerate() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let now = t0() + secs(6 * 24 * 3600);
            let mut c = if claim.endpoint.name == "failing" {
                // Failing for six days: this attempt disables the endpoint.
                decision(
                    &claim,
                    now,
                    500,
                    NextStep::Retry { at: now + secs(5) },
                    Effect::FailingSince(t0()),
                )
            } else {
                decision(&claim, now, 204, NextStep::Delivered, Effect::Success)
            };
            let lost = i % 7 == 3 && claim.endpoint.name != "failing";
            if lost {
                c.delivery.lease_token = "not-the-token".into();
            }
            (claim, lost, store.complete(&c).await)
        }));
    }
    let mut delivered = 0;
    for t in tasks {
        let (claim, lost, r) = t.await.unwrap();
        if lost {
            assert!(matches!(r, Err(StoreError::LeaseLost(_))), "{r:?}");
            let a = store
                .list_attempts(&AttemptQuery {
                    delivery: Some(claim.delivery.id.clone()),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(a.is_empty(), "a lost lease records nothing");
        } else if claim.endpoint.name == "failing" {
            assert!(r.unwrap().disabled);
        } else {
            assert_eq!(r.unwrap(), Applied::default());
            delivered += 1;
        }
    }
    let done = store
        .list_deliveries(&DeliveryQuery {
            status: Some(DeliveryStatus::Delivered),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(done.len(), delivered);
    let attempts = store
        .list_attempts(&AttemptQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(attempts.len(), delivered + 1);
    let f = store.get_endpoint(&failing.id).await.unwrap().unwrap();
    assert!(!f.enabled);
    assert_eq!(f.disabled_reason, Some(DisabledReason::Failing));
}

/// Concurrent attempts of one endpoint, however a store groups them: one starts its failure
/// clock, one stops it, one disables it.
async fn racing_changes_of_one_endpoint_take_effect_once(store: Arc<dyn Store>) {
    let e = endpoint("e", EventFilter::All);
    store.insert_endpoint(&e).await.unwrap();
    let race = async |status: u16, effect: Effect| {
        for _ in 0..24 {
            store
                .insert_message(message("x", None), t0(), t0(), secs(1))
                .await
                .unwrap();
        }
        let claims = store.claim_due(&claim_at(t0(), 100)).await.unwrap();
        assert_eq!(claims.len(), 24);
        let mut tasks = Vec::new();
        for c in claims {
            let store = store.clone();
            let d = decision(&c, t0(), status, NextStep::DeadLetter, effect);
            tasks.push(tokio::spawn(
                async move { store.complete(&d).await.unwrap() },
            ));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.push(t.await.unwrap());
        }
        all
    };
    let failed = race(500, Effect::Failure).await;
    assert_eq!(failed.iter().filter(|a| a.clock_started).count(), 1);
    assert_eq!(clock_of(&store, &e).await, Some(t0()));
    let succeeded = race(200, Effect::Success).await;
    assert_eq!(succeeded.iter().filter(|a| a.clock_stopped).count(), 1);
    assert_eq!(clock_of(&store, &e).await, None);
    let gone = race(410, Effect::Gone).await;
    assert_eq!(gone.iter().filter(|a| a.disabled).count(), 1);
    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert_eq!(got.disabled_reason, Some(DisabledReason::Gone));
}
