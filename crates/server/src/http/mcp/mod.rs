//! `/mcp`: the same registry as an MCP server over streamable HTTP (rmcp).
//!
//! `tools/list` shows the caller the tools the policy lets it call (`super::catalog`);
//! `tools/call` goes through [`dispatch`], like `POST /tools/{name}`, and a refusal by the policy
//! or a limit comes back as a result with `isError: true`. Both use the functions crate's MCP
//! wire format, so arguments are validated by the registry: invalid arguments and tool failures
//! come back as results with `isError: true` (SEP-1303), an unknown tool as a JSON-RPC `-32602`
//! protocol error.
//!
//! Results are built with rmcp's constructors, which stamp `resultType: "complete"`; rmcp's
//! handler strips it again for peers that negotiated a version before `2026-07-28`, so every
//! advertised version gets its own wire shape. A call stops when the client cancels it
//! (`notifications/cancelled` in a session, or a closed request), and reports progress on its own
//! response stream while it runs when the request carries a `progressToken`.
//!
//! A plain `tools/call` in a session skips rmcp's session task and is answered as JSON
//! ([`direct`]); the answer is the same message rmcp would have streamed.
//!
//! `[mcp] sessions` picks where connection state lives: `stateful` (default) keeps the sessions
//! of the `initialize` handshake in this process; `stateless` answers every request on its own,
//! so any gateway behind one address can serve any request (docs/gateway.md, "Several gateways").

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode};
use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ProgressNotificationParam, ProgressToken,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::{Peer, RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{
    SessionId, SessionManager, StreamableHttpServerConfig, StreamableHttpService,
};
use serde_json::Value;
use switchboard::functions::providers::mcp;
use switchboard::functions::{Arguments, ToolCall, ToolResult};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::AppState;
use super::caller::{self, Caller};
use super::dispatch::{Outcome, dispatch};
use super::layers::ScreenLayer;
use crate::audit::Transport;
use crate::config::{McpSessions, Settings};

mod direct;

/// How often a running call reports progress to a client that asked for it.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(1);

/// The session header of streamable HTTP (legacy, session-based protocol versions).
const SESSION_HEADER: &str = "mcp-session-id";

/// One MCP session's handler over the gateway's shared state.
#[derive(Debug, Clone)]
pub struct McpTools {
    state: AppState,
}

impl ServerHandler for McpTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("switchboard", env!("CARGO_PKG_VERSION")))
            .with_instructions("Switchboard tools. Arguments are validated against each tool's input schema; errors list every violation with its JSON pointer.")
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = request_caller(&context)?;
        let tools = self
            .state
            .catalog
            .mcp_tools(&self.state.policy, &caller.principal())
            .map_err(|e| ErrorData::internal_error(e, None))?;
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = request_caller(&context)?;
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let call = ToolCall::new(request.name.as_ref(), Arguments::Value(arguments));
        let run = dispatch(
            &self.state,
            &caller,
            Transport::Mcp,
            call,
            Some(&context.ct),
        );
        let outcome = match context.meta.get_progress_token() {
            Some(token) => with_progress(run, &request.name, token, &context.peer).await,
            None => run.await,
        };
        match outcome {
            Outcome::Refused(refused) => {
                let text = ContentBlock::text(refused.message());
                Ok(CallToolResult::error(vec![text]).into())
            }
            Outcome::Ran(result) => Ok(call_tool_result(&result)?.into()),
        }
    }
}

/// The caller [`caller::screen`] stored in the HTTP request that carried this message (rmcp
/// hands the request's parts to the handler). Its absence is a wiring fault, so fail closed.
fn request_caller(context: &RequestContext<RoleServer>) -> Result<Arc<Caller>, ErrorData> {
    context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Arc<Caller>>())
        .cloned()
        .ok_or_else(|| ErrorData::internal_error("the request's caller is unknown", None))
}

/// The MCP result of `result`, through rmcp's constructors (see the module docs); an unknown
/// tool is the protocol error `-32602`.
fn call_tool_result(result: &ToolResult) -> Result<CallToolResult, ErrorData> {
    let value = mcp::call_tool_result(result)
        .map_err(|e| ErrorData::invalid_params(e.message().to_owned(), None))?;
    let wire: CallToolResult = serde_json::from_value(value)
        .map_err(|e| ErrorData::internal_error(format!("tool result: {e}"), None))?;
    let mut out = if wire.is_error == Some(true) {
        CallToolResult::error(wire.content)
    } else {
        CallToolResult::success(wire.content)
    };
    out.structured_content = wire.structured_content;
    Ok(out)
}

/// Runs `call` while telling `peer` it is alive: progress `0` at once, then one more every
/// [`PROGRESS_INTERVAL`] (the whole seconds it has run, no total: the tools don't know theirs).
/// Clients use this to keep long calls (`execute_code`, `query_database`, `web_search`,
/// connectors) from timing out. A notification that can't be sent doesn't stop the call.
async fn with_progress<T, F: Future<Output = T>>(
    call: F,
    tool: &str,
    token: ProgressToken,
    peer: &Peer<RoleServer>,
) -> T {
    let heartbeat = async {
        let mut ticks = tokio::time::interval(PROGRESS_INTERVAL);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut seconds: u32 = 0;
        loop {
            ticks.tick().await;
            let message = if seconds == 0 {
                format!("{tool} started")
            } else {
                format!("{tool} running for {seconds} s")
            };
            let param = ProgressNotificationParam::new(token.clone(), f64::from(seconds))
                .with_message(message);
            if let Err(e) = peer.notify_progress(param).await {
                tracing::debug!(tool, error = %e, "progress notification not sent");
            }
            seconds = seconds.saturating_add(1);
        }
    };
    tokio::select! {
        result = call => result,
        never = heartbeat => never,
    }
}

/// The `/mcp` route (behind the caller check of `/tools/*`).
pub fn routes(
    settings: &Settings,
    state: &AppState,
    shutdown: CancellationToken,
) -> Router<AppState> {
    let handler = McpTools {
        state: state.clone(),
    };
    let stateful = settings.mcp_sessions == McpSessions::Stateful;
    // Stateless: every POST gets a fresh handler and its own SSE response (progress rides on
    // it; closing it cancels the call; `notifications/cancelled` is accepted and ignored),
    // `initialize` answers without `Mcp-Session-Id`, GET and DELETE are 405. `2026-07-28`
    // requests are sessionless in both modes.
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(settings.host_names())
        .with_legacy_session_mode(stateful)
        .with_cancellation_token(shutdown.clone());
    let sessions = Arc::new(LocalSessionManager::default());
    let service = StreamableHttpService::new(move || Ok(handler.clone()), sessions.clone(), config);
    let direct = Arc::new(direct::Direct::new(
        state.clone(),
        sessions.clone(),
        shutdown,
        settings.tools_max_body,
    ));
    let mut router = Router::new().route_service("/mcp", Shared(Arc::new(service)));
    if stateful {
        router = router.layer(middleware::from_fn_with_state(sessions, end_session));
    }
    // Outside in: who is calling, then the direct path for plain calls in a session (which also
    // bounds every body), then the session checks and rmcp.
    router
        .layer(middleware::from_fn_with_state(direct, direct::serve))
        .layer(ScreenLayer::new(state.identity.clone(), caller::screen))
}

/// rmcp's service behind an `Arc`. axum clones a route's service stack for every request, and
/// cloning `StreamableHttpService` copies its whole configuration: a cost every direct call
/// paid without ever reaching rmcp (a sixth of its instructions). The service is cloned only
/// for a request rmcp serves, and made ready before it is called.
#[derive(Debug)]
struct Shared<S>(Arc<S>);

impl<S> Clone for Shared<S> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<S, R> tower_service::Service<R> for Shared<S>
where
    S: tower_service::Service<R> + Clone + Send + 'static,
    S::Future: Send,
    R: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = futures_util::future::BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        // Readiness is the clone's, polled in `call` before the request goes to it.
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: R) -> Self::Future {
        let mut service = (*self.0).clone();
        Box::pin(async move {
            std::future::poll_fn(|cx| service.poll_ready(cx)).await?;
            service.call(req).await
        })
    }
}

/// `DELETE /mcp` with a session id: `204 No Content` once the session is closed, `404` for a
/// session the server doesn't have (unknown, or already ended) — what the spec asks for a
/// terminated session and what the SDK clients accept (the Python SDK takes only 200/204). rmcp
/// itself answers a successful close with `202 Accepted` and an unknown id with success.
async fn end_session(
    State(sessions): State<Arc<LocalSessionManager>>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() != Method::DELETE {
        return next.run(req).await;
    }
    let session: Option<SessionId> = req
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(Into::into);
    if let Some(id) = &session {
        match sessions.has_session(id).await {
            Ok(true) => {}
            Ok(false) => {
                return (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response();
            }
            Err(e) => {
                tracing::error!(error = %e, "mcp: checking a session failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    }
    let mut res = next.run(req).await;
    if res.status() == StatusCode::ACCEPTED {
        *res.status_mut() = StatusCode::NO_CONTENT;
    }
    res
}
