//! Endpoint records: create, read, update, delete, enable and disable, and which endpoints a
//! message fans out to.

use std::sync::Arc;

use bytes::Bytes;
use switchboard_webhooks::delivery::DeliveryQuery;
use switchboard_webhooks::delivery::store::{Store, StoreError};
use switchboard_webhooks::delivery::{DeliveryStatus, DisabledReason, EndpointId, EventFilter};

use crate::support::{claim_at, endpoint, message, secs, t0};

pub(crate) async fn endpoints_crud(store: Arc<dyn Store>) {
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

pub(crate) async fn insert_message_skips_the_excluded_endpoint(store: Arc<dyn Store>) {
    let about = endpoint("about", EventFilter::All);
    let watcher = endpoint(
        "watcher",
        EventFilter::Only(vec!["endpoint.disabled".into()]),
    );
    for e in [&about, &watcher] {
        store.insert_endpoint(e).await.unwrap();
    }
    let mut m = message("endpoint.disabled", None);
    m.exclude_endpoint = Some(about.id.clone());
    let id = m.id.clone();
    let out = store
        .insert_message(m, t0(), t0(), secs(3600))
        .await
        .unwrap();
    assert_eq!(out.deliveries.len(), 1);
    let ds = store
        .list_deliveries(&DeliveryQuery {
            message: Some(id),
            ..Default::default()
        })
        .await
        .unwrap();
    let targets: Vec<&EndpointId> = ds.iter().map(|d| &d.endpoint_id).collect();
    assert_eq!(targets, vec![&watcher.id]);
}

/// The endpoints `event_type` fans out to in `store`, by name.
async fn fanned_out_to(store: &Arc<dyn Store>, event_type: &str) -> Vec<EndpointId> {
    let m = message(event_type, None);
    let id = m.id.clone();
    store
        .insert_message(m, t0(), t0(), secs(3600))
        .await
        .unwrap();
    let ds = store
        .list_deliveries(&DeliveryQuery {
            message: Some(id),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut targets: Vec<EndpointId> = ds.into_iter().map(|d| d.endpoint_id).collect();
    targets.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    targets
}

pub(crate) async fn operational_events_reach_only_endpoints_that_name_them(store: Arc<dyn Store>) {
    let all = endpoint("all", EventFilter::All);
    let named = endpoint(
        "named",
        EventFilter::Only(vec!["endpoint.enabled".into(), "user.joined".into()]),
    );
    for e in [&all, &named] {
        store.insert_endpoint(e).await.unwrap();
    }
    assert_eq!(
        fanned_out_to(&store, "endpoint.enabled").await,
        vec![named.id.clone()]
    );
    assert_eq!(fanned_out_to(&store, "user.joined").await.len(), 2);
}

pub(crate) async fn insert_message_fans_out_in_one_go(store: Arc<dyn Store>) {
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

pub(crate) async fn idempotency_key_dedupes_within_window(store: Arc<dyn Store>) {
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

pub(crate) async fn disabled_endpoint_keeps_pending(store: Arc<dyn Store>) {
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
