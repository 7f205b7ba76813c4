//! `WebhookManager::update`: settings change in place, checked as registration checks them,
//! and the endpoint keeps its id, keys and history.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use switchboard_core::NetPolicy;
use switchboard_webhooks::delivery::store::MemoryStore;
use switchboard_webhooks::delivery::{
    AttemptQuery, DEFAULT_MAX_IN_FLIGHT, EndpointId, EndpointSpec, EndpointUpdate, EventFilter,
    ManagerError, WebhookManager,
};

fn manager() -> WebhookManager {
    let m = WebhookManager::builder(Arc::new(MemoryStore::new()))
        .net_policy(NetPolicy::public_only().allow_cidr("127.0.0.1/32".parse().unwrap()))
        .build()
        .unwrap();
    m.start().unwrap();
    m
}

/// A loopback receiver answering 204 that records the bodies it got.
async fn receiver() -> (Arc<Mutex<Vec<String>>>, String) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State(seen): State<Arc<Mutex<Vec<String>>>>, body: String| async move {
                    seen.lock().unwrap().push(body);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (seen, format!("http://127.0.0.1:{port}/hook"))
}

/// Polls (real time, short) until `seen` holds `n` bodies; fails after 10 s.
async fn wait_for(seen: &Mutex<Vec<String>>, n: usize) {
    for _ in 0..1000 {
        if seen.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {n} requests");
}

#[tokio::test]
async fn update_changes_settings_and_keeps_id_and_keys() {
    let m = manager();
    let ep = m
        .register(EndpointSpec::new("crm", "https://crm.example.com/a").rate_limit(5))
        .await
        .unwrap();
    assert_eq!(ep.max_in_flight, DEFAULT_MAX_IN_FLIGHT);
    let updated = m
        .update(
            &ep.id,
            EndpointUpdate::new()
                .url("https://crm.example.com/b")
                .description(Some("CRM".into()))
                .events(EventFilter::Only(vec!["user.joined".into()]))
                .headers(vec![("x-tenant".into(), "acme".into())])
                .max_in_flight(2)
                .rate_limit(None)
                .metadata(BTreeMap::from([("team".into(), "growth".into())])),
        )
        .await
        .unwrap();
    assert_eq!(updated.id, ep.id);
    assert_eq!(updated.keys[0].secret.expose(), ep.keys[0].secret.expose());
    assert_eq!(updated.url, "https://crm.example.com/b");
    assert_eq!(updated.description.as_deref(), Some("CRM"));
    assert_eq!(
        updated.events,
        EventFilter::Only(vec!["user.joined".into()])
    );
    assert_eq!(updated.headers, vec![("x-tenant".into(), "acme".into())]);
    assert_eq!(updated.max_in_flight, 2);
    assert_eq!(updated.rate_limit, None);
    assert_eq!(updated.metadata["team"], "growth");
    m.shutdown(Duration::ZERO).await;
}

#[tokio::test]
async fn update_refuses_what_register_refuses() {
    let m = manager();
    let ep = m
        .register(EndpointSpec::new("crm", "https://crm.example.com/a"))
        .await
        .unwrap();
    let refused = [
        (
            EndpointUpdate::new().url("http://10.0.0.8/hook"),
            "network policy",
        ),
        (
            EndpointUpdate::new().url("ftp://crm.example.com/"),
            "invalid endpoint url",
        ),
        (
            EndpointUpdate::new().max_in_flight(0),
            "invalid endpoint max_in_flight",
        ),
        (
            EndpointUpdate::new().rate_limit(Some(0)),
            "invalid endpoint rate_limit",
        ),
        (
            EndpointUpdate::new().headers(vec![("webhook-id".into(), "x".into())]),
            "invalid endpoint headers",
        ),
        (
            EndpointUpdate::new().events(EventFilter::Only(Vec::new())),
            "invalid endpoint events",
        ),
    ];
    for (update, expected) in refused {
        let err = m.update(&ep.id, update).await.unwrap_err().to_string();
        assert!(err.contains(expected), "{err} lacks {expected:?}");
    }
    let unchanged = m.endpoint(&ep.id).await.unwrap();
    assert_eq!(unchanged.url, "https://crm.example.com/a");
    assert_eq!(unchanged.max_in_flight, DEFAULT_MAX_IN_FLIGHT);
    m.shutdown(Duration::ZERO).await;
}

#[tokio::test]
async fn update_of_an_unknown_endpoint_is_refused() {
    let m = manager();
    let err = m
        .update(
            &EndpointId::generate(),
            EndpointUpdate::new().max_in_flight(3),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ManagerError::UnknownEndpoint(_)), "{err}");
    m.shutdown(Duration::ZERO).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_update_the_next_delivery_goes_to_the_new_url_and_history_stays() {
    let (old_seen, old_url) = receiver().await;
    let (new_seen, new_url) = receiver().await;
    let m = manager();
    let ep = m
        .register(EndpointSpec::new("moving", old_url))
        .await
        .unwrap();
    let first = m.trigger_event("x", serde_json::json!(1)).await.unwrap();
    wait_for(&old_seen, 1).await;
    m.update(&ep.id, EndpointUpdate::new().url(new_url))
        .await
        .unwrap();
    m.trigger_event("x", serde_json::json!(2)).await.unwrap();
    wait_for(&new_seen, 1).await;
    assert_eq!(old_seen.lock().unwrap().len(), 1);
    let first_attempts = m
        .attempts(&AttemptQuery {
            message: Some(first),
            ..AttemptQuery::default()
        })
        .await
        .unwrap()
        .data;
    assert_eq!(
        first_attempts.len(),
        1,
        "the first message's attempt is kept"
    );
    assert_eq!(first_attempts[0].endpoint_id, ep.id);
    m.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_rotation_overlap_past_any_storable_time_is_refused_and_the_keys_stay() {
    let m = manager();
    let ep = m
        .register(EndpointSpec::new("rot", "http://127.0.0.1:9/hook"))
        .await
        .unwrap();
    for overlap in [Duration::MAX, Duration::from_secs(u64::MAX / 2)] {
        let err = m.rotate_secret(&ep.id, None, overlap).await.unwrap_err();
        assert!(
            matches!(
                err,
                ManagerError::InvalidEndpoint {
                    field: "overlap",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("too long"), "{err}");
    }
    let kept = m.endpoint(&ep.id).await.unwrap();
    assert_eq!(kept.keys.len(), 1);
    assert_eq!(kept.keys[0].secret.expose(), ep.keys[0].secret.expose());
    // A long overlap the store can hold is still taken.
    let rotated = m
        .rotate_secret(&ep.id, None, Duration::from_secs(100 * 365 * 24 * 3600))
        .await
        .unwrap();
    assert_eq!(rotated.keys.len(), 2);
}
