//! `POST /tools/{name}`: runs one tool through the registry and maps the outcome to HTTP.

use std::time::Instant;

use axum::Json;
use axum::extract::{FromRequest, Path, Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use switchboard::functions::{Arguments, ToolCall};

use super::AppState;
use super::error::ApiError;

/// Runs tool `name` with the JSON body as its arguments (an empty body means `{}`).
///
/// Takes the whole request rather than a `HeaderMap` (which axum clones) and reads the body
/// itself, still through the `Bytes` extractor so `DefaultBodyLimit` applies.
pub(super) async fn call_tool(
    State(state): State<AppState>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    if let Some(token) = &state.tools_token
        && !token.check_bearer(request.headers())
    {
        return ApiError::unauthorized().into_response();
    }
    let body = match Bytes::from_request(request, &state).await {
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
        .call(ToolCall::new(name.clone(), arguments))
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
