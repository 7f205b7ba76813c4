//! The JSON error body every route answers with:
//! `{"error":{"kind","message","violations"?,"parameter"?}}`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};
use switchboard::functions::CallError;

/// The body of every error answer.
// The admin API's OpenAPI document shows its schema.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Error")]
pub(crate) struct ErrorBody {
    /// What went wrong.
    error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, JsonSchema)]
struct ErrorDetail {
    /// A stable word for the kind of error (`bad_request`, `unauthorized`, `unknown_endpoint`,
    /// …), for programs.
    kind: &'static str,
    /// What went wrong and where, for people.
    message: String,
    /// For invalid tool arguments: each violation's JSON pointer and message.
    #[serde(skip_serializing_if = "Option::is_none")]
    violations: Option<Value>,
    /// For a bad query: the parameter that was wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter: Option<&'static str>,
}

/// An HTTP error with a stable JSON shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    violations: Option<Value>,
    /// The request parameter that was wrong, for a bad query.
    parameter: Option<&'static str>,
    /// Seconds for a `Retry-After` header.
    retry_after: Option<u32>,
    /// The setting of the request's body that was refused (`url`, `headers`), for forms that
    /// show an error next to its field; not part of the JSON body, whose message names it.
    field: Option<&'static str>,
}

impl ApiError {
    /// An error with a status, a stable kind and a message.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            message: message.into(),
            violations: None,
            parameter: None,
            retry_after: None,
            field: None,
        }
    }

    /// The same error, about the body's setting `field`.
    #[must_use]
    pub fn about_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    /// The body's setting this error is about, when it is about one.
    pub fn field(&self) -> Option<&'static str> {
        self.field
    }

    /// `400 bad_request` for query parameter `parameter`, named in the message and in the
    /// body's `parameter`.
    pub fn bad_parameter(parameter: &'static str, message: impl std::fmt::Display) -> Self {
        let mut out = ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("{parameter}: {message}"),
        );
        out.parameter = Some(parameter);
        out
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

    /// What went wrong, in words (the body's `message`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error for a failed tool call: 404 unknown tool, 400 malformed, 422 invalid arguments
    /// (with the violations), 504 timeout, 503 cancelled, 503 with `Retry-After: 1` when the
    /// tool is at its concurrency limit, 500 tool failure or unusable output.
    pub fn from_call(err: &CallError) -> Self {
        let status = match err {
            CallError::UnknownTool { .. } => StatusCode::NOT_FOUND,
            CallError::MalformedCall { .. } => StatusCode::BAD_REQUEST,
            CallError::InvalidArguments { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            CallError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            CallError::Cancelled { .. } | CallError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut out = ApiError::new(status, err.kind(), err.model_message());
        if let CallError::Busy { .. } = err {
            // Slots free as soon as a running call ends; a second is a fair first retry.
            out.retry_after = Some(1);
        }
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
        let body = ErrorBody {
            error: ErrorDetail {
                kind: self.kind,
                message: self.message,
                violations: self.violations,
                parameter: self.parameter,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
        response
    }
}

/// Every error is documented with the `ErrorBody` schema, status by status, where the route is.
impl aide::OperationOutput for ApiError {
    type Inner = Self;
}
