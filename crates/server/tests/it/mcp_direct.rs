//! A plain `tools/call` in a session is answered as one JSON response, without rmcp's session
//! task: the same message rmcp streams, the same cancellation, over raw HTTP against the
//! gateway's router in process (the official SDKs run the same path in `mcp_peers`).

use serde_json::{Value, json};
use switchboard_server::config::McpSessions;

use crate::mcp::{Calls, InProcess};
use crate::server::client;

const ACCEPT: &str = "application/json, text/event-stream";
const VERSION: &str = "2025-06-18";

/// Opens a session the way the SDKs do (`initialize`, then `notifications/initialized`).
async fn open_session(url: &str) -> String {
    let res = client()
        .post(url)
        .header("accept", ACCEPT)
        .json(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": VERSION, "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let session = res.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let res = post(
        url,
        &session,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    assert_eq!(res.status(), 202);
    session
}

async fn post(url: &str, session: &str, body: Value) -> reqwest::Response {
    client()
        .post(url)
        .header("accept", ACCEPT)
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", VERSION)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn call(id: u64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments}})
}

/// The same call with a `progressToken`, which rmcp answers as an event stream.
fn call_with_progress(id: u64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments, "_meta": {"progressToken": "p"}}})
}

/// The JSON-RPC response in an event stream's `data:` lines (progress notifications skipped).
fn streamed_response(text: &str) -> Value {
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|m| m.get("id").is_some())
        .unwrap_or_else(|| panic!("no response in the stream:\n{text}"))
}

async fn json_answer(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_tools_call_in_a_session_is_answered_as_one_json_response() {
    let gateway = InProcess::start(McpSessions::Stateful).await;
    let session = open_session(&gateway.url).await;
    let res = post(
        &gateway.url,
        &session,
        call(3, "calculate", json!({"expression": "0.1 + 0.2"})),
    )
    .await;
    insta::assert_json_snapshot!(json_answer(res).await);
}

/// Compares the direct answer with the stream rmcp answers for the same call.
async fn assert_same_as_streamed(tool: &str, arguments: Value) {
    let gateway = InProcess::start(McpSessions::Stateful).await;
    let session = open_session(&gateway.url).await;
    let direct =
        json_answer(post(&gateway.url, &session, call(5, tool, arguments.clone())).await).await;
    let res = post(
        &gateway.url,
        &session,
        call_with_progress(5, tool, arguments),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let streamed = streamed_response(&res.text().await.unwrap());
    assert_eq!(direct, streamed);
}

#[tokio::test]
async fn a_direct_result_equals_the_streamed_result() {
    assert_same_as_streamed("calculate", json!({"expression": "2^10"})).await;
}

#[tokio::test]
async fn a_direct_invalid_arguments_result_equals_the_streamed_one() {
    assert_same_as_streamed("calculate", json!({"expression": 3})).await;
}

#[tokio::test]
async fn a_direct_unknown_tool_error_equals_the_streamed_one() {
    assert_same_as_streamed("no_such_tool", json!({})).await;
}

#[tokio::test]
async fn a_call_for_an_unknown_session_is_404() {
    let gateway = InProcess::start(McpSessions::Stateful).await;
    let res = post(
        &gateway.url,
        "not-a-session",
        call(1, "calculate", json!({"expression": "1"})),
    )
    .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_cancelled_notification_stops_a_direct_call_and_ends_its_response_empty() {
    let mut gateway = InProcess::start(McpSessions::Stateful).await;
    let session = open_session(&gateway.url).await;
    let (url, s) = (gateway.url.clone(), session.clone());
    let running =
        tokio::spawn(async move { post(&url, &s, call(9, "wait_for_cancel", json!({}))).await });
    gateway
        .wait_for("the call to start", |c| c.running == 1)
        .await;
    let res = post(
        &gateway.url,
        &session,
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": 9, "reason": "the user gave up"}}),
    )
    .await;
    assert_eq!(res.status(), 202);
    gateway
        .wait_for("the call to stop", |c| {
            *c == Calls {
                running: 0,
                stopped: 1,
            }
        })
        .await;
    let res = running.await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    assert_eq!(res.text().await.unwrap(), "");
}

#[tokio::test]
async fn deleting_a_session_stops_its_direct_calls() {
    let mut gateway = InProcess::start(McpSessions::Stateful).await;
    let session = open_session(&gateway.url).await;
    let (url, s) = (gateway.url.clone(), session.clone());
    let running =
        tokio::spawn(async move { post(&url, &s, call(9, "wait_for_cancel", json!({}))).await });
    gateway
        .wait_for("the call to start", |c| c.running == 1)
        .await;
    let res = client()
        .delete(&gateway.url)
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    gateway
        .wait_for("the call to stop", |c| c.stopped == 1)
        .await;
    running.await.unwrap();
}

#[tokio::test]
async fn an_mcp_message_above_the_body_limit_is_413() {
    let gateway = InProcess::start(McpSessions::Stateful).await;
    let session = open_session(&gateway.url).await;
    let big = "1".repeat(1024 * 1024 + 1);
    let res = post(
        &gateway.url,
        &session,
        call(1, "calculate", json!({"expression": big})),
    )
    .await;
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn a_stateless_call_is_still_answered_by_rmcp() {
    let gateway = InProcess::start(McpSessions::Stateless).await;
    let res = client()
        .post(&gateway.url)
        .header("accept", ACCEPT)
        .header("mcp-protocol-version", VERSION)
        .json(&call(1, "calculate", json!({"expression": "1 + 1"})))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let answer = streamed_response(&res.text().await.unwrap());
    assert_eq!(answer["result"]["structuredContent"]["result"], "2");
}
