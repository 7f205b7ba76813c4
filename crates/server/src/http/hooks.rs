//! `POST /hooks/{source}`: verify an incoming webhook over its exact bytes and publish it as an
//! event through the WebhookManager.
//!
//! Verification failures answer 401 with no detail (the reason is logged). GitHub events are
//! published as `{event_type}.{X-GitHub-Event}`; Open WebUI's payloads as `user_joined` or
//! `chat_completed`. A sender's delivery id (`webhook-id`, `X-GitHub-Delivery`) becomes the
//! idempotency key, so a redelivery creates nothing new.

use std::time::SystemTime;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use crate::config::IngestKind;

/// Query of an ingest request (`?token=` for token kinds).
#[derive(Debug, serde::Deserialize)]
pub(super) struct HookQuery {
    token: Option<String>,
}

pub(super) async fn ingest(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<HookQuery>,
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
        state.metrics.ingest(&name, "rejected");
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than {} bytes", source.max_body),
        )
        .into_response();
    }
    let mut idempotency: Option<String> = None;
    match (&source.verifier, &source.token) {
        (Some(verifier), _) => match verifier.verify(&headers, &body, SystemTime::now()) {
            Ok(v) => idempotency = v.message_id.map(str::to_owned),
            Err(e) => {
                tracing::info!(source = %name, error = %e, "ingest signature rejected");
                state.metrics.ingest(&name, "rejected");
                return ApiError::unauthorized().into_response();
            }
        },
        (None, Some(token)) => {
            let ok = token.check_bearer(&headers)
                || query.token.as_deref().is_some_and(|t| token.matches(t));
            if !ok {
                tracing::info!(source = %name, "ingest token rejected");
                state.metrics.ingest(&name, "rejected");
                return ApiError::unauthorized().into_response();
            }
        }
        (None, None) => {
            state.metrics.ingest(&name, "rejected");
            return ApiError::unauthorized().into_response();
        }
    }
    let payload: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => match std::str::from_utf8(&body) {
            // Form-encoded bodies (Slack commands) and text are kept as they came.
            Ok(text) => json!({ "raw": text }),
            Err(_) => {
                return ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "the body is neither JSON nor UTF-8 text",
                )
                .into_response();
            }
        },
    };
    let (event_type, data) = match source.kind {
        IngestKind::Github => {
            if idempotency.is_none() {
                idempotency = header(&headers, "x-github-delivery");
            }
            let event = header(&headers, "x-github-event").unwrap_or_else(|| "unknown".into());
            (format!("{}.{event}", source.event_type), payload)
        }
        IngestKind::OpenWebui => match open_webui_event(payload) {
            Ok(pair) => pair,
            Err(message) => {
                state.metrics.ingest(&name, "error");
                return ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_event", message)
                    .into_response();
            }
        },
        _ => (source.event_type.clone(), payload),
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
            state.metrics.ingest(&name, "error");
            super::admin::manager_error(&e).into_response()
        }
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Maps Open WebUI's webhook payloads to `(event type, data)`.
///
/// Documented shapes: `{"event":"new_user","user":{…}}` and
/// `{"event":"chat_response","chat":{…}}`. What its code sends to a generic URL:
/// `{"action":"signup","message":…,"user":"<user as a JSON string>"}` and
/// `{"action":"chat", …}`. The original payload is kept under `payload`.
pub(super) fn open_webui_event(payload: Value) -> Result<(String, Value), String> {
    let event = payload
        .get("event")
        .or_else(|| payload.get("action"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match event.as_str() {
        "new_user" | "signup" => {
            let user = match payload.get("user") {
                Some(Value::String(s)) => {
                    serde_json::from_str(s).unwrap_or(Value::String(s.clone()))
                }
                Some(v) => v.clone(),
                None => Value::Null,
            };
            Ok((
                "user_joined".into(),
                json!({"user": user, "message": payload.get("message").cloned().unwrap_or(Value::Null), "payload": payload}),
            ))
        }
        "chat_response" | "chat" | "chat_completed" => {
            let chat = payload.get("chat").cloned().unwrap_or_else(|| {
                json!({
                    "title": payload.get("title").cloned().unwrap_or(Value::Null),
                    "url": payload.get("url").cloned().unwrap_or(Value::Null),
                    "last_message": payload.get("message").cloned().unwrap_or(Value::Null),
                })
            });
            Ok((
                "chat_completed".into(),
                json!({"chat": chat, "payload": payload}),
            ))
        }
        "" => Err(
            "the payload has no `event` or `action` field; expected Open WebUI's webhook shape"
                .into(),
        ),
        other => Err(format!(
            "unknown Open WebUI event {other:?}; known: new_user, signup, chat_response, chat"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_documented_and_code_shapes() {
        let (t, d) =
            open_webui_event(json!({"event":"new_user","user":{"email":"a@b.c","name":"A"}}))
                .unwrap();
        assert_eq!(t, "user_joined");
        assert_eq!(d["user"]["email"], "a@b.c");
        let (t, d) = open_webui_event(json!({"action":"signup","message":"New user signed up: A","user":"{\"email\":\"a@b.c\"}"})).unwrap();
        assert_eq!(t, "user_joined");
        assert_eq!(d["user"]["email"], "a@b.c");
        let (t, d) = open_webui_event(
            json!({"event":"chat_response","chat":{"id":"c1","title":"T","last_message":"hi"}}),
        )
        .unwrap();
        assert_eq!(t, "chat_completed");
        assert_eq!(d["chat"]["id"], "c1");
        let (t, _) =
            open_webui_event(json!({"action":"chat","message":"done","title":"T"})).unwrap();
        assert_eq!(t, "chat_completed");
        assert!(open_webui_event(json!({"event":"other"})).is_err());
        assert!(open_webui_event(json!({"text":"hi"})).is_err());
    }
}
