//! The HTTP surface: router, shared state, and the small routes (`/healthz`, `/openapi.json`,
//! `/metrics`); the admin API (`admin`) and the web console over it (`console`, `/ui`).

mod admin;
pub mod auth;
pub mod caller;
mod calls;
pub mod catalog;
mod console;
pub mod dispatch;
pub mod error;
pub mod guard;
mod hooks;
mod layers;
pub mod limits;
pub mod mcp;
pub mod metrics;
pub mod openapi;
pub mod page;
mod tools;
pub mod user_limits;

use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::json;
use switchboard::functions::ToolRegistry;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use self::caller::{Caller, Identity};
use self::catalog::Catalog;
use self::guard::GuardPolicy;
use self::layers::{CountLayer, ScreenLayer};
use self::metrics::Metrics;
use self::user_limits::UserLimiter;
use crate::audit::Audit;
use crate::config::Settings;
use crate::policy::Policy;
use crate::webhooks::Webhooks;

/// Everything a request handler may need, cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The tools.
    pub registry: Arc<ToolRegistry>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// How a request's caller is found.
    pub identity: Arc<Identity>,
    /// Which caller may call which tool.
    pub policy: Arc<Policy>,
    /// The tool listings per visible set.
    pub catalog: Arc<Catalog>,
    /// Per-user limits, when configured.
    pub user_limits: Option<Arc<UserLimiter>>,
    /// The webhook side (store, manager, ingest sources, admin key), when started.
    pub webhooks: Option<Arc<Webhooks>>,
    /// The Host/Origin/Content-Type rules every request passes first.
    pub guard: Arc<GuardPolicy>,
    /// The audit trail's writer, when `[audit] enabled`.
    pub audit: Option<Arc<Audit>>,
    /// The web console's sessions, sign-in limiter and bulk replays.
    pub(crate) console: Arc<console::Console>,
}

impl AppState {
    /// State for `settings` and an already built registry.
    pub fn new(settings: &Settings, registry: ToolRegistry) -> Self {
        let catalog = Catalog::new(registry.definitions(), !settings.tokens.is_empty());
        let policy = Policy::new(&settings.tokens, &settings.policy, &catalog.names());
        AppState {
            identity: Arc::new(Identity::new(settings)),
            policy: Arc::new(policy),
            catalog: Arc::new(catalog),
            user_limits: settings
                .policy
                .user_limits
                .as_ref()
                .map(|limits| Arc::new(UserLimiter::new(limits))),
            registry: Arc::new(registry),
            metrics: Arc::new(Metrics::default()),
            webhooks: None,
            audit: None,
            console: Arc::new(console::Console::default()),
            guard: Arc::new(GuardPolicy::new(
                &settings.host_names(),
                &settings.cors_origins,
            )),
        }
    }

    /// Uses `metrics` (shared with the webhook manager, which reports deliveries to it).
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Records every tool call with `audit`.
    #[must_use]
    pub fn with_audit(mut self, audit: Arc<Audit>) -> Self {
        self.audit = Some(audit);
        self
    }

    /// Times the web console (session expiry, the sign-in limiter's windows, how long finished
    /// bulk replays are kept) with `clock` instead of the system's monotonic clock.
    #[must_use]
    pub fn with_console_clock(
        mut self,
        clock: Arc<dyn Fn() -> std::time::Instant + Send + Sync>,
    ) -> Self {
        self.console = Arc::new(console::Console::new(clock));
        self
    }

    /// Attaches the webhook side.
    #[must_use]
    pub fn with_webhooks(mut self, webhooks: Webhooks) -> Self {
        self.webhooks = Some(Arc::new(webhooks));
        self
    }
}

/// The admin API's OpenAPI 3.1 document, as `GET /admin/openapi.json` serves it (checked in
/// as `docs/admin-openapi.json`).
pub fn admin_openapi() -> serde_json::Value {
    admin::document()
}

/// The gateway's router. `shutdown` ends MCP sessions when cancelled.
pub fn router(settings: &Settings, state: AppState, shutdown: CancellationToken) -> Router {
    // One static route per offered tool: matching `/tools/calculate` costs the router nothing
    // more than matching any fixed path, where `/tools/{name}` allocates and decodes a path
    // parameter on every call. `/tools/{name}` answers the names that are not offered.
    let mut tools = Router::new();
    for name in state.catalog.names() {
        let name: Arc<str> = Arc::from(name);
        tools = tools.route(
            &format!("/tools/{name}"),
            post(move |state, caller, body| tools::call_tool(state, name, caller, body)),
        );
    }
    let tools = tools
        .route("/tools/{name}", post(tools::call_unknown))
        .route("/openapi.json", get(openapi_json))
        .layer((
            ScreenLayer::new(state.identity.clone(), caller::screen),
            DefaultBodyLimit::max(settings.tools_max_body),
        ));
    let tools = match cors(&settings.cors_origins) {
        Some(layer) => tools.layer(layer),
        None => tools,
    };
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route("/hooks/{source}", post(hooks::ingest))
        .layer(DefaultBodyLimit::max(max_ingest_body(&state)))
        .merge(admin::routes(state.clone()))
        .merge(console::routes())
        .merge(tools);
    if settings.mcp_enabled {
        app = app.merge(mcp::routes(settings, &state, shutdown));
    }
    // Layers run outside in: count every request, then refuse what a web page could have sent
    // on the operator's behalf before any handler (or body read) runs.
    app.layer((
        CountLayer::new(state.metrics.clone()),
        ScreenLayer::new(state.guard.clone(), guard::screen),
    ))
    .with_state(state)
}

fn max_ingest_body(state: &AppState) -> usize {
    state
        .webhooks
        .as_ref()
        .and_then(|w| w.sources.values().map(|s| s.max_body).max())
        .unwrap_or(1024 * 1024)
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

async fn healthz(State(state): State<AppState>) -> Response {
    let tools = state.registry.names().len();
    let store = match &state.webhooks {
        None => "not_configured",
        Some(w) => match w.manager.list().await {
            Ok(_) => "ok",
            Err(e) => {
                tracing::warn!(error = %e, "health check: store unreachable");
                "unreachable"
            }
        },
    };
    let status = if store == "unreachable" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let overall = if status == StatusCode::OK {
        "ok"
    } else {
        "degraded"
    };
    (
        status,
        Json(json!({"status": overall, "tools": tools, "store": store})),
    )
        .into_response()
}

/// The OpenAPI document of the tools this caller may use.
async fn openapi_json(
    State(state): State<AppState>,
    Extension(caller): Extension<Arc<Caller>>,
) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        state.catalog.openapi(&state.policy, &caller.principal()),
    )
        .into_response()
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let queue = match &state.webhooks {
        None => None,
        Some(w) => w.manager.queue_depth().await.ok(),
    };
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        {
            let mut text = state.metrics.render(queue.as_ref());
            if let Some(users) = &state.user_limits {
                users.render(&mut text);
            }
            text
        },
    )
        .into_response()
}
