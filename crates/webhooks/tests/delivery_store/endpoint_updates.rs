//! Changing an endpoint's settings in place: every setting round-trips, and the endpoint keeps
//! its id, keys, state and history.

use std::collections::BTreeMap;
use std::sync::Arc;

use switchboard_webhooks::delivery::store::Store;
use switchboard_webhooks::delivery::{
    AttemptQuery, DeliveryQuery, DisabledReason, EndpointOrigin, EventFilter, MessageQuery,
};

use crate::support::{Effect, attempt_once, clock_of, endpoint, secs, t0};

pub(crate) async fn update_round_trips_every_setting(store: Arc<dyn Store>) {
    let mut e = endpoint("settings", EventFilter::All);
    e.description = Some("CRM sync".into());
    e.metadata = BTreeMap::from([("team".to_owned(), "growth".to_owned())]);
    e.origin = EndpointOrigin::Config;
    e.channels = vec!["eu".into(), "project:1".into()];
    store.insert_endpoint(&e).await.unwrap();
    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert_eq!(got.channels, e.channels);
    assert_eq!(got.description.as_deref(), Some("CRM sync"));
    assert_eq!(got.metadata, e.metadata);
    assert_eq!(got.origin, EndpointOrigin::Config);

    let mut changed = got.clone();
    changed.url = "https://moved.example.com/hook".into();
    changed.description = None;
    changed.events = EventFilter::Only(vec!["user.joined".into(), "chat.created".into()]);
    changed.headers = vec![("x-api-key".into(), "k2".into())];
    changed.max_in_flight = 32;
    changed.rate_limit = None;
    changed.channels = Vec::new();
    changed.metadata = BTreeMap::from([
        ("team".to_owned(), "platform".to_owned()),
        ("tier".to_owned(), "gold".to_owned()),
    ]);
    changed.updated_at = t0() + secs(5);
    store.update_endpoint(&changed).await.unwrap();

    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert_eq!(got.url, "https://moved.example.com/hook");
    assert_eq!(got.description, None);
    assert_eq!(got.events, changed.events);
    assert_eq!(got.headers, changed.headers);
    assert_eq!(got.max_in_flight, 32);
    assert_eq!(got.rate_limit, None);
    assert!(got.channels.is_empty());
    assert_eq!(got.metadata, changed.metadata);
    assert_eq!(got.origin, EndpointOrigin::Config);
    assert_eq!(got.updated_at, t0() + secs(5));
    assert_eq!(got.created_at, t0());
}

pub(crate) async fn update_keeps_id_keys_state_and_history(store: Arc<dyn Store>) {
    let e = endpoint("kept", EventFilter::All);
    store.insert_endpoint(&e).await.unwrap();
    attempt_once(&store, &e, t0(), 500, Effect::Failure).await;
    let message = store.list_messages(&MessageQuery::default()).await.unwrap()[0].clone();

    // A stale copy: the record as read before the attempt started the failure clock.
    let mut stale = e.clone();
    stale.url = "https://moved.example.com/hook".into();
    stale.enabled = false;
    stale.disabled_reason = Some(DisabledReason::Manual);
    stale.created_at = t0() + secs(99);
    stale.updated_at = t0() + secs(10);
    store.update_endpoint(&stale).await.unwrap();

    let got = store.get_endpoint(&e.id).await.unwrap().unwrap();
    assert_eq!(got.url, "https://moved.example.com/hook");
    assert_eq!(got.keys[0].secret.expose(), e.keys[0].secret.expose());
    assert!(got.enabled, "the enabled state is not a setting");
    assert_eq!(got.disabled_reason, None);
    assert_eq!(clock_of(&store, &e).await, Some(t0()), "clock kept");
    assert_eq!(got.created_at, t0());

    let deliveries = store
        .list_deliveries(&DeliveryQuery {
            endpoint: Some(e.id.clone()),
            ..DeliveryQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    let attempts = store
        .list_attempts(&AttemptQuery {
            endpoint: Some(e.id.clone()),
            ..AttemptQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].message_id, message.id);
    assert!(store.get_message(&message.id).await.unwrap().is_some());
}
