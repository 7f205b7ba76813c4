//! Operational events published as events: subscribers hear of a disabled endpoint, a failing
//! or exhausted delivery and an endpoint enabled again; the endpoint an event is about never
//! gets it. Real receivers on 127.0.0.1, a manual clock.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use switchboard_core::NetPolicy;
use switchboard_webhooks::delivery::store::MemoryStore;
use switchboard_webhooks::delivery::{
    DeliveryConfig, DeliveryQuery, EndpointSpec, EndpointUpdate, ManualClock, MessageId,
    MessageQuery, RetrySchedule, WebhookManager,
};

/// Answers each request with the next scripted status (204 once the script is used up) and
/// keeps every body.
#[derive(Default)]
struct Receiver {
    script: Mutex<VecDeque<u16>>,
    seen: Mutex<Vec<Value>>,
}

impl Receiver {
    fn seen(&self) -> Vec<Value> {
        self.seen.lock().unwrap().clone()
    }

    fn of_type(&self, event_type: &str) -> Vec<Value> {
        self.seen()
            .into_iter()
            .filter(|b| b["type"] == event_type)
            .collect()
    }
}

async fn hook(State(rx): State<Arc<Receiver>>, body: Bytes) -> StatusCode {
    rx.seen
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap());
    let code = rx.script.lock().unwrap().pop_front().unwrap_or(204);
    StatusCode::from_u16(code).unwrap()
}

async fn receiver(script: &[u16]) -> (Arc<Receiver>, String) {
    let rx = Arc::new(Receiver {
        script: Mutex::new(script.iter().copied().collect()),
        seen: Mutex::default(),
    });
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(rx.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (rx, format!("http://127.0.0.1:{port}/hook"))
}

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

const T0_RFC3339: &str = "2027-01-15T08:00:00.000Z";

fn config() -> DeliveryConfig {
    DeliveryConfig {
        schedule: RetrySchedule::new(vec![Duration::ZERO, Duration::from_secs(60)])
            .unwrap()
            .with_jitter(0.0)
            .unwrap(),
        request_timeout: Duration::from_millis(400),
        retention: None,
        ..DeliveryConfig::default()
    }
}

fn manager(clock: &ManualClock) -> WebhookManager {
    let manager = WebhookManager::builder(Arc::new(MemoryStore::new()))
        .config(config())
        .clock(Arc::new(clock.clone()))
        .net_policy(NetPolicy::public_only().allow_cidr("127.0.0.1/32".parse().unwrap()))
        .publish_operational_events(true)
        .build()
        .unwrap();
    manager.start().unwrap();
    manager
}

/// Polls (real time, short) until `check` holds; fails after 10 s.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..1000 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Lets the dispatcher run, to show that nothing more arrives.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn messages_of_type(manager: &WebhookManager, event_type: &str) -> Vec<MessageId> {
    manager
        .messages(&MessageQuery::default())
        .await
        .unwrap()
        .data
        .into_iter()
        .filter(|m| m.event_type == event_type)
        .map(|m| m.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_endpoint_is_announced_to_subscribers_once_and_not_to_itself() {
    let clock = ManualClock::new(t0());
    let manager = manager(&clock);
    let (crm_rx, crm_url) = receiver(&[410]).await;
    let (ops_rx, ops_url) = receiver(&[]).await;
    let crm = manager
        .register(EndpointSpec::new("crm", &crm_url))
        .await
        .unwrap();
    manager
        .register(EndpointSpec::new("ops", &ops_url).events(["endpoint.disabled"]))
        .await
        .unwrap();
    manager
        .trigger_event("user.joined", json!({}))
        .await
        .unwrap();

    eventually("the endpoint.disabled event", || !ops_rx.seen().is_empty()).await;
    settle().await;
    let seen = ops_rx.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["type"], "endpoint.disabled");
    assert_eq!(
        seen[0]["data"],
        json!({
            "endpoint_id": crm.id,
            "endpoint_name": "crm",
            "reason": "gone",
            "status": 410,
            "at": T0_RFC3339,
        })
    );
    // crm saw only the message that disabled it.
    let crm_seen = crm_rx.seen();
    assert_eq!(crm_seen.len(), 1);
    assert_eq!(crm_seen[0]["type"], "user.joined");
    let published = messages_of_type(&manager, "endpoint.disabled").await;
    assert_eq!(published.len(), 1);
    let deliveries = manager
        .deliveries(&DeliveryQuery {
            message: Some(published[0].clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(deliveries.data.iter().all(|d| d.endpoint_id != crm.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_event_skips_the_failing_endpoint_even_when_it_subscribes_to_it() {
    let clock = ManualClock::new(t0());
    let manager = manager(&clock);
    let (crm_rx, crm_url) = receiver(&[503]).await;
    let (ops_rx, ops_url) = receiver(&[]).await;
    let (all_rx, all_url) = receiver(&[]).await;
    let crm = manager
        .register(
            EndpointSpec::new("crm", &crm_url).events(["user.joined", "message.attempt.failing"]),
        )
        .await
        .unwrap();
    manager
        .register(EndpointSpec::new("ops", &ops_url).events(["message.attempt.failing"]))
        .await
        .unwrap();
    manager
        .register(EndpointSpec::new("all", &all_url))
        .await
        .unwrap();
    let message = manager
        .trigger_event("user.joined", json!({}))
        .await
        .unwrap();

    eventually("the message.attempt.failing event", || {
        !ops_rx.of_type("message.attempt.failing").is_empty()
    })
    .await;
    settle().await;
    let failing = ops_rx.of_type("message.attempt.failing");
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0]["data"]["endpoint_id"], json!(crm.id));
    assert_eq!(failing[0]["data"]["message_id"], json!(message));
    assert_eq!(failing[0]["data"]["attempt"], 1);
    assert_eq!(failing[0]["data"]["status"], 503);
    assert_eq!(failing[0]["data"]["error"], "status");
    // crm, still enabled and subscribed to the event, got only its own message; an endpoint
    // taking every type is not told about other endpoints.
    assert!(crm_rx.seen().iter().all(|b| b["type"] == "user.joined"));
    assert!(all_rx.of_type("message.attempt.failing").is_empty());
    assert_eq!(all_rx.of_type("user.joined").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_are_announced_to_subscribers() {
    let clock = ManualClock::new(t0());
    let manager = manager(&clock);
    let (_crm_rx, crm_url) = receiver(&[500, 500]).await;
    let (ops_rx, ops_url) = receiver(&[]).await;
    let crm = manager
        .register(EndpointSpec::new("crm", &crm_url).events(["user.joined"]))
        .await
        .unwrap();
    manager
        .register(EndpointSpec::new("ops", &ops_url).events(["message.attempt.exhausted"]))
        .await
        .unwrap();
    let message = manager
        .trigger_event("user.joined", json!({}))
        .await
        .unwrap();
    eventually("the first attempt", || {
        !messages_of_type_blocking(&manager, "message.attempt.failing").is_empty()
    })
    .await;
    clock.advance(Duration::from_secs(60));

    eventually("the message.attempt.exhausted event", || {
        !ops_rx.seen().is_empty()
    })
    .await;
    settle().await;
    let seen = ops_rx.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let data = &seen[0]["data"];
    assert_eq!(seen[0]["type"], "message.attempt.exhausted");
    assert_eq!(data["endpoint_id"], json!(crm.id));
    assert_eq!(data["endpoint_name"], "crm");
    assert_eq!(data["message_id"], json!(message));
    assert_eq!(data["attempts"], 2);
    assert_eq!(data["status"], 500);
    assert_eq!(data["at"], "2027-01-15T08:01:00.000Z");
    assert!(data["delivery_id"].as_str().unwrap().starts_with("dlv_"));
}

/// The published messages of a type, read from a sync closure.
fn messages_of_type_blocking(manager: &WebhookManager, event_type: &str) -> Vec<MessageId> {
    let manager = manager.clone();
    let event_type = event_type.to_owned();
    tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current()
            .block_on(async move { messages_of_type(&manager, &event_type).await })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enabling_publishes_endpoint_enabled_only_when_the_state_changes() {
    let clock = ManualClock::new(t0());
    let manager = manager(&clock);
    let (ops_rx, ops_url) = receiver(&[]).await;
    let crm = manager
        .register(EndpointSpec::new("crm", "http://127.0.0.1:9/hook").disabled())
        .await
        .unwrap();
    manager
        .register(EndpointSpec::new("ops", &ops_url).events(["endpoint.enabled"]))
        .await
        .unwrap();

    manager.enable(&crm.id).await.unwrap();
    manager.enable(&crm.id).await.unwrap();
    eventually("the endpoint.enabled event", || !ops_rx.seen().is_empty()).await;
    settle().await;
    let seen = ops_rx.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["type"], "endpoint.enabled");
    assert_eq!(
        seen[0]["data"],
        json!({"endpoint_id": crm.id, "endpoint_name": "crm", "at": T0_RFC3339})
    );
    assert_eq!(
        messages_of_type(&manager, "endpoint.enabled").await.len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_published_unless_asked() {
    let clock = ManualClock::new(t0());
    let manager = WebhookManager::builder(Arc::new(MemoryStore::new()))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let crm = manager
        .register(EndpointSpec::new("crm", "https://crm.example.com/hooks").disabled())
        .await
        .unwrap();
    manager.enable(&crm.id).await.unwrap();
    assert!(
        manager
            .messages(&MessageQuery::default())
            .await
            .unwrap()
            .data
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_that_enables_publishes_endpoint_enabled() {
    let clock = ManualClock::new(t0());
    let manager = manager(&clock);
    let crm = manager
        .register(EndpointSpec::new("crm", "http://127.0.0.1:9/hook").disabled())
        .await
        .unwrap();
    manager
        .update(&crm.id, EndpointUpdate::new().enabled(true))
        .await
        .unwrap();
    manager
        .update(&crm.id, EndpointUpdate::new().enabled(true))
        .await
        .unwrap();
    assert_eq!(
        messages_of_type(&manager, "endpoint.enabled").await.len(),
        1
    );
}
