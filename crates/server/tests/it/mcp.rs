//! MCP against the gateway: a session with rmcp's streamable-HTTP client against the real binary,
//! session semantics over raw HTTP in both `[mcp] sessions` modes, and cancellation and progress
//! against the gateway's router in process with a tool that blocks until it is cancelled.

use std::time::Duration;

use rmcp::model::{
    CallToolRequest, CallToolRequestParams, ClientRequest, ProgressNotificationParam,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RoleClient};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientHandler, ServiceExt};
use serde_json::{Value, json};
use switchboard::functions::DynamicTool;
use switchboard_server::config::{McpSessions, Settings};
use switchboard_server::http::{AppState, router};
use switchboard_server::tools::build_registry;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::server::{Server, client};

fn args(v: Value) -> serde_json::Map<String, Value> {
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
async fn tools_list_carries_the_title_and_every_annotation() {
    let server = Server::start(None);
    let transport = StreamableHttpClientTransport::from_uri(server.url("/mcp"));
    let client = ().serve(transport).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    let calculate = tools.iter().find(|t| t.name == "calculate").unwrap();
    assert_eq!(calculate.title.as_deref(), Some("Calculate"));
    let hints = calculate.annotations.as_ref().unwrap();
    assert_eq!(hints.title.as_deref(), Some("Calculate"));
    assert_eq!(hints.read_only_hint, Some(true));
    assert_eq!(hints.destructive_hint, Some(false));
    assert_eq!(hints.idempotent_hint, Some(true));
    assert_eq!(hints.open_world_hint, Some(false));
    // Its output is an object type, so it is listed, and `initialize_list_call` shows the
    // matching `structuredContent`.
    let output = calculate.output_schema.as_ref().unwrap();
    assert_eq!(output["required"], json!(["result", "exact"]));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn token_required_when_configured() {
    let server = Server::start(Some("[tools]\nauth_token = \"tok-0123456789abcdef\"\n"));
    let res = client()
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&initialize("2025-06-18"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

fn initialize(version: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
}

/// The config of a gateway whose `initialize` opens sessions (the default).
pub(crate) const STATEFUL: &str = "[mcp]\nsessions = \"stateful\"\n";

/// The config of a gateway that keeps no sessions (several nodes behind one address).
pub(crate) const STATELESS: &str = "[mcp]\nsessions = \"stateless\"\n";

fn post_initialize(server: &Server) -> reqwest::RequestBuilder {
    client()
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&initialize("2025-11-25"))
}

/// Opens a session with a raw `initialize` and returns its `Mcp-Session-Id`.
async fn open_session(server: &Server) -> String {
    let res = post_initialize(server).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.headers()["mcp-session-id"].to_str().unwrap().to_owned()
}

fn delete_session(server: &Server, session: &str) -> reqwest::RequestBuilder {
    client()
        .delete(server.url("/mcp"))
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
}

fn post_in_session(server: &Server, session: &str) -> reqwest::RequestBuilder {
    client()
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}))
}

#[tokio::test]
async fn stateful_delete_ends_the_session_with_204_and_the_session_is_gone_after() {
    let server = Server::start(Some(STATEFUL));
    let session = open_session(&server).await;
    let res = delete_session(&server, &session).send().await.unwrap();
    assert_eq!(res.status(), 204, "{:?}", res.text().await);
    let res = post_in_session(&server, &session).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = delete_session(&server, &session).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn stateful_delete_for_an_unknown_session_is_404() {
    let server = Server::start(Some(STATEFUL));
    let res = delete_session(&server, "no-such-session")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn stateful_post_for_an_unknown_session_is_404() {
    let server = Server::start(Some(STATEFUL));
    let res = post_in_session(&server, "no-such-session")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn initialize_opens_a_session_by_default() {
    let server = Server::start(None);
    let res = post_initialize(&server).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("mcp-session-id").is_some(), "{res:?}");
}

#[tokio::test]
async fn stateless_initialize_answers_without_a_session_id() {
    let server = Server::start(Some(STATELESS));
    let res = post_initialize(&server).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("mcp-session-id").is_none(), "{res:?}");
    let body = res.text().await.unwrap();
    assert!(
        body.contains("\"protocolVersion\":\"2025-11-25\""),
        "{body}"
    );
}

#[tokio::test]
async fn stateless_delete_is_405_allowing_only_post() {
    let server = Server::start(Some(STATELESS));
    let res = delete_session(&server, "any").send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
}

#[tokio::test]
async fn stateless_get_stream_is_405() {
    let server = Server::start(Some(STATELESS));
    let res = client()
        .get(server.url("/mcp"))
        .header("accept", "text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}

/// A session id handed out by a stateful node (e.g. before the switch to stateless) is ignored,
/// not refused: the request is answered on its own.
#[tokio::test]
async fn stateless_post_with_a_session_id_is_answered() {
    let server = Server::start(Some(STATELESS));
    let res = post_in_session(&server, "from-a-stateful-node")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("\"calculate\""), "{body}");
}

/// How many `wait_for_cancel` calls are running, and how many were stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Calls {
    pub(crate) running: usize,
    pub(crate) stopped: usize,
}

/// Counts a `wait_for_cancel` call as stopped when its future is dropped (how the registry
/// cancels a handler).
struct Running(watch::Sender<Calls>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.send_modify(|c| {
            c.running -= 1;
            c.stopped += 1;
        });
    }
}

/// The gateway's router in this process, with the default tools plus `wait_for_cancel`, which
/// never finishes on its own (the registry's 30 s timeout is far beyond every test's wait), and
/// `stopped_calls`, which tells a client how many `wait_for_cancel` calls were stopped so far.
pub(crate) struct InProcess {
    pub(crate) url: String,
    pub(crate) calls: watch::Receiver<Calls>,
    shutdown: CancellationToken,
}

impl InProcess {
    pub(crate) async fn start(sessions: McpSessions) -> InProcess {
        let mut settings = Settings::defaults().unwrap();
        settings.mcp_sessions = sessions;
        let registry = build_registry(&settings).await.unwrap();
        let (tx, calls) = watch::channel(Calls::default());
        let schema = json!({"type": "object", "additionalProperties": false});
        let seen = calls.clone();
        registry
            .register_dynamic(DynamicTool::new(
                "stopped_calls",
                "How many wait_for_cancel calls were stopped.",
                schema.clone(),
                move |_| {
                    let stopped = seen.borrow().stopped;
                    async move { Ok::<_, String>(json!({ "stopped": stopped })) }
                },
            ))
            .unwrap();
        registry
            .register_dynamic(DynamicTool::new(
                "wait_for_cancel",
                "Runs until it is cancelled.",
                schema,
                move |_| {
                    let tx = tx.clone();
                    async move {
                        tx.send_modify(|c| c.running += 1);
                        let _running = Running(tx);
                        std::future::pending::<Result<Value, String>>().await
                    }
                },
            ))
            .unwrap();
        let shutdown = CancellationToken::new();
        let app = router(
            &settings,
            AppState::new(&settings, registry),
            shutdown.clone(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let stop = shutdown.clone();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await
                .unwrap();
        });
        InProcess {
            url,
            calls,
            shutdown,
        }
    }

    /// Waits (at most 10 s) until the counts satisfy `ok`.
    pub(crate) async fn wait_for(&mut self, what: &str, ok: impl FnMut(&Calls) -> bool) {
        let waited = tokio::time::timeout(Duration::from_secs(10), self.calls.wait_for(ok))
            .await
            .is_ok();
        assert!(
            waited,
            "timed out waiting for {what}: {:?}",
            *self.calls.borrow()
        );
    }
}

impl InProcess {
    /// Waits (at most 10 s) until `/metrics` has the line `line`: a call's outcome is counted
    /// just after its tool stops.
    async fn wait_for_metric(&self, line: &str) {
        let url = self.url.replace("/mcp", "/metrics");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = client()
                .get(&url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if text.lines().any(|l| l == line) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {line:?} in\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// An rmcp client that hands every progress notification to the test.
#[derive(Clone)]
struct Progress(mpsc::UnboundedSender<ProgressNotificationParam>);

impl ClientHandler for Progress {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let _ = self.0.send(params);
    }
}

async fn next_progress(rx: &mut mpsc::UnboundedReceiver<ProgressNotificationParam>) -> Value {
    let p = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("no progress notification within 10 s")
        .unwrap();
    json!({"progress": p.progress, "total": p.total, "message": p.message})
}

fn wait_for_cancel() -> ClientRequest {
    ClientRequest::CallToolRequest(CallToolRequest::new(CallToolRequestParams::new(
        "wait_for_cancel",
    )))
}

/// rmcp's client cancels with `notifications/cancelled` and stops reading the call's response:
/// a stateful gateway stops the call on the notification, a stateless one on the closed stream
/// (the official Python legacy and TypeScript clients keep reading: see docs/gateway.md).
async fn rmcp_client_cancel_stops_the_running_tool(sessions: McpSessions) {
    let mut gateway = InProcess::start(sessions).await;
    let (tx, _progress) = mpsc::unbounded_channel();
    let transport = StreamableHttpClientTransport::from_uri(gateway.url.as_str());
    let client = Progress(tx).serve(transport).await.unwrap();
    let handle = client
        .send_cancellable_request(wait_for_cancel(), PeerRequestOptions::no_options())
        .await
        .unwrap();
    gateway
        .wait_for("the call to start", |c| c.running == 1)
        .await;
    handle
        .cancel(Some("the user gave up".into()))
        .await
        .unwrap();
    gateway
        .wait_for("the call to stop", |c| {
            *c == Calls {
                running: 0,
                stopped: 1,
            }
        })
        .await;
    gateway
        .wait_for_metric(
            "switchboard_tool_calls_total{tool=\"wait_for_cancel\",outcome=\"cancelled\"} 1",
        )
        .await;
    // The session outlives the cancelled call.
    let ok = client
        .call_tool(
            CallToolRequestParams::new("calculate")
                .with_arguments(args(json!({"expression": "1 + 1"}))),
        )
        .await
        .unwrap();
    assert_eq!(
        ok.structured_content,
        Some(json!({"result": "2", "exact": true}))
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn stateful_cancelled_notification_stops_the_running_tool() {
    rmcp_client_cancel_stops_the_running_tool(McpSessions::Stateful).await;
}

#[tokio::test]
async fn stateless_rmcp_client_cancel_stops_the_running_tool() {
    rmcp_client_cancel_stops_the_running_tool(McpSessions::Stateless).await;
}

/// Progress notifications ride on the call's own response stream, so both modes carry them.
async fn a_running_tool_reports_progress(sessions: McpSessions) {
    let mut gateway = InProcess::start(sessions).await;
    let (tx, mut progress) = mpsc::unbounded_channel();
    let transport = StreamableHttpClientTransport::from_uri(gateway.url.as_str());
    let client = Progress(tx).serve(transport).await.unwrap();
    // rmcp's client puts a progressToken in every request's `_meta`.
    let handle = client
        .send_cancellable_request(wait_for_cancel(), PeerRequestOptions::no_options())
        .await
        .unwrap();
    assert_eq!(
        next_progress(&mut progress).await,
        json!({"progress": 0.0, "total": null, "message": "wait_for_cancel started"})
    );
    assert_eq!(
        next_progress(&mut progress).await,
        json!({"progress": 1.0, "total": null, "message": "wait_for_cancel running for 1 s"})
    );
    handle.cancel(None).await.unwrap();
    gateway
        .wait_for("the call to stop", |c| c.stopped == 1)
        .await;
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn stateful_running_tool_reports_progress_when_the_request_has_a_progress_token() {
    a_running_tool_reports_progress(McpSessions::Stateful).await;
}

#[tokio::test]
async fn stateless_running_tool_reports_progress_when_the_request_has_a_progress_token() {
    a_running_tool_reports_progress(McpSessions::Stateless).await;
}

/// A `2026-07-28` request (no session: the version and client context travel in each request).
fn modern_call(tool: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
    "name": tool, "arguments": {},
    "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "progressToken": "p1",
    }}})
}

/// Sends `request` (a `wait_for_cancel` call), waits for the call to start, closes the request,
/// and waits for the call to stop.
async fn closing_the_request_stops_the_running_tool(
    mut gateway: InProcess,
    request: reqwest::RequestBuilder,
) {
    let res = request
        .header("accept", "application/json, text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    gateway
        .wait_for("the call to start", |c| c.running == 1)
        .await;
    drop(res);
    gateway
        .wait_for("the call to stop", |c| {
            *c == Calls {
                running: 0,
                stopped: 1,
            }
        })
        .await;
}

/// In `2026-07-28` closing the request's response stream is its cancellation, in both modes.
#[tokio::test]
async fn closing_a_2026_request_stops_the_running_tool() {
    let gateway = InProcess::start(McpSessions::Stateful).await;
    let request = client()
        .post(&gateway.url)
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "wait_for_cancel")
        .json(&modern_call("wait_for_cancel"));
    closing_the_request_stops_the_running_tool(gateway, request).await;
}

/// A stateless gateway answers a legacy `tools/call` on its own response stream; closing that
/// stream is how the call is cancelled (a `notifications/cancelled` POST may reach another node).
#[tokio::test]
async fn stateless_closing_a_legacy_request_stops_the_running_tool() {
    let gateway = InProcess::start(McpSessions::Stateless).await;
    let request = client()
        .post(&gateway.url)
        .header("mcp-protocol-version", "2025-11-25")
        .json(
            &json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
            "name": "wait_for_cancel", "arguments": {}}}),
        );
    closing_the_request_stops_the_running_tool(gateway, request).await;
}
