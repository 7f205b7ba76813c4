//! `POST /tools/{name}`: one tool call over HTTP. The call goes through
//! [`dispatch`](super::dispatch::dispatch); this file only reads the body and maps the outcome to
//! HTTP.

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bytes::Bytes;
use switchboard::functions::{Arguments, ToolCall};

use super::AppState;
use super::caller::Caller;
use super::dispatch::{Outcome, dispatch};
use super::error::ApiError;
use crate::audit::Transport;

/// Runs the offered tool `name` (its route's own) with the JSON body as its arguments (an
/// empty body means `{}`), for the caller resolved by [`super::caller::screen`].
pub(super) async fn call_tool(
    State(state): State<AppState>,
    name: Arc<str>,
    Extension(caller): Extension<Arc<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    call(&state, &name, &caller, body).await
}

/// `POST /tools/{name}` for a name no static route matched: the registry answers it (an unknown
/// tool), through the same policy, limits, metrics and audit as any call.
pub(super) async fn call_unknown(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(caller): Extension<Arc<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    call(&state, &name, &caller, body).await
}

async fn call(
    state: &AppState,
    name: &str,
    caller: &Arc<Caller>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let arguments = match arguments(body) {
        Ok(arguments) => arguments,
        Err(error) => return error.into_response(),
    };
    let call = ToolCall::new(name, arguments);
    match dispatch(state, caller, Transport::Rest, call, None).await {
        Outcome::Refused(refused) => refused.into_response(),
        Outcome::Ran(result) => match result.into_outcome() {
            Ok(value) => Json(value).into_response(),
            Err(err) => ApiError::from_call(&err).into_response(),
        },
    }
}

/// The body as arguments: `{}` when blank, else its text (parsed and checked by the registry).
fn arguments(body: Result<Bytes, BytesRejection>) -> Result<Arguments, ApiError> {
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        let kind = if status == http::StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "bad_request"
        };
        ApiError::new(status, kind, rejection.body_text())
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Arguments::Value(serde_json::Value::Object(
            serde_json::Map::new(),
        )));
    }
    match std::str::from_utf8(&body) {
        Ok(text) => Ok(Arguments::Text(text.to_owned())),
        Err(e) => Err(ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "malformed_call",
            format!("the body is not UTF-8: {e}"),
        )),
    }
}
