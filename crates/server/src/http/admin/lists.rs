//! `GET /admin/messages`, `/admin/deliveries` and `/admin/attempts`: pages of the journal.
//!
//! Every list is newest first and takes `limit` (1–1000, default 100) and `iterator` (a cursor
//! from an earlier answer). An answer carries `data`, `iterator` (the next, older page; `null`
//! at the end), `prev_iterator` (the newer rows, or where to poll for new ones) and `done`.
//! Cursors are keyset positions, so rows published while a client pages never shift or repeat
//! a page.
//!
//! Filters: `since` (inclusive) and `until` (exclusive) on every list, as [`parse_time`] reads
//! them; messages by `endpoint`, delivery `status`, `event_type` (`github.push`, or
//! `github.*` for every type below `github.`) and `channel` (messages published on it); deliveries by `endpoint`, `message`, `status`;
//! attempts by `endpoint`, `message`, `delivery`. A bad parameter is a `400` naming it.

use std::time::SystemTime;

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use schemars::JsonSchema;
use serde::Deserialize;
use switchboard::webhooks::delivery::{
    AttemptQuery, Cursor, DeliveryId, DeliveryQuery, DeliveryStatus, MessageQuery,
    validate_channels,
};

use super::super::AppState;
use super::super::error::ApiError;
use super::super::page::PageOut;
use super::answers::{AttemptOut, DeliveryOut, MessageOut};
use super::extract::ListQuery;
use super::{
    ApiResult, bad, delivery_status, endpoint_id, limit, manager, manager_error, message_id,
    parse_time,
};

/// `GET /admin/messages`'s parameters.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::http) struct MessagesQuery {
    /// Only messages with a delivery to this endpoint.
    #[schemars(pattern(super::patterns::ENDPOINT_ID))]
    endpoint: Option<String>,
    /// Only messages with a delivery in this state.
    #[schemars(with = "Option<DeliveryStatus>")]
    status: Option<String>,
    /// Only messages of this type; `github.*` for every type below `github.`.
    #[schemars(pattern(super::patterns::EVENT_TYPE))]
    event_type: Option<String>,
    /// Only messages carrying this channel.
    #[schemars(pattern(super::patterns::CHANNEL))]
    channel: Option<String>,
    /// From this time on (inclusive): Unix seconds or RFC 3339 (`2026-01-02T03:04:05Z`).
    since: Option<String>,
    /// Before this time (exclusive): Unix seconds or RFC 3339.
    until: Option<String>,
    /// A cursor from an earlier answer's `iterator` (older rows) or `prev_iterator` (newer).
    iterator: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[schemars(range(min = 1, max = 1000))]
    limit: Option<usize>,
}

pub(super) async fn messages(
    State(state): State<AppState>,
    ListQuery(q): ListQuery<MessagesQuery>,
) -> ApiResult {
    if let Some(t) = &q.event_type {
        event_type(t)?;
    }
    if let Some(c) = &q.channel {
        validate_channels(std::slice::from_ref(c)).map_err(|e| bad("channel", e))?;
    }
    let query = MessageQuery {
        endpoint: q.endpoint.as_deref().map(endpoint_id).transpose()?,
        status: q.status.as_deref().map(delivery_status).transpose()?,
        event_type: q.event_type,
        channel: q.channel,
        since: time("since", q.since.as_deref())?,
        until: time("until", q.until.as_deref())?,
        cursor: iterator(q.iterator.as_deref())?,
        limit: limit(q.limit)?,
    };
    let page = manager(&state)?
        .messages(&query)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(Json(PageOut::<MessageOut>::of(&page)).into_response())
}

/// `GET /admin/deliveries`'s parameters.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::http) struct DeliveriesQuery {
    /// Only rows of this endpoint.
    #[schemars(pattern(super::patterns::ENDPOINT_ID))]
    endpoint: Option<String>,
    /// Only rows of this message.
    #[schemars(pattern(super::patterns::MESSAGE_ID))]
    message: Option<String>,
    /// Only deliveries in this state.
    #[schemars(with = "Option<DeliveryStatus>")]
    status: Option<String>,
    /// From this time on (inclusive): Unix seconds or RFC 3339 (`2026-01-02T03:04:05Z`).
    since: Option<String>,
    /// Before this time (exclusive): Unix seconds or RFC 3339.
    until: Option<String>,
    /// A cursor from an earlier answer's `iterator` (older rows) or `prev_iterator` (newer).
    iterator: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[schemars(range(min = 1, max = 1000))]
    limit: Option<usize>,
}

pub(super) async fn deliveries(
    State(state): State<AppState>,
    ListQuery(q): ListQuery<DeliveriesQuery>,
) -> ApiResult {
    let query = DeliveryQuery {
        endpoint: q.endpoint.as_deref().map(endpoint_id).transpose()?,
        message: q.message.as_deref().map(message_id).transpose()?,
        status: q.status.as_deref().map(delivery_status).transpose()?,
        since: time("since", q.since.as_deref())?,
        until: time("until", q.until.as_deref())?,
        cursor: iterator(q.iterator.as_deref())?,
        limit: limit(q.limit)?,
    };
    let page = manager(&state)?
        .deliveries(&query)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(Json(PageOut::<DeliveryOut>::of(&page)).into_response())
}

/// `GET /admin/attempts`'s parameters.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::http) struct AttemptsQuery {
    /// Only rows of this endpoint.
    #[schemars(pattern(super::patterns::ENDPOINT_ID))]
    endpoint: Option<String>,
    /// Only rows of this message.
    #[schemars(pattern(super::patterns::MESSAGE_ID))]
    message: Option<String>,
    /// Only attempts of this delivery.
    #[schemars(pattern(super::patterns::DELIVERY_ID))]
    delivery: Option<String>,
    /// From this time on (inclusive): Unix seconds or RFC 3339 (`2026-01-02T03:04:05Z`).
    since: Option<String>,
    /// Before this time (exclusive): Unix seconds or RFC 3339.
    until: Option<String>,
    /// A cursor from an earlier answer's `iterator` (older rows) or `prev_iterator` (newer).
    iterator: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[schemars(range(min = 1, max = 1000))]
    limit: Option<usize>,
}

pub(super) async fn attempts(
    State(state): State<AppState>,
    ListQuery(q): ListQuery<AttemptsQuery>,
) -> ApiResult {
    let query = AttemptQuery {
        endpoint: q.endpoint.as_deref().map(endpoint_id).transpose()?,
        message: q.message.as_deref().map(message_id).transpose()?,
        delivery: q
            .delivery
            .as_deref()
            .map(|d| DeliveryId::parse(d).map_err(|e| bad("delivery id", e)))
            .transpose()?,
        since: time("since", q.since.as_deref())?,
        until: time("until", q.until.as_deref())?,
        cursor: iterator(q.iterator.as_deref())?,
        limit: limit(q.limit)?,
    };
    let page = manager(&state)?
        .attempts(&query)
        .await
        .map_err(|e| manager_error(&e))?;
    Ok(Json(PageOut::<AttemptOut>::of(&page)).into_response())
}

fn iterator(text: Option<&str>) -> Result<Option<Cursor>, ApiError> {
    text.map(|t| Cursor::decode(t).map_err(|e| bad("iterator", e)))
        .transpose()
}

/// An event-type filter: what an event type may hold (a `*` only as a whole last segment means
/// a wildcard).
fn event_type(t: &str) -> Result<(), ApiError> {
    if t.is_empty() || t.len() > 256 || !t.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad(
            "event_type",
            format!("{t:?} must be 1 to 256 visible ASCII characters"),
        ));
    }
    Ok(())
}

/// A time parameter ([`parse_time`]).
fn time(name: &str, text: Option<&str>) -> Result<Option<SystemTime>, ApiError> {
    // The message already names the parameter.
    text.map(|t| {
        parse_time(name, t)
            .map_err(|e| ApiError::new(http::StatusCode::BAD_REQUEST, "bad_request", e))
    })
    .transpose()
}
