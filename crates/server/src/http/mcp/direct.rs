//! `tools/call` in a session, answered as one JSON response without rmcp's session task.
//!
//! Streamable HTTP lets a server answer a POST with either `application/json` or an SSE stream,
//! and every client must accept both. rmcp hands each request of a session to the session's task
//! over channels and answers with an SSE stream, which costs about three times the CPU of
//! `POST /tools/{name}` per call. A plain call needs none of that: when a POST is one
//! `tools/call` request in a session this server holds, asks for no progress, and the client
//! accepts JSON, it goes straight to [`dispatch`] — the same policy, limits, validation and
//! metrics as every other call — and the answer is the JSON-RPC response. Everything else
//! (`initialize`, `tools/list`, notifications, batches, calls with a `progressToken`, unknown
//! sessions, the sessionless `2026-07-28` protocol) goes to rmcp unchanged, with the body already
//! read; the result has the same wire shape either way ([`mcp::call_tool_result`]).
//!
//! - **Body limit**: every POST to `/mcp` is read here, bounded by `[tools] max_body_bytes`
//!   (`413` beyond it), so no MCP message is larger than a `POST /tools/{name}` body may be.
//! - **Cancellation**: a direct call's token is registered under its session and request id while
//!   it runs. `notifications/cancelled` naming it is taken here: the call stops and its POST is
//!   answered with an empty event stream, as rmcp drops the response of a cancelled request. A
//!   closed request drops the call; `DELETE /mcp` and shutdown stop the session's calls.
//! - **Session lifetime**: rmcp ends a session after five minutes without an event. Direct calls
//!   don't reach the session task, so each session is touched (a request channel opened and
//!   closed) at most once per [`TOUCH_EVERY`] while calls keep coming.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use rmcp::transport::streamable_http_server::SessionId;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use serde_json::{Map, Value, json};
use switchboard::functions::providers::mcp;
use switchboard::functions::{Arguments, ToolCall};
use tokio_util::sync::CancellationToken;

use super::SESSION_HEADER;
use crate::audit::Transport;
use crate::http::AppState;
use crate::http::caller::Caller;
use crate::http::dispatch::{Outcome, dispatch};

/// How often a session that only sees direct calls is touched to keep rmcp from ending it (its
/// idle limit is five minutes).
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// The first protocol version without sessions: its requests are always rmcp's.
const SESSIONLESS_VERSION: &str = "2026-07-28";

/// The direct path's state, shared by every request to `/mcp`.
#[derive(Debug)]
pub(super) struct Direct {
    state: AppState,
    sessions: Arc<LocalSessionManager>,
    shutdown: CancellationToken,
    max_body: usize,
    running: Mutex<HashMap<Running, CancellationToken>>,
    touched: Mutex<HashMap<SessionId, Instant>>,
}

/// A running direct call: its session and its JSON-RPC id (as JSON text, so `1` and `"1"` differ).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Running {
    session: SessionId,
    id: String,
}

/// What a POST body is, as far as this module cares.
#[derive(Debug)]
enum Message {
    /// One `tools/call` request this module answers.
    Call {
        id: Value,
        name: String,
        arguments: Map<String, Value>,
    },
    /// `notifications/cancelled` for the request `request_id`.
    Cancelled { request_id: Value },
    /// Anything else: rmcp's.
    Other,
}

impl Direct {
    pub(super) fn new(
        state: AppState,
        sessions: Arc<LocalSessionManager>,
        shutdown: CancellationToken,
        max_body: usize,
    ) -> Direct {
        Direct {
            state,
            sessions,
            shutdown,
            max_body,
            running: Mutex::new(HashMap::new()),
            touched: Mutex::new(HashMap::new()),
        }
    }

    async fn holds(&self, session: &SessionId) -> bool {
        self.sessions.sessions.read().await.contains_key(session)
    }

    /// Runs one call and answers it as JSON (or with an empty stream once it was cancelled).
    async fn call(
        &self,
        caller: &Arc<Caller>,
        session: SessionId,
        id: Value,
        name: &str,
        arguments: Map<String, Value>,
    ) -> Response {
        self.touch(&session);
        let cancel = self.shutdown.child_token();
        let key = Running {
            session,
            id: id.to_string(),
        };
        let _registered = Registered::new(self, key, cancel.clone());
        let call = ToolCall::new(name, Arguments::Value(Value::Object(arguments)));
        let outcome = dispatch(&self.state, caller, Transport::Mcp, call, Some(&cancel)).await;
        if cancel.is_cancelled() && !self.shutdown.is_cancelled() {
            return cancelled();
        }
        let answer = match outcome {
            Outcome::Refused(refused) => Ok(mcp::error_result(&refused.message())),
            Outcome::Ran(result) => mcp::call_tool_result(&result),
        };
        match answer {
            Ok(result) => json_rpc(json!({"jsonrpc": "2.0", "id": id, "result": result})),
            Err(e) => json_rpc(json!({"jsonrpc": "2.0", "id": id, "error": {
                "code": e.code(), "message": e.message(),
            }})),
        }
    }

    /// Stops the direct call `request_id` of `session`; false when there is none (the
    /// notification is then rmcp's).
    fn cancel(&self, session: &SessionId, request_id: &Value) -> bool {
        let key = Running {
            session: session.clone(),
            id: request_id.to_string(),
        };
        match self.lock_running().get(&key) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Stops every direct call of `session` and forgets it (the session is being deleted).
    fn end(&self, session: &SessionId) {
        for (key, token) in self.lock_running().iter() {
            if &key.session == session {
                token.cancel();
            }
        }
        self.touched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(session);
    }

    /// Resets rmcp's idle timer of `session` in the background, at most once per [`TOUCH_EVERY`].
    fn touch(&self, session: &SessionId) {
        let now = Instant::now();
        {
            let mut touched = self.touched.lock().unwrap_or_else(PoisonError::into_inner);
            if touched
                .get(session)
                .is_some_and(|at| now.duration_since(*at) < TOUCH_EVERY)
            {
                return;
            }
            // Sessions that ended without a DELETE leave entries behind; drop the stale ones
            // whenever a touch is due anyway, so the table stays the size of the live sessions.
            touched.retain(|_, at| now.duration_since(*at) < TOUCH_EVERY * 10);
            touched.insert(session.clone(), now);
        }
        let sessions = self.sessions.clone();
        let session = session.clone();
        tokio::spawn(async move {
            let handle = sessions.sessions.read().await.get(&session).cloned();
            let Some(handle) = handle else { return };
            match handle.establish_request_wise_channel().await {
                Ok(channel) => {
                    if let Some(id) = channel.http_request_id {
                        let _ = handle.close_request_wise_channel(id).await;
                    }
                }
                Err(e) => tracing::debug!(%session, error = %e, "mcp: touching a session failed"),
            }
        });
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<Running, CancellationToken>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running call's entry in [`Direct::running`], removed when the call ends however it ends.
struct Registered<'a> {
    direct: &'a Direct,
    key: Running,
}

impl<'a> Registered<'a> {
    fn new(direct: &'a Direct, key: Running, token: CancellationToken) -> Registered<'a> {
        direct.lock_running().insert(key.clone(), token);
        Registered { direct, key }
    }
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.direct.lock_running().remove(&self.key);
    }
}

/// The middleware in front of rmcp's service on `/mcp` (see the module docs).
pub(super) async fn serve(State(direct): State<Arc<Direct>>, req: Request, next: Next) -> Response {
    let session = session_of(req.headers());
    if req.method() == Method::DELETE {
        if let Some(session) = &session {
            direct.end(session);
        }
        return next.run(req).await;
    }
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match Limited::new(body, direct.max_body).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => return too_large(direct.max_body),
        Err(e) => {
            tracing::debug!(error = %e, "mcp: reading a request body failed");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let Some(session) = session.filter(|_| answers_json(&parts.headers)) else {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    match classify(&bytes) {
        Message::Call {
            id,
            name,
            arguments,
        } if direct.holds(&session).await => match caller_of(&parts) {
            Some(caller) => direct.call(&caller, session, id, &name, arguments).await,
            None => json_rpc(json!({"jsonrpc": "2.0", "id": id, "error": {
                "code": -32603, "message": "the request's caller is unknown",
            }})),
        },
        Message::Cancelled { request_id } if direct.cancel(&session, &request_id) => {
            StatusCode::ACCEPTED.into_response()
        }
        _ => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    }
}

fn session_of(headers: &HeaderMap) -> Option<SessionId> {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(Into::into)
}

/// The caller [`crate::http::caller::screen`] stored; its absence is a wiring fault.
fn caller_of(parts: &Parts) -> Option<Arc<Caller>> {
    parts.extensions.get::<Arc<Caller>>().cloned()
}

/// Whether a JSON answer suits this request: the client accepts JSON and speaks a protocol
/// version with sessions.
fn answers_json(headers: &HeaderMap) -> bool {
    let accepts = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.split(';').next().unwrap_or("").trim())
        .any(|v| matches!(v, "application/json" | "application/*" | "*/*"));
    let legacy = headers
        .get("mcp-protocol-version")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v < SESSIONLESS_VERSION);
    accepts && legacy
}

/// Sorts a POST body into what this module answers and what it leaves to rmcp. Anything unusual
/// (a batch, extra params, a `progressToken`, a malformed id) is rmcp's, which has the errors.
fn classify(body: &[u8]) -> Message {
    let Ok(Value::Object(mut message)) = serde_json::from_slice::<Value>(body) else {
        return Message::Other;
    };
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Message::Other;
    }
    match message.get("method").and_then(Value::as_str) {
        Some("tools/call") => classify_call(message),
        Some("notifications/cancelled") if !message.contains_key("id") => {
            match message
                .get_mut("params")
                .and_then(|p| p.get_mut("requestId"))
            {
                Some(id @ (Value::String(_) | Value::Number(_))) => Message::Cancelled {
                    request_id: id.take(),
                },
                _ => Message::Other,
            }
        }
        _ => Message::Other,
    }
}

fn classify_call(mut message: Map<String, Value>) -> Message {
    let id = match message.remove("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id,
        _ => return Message::Other,
    };
    let Some(Value::Object(mut params)) = message.remove("params") else {
        return Message::Other;
    };
    if params
        .keys()
        .any(|k| !matches!(k.as_str(), "name" | "arguments" | "_meta"))
    {
        return Message::Other;
    }
    match params.get("_meta") {
        None => {}
        Some(Value::Object(meta)) if !meta.contains_key("progressToken") => {}
        Some(_) => return Message::Other,
    }
    let Some(Value::String(name)) = params.remove("name") else {
        return Message::Other;
    };
    let arguments = match params.remove("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(arguments)) => arguments,
        Some(_) => return Message::Other,
    };
    Message::Call {
        id,
        name,
        arguments,
    }
}

fn json_rpc(message: Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        // Straight into bytes: `Value`'s `Display` goes through the formatting machinery, a
        // call per fragment, and cost more than the whole tool call.
        serde_json::to_vec(&message).unwrap_or_default(),
    )
        .into_response()
}

/// The answer to a request cancelled by `notifications/cancelled`: a stream with no message.
fn cancelled() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        )],
        "",
    )
        .into_response()
}

fn too_large(max: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the MCP message is larger than [tools] max_body_bytes ({max} bytes)"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(body: Value) -> &'static str {
        match classify(body.to_string().as_bytes()) {
            Message::Call { .. } => "call",
            Message::Cancelled { .. } => "cancelled",
            Message::Other => "other",
        }
    }

    #[test]
    fn a_plain_tools_call_is_answered_directly() {
        let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "calculate", "arguments": {"expression": "1"}}});
        assert_eq!(kind(call), "call");
    }

    #[test]
    fn a_call_with_a_progress_token_is_left_to_rmcp() {
        let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "calculate", "_meta": {"progressToken": 1}}});
        assert_eq!(kind(call), "other");
    }

    #[test]
    fn a_call_with_unknown_params_is_left_to_rmcp() {
        let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "calculate", "task": {}}});
        assert_eq!(kind(call), "other");
    }

    #[test]
    fn a_batch_or_a_call_without_an_id_is_left_to_rmcp() {
        let call =
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "c"}});
        assert_eq!(kind(json!([call])), "other");
        let no_id = json!({"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "c"}});
        assert_eq!(kind(no_id), "other");
    }

    #[test]
    fn arguments_that_are_not_an_object_are_left_to_rmcp() {
        let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "c", "arguments": [1]}});
        assert_eq!(kind(call), "other");
    }

    #[test]
    fn a_cancelled_notification_names_its_request() {
        let note = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": "a", "reason": "user"}});
        assert_eq!(kind(note), "cancelled");
    }

    #[test]
    fn json_is_answered_only_to_clients_that_accept_it_on_a_session_protocol() {
        let headers = |accept: &str, version: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, accept.parse().unwrap());
            h.insert("mcp-protocol-version", version.parse().unwrap());
            h
        };
        assert!(answers_json(&headers(
            "application/json, text/event-stream",
            "2025-06-18"
        )));
        assert!(!answers_json(&headers("text/event-stream", "2025-06-18")));
        assert!(!answers_json(&headers(
            "application/json, text/event-stream",
            "2026-07-28"
        )));
    }
}
