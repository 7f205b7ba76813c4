//! The admin API's path, query and optional body extractors: axum's, with their rejections
//! answered in the API's JSON error shape (axum's own are plain text) and documented in the
//! OpenAPI document.

use aide::OperationInput;
use aide::generate::GenContext;
use aide::openapi::{Operation, ReferenceOr};
use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Path, Query, Request};
use http::request::Parts;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use super::bad;
use crate::http::error::ApiError;

/// The `{id}` of an endpoint's path (`/admin/endpoints/{id}…`).
#[derive(Debug)]
pub(super) struct EndpointPath(pub(super) String);

/// The documented form of [`EndpointPath`].
#[derive(JsonSchema)]
#[allow(dead_code, reason = "only its schema is used")]
struct EndpointIdParameter {
    /// The endpoint's id.
    #[schemars(pattern(super::patterns::ENDPOINT_ID))]
    id: String,
}

/// The `{id}` of a message's path (`/admin/messages/{id}…`).
#[derive(Debug)]
pub(super) struct MessagePath(pub(super) String);

/// The documented form of [`MessagePath`].
#[derive(JsonSchema)]
#[allow(dead_code, reason = "only its schema is used")]
struct MessageIdParameter {
    /// The message's id.
    #[schemars(pattern(super::patterns::MESSAGE_ID))]
    id: String,
}

/// The path's one parameter; a segment that is not UTF-8 is a `400` in the JSON shape.
async fn path_id<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<String, ApiError> {
    Path::<String>::from_request_parts(parts, state)
        .await
        .map(|Path(id)| id)
        .map_err(|e| bad("path", e.body_text()))
}

impl<S: Send + Sync> FromRequestParts<S> for EndpointPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        path_id(parts, state).await.map(EndpointPath)
    }
}

impl OperationInput for EndpointPath {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Path::<EndpointIdParameter>::operation_input(ctx, operation);
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MessagePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        path_id(parts, state).await.map(MessagePath)
    }
}

impl OperationInput for MessagePath {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Path::<MessageIdParameter>::operation_input(ctx, operation);
    }
}

/// A list's query parameters, `T`.
#[derive(Debug)]
pub(in crate::http) struct ListQuery<T>(pub(in crate::http) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ListQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ListQuery(q))
            .map_err(|e| bad("query", e.body_text()))
    }
}

impl<T: JsonSchema> OperationInput for ListQuery<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Query::<T>::operation_input(ctx, operation);
    }
}

/// A JSON body that may be left out (no body, no JSON content type): `None` then. A body that
/// is there but malformed is a `400` in the JSON shape.
#[derive(Debug)]
pub(super) struct OptionalJson<T>(pub(super) Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        <Json<T> as OptionalFromRequest<S>>::from_request(req, state)
            .await
            .map(|body| OptionalJson(body.map(|Json(t)| t)))
            .map_err(|e| bad("body", e.body_text()))
    }
}

impl<T: JsonSchema> OperationInput for OptionalJson<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        Json::<T>::operation_input(ctx, operation);
        if let Some(ReferenceOr::Item(body)) = &mut operation.request_body {
            body.required = false;
        }
    }
}
