//! `GET /admin/tool-calls`: the audit trail, newest first, behind the admin key (mounted by the
//! admin routes).
//!
//! Filters: `caller` (token name, user id or email), `tool`, `outcome`, `since` and `until`
//! (RFC 3339; `since` inclusive, `until` exclusive), `limit` (1–1000, default 100), `iterator`
//! (an earlier page's `iterator` or `prev_iterator`). The answer is the page of every admin list
//! ([`PageOut`]) of [`ToolCall`]s. A filter that cannot be used is answered `400` with
//! the parameter named in the message and in `error.parameter`.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use switchboard::webhooks::delivery::Page;

use super::AppState;
use super::admin::extract::ListQuery;
use super::error::ApiError;
use super::page::PageOut;
use crate::audit::{CallParams, CallQuery, CallRow, ToolCall};

/// Lists calls: first waits until the calls this gateway finished are stored, so a listing
/// right after a call shows it.
pub(super) async fn list(
    State(state): State<AppState>,
    ListQuery(params): ListQuery<CallParams>,
) -> Result<Response, ApiError> {
    let page = page(&state, &params).await?;
    Ok(Json(PageOut::<ToolCall>::of(&page)).into_response())
}

/// One page of calls for `params` (this listing and the console's), once the calls this
/// gateway finished are stored.
pub(super) async fn page(state: &AppState, params: &CallParams) -> Result<Page<CallRow>, ApiError> {
    let query =
        CallQuery::parse(params).map_err(|e| ApiError::bad_parameter(e.parameter, e.message))?;
    let Some(audit) = &state.audit else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the audit trail is off (`[audit] enabled = false`)",
        ));
    };
    audit.flush().await;
    audit.store().list(&query).await.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "listing audit rows failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store_error",
            "the audit store failed",
        )
    })
}
