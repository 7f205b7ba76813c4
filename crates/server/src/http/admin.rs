//! The admin API under `/admin` (bearer admin key): publish events, manage endpoints, list
//! messages, deliveries and attempts, replay and recover, and list the audit trail of tool
//! calls (`super::calls`).
//!
//! Lists page with cursors and take the filters of the manager's queries ([`lists`]). Errors
//! use the gateway's JSON error shape. The routes are declared with aide, which derives the
//! OpenAPI document ([`openapi`]) from their extractors and types; the document is served at
//! `GET /admin/openapi.json`, behind the admin key like every other admin route.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aide::axum::ApiRouter;
use aide::axum::routing::{get_with, post_with};
use aide::openapi::OpenApi;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use http::StatusCode;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use switchboard::webhooks::delivery::{
    DeliveryStatus, Endpoint, EndpointId, EndpointSpec, ManagerError, MessageId, TriggerOptions,
};

use self::answers::{
    EndpointList, EndpointOut, EndpointWithSecret, MessageOut, Published, Replayed, Requeued,
};
use self::extract::{EndpointPath, MessagePath, OptionalJson};
use self::openapi::ops;
use super::AppState;
use super::error::ApiError;

mod answers;
mod endpoint_patch;
pub(super) mod extract;
mod lists;
mod openapi;

/// What the admin API accepts as ids and event types, as regular expressions for the OpenAPI
/// document; the same rules as `EndpointId::parse` and friends and the manager's event-type check.
mod patterns {
    /// An endpoint id: `ep_`, then ASCII letters, digits, `_` or `-`, 128 characters in all.
    pub(super) const ENDPOINT_ID: &str = r"^ep_[A-Za-z0-9_-]{1,125}$";
    /// A message id.
    pub(super) const MESSAGE_ID: &str = r"^msg_[A-Za-z0-9_-]{1,124}$";
    /// A delivery id.
    pub(super) const DELIVERY_ID: &str = r"^dlv_[A-Za-z0-9_-]{1,124}$";
    /// An event type (or an event-type filter): 1 to 256 visible ASCII characters.
    pub(super) const EVENT_TYPE: &str = r"^[!-~]{1,256}$";
    /// A channel: 1 to 128 of `A-Z a-z 0-9 _ - . :` (`switchboard::webhooks::delivery`'s rule).
    pub(super) const CHANNEL: &str = r"^[A-Za-z0-9_.:-]{1,128}$";
}

/// The `/admin` routes with their documentation.
fn api_routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/admin/events", post_with(publish, ops::publish))
        .api_route(
            "/admin/endpoints",
            get_with(list_endpoints, ops::list_endpoints)
                .post_with(create_endpoint, ops::create_endpoint),
        )
        .api_route(
            "/admin/endpoints/{id}",
            get_with(get_endpoint, ops::get_endpoint)
                .patch_with(patch_endpoint, ops::patch_endpoint)
                .delete_with(delete_endpoint, ops::delete_endpoint),
        )
        .api_route(
            "/admin/endpoints/{id}/enable",
            post_with(enable, ops::enable),
        )
        .api_route(
            "/admin/endpoints/{id}/disable",
            post_with(disable, ops::disable),
        )
        .api_route(
            "/admin/endpoints/{id}/rotate-secret",
            post_with(rotate, ops::rotate),
        )
        .api_route(
            "/admin/endpoints/{id}/recover",
            post_with(recover, ops::recover),
        )
        .api_route(
            "/admin/messages",
            get_with(lists::messages, ops::list_messages),
        )
        .api_route(
            "/admin/messages/{id}",
            get_with(get_message, ops::get_message),
        )
        .api_route(
            "/admin/messages/{id}/replay",
            post_with(replay, ops::replay),
        )
        .api_route(
            "/admin/deliveries",
            get_with(lists::deliveries, ops::list_deliveries),
        )
        .api_route(
            "/admin/attempts",
            get_with(lists::attempts, ops::list_attempts),
        )
        .api_route(
            "/admin/tool-calls",
            get_with(super::calls::list, ops::list_tool_calls),
        )
        .api_route("/admin/openapi.json", get_with(openapi_json, ops::openapi))
}

/// The routes and the document they describe.
fn build() -> (Router<AppState>, Value) {
    // Every answer is declared with its route (`openapi::ops`): the handlers turn axum's
    // rejections into the JSON error shape, so the plain-text answers aide would infer from
    // the extractors never happen.
    aide::generate::infer_responses(false);
    let mut api = OpenApi::default();
    let router = api_routes().finish_api_with(&mut api, openapi::describe);
    (router, openapi::to_json(&api))
}

/// The admin API's OpenAPI document (what `GET /admin/openapi.json` answers).
pub(super) fn document() -> Value {
    build().1
}

/// The `/admin` routes.
pub(super) fn routes(state: AppState) -> Router<AppState> {
    let (router, document) = build();
    router
        .layer(axum::Extension(Arc::new(document)))
        .layer(axum::middleware::from_fn_with_state(state, require_admin))
}

async fn openapi_json(axum::Extension(doc): axum::Extension<Arc<Value>>) -> Json<Value> {
    Json(Value::clone(&doc))
}

async fn require_admin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match &state.webhooks {
        Some(w) if w.admin.check_bearer(req.headers()) => next.run(req).await,
        _ => ApiError::unauthorized().into_response(),
    }
}

type ApiResult = Result<Response, ApiError>;

/// The webhook manager, or `503` when the webhook side is not running.
pub(super) fn manager(
    state: &AppState,
) -> Result<&switchboard::webhooks::delivery::WebhookManager, ApiError> {
    state.webhooks.as_ref().map(|w| &w.manager).ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "webhooks are not configured",
        )
    })
}

/// Maps a manager error to the API error shape.
pub(super) fn manager_error(e: &ManagerError) -> ApiError {
    let (status, kind) = match e {
        ManagerError::InvalidEndpoint { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_endpoint")
        }
        ManagerError::Blocked(_) => (StatusCode::UNPROCESSABLE_ENTITY, "blocked_url"),
        ManagerError::NameTaken(_) => (StatusCode::CONFLICT, "name_taken"),
        ManagerError::UnknownEndpoint(_) => (StatusCode::NOT_FOUND, "unknown_endpoint"),
        ManagerError::UnknownMessage(_) => (StatusCode::NOT_FOUND, "unknown_message"),
        ManagerError::InvalidEvent { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_event"),
        _ => {
            tracing::error!(error = %e, "webhook manager failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "store_error")
        }
    };
    let error = ApiError::new(status, kind, e.to_string());
    match e {
        ManagerError::InvalidEndpoint { field, .. } => error.about_field(field),
        ManagerError::Blocked(_) => error.about_field("url"),
        ManagerError::NameTaken(_) => error.about_field("name"),
        _ => error,
    }
}

fn bad(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        format!("{field}: {message}"),
    )
}

pub(super) fn endpoint_id(id: &str) -> Result<EndpointId, ApiError> {
    EndpointId::parse(id).map_err(|e| bad("endpoint id", e))
}

pub(super) fn message_id(id: &str) -> Result<MessageId, ApiError> {
    MessageId::parse(id).map_err(|e| bad("message id", e))
}

/// A time given by an operator: Unix seconds, RFC 3339, or a `datetime-local` form value
/// (`2026-01-02T03:04`, read as UTC). The one reader of every time filter, in the admin API and
/// the console alike; the error names `field`.
pub(super) fn parse_time(field: &str, text: &str) -> Result<SystemTime, String> {
    let secs = match text.parse::<u64>() {
        Ok(secs) => secs,
        Err(_) => {
            let parsed = chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.timestamp())
                .or_else(|_| {
                    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
                        .or_else(|_| {
                            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                        })
                        .map(|t| t.and_utc().timestamp())
                })
                .map_err(|_| {
                    format!(
                        "{field}: {text:?} is neither Unix seconds nor a time like \
                         2026-01-02T03:04:05Z"
                    )
                })?;
            u64::try_from(parsed).map_err(|_| format!("{field}: {text:?} is before 1970"))?
        }
    };
    Ok(UNIX_EPOCH + Duration::from_secs(secs))
}

fn limit(n: Option<usize>) -> Result<usize, ApiError> {
    match n {
        None => Ok(100),
        Some(n @ 1..=1000) => Ok(n),
        Some(n) => Err(bad("limit", format!("{n} is outside 1..=1000"))),
    }
}

/// `POST /admin/events`'s body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PublishBody {
    /// The event type (`github.push`, `order.created`, …): 1 to 256 visible ASCII characters.
    #[serde(rename = "type")]
    #[schemars(pattern(patterns::EVENT_TYPE), example = "order.created")]
    event_type: String,
    /// The event's data, delivered as the payload's `data`.
    #[schemars(example = serde_json::json!({"order": 42}))]
    data: Value,
    /// Publishing again with the same key answers the first message's id and creates nothing.
    idempotency_key: Option<String>,
    /// Channels the message carries: an endpoint listing channels receives it only when it
    /// shares one. Up to 10, none repeated.
    #[serde(default)]
    #[schemars(length(max = 10), inner(pattern(patterns::CHANNEL)), extend("uniqueItems" = true))]
    channels: Vec<String>,
}

async fn publish(
    State(state): State<AppState>,
    body: Result<Json<PublishBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(body) = body.map_err(|e| bad("body", e.body_text()))?;
    let mut options = TriggerOptions::new().channels(body.channels);
    if let Some(key) = body.idempotency_key {
        options = options.idempotency_key(key);
    }
    let id = manager(&state)?
        .trigger_event_with(&body.event_type, body.data, options)
        .await
        .map_err(|e| manager_error(&e))?;
    let answer = Published {
        message_id: id.as_str().to_owned(),
    };
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

async fn list_endpoints(State(state): State<AppState>) -> ApiResult {
    let list = manager(&state)?
        .list()
        .await
        .map_err(|e| manager_error(&e))?;
    let data = list.iter().map(EndpointOut::from).collect();
    Ok(Json(EndpointList { data }).into_response())
}

/// `POST /admin/endpoints`'s body (and the console's form).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateEndpoint {
    /// A unique name.
    #[schemars(example = "payments-crm")]
    name: String,
    /// Where messages are posted (`https://…`; the network policy must allow it).
    #[schemars(example = "https://example.com/hooks/switchboard")]
    url: String,
    /// The event types to receive (`github.*` covers every type below `github.`); empty or
    /// left out for all.
    #[serde(default)]
    #[schemars(inner(pattern(patterns::EVENT_TYPE)))]
    events: Vec<String>,
    /// The channels to receive (a message carrying at least one of them); empty or left out
    /// for messages whatever their channels.
    #[serde(default)]
    #[schemars(length(max = 10), inner(pattern(patterns::CHANNEL)), extend("uniqueItems" = true))]
    channels: Vec<String>,
    /// The signing secret (`whsec_` and base64); generated when left out.
    secret: Option<String>,
    /// Extra headers sent with each delivery.
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
    /// Register it disabled.
    #[serde(default)]
    disabled: bool,
    /// What it is for, in words.
    description: Option<String>,
    /// Free-form labels.
    #[serde(default)]
    metadata: std::collections::BTreeMap<String, String>,
    /// At most this many deliveries at once (default 8).
    #[schemars(range(min = 1))]
    max_in_flight: Option<u32>,
    /// At most this many deliveries per second.
    #[schemars(range(min = 1))]
    rate_limit: Option<u32>,
    /// One delivery at a time, in publication order.
    #[serde(default)]
    ordered: bool,
}

async fn create_endpoint(
    State(state): State<AppState>,
    body: Result<Json<CreateEndpoint>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(body) = body.map_err(|e| bad("body", e.body_text()))?;
    let ep = create(&state, body).await?;
    // The signing secret is shown once, at creation, so the receiver can be configured.
    let out = EndpointWithSecret {
        endpoint: EndpointOut::from(&ep),
        secret: current_secret(&ep),
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Registers the endpoint `body` describes (`POST /admin/endpoints` and the console's form).
pub(super) async fn create(state: &AppState, body: CreateEndpoint) -> Result<Endpoint, ApiError> {
    let mut spec = EndpointSpec::new(body.name, body.url);
    if !body.events.is_empty() {
        spec = spec.events(body.events);
    }
    spec = spec.channels(body.channels);
    if let Some(s) = body.secret {
        spec = spec.secret(s);
    }
    for (k, v) in body.headers {
        spec = spec.header(k, v);
    }
    if body.disabled {
        spec = spec.disabled();
    }
    if let Some(text) = body.description {
        spec = spec.description(text);
    }
    for (k, v) in body.metadata {
        spec = spec.metadata(k, v);
    }
    if let Some(n) = body.max_in_flight {
        spec = spec.max_in_flight(n);
    }
    if let Some(n) = body.rate_limit {
        spec = spec.rate_limit(n);
    }
    spec = spec.ordered(body.ordered);
    manager(state)?
        .register(spec)
        .await
        .map_err(|e| manager_error(&e))
}

/// The newest signing secret of `ep`, shown once: at creation and after a rotation.
pub(super) fn current_secret(ep: &Endpoint) -> Option<String> {
    ep.keys.first().map(|k| k.secret.expose().to_owned())
}

async fn get_endpoint(State(state): State<AppState>, EndpointPath(id): EndpointPath) -> ApiResult {
    let ep = manager(&state)?
        .endpoint(&endpoint_id(&id)?)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(Json(EndpointOut::from(&ep)).into_response())
}

async fn patch_endpoint(
    State(state): State<AppState>,
    EndpointPath(id): EndpointPath,
    body: Result<Json<endpoint_patch::MergePatch>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(endpoint_patch::MergePatch(patch)) = body.map_err(|e| bad("body", e.body_text()))?;
    let ep = apply_patch(&state, &endpoint_id(&id)?, &patch).await?;
    Ok(Json(EndpointOut::from(&ep)).into_response())
}

/// Applies a JSON merge patch to endpoint `id` (`PATCH /admin/endpoints/{id}` and the console's
/// edit form).
pub(super) async fn apply_patch(
    state: &AppState,
    id: &EndpointId,
    patch: &Value,
) -> Result<Endpoint, ApiError> {
    let m = manager(state)?;
    let current = m.endpoint(id).await.map_err(|e| manager_error(&e))?;
    let update = endpoint_patch::endpoint_update(patch, &current)?;
    m.update(id, update).await.map_err(|e| manager_error(&e))
}

async fn delete_endpoint(
    State(state): State<AppState>,
    EndpointPath(id): EndpointPath,
) -> ApiResult {
    manager(&state)?
        .unregister(&endpoint_id(&id)?)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn enable(State(state): State<AppState>, EndpointPath(id): EndpointPath) -> ApiResult {
    let id = endpoint_id(&id)?;
    let m = manager(&state)?;
    m.enable(&id).await.map_err(|e| manager_error(&e))?;
    let ep = m.endpoint(&id).await.map_err(|e| manager_error(&e))?;
    Ok(Json(EndpointOut::from(&ep)).into_response())
}

async fn disable(State(state): State<AppState>, EndpointPath(id): EndpointPath) -> ApiResult {
    let id = endpoint_id(&id)?;
    let m = manager(&state)?;
    m.disable(&id).await.map_err(|e| manager_error(&e))?;
    let ep = m.endpoint(&id).await.map_err(|e| manager_error(&e))?;
    Ok(Json(EndpointOut::from(&ep)).into_response())
}

/// How long the previous secret still verifies after a rotation, unless the request says.
pub(super) const ROTATION_OVERLAP: Duration = Duration::from_secs(24 * 3600);

/// The longest overlap a rotation may ask for, in seconds (a year): any receiver has switched
/// by then, and the key's expiry stays a time the clock and the store can hold.
const MAX_OVERLAP_SECS: u64 = 365 * 24 * 3600;

/// The latest `since` of a recovery, in Unix seconds (9999-12-31T23:59:59Z): later is no time
/// the store can hold, and matches nothing anyway.
const MAX_SINCE_SECS: u64 = 253_402_300_799;

/// `POST /admin/endpoints/{id}/rotate-secret`'s body, optional.
#[derive(Debug, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RotateBody {
    /// The new secret (`whsec_` and base64); generated when left out.
    secret: Option<String>,
    /// How long the previous secret still verifies, in seconds (default a day, at most a year).
    #[schemars(range(max = MAX_OVERLAP_SECS))]
    overlap_secs: Option<u64>,
}

async fn rotate(
    State(state): State<AppState>,
    EndpointPath(id): EndpointPath,
    OptionalJson(body): OptionalJson<RotateBody>,
) -> ApiResult {
    let body = body.unwrap_or_default();
    let overlap = match body.overlap_secs {
        None => ROTATION_OVERLAP,
        Some(secs @ 0..=MAX_OVERLAP_SECS) => Duration::from_secs(secs),
        Some(secs) => {
            return Err(bad(
                "overlap_secs",
                format!("{secs} is more than a year ({MAX_OVERLAP_SECS})"),
            ));
        }
    };
    let ep = manager(&state)?
        .rotate_secret(&endpoint_id(&id)?, body.secret, overlap)
        .await
        .map_err(|e| manager_error(&e))?;
    let out = EndpointWithSecret {
        endpoint: EndpointOut::from(&ep),
        secret: current_secret(&ep),
    };
    Ok(Json(out).into_response())
}

/// `POST /admin/endpoints/{id}/recover`'s body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RecoverBody {
    /// Unix seconds: requeue the failed deliveries created at or after it.
    #[schemars(range(max = MAX_SINCE_SECS))]
    since: u64,
}

async fn recover(
    State(state): State<AppState>,
    EndpointPath(id): EndpointPath,
    body: Result<Json<RecoverBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(body) = body.map_err(|e| bad("body", e.body_text()))?;
    if body.since > MAX_SINCE_SECS {
        return Err(bad(
            "since",
            format!("{} is after 9999-12-31 ({MAX_SINCE_SECS})", body.since),
        ));
    }
    let since = UNIX_EPOCH + Duration::from_secs(body.since);
    let n = manager(&state)?
        .recover(&endpoint_id(&id)?, since)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(Json(Requeued { requeued: n }).into_response())
}

async fn get_message(State(state): State<AppState>, MessagePath(id): MessagePath) -> ApiResult {
    let m = manager(&state)?
        .message(&message_id(&id)?)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(Json(MessageOut::from(&m)).into_response())
}

/// `POST /admin/messages/{id}/replay`'s body, optional.
#[derive(Debug, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReplayBody {
    /// Deliver only to this endpoint; left out, to every endpoint it went to.
    #[schemars(pattern(patterns::ENDPOINT_ID))]
    endpoint: Option<String>,
}

async fn replay(
    State(state): State<AppState>,
    MessagePath(id): MessagePath,
    OptionalJson(body): OptionalJson<ReplayBody>,
) -> ApiResult {
    let body = body.unwrap_or_default();
    let endpoint = body.endpoint.as_deref().map(endpoint_id).transpose()?;
    let created = manager(&state)?
        .replay(&message_id(&id)?, endpoint.as_ref())
        .await
        .map_err(|e| manager_error(&e))?;
    let deliveries = created.iter().map(|d| d.as_str().to_owned()).collect();
    Ok((StatusCode::ACCEPTED, Json(Replayed { deliveries })).into_response())
}

/// A delivery status filter: `pending`, `in_flight`, `delivered` or `dead_letter`.
pub(super) fn delivery_status(s: &str) -> Result<DeliveryStatus, ApiError> {
    DeliveryStatus::parse(s).ok_or_else(|| {
        bad(
            "status",
            format!("{s:?} is not pending, in_flight, delivered or dead_letter"),
        )
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::parse_time;

    #[test]
    fn a_time_is_unix_seconds_rfc3339_or_a_form_value_in_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_767_323_045);
        let minute = UNIX_EPOCH + Duration::from_secs(1_767_323_040);
        assert_eq!(parse_time("since", "1767323045"), Ok(t));
        assert_eq!(parse_time("since", "2026-01-02T03:04:05Z"), Ok(t));
        assert_eq!(parse_time("since", "2026-01-02T04:04:05+01:00"), Ok(t));
        assert_eq!(parse_time("since", "2026-01-02T03:04"), Ok(minute));
        assert!(parse_time("since", "1969-12-31T00:00:00Z").is_err());
        assert!(
            parse_time("until", "yesterday")
                .unwrap_err()
                .starts_with("until:")
        );
    }
}
