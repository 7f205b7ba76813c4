//! `POST /tools/{name}`: runs one tool through the registry and maps the outcome to HTTP.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bytes::Bytes;
use switchboard::functions::{Arguments, ToolCall};

use super::AppState;
use super::caller::{self, Caller};
use super::error::ApiError;

/// Runs tool `name` with the JSON body as its arguments (an empty body means `{}`), when the
/// caller (resolved by [`caller::identify`]) may use it.
pub(super) async fn call_tool(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(caller): Extension<Arc<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !caller.may_call(&name) {
        tracing::info!(tool = %name, token = caller.token_name(), "tool call refused by policy");
        return caller::forbidden(&name).into_response();
    }
    let _admission = match caller.admit() {
        Ok(admission) => admission,
        Err(refusal) => return refusal.into_response(),
    };
    tracing::debug!(tool = %name, token = caller.token_name(), user = caller.user_id(), "tool call");
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            let status = rejection.status();
            let kind = if status == http::StatusCode::PAYLOAD_TOO_LARGE {
                "too_large"
            } else {
                "bad_request"
            };
            return ApiError::new(status, kind, rejection.body_text()).into_response();
        }
    };
    let arguments = if body.iter().all(u8::is_ascii_whitespace) {
        Arguments::Value(serde_json::Value::Object(serde_json::Map::new()))
    } else {
        match std::str::from_utf8(&body) {
            Ok(text) => Arguments::Text(text.to_owned()),
            Err(e) => {
                return ApiError::new(
                    http::StatusCode::BAD_REQUEST,
                    "malformed_call",
                    format!("the body is not UTF-8: {e}"),
                )
                .into_response();
            }
        }
    };
    let started = Instant::now();
    let result = state
        .registry
        .call(ToolCall::new(name.clone(), arguments).with_context(caller.context()))
        .await;
    let seconds = started.elapsed().as_secs_f64();
    match result.into_outcome() {
        Ok(value) => {
            state.metrics.tool_call(&name, "ok", seconds);
            Json(value).into_response()
        }
        Err(err) => {
            // Unknown names are not counted per name: the label set must stay bounded.
            let label = if matches!(err, switchboard::functions::CallError::UnknownTool { .. }) {
                "(unknown)"
            } else {
                name.as_str()
            };
            state.metrics.tool_call(label, err.kind(), seconds);
            tracing::info!(tool = %name, kind = err.kind(), "tool call failed");
            ApiError::from_call(&err).into_response()
        }
    }
}
