//! Endpoints: the list with each one's state, enabling and disabling, rotating the signing
//! secret (the new one shown once, on the answer to the rotation), recovering dead-lettered
//! deliveries since a time, and one endpoint's page: its settings, recent attempts and its
//! deliveries, paged with the admin API's cursors. Creating and editing are in
//! `super::endpoint_form`.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use serde::Deserialize;
use switchboard::webhooks::delivery::{
    AttemptQuery, Cursor, DeliveryQuery, Endpoint, EndpointId, EventFilter,
};

use super::super::form::Posted;
use super::super::{Operator, view};
use crate::http::AppState;
use crate::http::admin::{ROTATION_OVERLAP, current_secret, endpoint_id, manager, manager_error};
use crate::http::error::ApiError;

/// Most deliveries one page of an endpoint's page lists.
const DELIVERIES: usize = 50;

/// An endpoint as the lists show it.
#[derive(Debug)]
pub(crate) struct EndpointRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) events: String,
    /// `ok`, `bad` (failing) or `off` (disabled): the state's colour.
    pub(crate) class: &'static str,
    /// The state in words: enabled, failing since …, disabled (why).
    pub(crate) state: String,
}

impl EndpointRow {
    pub(crate) fn of(e: &Endpoint) -> Self {
        let (class, state) = match (e.enabled, e.failing_since) {
            (false, _) => (
                "off",
                format!(
                    "disabled ({})",
                    e.disabled_reason.map_or("manual", |r| r.as_str())
                ),
            ),
            (true, Some(since)) => ("bad", format!("failing since {}", view::time(since))),
            (true, None) => ("ok", "enabled".to_owned()),
        };
        EndpointRow {
            id: e.id.as_str().to_owned(),
            name: e.name.clone(),
            url: switchboard::core::redact_url(&e.url),
            events: events_text(&e.events),
            class,
            state,
        }
    }
}

pub(super) fn events_text(events: &EventFilter) -> String {
    match events {
        EventFilter::All => String::new(),
        EventFilter::Only(types) => types.join(", "),
    }
}

/// Endpoint names by id, for tables of deliveries.
#[derive(Debug, Default)]
pub(crate) struct Names(HashMap<String, String>);

impl Names {
    /// The endpoint's name, or its id when it is gone.
    pub(crate) fn name(&self, id: &EndpointId) -> String {
        self.0
            .get(id.as_str())
            .cloned()
            .unwrap_or_else(|| id.as_str().to_owned())
    }
}

pub(crate) fn endpoint_names(endpoints: &[Endpoint]) -> Names {
    Names(
        endpoints
            .iter()
            .map(|e| (e.id.as_str().to_owned(), e.name.clone()))
            .collect(),
    )
}

#[derive(Template)]
#[template(path = "console/endpoints.html")]
struct List {
    chrome: view::Chrome,
    rows: Vec<EndpointRow>,
}

/// `GET /ui/endpoints`.
pub(crate) async fn list(State(state): State<AppState>, operator: Operator) -> Response {
    let endpoints = match manager(&state) {
        Ok(m) => m.list().await.map_err(|e| manager_error(&e)),
        Err(e) => Err(e),
    };
    match endpoints {
        Ok(list) => view::render(&List {
            chrome: operator.chrome("endpoints"),
            rows: list.iter().map(EndpointRow::of).collect(),
        }),
        Err(e) => view::api_error(&e),
    }
}

pub(super) async fn load(state: &AppState, id: &str) -> Result<Endpoint, ApiError> {
    manager(state)?
        .endpoint(&endpoint_id(id)?)
        .await
        .map_err(|e| manager_error(&e))
}

/// `POST /ui/endpoints/{id}/{enable|disable|rotate|recover}`.
pub(crate) async fn action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let result = async {
        let id = endpoint_id(&id)?;
        let m = manager(&state)?;
        let err = |e| manager_error(&e);
        match action.as_str() {
            "enable" => m
                .enable(&id)
                .await
                .map_err(err)
                .map(|()| Done::Notice("enabled".into())),
            "disable" => m
                .disable(&id)
                .await
                .map_err(err)
                .map(|()| Done::Notice("disabled".into())),
            "rotate" => {
                let ep = m
                    .rotate_secret(&id, None, ROTATION_OVERLAP)
                    .await
                    .map_err(err)?;
                Ok(Done::Secret(current_secret(&ep)))
            }
            "recover" => {
                let text = posted.fields.get("since").unwrap_or("");
                let since = crate::http::admin::parse_time("since", text)
                    .map_err(|e| ApiError::bad_parameter("since", e))?;
                let n = m.recover(&id, since).await.map_err(err)?;
                Ok(Done::Notice(format!("recovered-{n}")))
            }
            other => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no endpoint action {other:?}"),
            )),
        }
        .map(|done| (id, done))
    }
    .await;
    match result {
        Ok((id, Done::Notice(code))) => {
            Redirect::to(&format!("/ui/endpoints/{}?done={code}", id.as_str())).into_response()
        }
        Ok((id, Done::Secret(secret))) => {
            let shown = Shown {
                secret,
                ..Shown::default()
            };
            detail(&state, &posted.operator, &id, shown).await
        }
        Err(e) => view::api_error(&e),
    }
}

enum Done {
    Notice(String),
    Secret(Option<String>),
}

/// One delivery of an endpoint.
#[derive(Debug)]
struct DeliveryRow {
    message: String,
    status: String,
    class: &'static str,
    attempts: u32,
    updated: String,
}

/// One square of the recent-attempts strip: green delivered, red failed.
#[derive(Debug)]
struct Tick {
    x: usize,
    ok: bool,
    label: String,
}

#[derive(Template)]
#[template(path = "console/endpoint.html")]
struct Detail {
    chrome: view::Chrome,
    row: EndpointRow,
    description: String,
    rate_limit: String,
    max_in_flight: u32,
    keys: usize,
    enabled: bool,
    created: String,
    secret: Option<String>,
    notice: Option<String>,
    recover_since: String,
    deliveries: Vec<DeliveryRow>,
    /// Links to the newer and the older page of deliveries.
    newer: Option<String>,
    older: Option<String>,
    page_size: usize,
    ticks: Vec<Tick>,
    success: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DetailQuery {
    done: Option<String>,
    /// A page cursor of the admin API's delivery listing.
    iterator: Option<String>,
}

/// `GET /ui/endpoints/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let parsed = endpoint_id(&id).and_then(|id| {
        let cursor = q
            .iterator
            .as_deref()
            .map(Cursor::decode)
            .transpose()
            .map_err(|e| ApiError::bad_parameter("iterator", e.to_string()))?;
        Ok((id, cursor))
    });
    let (id, cursor) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return view::api_error(&e),
    };
    let shown = Shown {
        secret: None,
        done: q.done.as_deref(),
        cursor,
    };
    detail(&state, &operator, &id, shown).await
}

/// What an endpoint's page shows beyond the endpoint: the secret just made, the notice of
/// what was just done, and where its deliveries' page starts.
#[derive(Debug, Default)]
pub(super) struct Shown<'a> {
    pub(super) secret: Option<String>,
    pub(super) done: Option<&'a str>,
    pub(super) cursor: Option<Cursor>,
}

fn notice(code: &str) -> Option<String> {
    Some(match code {
        "saved" => "Saved.".to_owned(),
        "enabled" => "Enabled: its waiting deliveries resume.".to_owned(),
        "disabled" => "Disabled: its deliveries wait until it is enabled again.".to_owned(),
        _ => {
            let n: u64 = code.strip_prefix("recovered-")?.parse().ok()?;
            format!("Requeued {n} dead-lettered deliveries.")
        }
    })
}

pub(super) async fn detail(
    state: &AppState,
    operator: &Operator,
    id: &EndpointId,
    shown: Shown<'_>,
) -> Response {
    match detail_page(state, operator, id, shown).await {
        Ok(page) => view::render(&page),
        Err(e) => view::api_error(&e),
    }
}

async fn detail_page(
    state: &AppState,
    operator: &Operator,
    id: &EndpointId,
    shown: Shown<'_>,
) -> Result<Detail, ApiError> {
    let m = manager(state)?;
    let err = |e| manager_error(&e);
    let ep = m.endpoint(id).await.map_err(err)?;
    let paged = shown.cursor.is_some();
    let page = m
        .deliveries(&DeliveryQuery {
            endpoint: Some(id.clone()),
            cursor: shown.cursor,
            limit: DELIVERIES,
            ..DeliveryQuery::default()
        })
        .await
        .map_err(err)?;
    let link = |c: &Cursor| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("iterator", &c.encode())
            .finish();
        format!("/ui/endpoints/{}?{query}#deliveries-h", id.as_str())
    };
    // The newer link only once the listing has moved off the newest rows.
    let newer = paged.then(|| page.prev.as_ref().map(link)).flatten();
    let older = page.next.as_ref().map(link);
    let deliveries = page.data;
    let mut attempts = m
        .attempts(&AttemptQuery {
            endpoint: Some(id.clone()),
            limit: 60,
            ..AttemptQuery::default()
        })
        .await
        .map_err(err)?
        .data;
    attempts.reverse();
    let ok = attempts.iter().filter(|a| a.succeeded()).count();
    let success = if attempts.is_empty() {
        "no attempts yet".to_owned()
    } else {
        format!("{ok} of the last {} attempts delivered", attempts.len())
    };
    let since = ep
        .failing_since
        .unwrap_or_else(|| SystemTime::now() - Duration::from_secs(24 * 3600));
    Ok(Detail {
        chrome: operator.chrome("endpoints"),
        row: EndpointRow::of(&ep),
        description: ep.description.clone().unwrap_or_default(),
        rate_limit: ep
            .rate_limit
            .map_or_else(|| "none".to_owned(), |n| format!("{n} per second")),
        max_in_flight: ep.max_in_flight,
        keys: ep.keys.len(),
        enabled: ep.enabled,
        created: view::time(ep.created_at),
        secret: shown.secret,
        notice: shown.done.and_then(notice),
        recover_since: view::local_input(since),
        deliveries: deliveries
            .iter()
            .map(|d| DeliveryRow {
                message: d.message_id.as_str().to_owned(),
                status: d.status.as_str().to_owned(),
                class: view::status_class(d.status.as_str()),
                attempts: d.attempts,
                updated: view::time(d.updated_at),
            })
            .collect(),
        newer,
        older,
        page_size: DELIVERIES,
        ticks: attempts
            .iter()
            .enumerate()
            .map(|(i, a)| Tick {
                x: i * 6,
                ok: a.succeeded(),
                label: format!(
                    "{}: {}",
                    view::time(a.at),
                    a.status
                        .map_or_else(|| "no answer".to_owned(), |s| s.to_string())
                ),
            })
            .collect(),
        success,
    })
}
