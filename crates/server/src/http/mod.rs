//! The HTTP surface: router, shared state, and the small routes (`/healthz`, `/openapi.json`,
//! `/metrics`).

pub mod auth;
pub mod error;
pub mod mcp;
pub mod metrics;
pub mod openapi;
mod tools;

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};
use switchboard::functions::ToolRegistry;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use self::auth::TokenHash;
use self::metrics::Metrics;
use crate::config::Settings;

/// Everything a request handler may need, cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The tools.
    pub registry: Arc<ToolRegistry>,
    /// The OpenAPI document (tools are fixed at start).
    pub openapi: Arc<Value>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Bearer token for tool calls.
    pub tools_token: Option<TokenHash>,
}

impl AppState {
    /// State for `settings` and an already built registry.
    pub fn new(settings: &Settings, registry: ToolRegistry) -> Self {
        let tools_token = settings.tools_token.as_deref().map(TokenHash::of);
        let openapi = openapi::document(&registry.definitions(), tools_token.is_some());
        AppState {
            registry: Arc::new(registry),
            openapi: Arc::new(openapi),
            metrics: Arc::new(Metrics::default()),
            tools_token,
        }
    }
}

/// The gateway's router. `shutdown` ends MCP sessions when cancelled.
pub fn router(settings: &Settings, state: AppState, shutdown: CancellationToken) -> Router {
    let tools = Router::new()
        .route("/tools/{name}", post(tools::call_tool))
        .route("/openapi.json", get(openapi_json))
        .layer(DefaultBodyLimit::max(settings.tools_max_body));
    let tools = match cors(&settings.cors_origins) {
        Some(layer) => tools.layer(layer),
        None => tools,
    };
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .merge(tools);
    if settings.mcp_enabled {
        app = app.merge(mcp::routes(settings, &state, shutdown));
    }
    app.layer(middleware::from_fn_with_state(
        state.clone(),
        count_requests,
    ))
    .with_state(state)
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        return Some(layer.allow_origin(Any));
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    Some(layer.allow_origin(AllowOrigin::list(list)))
}

async fn count_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    state.metrics.request(&route, response.status().as_u16());
    response
}

async fn healthz(State(state): State<AppState>) -> Response {
    Json(json!({"status": "ok", "tools": state.registry.names().len()})).into_response()
}

async fn openapi_json(State(state): State<AppState>) -> Response {
    Json(state.openapi.as_ref().clone()).into_response()
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(None),
    )
        .into_response()
}
