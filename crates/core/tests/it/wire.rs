//! The exact request on the wire, pinned as a snapshot.

use switchboard_core::{Auth, Client};

use crate::server::TestServer;

#[tokio::test]
async fn request_on_the_wire() {
    let srv = TestServer::start().await;
    let client = Client::builder()
        .default_header("x-client", "switchboard-tests")
        .build()
        .unwrap();
    client
        .post(&srv.url("/v1/items/%C3%BC"))
        .query(&[
            ("tag", "a b"),
            ("tag", "c&d=e"),
            ("q", "日本"),
            ("path", "/x?y#z"),
        ])
        .header("x-trace", "abc")
        .idempotency_key("key-1")
        .auth(Auth::api_key_header("x-api-key", "real-key-value").unwrap())
        .json(&serde_json::json!({"name": "widget", "count": 2}))
        .send()
        .await
        .unwrap();
    client
        .get(&srv.url("/v1/me"))
        .auth(Auth::basic("alice", "real-password"))
        .send()
        .await
        .unwrap();
    let seen = srv.seen();
    assert_eq!(seen[0].headers["x-api-key"], "real-key-value");
    assert_eq!(
        seen[1].headers["authorization"],
        "Basic YWxpY2U6cmVhbC1wYXNzd29yZA=="
    );
    insta::assert_yaml_snapshot!(seen, {
        "[].headers.host" => "[host]",
        "[].headers[\"x-api-key\"]" => "[redacted]",
        "[].headers.authorization" => "[redacted]",
    });
}
