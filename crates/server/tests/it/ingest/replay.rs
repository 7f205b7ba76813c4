//! Replays of signed requests: the same signed content again is acknowledged with
//! `200 {"duplicate": true}` and publishes nothing, whatever unsigned headers change, across a
//! restart and across nodes; stale timestamps are refused.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderName};
use ring::hmac;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::Value;
use switchboard::webhooks::sign::{StandardSigner, WebhookSecret};

use super::{
    GITHUB_SECRET, config, github_signature, hex, metrics_text, receiver, stored_messages, wait_for,
};
use crate::server::{Server, client};

const STRIPE_SECRET: &str = "whsec_stripe_0123456789abcdef";
const STANDARD_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn github_source() -> String {
    format!("[[ingest]]\nname = \"github\"\nkind = \"github\"\nsecret = \"{GITHUB_SECRET}\"\n")
}

fn header_map(pairs: &[(&'static str, String)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(name, value)| (HeaderName::from_static(name), value.parse().unwrap()))
        .collect()
}

/// POSTs `body` with `headers`; the status and the JSON answer.
async fn post(server: &Server, path: &str, headers: HeaderMap, body: &[u8]) -> (u16, Value) {
    let res = client()
        .post(server.url(path))
        .headers(headers)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn github_headers(body: &[u8], delivery: &str, event: &str) -> HeaderMap {
    header_map(&[
        ("x-hub-signature-256", github_signature(GITHUB_SECRET, body)),
        ("x-github-delivery", delivery.to_owned()),
        ("x-github-event", event.to_owned()),
    ])
}

const GITHUB_BODY: &[u8] = br#"{"action":"opened","number":1}"#;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Sends the first GitHub delivery (expects 202) and its replay under a new delivery id and
/// event type to `replay_to` (expects the duplicate answer).
async fn deliver_then_replay(first_to: &Server, replay_to: &Server) {
    let (status, first) = post(
        first_to,
        "/hooks/github",
        github_headers(GITHUB_BODY, "d-1", "pull_request"),
        GITHUB_BODY,
    )
    .await;
    assert_eq!(status, 202, "{first}");
    let (status, again) = post(
        replay_to,
        "/hooks/github",
        github_headers(GITHUB_BODY, "d-2", "push"),
        GITHUB_BODY,
    )
    .await;
    assert_eq!(status, 200, "{again}");
    insta::assert_json_snapshot!("duplicate_answer", again);
}

#[tokio::test(flavor = "multi_thread")]
async fn github_body_replayed_under_a_new_delivery_id_publishes_nothing() {
    let (url, received) = receiver().await;
    let server = Server::start(Some(&config(&url, &github_source())));
    deliver_then_replay(&server, &server).await;

    let messages = stored_messages(&server).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["event_type"], "github.pull_request");
    assert_eq!(wait_for(&received, 1).await.len(), 1);
    let metrics = metrics_text(&server).await;
    assert!(
        metrics.contains(
            "switchboard_ingest_requests_total{source=\"github\",outcome=\"duplicate\"} 1"
        ),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stripe_request_replayed_within_its_window_publishes_nothing() {
    let (url, _received) = receiver().await;
    let source =
        format!("[[ingest]]\nname = \"stripe\"\nkind = \"stripe\"\nsecret = \"{STRIPE_SECRET}\"\n");
    let server = Server::start(Some(&config(&url, &source)));
    let body = br#"{"id":"evt_1","type":"charge.succeeded"}"#;
    let t = now_secs();
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(body);
    let key = hmac::Key::new(hmac::HMAC_SHA256, STRIPE_SECRET.as_bytes());
    let sig = hex(hmac::sign(&key, &signed).as_ref());
    let header = format!("t={t},v1={sig}");
    let (status, _) = post(
        &server,
        "/hooks/stripe",
        header_map(&[("stripe-signature", header)]),
        body,
    )
    .await;
    assert_eq!(status, 202);
    // Extra elements around the valid signature do not make it a new request.
    let padded = format!("t={t},v0=00,v1={},v1={sig}", "ab".repeat(32));
    let (status, again) = post(
        &server,
        "/hooks/stripe",
        header_map(&[("stripe-signature", padded)]),
        body,
    )
    .await;
    assert_eq!((status, &again["duplicate"]), (200, &Value::Bool(true)));
    assert_eq!(stored_messages(&server).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn standard_webhook_id_signed_again_by_the_sender_is_a_duplicate() {
    let (url, _received) = receiver().await;
    let source = format!(
        "[[ingest]]\nname = \"app\"\nkind = \"standard\"\nsecret = \"{STANDARD_SECRET}\"\n"
    );
    let server = Server::start(Some(&config(&url, &source)));
    let signer = StandardSigner::new(WebhookSecret::parse(STANDARD_SECRET).unwrap());
    let body = br#"{"type":"order.paid","id":7}"#;
    let now = SystemTime::now();
    // The sender's retry: same id, a newer timestamp, a new signature.
    for (at, want) in [(now - Duration::from_secs(30), 202), (now, 200)] {
        let headers = signer
            .sign("msg_replay_1", at, body)
            .unwrap()
            .to_header_map();
        let (status, answer) = post(&server, "/hooks/app", headers, body).await;
        assert_eq!(status, want, "{answer}");
    }
    assert_eq!(stored_messages(&server).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_is_caught_after_a_restart_on_the_same_sqlite_file() {
    let (url, received) = receiver().await;
    let text = config(&url, &github_source());
    let first = Server::start(Some(&text));
    let (status, _) = post(
        &first,
        "/hooks/github",
        github_headers(GITHUB_BODY, "d-1", "pull_request"),
        GITHUB_BODY,
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(wait_for(&received, 1).await.len(), 1);
    let (exit, dir) = first.terminate_keep_dir();
    assert!(exit.success());

    let second = Server::start_in(dir, Some(&text));
    let (status, again) = post(
        &second,
        "/hooks/github",
        github_headers(GITHUB_BODY, "d-2", "push"),
        GITHUB_BODY,
    )
    .await;
    assert_eq!((status, &again["duplicate"]), (200, &Value::Bool(true)));
    assert_eq!(stored_messages(&second).await.len(), 1);
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_to_another_node_sharing_postgres_is_caught() {
    use switchboard::webhooks::delivery::store::{PostgresOptions, PostgresStore};
    let Ok(pg) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!(
            "skipping replay_to_another_node_sharing_postgres_is_caught: SWITCHBOARD_TEST_POSTGRES_URL is not set"
        );
        return;
    };
    // A schema of its own (created and migrated here), selected for the gateways through the
    // connection's `search_path`.
    let schema = format!("sbtest_ingest_{}_{}", std::process::id(), now_secs());
    let setup = PostgresStore::connect(
        &pg,
        PostgresOptions {
            schema: Some(schema.clone()),
            max_connections: 1,
        },
    )
    .await
    .unwrap();
    let sep = if pg.contains('?') { '&' } else { '?' };
    let store = format!("[store]\npostgres = \"{pg}{sep}options=-c%20search_path%3D{schema}\"\n");
    let (url, received) = receiver().await;
    let text = config(&url, &format!("{}\n{store}", github_source()));
    let a = Server::start(Some(&text));
    let b = Server::start(Some(&text));
    deliver_then_replay(&a, &b).await;
    assert_eq!(stored_messages(&b).await.len(), 1);
    assert_eq!(wait_for(&received, 1).await.len(), 1);
    drop((a, b));
    setup.drop_schema().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn request_refused_after_verification_is_not_remembered() {
    let (url, _received) = receiver().await;
    let server = Server::start(Some(&config(&url, &github_source())));
    // A delivery id too long for an idempotency key: verified, then refused when publishing.
    let (status, _) = post(
        &server,
        "/hooks/github",
        github_headers(GITHUB_BODY, &"d".repeat(300), "push"),
        GITHUB_BODY,
    )
    .await;
    assert_eq!(status, 422);
    // The sender's retry is a first delivery, not a replay.
    let (status, answer) = post(
        &server,
        "/hooks/github",
        github_headers(GITHUB_BODY, "d-1", "push"),
        GITHUB_BODY,
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(stored_messages(&server).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn discord_request_with_a_stale_timestamp_is_refused() {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let source = format!(
        "[[ingest]]\nname = \"discord\"\nkind = \"discord\"\nsecret = \"{}\"\n",
        hex(pair.public_key().as_ref())
    );
    let (url, _received) = receiver().await;
    let server = Server::start(Some(&config(&url, &source)));
    let body = br#"{"type":1}"#;
    let signed = |ts: u64| {
        let mut message = ts.to_string().into_bytes();
        message.extend_from_slice(body);
        header_map(&[
            ("x-signature-ed25519", hex(pair.sign(&message).as_ref())),
            ("x-signature-timestamp", ts.to_string()),
        ])
    };
    // Captured 301 s ago: a valid signature, refused.
    let (status, _) = post(&server, "/hooks/discord", signed(now_secs() - 301), body).await;
    assert_eq!(status, 401);
    let (status, answer) = post(&server, "/hooks/discord", signed(now_secs()), body).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(stored_messages(&server).await.len(), 1);
}
