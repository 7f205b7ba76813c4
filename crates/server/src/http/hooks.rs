//! `POST /hooks/{source}`: verify an incoming webhook over its exact bytes and publish it as an
//! event through the WebhookManager.
//!
//! Verification failures answer 401 with no detail (the reason is logged). GitHub events are
//! published as `{event_type}.{X-GitHub-Event}`; Open WebUI's event envelope as
//! `{event_type}.{event}` and its older payloads as `user_joined` or `chat_completed`
//! ([`open_webui`]). A sender's delivery id (`webhook-id`, `X-GitHub-Delivery`, the Open WebUI
//! envelope's `id`) becomes the idempotency key, so a redelivery creates nothing new.
//!
//! Replays: a signed request is remembered in the store (so across restarts and nodes) by a
//! digest of what its sender signed, for [`replay_window`] of its kind. The same signed request
//! again is acknowledged with `200 {"duplicate": true}` and publishes nothing: senders retry
//! anything but 2xx, and the event was already accepted. Token kinds sign nothing and are not
//! replay-checked.
//!
//! The URL query is never logged nor echoed: it is where Open WebUI's token travels.

use std::time::SystemTime;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, StatusCode, Uri};
use serde_json::{Value, json};
use switchboard::webhooks::delivery::ManagerError;

mod open_webui;

use super::AppState;
use super::error::ApiError;
use crate::config::IngestKind;
use crate::verifiers::replay_window;
use crate::webhooks::{Source, Webhooks};

/// Query of an ingest request: `?token=`, read only for the `open_webui` kind.
#[derive(serde::Deserialize)]
struct HookQuery {
    token: Option<String>,
}

/// What an authenticated request established about itself.
struct Authenticated {
    /// The sender's delivery id, the idempotency key.
    delivery_id: Option<String>,
    /// Digest of what the sender signed (signature kinds), for the replay check.
    replay_digest: Option<[u8; 32]>,
}

pub(super) async fn ingest(
    State(state): State<AppState>,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(webhooks) = state.webhooks.as_ref() else {
        return ApiError::new(StatusCode::NOT_FOUND, "unknown_source", "no ingest sources")
            .into_response();
    };
    let Some(source) = webhooks.sources.get(&name) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_source",
            format!("no ingest source named {name:?}"),
        )
        .into_response();
    };
    if body.len() > source.max_body {
        state.metrics.ingest_rejected(
            &name,
            format!(
                "a body of {} bytes, over the source's limit of {}",
                body.len(),
                source.max_body
            ),
            SystemTime::now(),
        );
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than {} bytes", source.max_body),
        )
        .into_response();
    }
    let auth = match authenticate(&name, source, &headers, &uri, &body) {
        Ok(auth) => auth,
        Err(reason) => {
            state
                .metrics
                .ingest_rejected(&name, reason, SystemTime::now());
            return ApiError::unauthorized().into_response();
        }
    };
    let (event_type, data, idempotency) = match event_of(source, &headers, &body, auth.delivery_id)
    {
        Ok(event) => event,
        Err(e) => {
            state.metrics.ingest(&name, "error");
            return e.into_response();
        }
    };
    let marked = match auth.replay_digest {
        Some(digest) => match first_sighting(webhooks, &name, source.kind, &digest).await {
            Ok(true) => Some(digest),
            Ok(false) => return duplicate(&state, &name),
            Err(e) => {
                state.metrics.ingest(&name, "error");
                return super::admin::manager_error(&e).into_response();
            }
        },
        None => None,
    };
    let result = match idempotency {
        Some(id) => {
            let key = format!("{name}:{id}");
            webhooks
                .manager
                .trigger_event_idempotent(&event_type, data, &key)
                .await
        }
        None => webhooks.manager.trigger_event(&event_type, data).await,
    };
    match result {
        Ok(id) => {
            state.metrics.ingest(&name, "accepted");
            (
                StatusCode::ACCEPTED,
                Json(json!({"message_id": id.as_str(), "event_type": event_type})),
            )
                .into_response()
        }
        Err(e) => {
            if let Some(digest) = marked {
                forget(webhooks, &name, &digest).await;
            }
            state.metrics.ingest(&name, "error");
            super::admin::manager_error(&e).into_response()
        }
    }
}

/// Checks the request's signature or token; when it fails, why (logged, without the query),
/// in words that name what failed and never a value the request carried.
fn authenticate(
    name: &str,
    source: &Source,
    headers: &HeaderMap,
    uri: &Uri,
    body: &[u8],
) -> Result<Authenticated, String> {
    match (&source.verifier, &source.token) {
        (Some(verifier), _) => match verifier.verify(headers, body, SystemTime::now()) {
            Ok(v) => Ok(Authenticated {
                delivery_id: v.message_id.map(str::to_owned),
                replay_digest: Some(v.replay_digest(body)),
            }),
            Err(e) => {
                tracing::info!(source = %name, error = %e, "ingest signature rejected");
                Err(format!("signature: {e}"))
            }
        },
        (None, Some(token)) => {
            let by_query = || {
                // Open WebUI cannot send headers; everything else must not put a secret in a
                // URL, where proxies and browsers log it.
                source.kind == IngestKind::OpenWebui
                    && Query::<HookQuery>::try_from_uri(uri)
                        .ok()
                        .and_then(|q| q.0.token)
                        .is_some_and(|t| token.matches(&t))
            };
            if token.check_bearer(headers) || by_query() {
                return Ok(Authenticated {
                    delivery_id: None,
                    replay_digest: None,
                });
            }
            // Worded without `token=`, so that a search of the logs for it finds only leaks.
            let expected = if source.kind == IngestKind::OpenWebui {
                "`Authorization: Bearer` or the `token` query parameter"
            } else {
                "`Authorization: Bearer` (the URL query is not read for this kind)"
            };
            tracing::info!(source = %name, expected, "ingest token rejected");
            Err(format!("no valid token: expected {expected}"))
        }
        (None, None) => Err("the source has neither a verifier nor a token".to_owned()),
    }
}

/// The event to publish: its type, data and idempotency key.
fn event_of(
    source: &Source,
    headers: &HeaderMap,
    body: &[u8],
    delivery_id: Option<String>,
) -> Result<(String, Value, Option<String>), ApiError> {
    if source.kind == IngestKind::OpenWebui {
        // Open WebUI posts JSON only; a body that is not is refused, not stored as text.
        let invalid = |message: String| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_event", message)
        };
        let payload: Value = serde_json::from_slice(body)
            .map_err(|e| invalid(format!("the body is not JSON: {e}")))?;
        let event = open_webui::map(&source.event_type, payload)
            .map_err(|refusal| invalid(refusal.to_string()))?;
        return Ok((event.event_type, event.data, event.idempotency_key));
    }
    let payload: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => match std::str::from_utf8(body) {
            // Form-encoded bodies (Slack commands) and text are kept as they came.
            Ok(text) => json!({ "raw": text }),
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "the body is neither JSON nor UTF-8 text",
                ));
            }
        },
    };
    Ok(match source.kind {
        IngestKind::Github => {
            let event = header(headers, "x-github-event").unwrap_or_else(|| "unknown".into());
            let delivery = delivery_id.or_else(|| header(headers, "x-github-delivery"));
            (format!("{}.{event}", source.event_type), payload, delivery)
        }
        _ => (source.event_type.clone(), payload, delivery_id),
    })
}

/// Records the request for its kind's replay window: `false` for a replay.
async fn first_sighting(
    webhooks: &Webhooks,
    name: &str,
    kind: IngestKind,
    digest: &[u8; 32],
) -> Result<bool, ManagerError> {
    let Some(window) = replay_window(kind) else {
        return Ok(true);
    };
    let now = SystemTime::now();
    Ok(webhooks
        .store
        .mark_seen(name, digest, now, now + window)
        .await?)
}

/// The answer to a replay: 2xx, so that a sender retrying a request whose answer it missed
/// stops, and nothing published. It names no event type: the replay's own (GitHub's
/// `X-GitHub-Event`) is unsigned and need not be the one published.
fn duplicate(state: &AppState, name: &str) -> Response {
    tracing::info!(source = %name, "ingest replay ignored: this signed request was already accepted");
    state.metrics.ingest(name, "duplicate");
    (StatusCode::OK, Json(json!({"duplicate": true}))).into_response()
}

/// Forgets a request that was marked but not stored, so the sender's retry gets in.
async fn forget(webhooks: &Webhooks, name: &str, digest: &[u8; 32]) {
    if let Err(e) = webhooks.store.unmark_seen(name, digest).await {
        tracing::warn!(source = %name, error = %e, "could not forget a request that was not stored; the sender's retry will be taken for a replay until the window ends");
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
