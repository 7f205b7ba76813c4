//! Zapier Catch Hooks and the Workflow API v2 against loopback doubles.
#![cfg(feature = "zapier")]
#![allow(clippy::unwrap_used)]

mod recorder;

use recorder::{Recorder, Reply, http};
use serde_json::json;
use switchboard_connectors::WebhookUrl;
use switchboard_connectors::zapier::{CatchHook, ListZaps, ZapierApi, ZapierError};

const HOOK: &str = "/hooks/catch/123456/abCDef/";

fn hook(server: &Recorder, path: &str) -> CatchHook {
    CatchHook::builder(WebhookUrl::parse(&server.url(path)).unwrap())
        .http(http())
        .build()
        .unwrap()
}

fn api(server: &Recorder, token: &str) -> ZapierApi {
    ZapierApi::builder(token)
        .base_url(&server.base)
        .http(http())
        .build()
        .unwrap()
}

#[tokio::test]
async fn catch_hook_posts_json_and_reads_the_receipt() {
    let server = Recorder::start(vec![Reply::json(
        200,
        json!({"id": "0190-ab", "request_id": "5f2a", "attempt": "0190-ab", "status": "success"}),
    )])
    .await;
    let hook = hook(&server, HOOK);
    let receipt = hook
        .trigger(&json!({"order": 42, "items": ["a", "b"]}))
        .await
        .unwrap();
    assert_eq!(receipt.status.as_deref(), Some("success"));
    assert_eq!(receipt.request_id.as_deref(), Some("5f2a"));
    let seen = server.seen();
    assert_eq!(seen[0].uri, HOOK);
    insta::assert_yaml_snapshot!("catch_hook_request", seen, {"[].uri" => "[hook path]"});
    assert!(!format!("{hook:?}").contains("abCDef"));
}

#[tokio::test]
async fn a_silent_hook_accepts_an_array_with_an_empty_receipt() {
    let server = Recorder::start(vec![Reply::new(200, "")]).await;
    let hook = hook(&server, &format!("{HOOK}silent/"));
    let receipt = hook.trigger(&json!([{"a": 1}, {"a": 2}])).await.unwrap();
    assert_eq!(receipt, Default::default());
}

#[tokio::test]
async fn payloads_other_than_objects_are_refused_before_sending() {
    let server = Recorder::start(vec![]).await;
    let hook = hook(&server, HOOK);
    for bad in [json!(1), json!("x"), json!([]), json!([1])] {
        match hook.trigger(&bad).await {
            Err(ZapierError::InvalidInput(e)) => assert_eq!(e.field(), "payload"),
            other => panic!("{other:?}"),
        }
    }
    assert!(server.seen().is_empty());
}

#[test]
fn a_url_that_is_not_a_catch_hook_is_refused() {
    let url = WebhookUrl::parse("https://hooks.zapier.com/v1/zaps/1/execute").unwrap();
    match CatchHook::builder(url).build() {
        Err(ZapierError::InvalidInput(e)) => assert_eq!(e.field(), "url"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_429_keeps_the_wait_asked_without_the_hook_path() {
    let server = Recorder::start(vec![
        Reply::json(429, json!({"status": "throttled"})).header("retry-after", "300"),
    ])
    .await;
    let err = hook(&server, HOOK)
        .trigger(&json!({"a": 1}))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert!(api.is_rate_limited());
    assert_eq!(api.retry_after, Some(std::time::Duration::from_secs(300)));
    assert!(!format!("{err} {err:?}").contains("abCDef"));
}

#[tokio::test]
async fn a_gone_hook_keeps_the_status_and_body() {
    let server = Recorder::start(vec![Reply::new(410, "Gone")]).await;
    let err = hook(&server, HOOK)
        .trigger(&json!({"a": 1}))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 410);
    assert_eq!(api.message.as_deref(), Some("Gone"));
}

#[tokio::test]
async fn a_transport_failure_keeps_the_core_error_without_the_hook_path() {
    let url = WebhookUrl::parse(&format!("http://127.0.0.1:9{HOOK}")).unwrap();
    let hook = CatchHook::builder(url).http(http()).build().unwrap();
    let err = hook.trigger(&json!({"a": 1})).await.unwrap_err();
    assert!(matches!(err, ZapierError::Http(_)), "{err:?}");
    assert!(std::error::Error::source(&err).is_some());
    assert!(!format!("{err} {err:?}").contains("abCDef"), "{err}");
}

#[tokio::test]
async fn workflow_api_lists_zaps_with_a_bearer_token() {
    let body = json!({
        "links": {"next": "https://api.zapier.com/v2/zaps?limit=2&offset=2", "prev": null},
        "meta": {"count": 3, "limit": 2, "offset": 0},
        "data": [
            {"type": "zap", "id": "00000000-0000-c000-8000-000000000001", "is_enabled": true,
             "last_successful_run_date": "2026-11-01T10:00:00+00:00", "updated_at": "2026-10-01T10:00:00+00:00",
             "title": "New order to Slack", "links": {"html_editor": "https://zapier.com/editor/1"}},
            {"type": "zap", "id": "00000000-0000-c000-8000-000000000002", "is_enabled": false,
             "last_successful_run_date": null, "updated_at": "2026-10-02T10:00:00+00:00", "title": "Drafts"}
        ]
    });
    let server = Recorder::start(vec![Reply::json(200, body)]).await;
    let api = api(&server, "zap-oauth-token");
    let page = api
        .list_zaps(ListZaps {
            limit: 500,
            offset: 0,
        })
        .await
        .unwrap();
    assert_eq!(page.count, Some(3));
    assert!(page.has_next);
    assert_eq!(page.zaps.len(), 2);
    assert_eq!(page.zaps[0].title.as_deref(), Some("New order to Slack"));
    assert_eq!(
        page.zaps[0].extra["links"]["html_editor"],
        "https://zapier.com/editor/1"
    );
    assert_eq!(page.zaps[1].is_enabled, Some(false));
    insta::assert_yaml_snapshot!("list_zaps_request", server.seen());
    assert_eq!(
        server.seen()[0].secrets["authorization"],
        "Bearer zap-oauth-token"
    );
    assert!(!format!("{api:?}").contains("zap-oauth-token"));
}

#[tokio::test]
async fn workflow_api_401_keeps_detail_and_code() {
    let server = Recorder::start(vec![Reply::json(401, json!({"errors": [{"status": 401, "code": "not_authenticated", "title": "Not authenticated", "detail": "Invalid token."}]}))]).await;
    let err = api(&server, "bad")
        .list_zaps(ListZaps::default())
        .await
        .unwrap_err();
    let e = err.api().unwrap();
    assert!(e.is_unauthorized());
    assert_eq!(e.message.as_deref(), Some("Invalid token."));
    assert_eq!(e.code.as_deref(), Some("not_authenticated"));
}

#[tokio::test]
async fn workflow_api_html_is_a_decode_error() {
    let server = Recorder::start(vec![Reply::new(200, "<html>")]).await;
    let err = api(&server, "t")
        .list_zaps(ListZaps::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ZapierError::Decode(_)), "{err:?}");
}

#[test]
fn workflow_api_refuses_a_blank_token() {
    match ZapierApi::builder(" ").build() {
        Err(ZapierError::InvalidInput(e)) => assert_eq!(e.field(), "token"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn zapier_trigger_tool_posts_the_data() {
    let server = Recorder::start(vec![Reply::json(
        200,
        json!({"status": "success", "request_id": "r1"}),
    )])
    .await;
    let hook = hook(&server, HOOK);
    let registry = switchboard_functions::ToolRegistry::new();
    switchboard_connectors::zapier::register_tools(&registry, &hook, &Default::default()).unwrap();
    let out = registry
        .invoke("zapier_trigger", json!({"data": {"order": 7}}))
        .await
        .unwrap();
    assert_eq!(out, json!({"status": "success", "request_id": "r1"}));
    assert_eq!(server.seen()[0].body, json!({"order": 7}));
    assert!(
        registry
            .invoke("zapier_trigger", json!({"data": 3}))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn workflow_api_401_is_error_kind_unauthorized_with_its_code() {
    let server = Recorder::start(vec![Reply::json(401, json!({"errors": [{"status": 401, "code": "not_authenticated", "detail": "Invalid token."}]}))]).await;
    let err = api(&server, "bad")
        .list_zaps(ListZaps::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::Unauthorized);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.code(), Some("not_authenticated"));
}
