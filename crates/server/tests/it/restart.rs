//! A gateway killed (SIGKILL) in the middle of deliveries and started again on the same store
//! delivers every accepted message: nothing is lost, and only messages whose attempt was cut
//! off may arrive twice (at-least-once, same `webhook-id`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::{Value, json};

use crate::server::{Server, client};

const KEY: &str = "admin-key-0123456789abcdef";
const MESSAGES: usize = 120;

type Counts = Arc<Mutex<BTreeMap<String, usize>>>;

/// A receiver that takes 25 ms per request, so a kill lands while attempts are in flight.
async fn slow_receiver() -> (String, Counts) {
    let counts: Counts = Arc::default();
    let c = counts.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap| {
            let c = c.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(25)).await;
                let id = headers["webhook-id"].to_str().unwrap().to_owned();
                *c.lock().unwrap().entry(id).or_default() += 1;
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), counts)
}

async fn wait_until(counts: &Counts, at_least: usize, limit: Duration) -> usize {
    let start = std::time::Instant::now();
    loop {
        let n = counts.lock().unwrap().len();
        if n >= at_least || start.elapsed() > limit {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_delivery_loses_nothing() {
    let (url, counts) = slow_receiver().await;
    let config = format!(
        r#"
[admin]
key = "{KEY}"

[delivery]
allow_cidrs = ["127.0.0.0/8"]
request_timeout_ms = 1000
lease_ms = 1500
max_in_flight = 4

[[endpoints]]
name = "receiver"
url = "{url}"
"#
    );
    let server = Server::start(Some(&config));
    let http = client();
    let mut ids = Vec::new();
    for i in 0..MESSAGES {
        let res: Value = http
            .post(server.url("/admin/events"))
            .bearer_auth(KEY)
            .json(&json!({"type": "tick", "data": {"i": i}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(res["message_id"].as_str().unwrap().to_owned());
    }
    // Kill while deliveries are under way: some done, some in flight, most waiting.
    let before = wait_until(&counts, 10, Duration::from_secs(20)).await;
    let dir = server.kill_keep_dir();
    assert!(
        before < MESSAGES,
        "all {MESSAGES} were delivered before the kill"
    );

    // Start again on the same store: expired leases come back, waiting work continues.
    let server = Server::start_in(dir, Some(&config));
    let delivered = wait_until(&counts, MESSAGES, Duration::from_secs(30)).await;
    let counts = counts.lock().unwrap().clone();
    assert_eq!(delivered, MESSAGES, "lost messages after a restart");
    for id in &ids {
        assert!(counts.contains_key(id), "{id} never delivered");
    }
    // Duplicates are possible only for attempts cut off by the kill (≤ max_in_flight).
    let duplicates: usize = counts.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= 4,
        "{duplicates} duplicates for 4 attempts in flight"
    );
    drop(server);
}

/// `/metrics` counts attempts by endpoint and outcome, observes their latency, and shows the
/// queue by state.
#[tokio::test(flavor = "multi_thread")]
async fn delivery_metrics() {
    let (ok_url, counts) = slow_receiver().await;
    let gone = Router::new().route("/gone", post(|| async { axum::http::StatusCode::GONE }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone_url = format!("http://{}/gone", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, gone).await.unwrap() });
    let config = format!(
        r#"
[admin]
key = "{KEY}"

[delivery]
allow_cidrs = ["127.0.0.0/8"]

[[endpoints]]
name = "ok"
url = "{ok_url}"

[[endpoints]]
name = "gone"
url = "{gone_url}"
"#
    );
    let server = Server::start(Some(&config));
    let http = client();
    for i in 0..3 {
        let res = http
            .post(server.url("/admin/events"))
            .bearer_auth(KEY)
            .json(&json!({"type": "tick", "data": {"i": i}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
    }
    assert_eq!(wait_until(&counts, 3, Duration::from_secs(20)).await, 3);
    let mut text = String::new();
    for _ in 0..200 {
        text = http
            .get(server.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains(
            "switchboard_delivery_attempts_total{endpoint=\"ok\",outcome=\"delivered\"} 3\n",
        ) && text.contains("outcome=\"endpoint_disabled\"")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        text.contains(
            "switchboard_delivery_attempts_total{endpoint=\"ok\",outcome=\"delivered\"} 3\n"
        ),
        "{text}"
    );
    // 410 Gone disables the endpoint: its deliveries are kept, paused until it is enabled
    // again (messages published after it was disabled get no delivery to it).
    assert!(text.contains("outcome=\"endpoint_disabled\""), "{text}");
    assert!(
        text.contains("switchboard_delivery_queue{state=\"due\"} 0\n"),
        "{text}"
    );
    assert!(
        !text.contains("switchboard_delivery_queue{state=\"paused\"} 0\n"),
        "{text}"
    );
    let latency_count = text
        .lines()
        .find_map(|l| l.strip_prefix("switchboard_delivery_latency_seconds_count "))
        .unwrap();
    assert!(latency_count.parse::<u64>().unwrap() >= 4, "{text}");
    assert!(text.contains("switchboard_delivery_attempt_seconds_bucket{le=\"+Inf\"}"));
}

/// A supervisor may stop the gateway the moment it says it is listening: the signal must take
/// the graceful path (exit status 0), not the default action of SIGTERM.
#[test]
fn sigterm_right_after_the_listening_line_shuts_down_cleanly() {
    for _ in 0..3 {
        let server = Server::start(None);
        let status = server.terminate();
        assert!(status.success(), "{status}");
    }
}
