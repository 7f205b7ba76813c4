//! `/mcp`: the same registry as an MCP server over streamable HTTP (rmcp).
//!
//! `tools/list` and `tools/call` use the functions crate's MCP wire format, so arguments are
//! validated by the registry: invalid arguments and tool failures come back as results with
//! `isError: true` (SEP-1303), an unknown tool as a JSON-RPC `-32602` protocol error.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::Value;
use switchboard::functions::providers::mcp;
use switchboard::functions::{Arguments, CallError, ToolCall, ToolRegistry};
use tokio_util::sync::CancellationToken;

use super::AppState;
use super::error::ApiError;
use super::metrics::Metrics;
use crate::config::Settings;

/// One MCP session's handler over the shared registry.
#[derive(Debug, Clone)]
pub struct McpTools {
    registry: Arc<ToolRegistry>,
    metrics: Arc<Metrics>,
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
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let list = mcp::tools_list(&self.registry.definitions());
        serde_json::from_value(list)
            .map_err(|e| ErrorData::internal_error(format!("tool list: {e}"), None))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let arguments = match request.arguments {
            Some(map) => Value::Object(map),
            None => Value::Object(serde_json::Map::new()),
        };
        let started = Instant::now();
        let result = self
            .registry
            .call(ToolCall::new(name.clone(), Arguments::Value(arguments)))
            .await;
        let seconds = started.elapsed().as_secs_f64();
        match result.outcome() {
            Ok(_) => self.metrics.tool_call(&name, "ok", seconds),
            Err(e @ CallError::UnknownTool { .. }) => {
                self.metrics.tool_call("(unknown)", e.kind(), seconds);
            }
            Err(e) => self.metrics.tool_call(&name, e.kind(), seconds),
        }
        let value = mcp::call_tool_result(&result)
            .map_err(|e| ErrorData::invalid_params(e.message().to_owned(), None))?;
        let result: CallToolResult = serde_json::from_value(value)
            .map_err(|e| ErrorData::internal_error(format!("tool result: {e}"), None))?;
        Ok(result.into())
    }
}

/// The `/mcp` route (with the tools bearer token, when configured).
pub fn routes(
    settings: &Settings,
    state: &AppState,
    shutdown: CancellationToken,
) -> Router<AppState> {
    let handler = McpTools {
        registry: state.registry.clone(),
        metrics: state.metrics.clone(),
    };
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(settings.host_names())
        .with_cancellation_token(shutdown);
    let service = StreamableHttpService::new(
        move || Ok(handler.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    Router::new()
        .route_service("/mcp", service)
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
}

async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(token) = &state.tools_token
        && !token.check_bearer(req.headers())
    {
        return ApiError::unauthorized().into_response();
    }
    next.run(req).await
}
