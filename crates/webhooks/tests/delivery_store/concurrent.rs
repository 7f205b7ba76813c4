//! Concurrent callers, which a store may group into one commit, each get exactly their own result.

use std::sync::Arc;

use switchboard_webhooks::delivery::store::{Applied, NewMessage, NextStep};
use switchboard_webhooks::delivery::store::{Store, StoreError};
use switchboard_webhooks::delivery::{AttemptQuery, DeliveryQuery};
use switchboard_webhooks::delivery::{DeliveryStatus, DisabledReason, EventFilter};

use crate::support::{Effect, claim_at, decision, endpoint, message, secs, t0};

/// Stores may group concurrent calls into one commit: each caller must still get exactly its
/// own result (deliveries, conflicts, lost leases, a disabled endpoint).
pub(crate) async fn concurrent_enqueues_and_completions_keep_their_own_results(
    store: Arc<dyn Store>,
) {
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
                channels: Vec::new(),
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
