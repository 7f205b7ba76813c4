//! The admin API under `/admin` (bearer admin key): publish events, manage endpoints, list
//! messages, deliveries and attempts, replay and recover, and list the audit trail of tool
//! calls (`super::calls`).
//!
//! Lists page with cursors and take the filters of the manager's queries ([`lists`]). Errors
//! use the gateway's JSON error shape.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard::webhooks::delivery::{
    Attempt, Delivery, DeliveryId, DeliveryStatus, Endpoint, EndpointId, EndpointSpec, EventFilter,
    ManagerError, Message, MessageId, TriggerOptions,
};

use super::AppState;
use super::error::ApiError;

mod endpoint_patch;
mod lists;

/// The `/admin` routes.
pub(super) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin/events", post(publish))
        .route(
            "/admin/endpoints",
            get(list_endpoints).post(create_endpoint),
        )
        .route(
            "/admin/endpoints/{id}",
            get(get_endpoint)
                .patch(patch_endpoint)
                .delete(delete_endpoint),
        )
        .route("/admin/endpoints/{id}/enable", post(enable))
        .route("/admin/endpoints/{id}/disable", post(disable))
        .route("/admin/endpoints/{id}/rotate-secret", post(rotate))
        .route("/admin/endpoints/{id}/recover", post(recover))
        .route("/admin/messages", get(lists::messages))
        .route("/admin/messages/{id}", get(get_message))
        .route("/admin/messages/{id}/replay", post(replay))
        .route("/admin/deliveries", get(lists::deliveries))
        .route("/admin/attempts", get(lists::attempts))
        .route("/admin/tool-calls", get(super::calls::list))
        .layer(axum::middleware::from_fn_with_state(state, require_admin))
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

fn unix(t: SystemTime) -> Value {
    t.duration_since(UNIX_EPOCH)
        .map_or(Value::Null, |d| json!(d.as_millis() as f64 / 1000.0))
}

fn endpoint_json(e: &Endpoint) -> Value {
    json!({
        "id": e.id.as_str(),
        "name": e.name,
        "description": e.description,
        "url": switchboard::core::redact_url(&e.url),
        "events": match &e.events { EventFilter::All => Value::Null, EventFilter::Only(t) => json!(t) },
        "channels": (!e.channels.is_empty()).then_some(&e.channels),
        "headers": e.headers.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        "max_in_flight": e.max_in_flight,
        "rate_limit": e.rate_limit,
        "ordered": e.ordered,
        "metadata": e.metadata,
        "origin": e.origin.as_str(),
        "enabled": e.enabled,
        "disabled_reason": e.disabled_reason.map(|r| r.as_str()),
        "failing_since": e.failing_since.map(unix),
        "keys": e.keys.len(),
        "created_at": unix(e.created_at),
        "updated_at": unix(e.updated_at),
    })
}

fn message_json(m: &Message) -> Value {
    let payload: Value = serde_json::from_slice(&m.payload)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&m.payload).into_owned()));
    json!({
        "id": m.id.as_str(),
        "event_type": m.event_type,
        "channels": m.channels,
        "payload": payload,
        "idempotency_key": m.idempotency_key,
        "created_at": unix(m.created_at),
    })
}

fn delivery_json(d: &Delivery) -> Value {
    json!({
        "id": d.id.as_str(),
        "message_id": d.message_id.as_str(),
        "endpoint_id": d.endpoint_id.as_str(),
        "status": d.status.as_str(),
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at.map(unix),
        "created_at": unix(d.created_at),
        "updated_at": unix(d.updated_at),
    })
}

fn attempt_json(a: &Attempt) -> Value {
    json!({
        "delivery_id": a.delivery_id.as_str(),
        "message_id": a.message_id.as_str(),
        "endpoint_id": a.endpoint_id.as_str(),
        "number": a.number,
        "at": unix(a.at),
        "latency_ms": a.latency.as_millis() as u64,
        "status": a.status,
        "response_body": a.response_body,
        "error_kind": a.error_kind.map(|k| k.as_str()),
        "error": a.error,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PublishBody {
    #[serde(rename = "type")]
    event_type: String,
    data: Value,
    idempotency_key: Option<String>,
    #[serde(default)]
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
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"message_id": id.as_str()})),
    )
        .into_response())
}

async fn list_endpoints(State(state): State<AppState>) -> ApiResult {
    let list = manager(&state)?
        .list()
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(Json(json!({"data": list.iter().map(endpoint_json).collect::<Vec<_>>()})).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateEndpoint {
    name: String,
    url: String,
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    channels: Vec<String>,
    secret: Option<String>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    disabled: bool,
    description: Option<String>,
    #[serde(default)]
    metadata: std::collections::BTreeMap<String, String>,
    max_in_flight: Option<u32>,
    rate_limit: Option<u32>,
    #[serde(default)]
    ordered: bool,
}

async fn create_endpoint(
    State(state): State<AppState>,
    body: Result<Json<CreateEndpoint>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(body) = body.map_err(|e| bad("body", e.body_text()))?;
    let ep = create(&state, body).await?;
    let mut out = endpoint_json(&ep);
    // The signing secret is shown once, at creation, so the receiver can be configured.
    out["secret"] = current_secret(&ep).map_or(Value::Null, Value::from);
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

async fn get_endpoint(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let ep = manager(&state)?
        .endpoint(&endpoint_id(&id)?)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(Json(endpoint_json(&ep)).into_response())
}

async fn patch_endpoint(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(patch) = body.map_err(|e| bad("body", e.body_text()))?;
    let ep = apply_patch(&state, &endpoint_id(&id)?, &patch).await?;
    Ok(Json(endpoint_json(&ep)).into_response())
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

async fn delete_endpoint(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    manager(&state)?
        .unregister(&endpoint_id(&id)?)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn enable(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id = endpoint_id(&id)?;
    let m = manager(&state)?;
    m.enable(&id).await.map_err(|e| manager_error(&e))?;
    let ep = m.endpoint(&id).await.map_err(|e| manager_error(&e))?;
    Ok(Json(endpoint_json(&ep)).into_response())
}

async fn disable(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id = endpoint_id(&id)?;
    let m = manager(&state)?;
    m.disable(&id).await.map_err(|e| manager_error(&e))?;
    let ep = m.endpoint(&id).await.map_err(|e| manager_error(&e))?;
    Ok(Json(endpoint_json(&ep)).into_response())
}

/// How long the previous secret still verifies after a rotation, unless the request says.
pub(super) const ROTATION_OVERLAP: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RotateBody {
    secret: Option<String>,
    overlap_secs: Option<u64>,
}

async fn rotate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Option<Json<RotateBody>>,
) -> ApiResult {
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let overlap = body
        .overlap_secs
        .map_or(ROTATION_OVERLAP, Duration::from_secs);
    let ep = manager(&state)?
        .rotate_secret(&endpoint_id(&id)?, body.secret, overlap)
        .await
        .map_err(|e| manager_error(&e))?;
    let mut out = endpoint_json(&ep);
    out["secret"] = current_secret(&ep).map_or(Value::Null, Value::from);
    Ok(Json(out).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RecoverBody {
    since: u64,
}

async fn recover(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<RecoverBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(body) = body.map_err(|e| bad("body", e.body_text()))?;
    let since = UNIX_EPOCH + Duration::from_secs(body.since);
    let n = manager(&state)?
        .recover(&endpoint_id(&id)?, since)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(Json(json!({"requeued": n})).into_response())
}

async fn get_message(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let m = manager(&state)?
        .message(&message_id(&id)?)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(Json(message_json(&m)).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct ReplayBody {
    endpoint: Option<String>,
}

async fn replay(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Option<Json<ReplayBody>>,
) -> ApiResult {
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let endpoint = body.endpoint.as_deref().map(endpoint_id).transpose()?;
    let created = manager(&state)?
        .replay(&message_id(&id)?, endpoint.as_ref())
        .await
        .map_err(|e| manager_error(&e))?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"deliveries": created.iter().map(DeliveryId::as_str).collect::<Vec<_>>()})),
    )
        .into_response())
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
