//! Messages: search by event type, endpoint, delivery status and time; one message's payload,
//! deliveries and every attempt; replay to one endpoint or to all. Replaying a whole search is
//! a background job (`super::replays`).
//!
//! The search is the admin API's message listing (event type or `prefix.*` pattern, endpoint,
//! delivery status, time), paged newest first with its cursors.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard::webhooks::delivery::{
    AttemptQuery, Cursor, Delivery, DeliveryQuery, EventTypePattern, Message, MessageId,
    MessageQuery, Page, WebhookManager,
};

use super::super::form::{Fields, Posted};
use super::super::{Operator, view};
use super::endpoints::{Names, endpoint_names};
use crate::http::AppState;
use crate::http::admin::{delivery_status, endpoint_id, manager, manager_error, message_id};
use crate::http::error::ApiError;

/// Most messages one listing shows (and one page a bulk replay walks).
pub(super) const PAGE: usize = 50;

/// Longest response excerpt shown per attempt (the store keeps up to 4 KiB).
const EXCERPT: usize = 1000;

/// The search form's values.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Search {
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    since: String,
}

#[derive(Debug)]
struct Row {
    id: String,
    event_type: String,
    created: String,
    /// Each delivery: endpoint name, status, colour.
    deliveries: Vec<(String, String, &'static str)>,
}

#[derive(Template)]
#[template(path = "console/messages.html")]
struct List {
    chrome: view::Chrome,
    search: Search,
    endpoints: Vec<(String, String)>,
    rows: Vec<Row>,
    problem: Option<String>,
    /// Links to the newer and the older page of the same search.
    newer: Option<String>,
    older: Option<String>,
    /// The bulk replays kept: link, search, state in words, colour.
    replays: Vec<super::replays::Summary>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(flatten)]
    search: Search,
    /// A page cursor of the admin API's listing.
    iterator: Option<String>,
}

/// `GET /ui/messages`.
pub(crate) async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(q): Query<ListQuery>,
) -> Response {
    let m = match manager(&state) {
        Ok(m) => m,
        Err(e) => return view::api_error(&e),
    };
    let endpoints = match m.list().await {
        Ok(list) => list,
        Err(e) => return view::api_error(&manager_error(&e)),
    };
    let names = endpoint_names(&endpoints);
    let cursor = match q.iterator.as_deref().map(Cursor::decode).transpose() {
        Ok(c) => c,
        Err(e) => return view::api_error(&ApiError::bad_parameter("iterator", e.to_string())),
    };
    let (mut newer, mut older) = (None, None);
    let (rows, problem) = match find(m, &q.search, cursor, PAGE).await {
        Ok(page) => {
            let link = |c: &Cursor| format!("/ui/messages?{}", q.search.query(Some(c)));
            // The newer link only once the listing has moved off the newest rows.
            newer = q
                .iterator
                .is_some()
                .then(|| page.prev.as_ref().map(link))
                .flatten();
            older = page.next.as_ref().map(link);
            match rows(m, &names, &page.data).await {
                Ok(rows) => (rows, None),
                Err(e) => (Vec::new(), Some(e.message().to_owned())),
            }
        }
        Err(e) => (Vec::new(), Some(e.message().to_owned())),
    };
    let status = if problem.is_some() {
        http::StatusCode::BAD_REQUEST
    } else {
        http::StatusCode::OK
    };
    view::render_with(
        status,
        &List {
            chrome: operator.chrome("messages"),
            endpoints: endpoints
                .iter()
                .map(|e| (e.id.as_str().to_owned(), e.name.clone()))
                .collect(),
            rows,
            problem,
            search: q.search,
            newer,
            older,
            replays: super::replays::summaries(&state),
        },
    )
}

impl Search {
    /// The search a posted form (the bulk replay's hidden fields) stands for.
    pub(super) fn posted(f: &Fields) -> Self {
        Search {
            event_type: f.raw("event_type").to_owned(),
            endpoint: f.raw("endpoint").to_owned(),
            status: f.raw("status").to_owned(),
            since: f.raw("since").to_owned(),
        }
    }

    /// The endpoint searched for, if any.
    pub(super) fn endpoint(&self) -> Option<&str> {
        Some(self.endpoint.trim()).filter(|e| !e.is_empty())
    }

    /// The search as a query string, with a page cursor.
    pub(super) fn query(&self, cursor: Option<&Cursor>) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("event_type", &self.event_type)
            .append_pair("endpoint", &self.endpoint)
            .append_pair("status", &self.status)
            .append_pair("since", &self.since);
        if let Some(c) = cursor {
            q.append_pair("iterator", &c.encode());
        }
        q.finish()
    }
}

/// A page of the messages `search` selects, newest first, from `cursor` on.
async fn find(
    m: &WebhookManager,
    search: &Search,
    cursor: Option<Cursor>,
    limit: usize,
) -> Result<Page<Message>, ApiError> {
    let query = message_query(search, cursor, limit)?;
    m.messages(&query).await.map_err(|e| manager_error(&e))
}

/// The admin API's message query `search` stands for; 400 naming the field that is wrong.
pub(super) fn message_query(
    search: &Search,
    cursor: Option<Cursor>,
    limit: usize,
) -> Result<MessageQuery, ApiError> {
    let blank = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let event_type = blank(&search.event_type);
    if let Some(t) = &event_type
        && t.contains('*')
        && !EventTypePattern::parse(t).is_wildcard()
    {
        return Err(ApiError::bad_parameter(
            "event_type",
            format!("{t:?}: a wildcard is `*` alone or a last segment, as in `order.*`"),
        ));
    }
    let since = blank(&search.since)
        .map(|s| crate::http::admin::parse_time("since", &s))
        .transpose()
        .map_err(|e| ApiError::bad_parameter("since", e))?;
    Ok(MessageQuery {
        endpoint: blank(&search.endpoint)
            .map(|e| endpoint_id(&e))
            .transpose()?,
        status: blank(&search.status)
            .map(|s| delivery_status(&s))
            .transpose()?,
        event_type,
        since,
        cursor,
        limit,
        ..MessageQuery::default()
    })
}

/// The newest messages whose type matches `pattern` (`github.*`), at most `limit`.
pub(crate) async fn of_type(
    m: &WebhookManager,
    pattern: &str,
    limit: usize,
) -> Result<Vec<Message>, ApiError> {
    let search = Search {
        event_type: pattern.to_owned(),
        ..Search::default()
    };
    Ok(find(m, &search, None, limit).await?.data)
}

async fn deliveries_of(m: &WebhookManager, id: &MessageId) -> Result<Vec<Delivery>, ApiError> {
    m.deliveries(&DeliveryQuery {
        message: Some(id.clone()),
        limit: 100,
        ..DeliveryQuery::default()
    })
    .await
    .map(|page| page.data)
    .map_err(|e| manager_error(&e))
}

async fn rows(m: &WebhookManager, names: &Names, found: &[Message]) -> Result<Vec<Row>, ApiError> {
    let mut rows = Vec::with_capacity(found.len());
    for message in found {
        let deliveries = deliveries_of(m, &message.id).await?;
        rows.push(Row {
            id: message.id.as_str().to_owned(),
            event_type: message.event_type.clone(),
            created: view::time(message.created_at),
            deliveries: deliveries
                .iter()
                .map(|d| {
                    (
                        names.name(&d.endpoint_id),
                        d.status.as_str().to_owned(),
                        view::status_class(d.status.as_str()),
                    )
                })
                .collect(),
        });
    }
    Ok(rows)
}

#[derive(Debug)]
struct AttemptRow {
    number: u32,
    at: String,
    status: String,
    ok: bool,
    latency_ms: u128,
    error_kind: String,
    error: String,
    excerpt: String,
}

#[derive(Debug)]
struct DeliveryBlock {
    endpoint_id: String,
    endpoint: String,
    status: String,
    class: &'static str,
    attempts: Vec<AttemptRow>,
    next: String,
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct Detail {
    chrome: view::Chrome,
    id: String,
    event_type: String,
    created: String,
    idempotency_key: String,
    payload: String,
    deliveries: Vec<DeliveryBlock>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DetailQuery {
    done: Option<String>,
}

/// `GET /ui/messages/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    match detail(&state, operator, &id, q.done.as_deref()).await {
        Ok(page) => view::render(&page),
        Err(e) => view::api_error(&e),
    }
}

async fn detail(
    state: &AppState,
    operator: Operator,
    id: &str,
    done: Option<&str>,
) -> Result<Detail, ApiError> {
    let m = manager(state)?;
    let id = message_id(id)?;
    let message = m.message(&id).await.map_err(|e| manager_error(&e))?;
    let names = endpoint_names(&m.list().await.map_err(|e| manager_error(&e))?);
    let mut blocks = Vec::new();
    for d in deliveries_of(m, &id).await? {
        let mut attempts = m
            .attempts(&AttemptQuery {
                delivery: Some(d.id.clone()),
                limit: 100,
                ..AttemptQuery::default()
            })
            .await
            .map_err(|e| manager_error(&e))?
            .data;
        attempts.reverse();
        blocks.push(DeliveryBlock {
            endpoint_id: d.endpoint_id.as_str().to_owned(),
            endpoint: names.name(&d.endpoint_id),
            status: d.status.as_str().to_owned(),
            class: view::status_class(d.status.as_str()),
            next: d.next_attempt_at.map(view::time).unwrap_or_default(),
            attempts: attempts
                .iter()
                .map(|a| AttemptRow {
                    number: a.number,
                    at: view::time(a.at),
                    status: a
                        .status
                        .map_or_else(|| "no answer".to_owned(), |s| s.to_string()),
                    ok: a.succeeded(),
                    latency_ms: a.latency.as_millis(),
                    error_kind: a
                        .error_kind
                        .map(|k| k.as_str().to_owned())
                        .unwrap_or_default(),
                    error: a.error.clone().unwrap_or_default(),
                    excerpt: a
                        .response_body
                        .as_deref()
                        .map(|b| b.chars().take(EXCERPT).collect())
                        .unwrap_or_default(),
                })
                .collect(),
        });
    }
    let payload = serde_json::from_slice::<serde_json::Value>(&message.payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(&message.payload).into_owned());
    Ok(Detail {
        chrome: operator.chrome("messages"),
        id: message.id.as_str().to_owned(),
        event_type: message.event_type.clone(),
        created: view::time(message.created_at),
        idempotency_key: message.idempotency_key.clone().unwrap_or_default(),
        payload,
        deliveries: blocks,
        notice: done.and_then(|code| {
            let n: usize = code.strip_prefix("replayed-")?.parse().ok()?;
            Some(if n == 0 {
                "Nothing to replay: a delivery to that endpoint is still waiting for its next attempt.".to_owned()
            } else {
                format!("Replayed: {n} new deliveries queued.")
            })
        }),
    })
}

/// `POST /ui/messages/{id}/replay`: to the form's `endpoint`, or to every matching endpoint.
pub(crate) async fn replay(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let result = async {
        let message = message_id(&id)?;
        let endpoint = posted.fields.get("endpoint").map(endpoint_id).transpose()?;
        manager(&state)?
            .replay(&message, endpoint.as_ref())
            .await
            .map_err(|e| manager_error(&e))
    }
    .await;
    match result {
        Ok(created) => Redirect::to(&format!(
            "/ui/messages/{}?done=replayed-{}",
            id,
            created.len()
        ))
        .into_response(),
        Err(e) => view::api_error(&e),
    }
}
