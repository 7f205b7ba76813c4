//! Ingest: GitHub- and Standard-Webhooks-signed requests become events delivered to a loopback
//! receiver; bad signatures are refused with 401; Open WebUI payloads are mapped. Replays
//! ([`replay`]), token rules ([`tokens`]), Open WebUI's event envelope ([`open_webui`]) and its
//! notifications ([`open_webui_notify`]) have their own modules.

mod open_webui;
mod open_webui_notify;
mod replay;
mod tokens;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use ring::hmac;
use serde_json::{Value, json};
use switchboard::webhooks::sign::{StandardSigner, StandardVerifier, Verifier, WebhookSecret};

use crate::server::{Server, client};

pub(super) type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

pub(super) async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State(r): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    r.lock().unwrap().push((headers, body));
                    "ok"
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), received)
}

pub(super) async fn wait_for(received: &Received, n: usize) -> Vec<(HeaderMap, Bytes)> {
    for _ in 0..500 {
        if received.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    received.lock().unwrap().clone()
}

const OUT_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const IN_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
pub(super) const ADMIN_KEY: &str = "admin-key-0123456789abcdef";
pub(super) const GITHUB_SECRET: &str = "gh-secret-0123456789";

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `X-Hub-Signature-256` of `body` under `secret`.
pub(super) fn github_signature(secret: &str, body: &[u8]) -> String {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()), body);
    format!("sha256={}", hex(tag.as_ref()))
}

/// The gateway's `/metrics` text.
pub(super) async fn metrics_text(server: &Server) -> String {
    client()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A gateway config: admin key, loopback delivery to `url`, then `rest` (sources, store).
pub(super) fn config(url: &str, rest: &str) -> String {
    format!(
        r#"
[admin]
key = "{ADMIN_KEY}"

[delivery]
allow_cidrs = ["127.0.0.0/8"]

[[endpoints]]
name = "receiver"
url = "{url}"

{rest}
"#
    )
}

/// The messages the gateway stored (up to 1,000), through the admin API.
pub(super) async fn stored_messages(server: &Server) -> Vec<Value> {
    let res: Value = client()
        .get(server.url("/admin/messages?limit=1000"))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    res["data"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_requests_are_delivered() {
    let (url, received) = receiver().await;
    let config = format!(
        r#"
[admin]
key = "{ADMIN_KEY}"

[delivery]
allow_cidrs = ["127.0.0.0/8"]

[[ingest]]
name = "github"
kind = "github"
secret = "{GITHUB_SECRET}"

[[ingest]]
name = "app"
kind = "standard"
secret = "{IN_SECRET}"
event_type = "app.event"

[[ingest]]
name = "owui"
kind = "open_webui"
secret = "owui-token-0123456789"

[[endpoints]]
name = "receiver"
url = "{url}"
secret = "{OUT_SECRET}"
"#
    );
    let server = Server::start(Some(&config));
    let http = client();

    // GitHub: HMAC-SHA256 of the exact body.
    let body = br#"{"action":"opened","number":1}"#;
    let res = http
        .post(server.url("/hooks/github"))
        .header("x-hub-signature-256", github_signature(GITHUB_SECRET, body))
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", "d-1")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let accepted: Value = res.json().await.unwrap();
    assert_eq!(accepted["event_type"], "github.pull_request");

    // A wrong signature: 401 without detail.
    let res = http
        .post(server.url("/hooks/github"))
        .header("x-hub-signature-256", format!("sha256={}", "0".repeat(64)))
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["message"], "missing or invalid credentials");

    // Standard Webhooks.
    let body = br#"{"type":"order.paid","id":7}"#;
    let signer = StandardSigner::new(WebhookSecret::parse(IN_SECRET).unwrap());
    let headers = signer
        .sign("msg_in_1", SystemTime::now(), body)
        .unwrap()
        .to_header_map();
    let mut req = http.post(server.url("/hooks/app")).body(body.to_vec());
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.to_str().unwrap());
    }
    assert_eq!(req.send().await.unwrap().status(), 202);

    // Open WebUI's sign-up webhook as its code sends it (token in the URL).
    let res = http
        .post(server.url("/hooks/owui?token=owui-token-0123456789"))
        .json(&json!({"action": "signup", "message": "New user signed up: Ada", "user": "{\"name\":\"Ada\"}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(
        res.json::<Value>().await.unwrap()["event_type"],
        "user_joined"
    );
    let res = http
        .post(server.url("/hooks/owui?token=nope"))
        .json(&json!({"event": "new_user", "user": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    let got = wait_for(&received, 3).await;
    assert_eq!(got.len(), 3, "deliveries arrived: {}", got.len());
    let verifier = StandardVerifier::new(WebhookSecret::parse(OUT_SECRET).unwrap());
    let mut types = Vec::new();
    for (headers, body) in &got {
        verifier.verify(headers, body, SystemTime::now()).unwrap();
        let v: Value = serde_json::from_slice(body).unwrap();
        types.push(v["type"].as_str().unwrap().to_owned());
        if v["type"] == "user_joined" {
            assert_eq!(v["data"]["user"]["name"], "Ada");
        }
        if v["type"] == "app.event" {
            assert_eq!(v["data"]["id"], 7);
        }
    }
    types.sort();
    assert_eq!(types, ["app.event", "github.pull_request", "user_joined"]);

    let metrics = metrics_text(&server).await;
    assert!(
        metrics.contains(
            "switchboard_ingest_requests_total{source=\"github\",outcome=\"accepted\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "switchboard_ingest_requests_total{source=\"github\",outcome=\"rejected\"} 1"
        )
    );
    assert!(metrics.contains("switchboard_delivery_queue{state=\"due\"}"));
}
