//! The admin API's OpenAPI document at `GET /admin/openapi.json`, and the answers Schemathesis
//! (`.ci/admin-api-fuzz.sh`) found outside it: each bad input below once dropped the
//! connection (a panic) or answered plain text instead of the documented JSON error.

use serde_json::{Value, json};

use crate::endpoints::Admin;
use crate::server::{Server, client};

const KEY: &str = "admin-key-0123456789abcdef";

fn start() -> Server {
    Server::start(Some(&format!("[admin]\nkey = \"{KEY}\"\n")))
}

/// Registers an endpoint and returns its id.
async fn endpoint(server: &Server) -> String {
    let created = Admin::new(server)
        .create(json!({"name": "crm", "url": "https://example.com/hook"}))
        .await;
    created["id"].as_str().unwrap().to_owned()
}

/// Sends `body` as JSON to `path` and returns the status and the error's kind and message,
/// failing when the answer is not the JSON error shape.
async fn post_raw(server: &Server, path: &str, body: &str) -> (u16, String, String) {
    let res = client()
        .post(server.url(path))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|_| {
        panic!("{path} answered {status} with a body that is not JSON: {text}")
    });
    let error = &json["error"];
    (
        status,
        error["kind"].as_str().unwrap().to_owned(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_document_is_served_behind_the_admin_key_and_matches_the_generated_one() {
    let server = start();
    let res = client()
        .get(server.url("/admin/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = client()
        .get(server.url("/admin/openapi.json"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let served: Value = res.json().await.unwrap();
    assert_eq!(served, switchboard_server::http::admin_openapi());
    assert_eq!(served["openapi"], "3.1.0");
    assert_eq!(
        served["components"]["securitySchemes"]["admin_key"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn a_recovery_since_past_the_year_9999_is_a_400_naming_since() {
    let server = start();
    let id = endpoint(&server).await;
    let path = format!("/admin/endpoints/{id}/recover");
    let (status, kind, message) =
        post_raw(&server, &path, r#"{"since": 18446744073709551615}"#).await;
    assert_eq!((status, kind.as_str()), (400, "bad_request"));
    assert!(message.starts_with("since:"), "{message}");
    // The gateway is still answering: nothing panicked.
    let (status, _, _) = post_raw(&server, &path, r#"{"since": 253402300800}"#).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_rotation_overlap_past_a_year_is_a_400_naming_overlap_secs() {
    let server = start();
    let id = endpoint(&server).await;
    let path = format!("/admin/endpoints/{id}/rotate-secret");
    let (status, kind, message) =
        post_raw(&server, &path, r#"{"overlap_secs": 18446744073709551615}"#).await;
    assert_eq!((status, kind.as_str()), (400, "bad_request"));
    assert!(message.starts_with("overlap_secs:"), "{message}");
    let res = client()
        .post(server.url(&path))
        .bearer_auth(KEY)
        .json(&json!({"overlap_secs": 365 * 24 * 3600}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_malformed_optional_body_is_a_json_400() {
    let server = start();
    let id = endpoint(&server).await;
    let (status, kind, message) = post_raw(
        &server,
        &format!("/admin/endpoints/{id}/rotate-secret"),
        r#""AAA""#,
    )
    .await;
    assert_eq!((status, kind.as_str()), (400, "bad_request"));
    assert!(message.starts_with("body:"), "{message}");
    let (status, kind, _) = post_raw(
        &server,
        "/admin/messages/msg_0/replay",
        r#"{"endpoint": 1.5}"#,
    )
    .await;
    assert_eq!((status, kind.as_str()), (400, "bad_request"));
}

#[tokio::test]
async fn a_malformed_list_query_is_a_json_400() {
    let server = start();
    for path in [
        "/admin/messages?limit=abc",
        "/admin/deliveries?nope=1",
        "/admin/attempts?limit=-1",
    ] {
        let res = client()
            .get(server.url(path))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["kind"], "bad_request", "{path}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("query:"),
            "{path}: {body}"
        );
    }
}
