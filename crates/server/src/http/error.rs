//! The JSON error body every route answers with: `{"error":{"kind","message","violations"?}}`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{Value, json};
use switchboard::functions::CallError;

/// An HTTP error with a stable JSON shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    violations: Option<Value>,
}

impl ApiError {
    /// An error with a status, a stable kind and a message.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            message: message.into(),
            violations: None,
        }
    }

    /// 401 without detail.
    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid credentials",
        )
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error for a failed tool call: 404 unknown tool, 400 malformed, 422 invalid arguments
    /// (with the violations), 504 timeout, 503 cancelled, 500 tool failure or unusable output.
    pub fn from_call(err: &CallError) -> Self {
        let status = match err {
            CallError::UnknownTool { .. } => StatusCode::NOT_FOUND,
            CallError::MalformedCall { .. } => StatusCode::BAD_REQUEST,
            CallError::InvalidArguments { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            CallError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            CallError::Cancelled { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut out = ApiError::new(status, err.kind(), err.model_message());
        if let CallError::InvalidArguments { violations, .. } = err {
            out.violations = Some(
                violations
                    .iter()
                    .map(|v| json!({"pointer": v.pointer(), "message": v.message()}))
                    .collect(),
            );
        }
        out
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"kind": self.kind, "message": self.message});
        if let Some(v) = self.violations {
            error["violations"] = v;
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}
