//! Connector tools saying whom they act for (`[connectors] attribute_caller`), through the real
//! binary: a Slack message sent for an Open WebUI user (their signed user token, minted as Open
//! WebUI mints it) reaches a loopback Slack double ending with the user's name, over
//! `/tools/*` and MCP; with the switch off, or without a user, it names no one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

use crate::identity::{JWT_SECRET, mint, owui_claims};
use crate::server::{Server, client};

type Bodies = Arc<Mutex<Vec<Value>>>;

/// A Slack Web API double answering `chat.postMessage`, keeping every body it receives.
async fn slack_double() -> (String, Bodies) {
    let bodies: Bodies = Arc::default();
    let app = Router::new()
        .route(
            "/api/chat.postMessage",
            post(
                |State(b): State<Bodies>, axum::Json(body): axum::Json<Value>| async move {
                    b.lock().unwrap().push(body);
                    axum::Json(json!({"ok": true, "channel": "C1", "ts": "1700000000.000100"}))
                },
            ),
        )
        .with_state(bodies.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/api"), bodies)
}

/// A gateway offering `slack_post_message` against `slack`, verifying Open WebUI user tokens,
/// with attribution `on` or off.
fn gateway(slack: &str, on: bool) -> Server {
    let config = format!(
        r#"
[tools.open_webui]
jwt_secret = "{JWT_SECRET}"

[connectors]
attribute_caller = {on}

[connectors.slack]
token = "xoxb-gateway-test"
base_url = "{slack}"
"#
    );
    Server::start(Some(&config))
}

/// Posts "Deploy done" through `/tools/slack_post_message`, with the user token `jwt` when
/// given, and returns the text the Slack double received.
async fn post_over_http(server: &Server, bodies: &Bodies, jwt: Option<&str>) -> String {
    let mut req = client()
        .post(server.url("/tools/slack_post_message"))
        .json(&json!({"channel": "C1", "text": "Deploy done"}));
    if let Some(jwt) = jwt {
        req = req.header("x-openwebui-user-jwt", jwt);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let body = bodies
        .lock()
        .unwrap()
        .pop()
        .expect("Slack received nothing");
    body["text"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_sent_for_an_open_webui_user_names_them() {
    let (slack, bodies) = slack_double().await;
    let server = gateway(&slack, true);
    let jwt = mint(&owui_claims(), JWT_SECRET);
    let text = post_over_http(&server, &bodies, Some(&jwt)).await;
    assert_eq!(text, "Deploy done\n\nSent by Ada Lovelace via Switchboard");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_attribution_off_a_message_names_no_one() {
    let (slack, bodies) = slack_double().await;
    let server = gateway(&slack, false);
    let jwt = mint(&owui_claims(), JWT_SECRET);
    let text = post_over_http(&server, &bodies, Some(&jwt)).await;
    assert_eq!(text, "Deploy done");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_sent_without_a_user_names_no_one() {
    let (slack, bodies) = slack_double().await;
    let server = gateway(&slack, true);
    let text = post_over_http(&server, &bodies, None).await;
    assert_eq!(text, "Deploy done");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_sent_over_mcp_for_an_open_webui_user_names_them() {
    let (slack, bodies) = slack_double().await;
    let server = gateway(&slack, true);
    let jwt = mint(&owui_claims(), JWT_SECRET);
    let headers = HashMap::from([(
        http::HeaderName::from_static("x-openwebui-user-jwt"),
        http::HeaderValue::from_str(&jwt).unwrap(),
    )]);
    let config =
        StreamableHttpClientTransportConfig::with_uri(server.url("/mcp")).custom_headers(headers);
    let mcp = ().serve(StreamableHttpClientTransport::from_config(config)).await.unwrap();
    let args = json!({"channel": "C1", "text": "Deploy done"});
    let result = mcp
        .call_tool(
            CallToolRequestParams::new("slack_post_message")
                .with_arguments(args.as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{result:?}");
    let body = bodies
        .lock()
        .unwrap()
        .pop()
        .expect("Slack received nothing");
    assert_eq!(
        body["text"],
        "Deploy done\n\nSent by Ada Lovelace via Switchboard"
    );
    mcp.cancel().await.unwrap();
}
