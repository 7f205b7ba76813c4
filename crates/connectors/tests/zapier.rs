//! Zapier Catch Hooks and the Workflow API v2 against loopback doubles.
#![cfg(feature = "zapier")]
#![allow(clippy::unwrap_used)]

mod recorder;

use recorder::{Recorder, Reply, client};
use serde_json::json;
use switchboard_connectors::WebhookUrl;
use switchboard_connectors::zapier::{CatchHook, ListZaps, ZapierApi, ZapierError};

const HOOK: &str = "/hooks/catch/123456/abCDef/";

#[tokio::test]
async fn catch_hook_posts_json_and_reads_the_receipt() {
    let server = Recorder::start(vec![Reply::json(
        200,
        json!({"id": "0190-ab", "request_id": "5f2a", "attempt": "0190-ab", "status": "success"}),
    )])
    .await;
    let hook = CatchHook::new(client(), WebhookUrl::parse(&server.url(HOOK)).unwrap()).unwrap();
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
async fn catch_hook_inputs_and_errors() {
    let server = Recorder::start(vec![Reply::new(200, "")]).await;
    let silent = format!("{HOOK}silent/");
    let hook = CatchHook::new(client(), WebhookUrl::parse(&server.url(&silent)).unwrap()).unwrap();
    let receipt = hook.trigger(&json!([{"a": 1}, {"a": 2}])).await.unwrap();
    assert_eq!(receipt, Default::default());
    for bad in [json!(1), json!("x"), json!([]), json!([1])] {
        assert!(matches!(
            hook.trigger(&bad).await,
            Err(ZapierError::InvalidInput {
                field: "payload",
                ..
            })
        ));
    }
    let err = CatchHook::new(
        client(),
        WebhookUrl::parse(&server.url("/v1/zaps/1/execute")).unwrap(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ZapierError::InvalidInput { field: "url", .. }),
        "{err:?}"
    );

    let server = Recorder::start(vec![
        Reply::json(429, json!({"status": "throttled"})).header("retry-after", "300"),
    ])
    .await;
    let hook = CatchHook::new(client(), WebhookUrl::parse(&server.url(HOOK)).unwrap()).unwrap();
    let err = hook.trigger(&json!({"a": 1})).await.unwrap_err();
    assert!(
        matches!(err, ZapierError::RateLimited { retry_after: Some(d) } if d.as_secs() == 300),
        "{err:?}"
    );
    assert!(!err.to_string().contains("abCDef"));
    let server = Recorder::start(vec![Reply::new(410, "Gone")]).await;
    let hook = CatchHook::new(client(), WebhookUrl::parse(&server.url(HOOK)).unwrap()).unwrap();
    let err = hook.trigger(&json!({"a": 1})).await.unwrap_err();
    assert!(
        matches!(err, ZapierError::Status { status: 410, .. }),
        "{err:?}"
    );
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
    let api = ZapierApi::with_base_url(client(), "zap-oauth-token", &server.base).unwrap();
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

    let server = Recorder::start(vec![Reply::json(401, json!({"errors": [{"status": 401, "code": "not_authenticated", "title": "Not authenticated", "detail": "Invalid token."}]}))]).await;
    let api = ZapierApi::with_base_url(client(), "bad", &server.base).unwrap();
    let err = api.list_zaps(ListZaps::default()).await.unwrap_err();
    assert!(
        matches!(&err, ZapierError::Unauthorized { status: 401, message: Some(m) } if m == "Invalid token."),
        "{err:?}"
    );
    let server = Recorder::start(vec![Reply::new(200, "<html>")]).await;
    let api = ZapierApi::with_base_url(client(), "t", &server.base).unwrap();
    assert!(matches!(
        api.list_zaps(ListZaps::default()).await,
        Err(ZapierError::Malformed { .. })
    ));
    assert!(matches!(
        ZapierApi::new(client(), " "),
        Err(ZapierError::InvalidInput { field: "token", .. })
    ));
}

#[tokio::test]
async fn zapier_trigger_tool_posts_the_data() {
    let server = Recorder::start(vec![Reply::json(
        200,
        json!({"status": "success", "request_id": "r1"}),
    )])
    .await;
    let hook = CatchHook::new(client(), WebhookUrl::parse(&server.url(HOOK)).unwrap()).unwrap();
    let registry = switchboard_functions::ToolRegistry::new();
    switchboard_connectors::zapier::register_tools(&registry, hook).unwrap();
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
