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
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::Value;
use switchboard::webhooks::delivery::{
    AttemptQuery, Cursor, DeliveryId, DeliveryQuery, MessageQuery, Page, validate_channels,
};

use super::super::AppState;
use super::super::error::ApiError;
use super::{
    ApiResult, attempt_json, bad, delivery_json, delivery_status, endpoint_id, limit, manager,
    manager_error, message_id, message_json, parse_time,
};

/// `GET /admin/messages`'s parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::http) struct MessagesQuery {
    endpoint: Option<String>,
    status: Option<String>,
    event_type: Option<String>,
    channel: Option<String>,
    since: Option<String>,
    until: Option<String>,
    iterator: Option<String>,
    limit: Option<usize>,
}

pub(super) async fn messages(
    State(state): State<AppState>,
    Query(q): Query<MessagesQuery>,
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
    Ok(page_json(&page, message_json))
}

/// `GET /admin/deliveries`'s parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::http) struct DeliveriesQuery {
    endpoint: Option<String>,
    message: Option<String>,
    status: Option<String>,
    since: Option<String>,
    until: Option<String>,
    iterator: Option<String>,
    limit: Option<usize>,
}

pub(super) async fn deliveries(
    State(state): State<AppState>,
    Query(q): Query<DeliveriesQuery>,
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
    Ok(page_json(&page, delivery_json))
}

/// `GET /admin/attempts`'s parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::http) struct AttemptsQuery {
    endpoint: Option<String>,
    message: Option<String>,
    delivery: Option<String>,
    since: Option<String>,
    until: Option<String>,
    iterator: Option<String>,
    limit: Option<usize>,
}

pub(super) async fn attempts(
    State(state): State<AppState>,
    Query(q): Query<AttemptsQuery>,
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
    Ok(page_json(&page, attempt_json))
}

/// The answer of every list.
fn page_json<T>(page: &Page<T>, row: fn(&T) -> Value) -> axum::response::Response {
    Json(crate::http::page::page_json(page, row)).into_response()
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
