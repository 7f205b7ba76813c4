//! The journal: listing messages, deliveries and attempts, replay, and pruning.

use std::sync::Arc;

use switchboard_webhooks::delivery::store::{ClaimRequest, NextStep};
use switchboard_webhooks::delivery::store::{Store, StoreError};
use switchboard_webhooks::delivery::{AttemptQuery, DeliveryQuery, MessageQuery};
use switchboard_webhooks::delivery::{DeliveryStatus, EndpointId, EventFilter, Message, MessageId};

use crate::support::{Effect, claim_at, decision, endpoint, message, secs, t0};

pub(crate) async fn queries_filter_by_endpoint_message_status(store: Arc<dyn Store>) {
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
    let ids = |ms: Vec<Message>| ms.into_iter().map(|m| m.id).collect::<Vec<_>>();
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

pub(crate) async fn replay_creates_deliveries_once(store: Arc<dyn Store>) {
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

pub(crate) async fn prune_keeps_pending_work(store: Arc<dyn Store>) {
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
