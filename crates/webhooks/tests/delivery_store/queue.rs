//! The queue: claims and their leases, recorded attempts, releases, dead letters, and the queue
//! depth.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use switchboard_webhooks::delivery::store::{ClaimRequest, NextStep};
use switchboard_webhooks::delivery::store::{Store, StoreError};
use switchboard_webhooks::delivery::{
    AttemptErrorKind, DeliveryStatus, DisabledReason, EventFilter, QueueDepth,
};
use switchboard_webhooks::delivery::{AttemptQuery, DeliveryQuery};

use crate::support::{Effect, claim_at, decision, endpoint, message, secs, t0};

pub(crate) async fn claims_are_exclusive(store: Arc<dyn Store>) {
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

pub(crate) async fn expired_leases_are_reclaimed(store: Arc<dyn Store>) {
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

pub(crate) async fn attempts_are_recorded_and_scheduled(store: Arc<dyn Store>) {
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

pub(crate) async fn release_returns_without_an_attempt(store: Arc<dyn Store>) {
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

pub(crate) async fn dead_letter_and_recover(store: Arc<dyn Store>) {
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

pub(crate) async fn queue_depth_counts_by_state(store: Arc<dyn Store>) {
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
