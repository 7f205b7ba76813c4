//! An MCP session against the real gateway with rmcp's streamable-HTTP client.

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::json;

use crate::server::Server;

fn args(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn initialize_list_call() {
    let server = Server::start(None);
    let transport = StreamableHttpClientTransport::from_uri(server.url("/mcp"));
    let client = ().serve(transport).await.unwrap();
    let info = client.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().unwrap().name, "switchboard");

    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].name, "calculate");
    assert_eq!(tools[0].input_schema["required"], json!(["expression"]));

    let ok = client
        .call_tool(
            CallToolRequestParams::new("calculate")
                .with_arguments(args(json!({"expression": "2^10"}))),
        )
        .await
        .unwrap();
    assert_eq!(ok.is_error, Some(false));
    assert_eq!(
        ok.structured_content,
        Some(json!({"result": "1024", "exact": true}))
    );

    // Invalid arguments are a tool error the model can read, not a protocol error.
    let bad = client
        .call_tool(
            CallToolRequestParams::new("calculate").with_arguments(args(json!({"expression": 3}))),
        )
        .await
        .unwrap();
    assert_eq!(bad.is_error, Some(true));
    let text = serde_json::to_string(&bad.content).unwrap();
    assert!(text.contains("/expression"), "{text}");

    // An unknown tool is a protocol error (-32602).
    let err = client
        .call_tool(CallToolRequestParams::new("nope"))
        .await
        .unwrap_err();
    match err {
        rmcp::ServiceError::McpError(e) => assert_eq!(e.code.0, -32602),
        other => panic!("expected a protocol error, got {other:?}"),
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn token_required_when_configured() {
    let server = Server::start(Some("[tools]\nauth_token = \"tok-0123456789abcdef\"\n"));
    let res = reqwest::Client::new()
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
