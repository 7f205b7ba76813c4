//! Endpoints: the list with each one's state, creating and editing, enabling and disabling,
//! rotating the signing secret (the new one shown once, on the answer to the rotation),
//! recovering dead-lettered deliveries since a time, and one endpoint's recent deliveries.
//!
//! Creating goes through [`admin::create`] with the same body the JSON API takes, editing
//! through [`admin::apply_patch`] with a JSON merge patch, so both are checked exactly as
//! there.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchboard::webhooks::delivery::{
    AttemptQuery, DeliveryQuery, Endpoint, EndpointId, EventFilter,
};

use super::super::form::{Fields, Posted};
use super::super::{Operator, view};
use crate::http::AppState;
use crate::http::admin::{
    self, CreateEndpoint, ROTATION_OVERLAP, current_secret, endpoint_id, manager, manager_error,
};
use crate::http::error::ApiError;

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

fn events_text(events: &EventFilter) -> String {
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

/// What the create and edit forms show: the values entered, and what was wrong with them.
#[derive(Debug, Default)]
struct FormValues {
    name: String,
    url: String,
    /// The current URL, redacted, when editing.
    current_url: String,
    description: String,
    events: String,
    headers: String,
    rate_limit: String,
    max_in_flight: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "console/endpoint_form.html")]
struct EditPage {
    chrome: view::Chrome,
    /// `None` when creating.
    id: Option<String>,
    values: FormValues,
    problem: Option<String>,
}

/// `GET /ui/endpoints/new`.
pub(crate) async fn new_form(operator: Operator) -> Response {
    view::render(&EditPage {
        chrome: operator.chrome("endpoints"),
        id: None,
        values: FormValues::default(),
        problem: None,
    })
}

/// `POST /ui/endpoints`: registers the endpoint and shows it with its secret, once.
pub(crate) async fn create(State(state): State<AppState>, posted: Posted) -> Response {
    let f = &posted.fields;
    let values = values_of(f);
    let created = async {
        let body = create_body(f)?;
        let body: CreateEndpoint = serde_json::from_value(body)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string()))?;
        admin::create(&state, body).await
    }
    .await;
    match created {
        Ok(ep) => detail(&state, &posted.operator, &ep.id, current_secret(&ep), None).await,
        Err(e) => view::render_with(
            e.status(),
            &EditPage {
                chrome: posted.operator.chrome("endpoints"),
                id: None,
                values,
                problem: Some(e.message().to_owned()),
            },
        ),
    }
}

fn values_of(f: &Fields) -> FormValues {
    FormValues {
        name: f.raw("name").to_owned(),
        url: f.raw("url").to_owned(),
        current_url: String::new(),
        description: f.raw("description").to_owned(),
        events: f.raw("events").to_owned(),
        headers: f.raw("headers").to_owned(),
        rate_limit: f.raw("rate_limit").to_owned(),
        max_in_flight: f.raw("max_in_flight").to_owned(),
        disabled: f.has("disabled"),
    }
}

fn bad(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        format!("{field}: {message}"),
    )
}

/// The events field: types separated by commas or spaces.
fn event_list(f: &Fields) -> Vec<String> {
    f.raw("events")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The headers field: one `Name: value` a line.
fn header_map(f: &Fields) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for line in f
        .raw("headers")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("headers", format!("{line:?} is not `Name: value`")))?;
        out.insert(name.trim().to_owned(), value.trim().into());
    }
    Ok(out)
}

fn number(f: &Fields, field: &str) -> Result<Option<u32>, ApiError> {
    f.get(field)
        .map(|v| {
            v.parse::<u32>()
                .map_err(|_| bad(field, format!("{v:?} is not a whole number")))
        })
        .transpose()
}

/// The JSON body of `POST /admin/endpoints` the create form stands for.
fn create_body(f: &Fields) -> Result<Value, ApiError> {
    let mut body = json!({
        "name": f.get("name").unwrap_or(""),
        "url": f.get("url").unwrap_or(""),
        "events": event_list(f),
        "headers": header_map(f)?,
        "disabled": f.has("disabled"),
    });
    if let Some(text) = f.get("description") {
        body["description"] = text.into();
    }
    if let Some(n) = number(f, "rate_limit")? {
        body["rate_limit"] = n.into();
    }
    if let Some(n) = number(f, "max_in_flight")? {
        body["max_in_flight"] = n.into();
    }
    Ok(body)
}

/// The JSON merge patch the edit form stands for: blank fields clear what can be cleared.
fn patch_body(f: &Fields) -> Result<Value, ApiError> {
    let events = event_list(f);
    let mut patch = json!({
        "description": f.get("description"),
        "events": if events.is_empty() { Value::Null } else { json!(events) },
        "rate_limit": number(f, "rate_limit")?,
        "max_in_flight": number(f, "max_in_flight")?,
    });
    // A blank URL keeps the current one: the form never shows it in full (it may hold a token).
    if let Some(url) = f.get("url") {
        patch["url"] = url.into();
    }
    Ok(patch)
}

/// `GET /ui/endpoints/{id}/edit`.
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Response {
    let ep = match load(&state, &id).await {
        Ok(ep) => ep,
        Err(e) => return view::api_error(&e),
    };
    let values = FormValues {
        name: ep.name.clone(),
        url: String::new(),
        current_url: switchboard::core::redact_url(&ep.url),
        description: ep.description.clone().unwrap_or_default(),
        events: events_text(&ep.events),
        headers: String::new(),
        rate_limit: ep.rate_limit.map(|n| n.to_string()).unwrap_or_default(),
        max_in_flight: ep.max_in_flight.to_string(),
        disabled: !ep.enabled,
    };
    view::render(&EditPage {
        chrome: operator.chrome("endpoints"),
        id: Some(ep.id.as_str().to_owned()),
        values,
        problem: None,
    })
}

/// `POST /ui/endpoints/{id}`: applies the edit form.
pub(crate) async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let f = &posted.fields;
    let result = async {
        let id = endpoint_id(&id)?;
        let patch = patch_body(f)?;
        admin::apply_patch(&state, &id, &patch).await
    }
    .await;
    match result {
        Ok(ep) => {
            Redirect::to(&format!("/ui/endpoints/{}?done=saved", ep.id.as_str())).into_response()
        }
        Err(e) => {
            let mut values = values_of(f);
            if let Ok(ep) = load(&state, &id).await {
                values.name = ep.name;
                values.current_url = switchboard::core::redact_url(&ep.url);
            }
            view::render_with(
                e.status(),
                &EditPage {
                    chrome: posted.operator.chrome("endpoints"),
                    id: Some(id),
                    values,
                    problem: Some(e.message().to_owned()),
                },
            )
        }
    }
}

async fn load(state: &AppState, id: &str) -> Result<Endpoint, ApiError> {
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
                let since =
                    crate::http::admin::parse_time("since", text).map_err(|e| bad("since", e))?;
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
        Ok((id, Done::Secret(secret))) => detail(&state, &posted.operator, &id, secret, None).await,
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
    ticks: Vec<Tick>,
    success: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DetailQuery {
    done: Option<String>,
}

/// `GET /ui/endpoints/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let id = match endpoint_id(&id) {
        Ok(id) => id,
        Err(e) => return view::api_error(&e),
    };
    detail(&state, &operator, &id, None, q.done.as_deref()).await
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

async fn detail(
    state: &AppState,
    operator: &Operator,
    id: &EndpointId,
    secret: Option<String>,
    done: Option<&str>,
) -> Response {
    match detail_page(state, operator, id, secret, done).await {
        Ok(page) => view::render(&page),
        Err(e) => view::api_error(&e),
    }
}

async fn detail_page(
    state: &AppState,
    operator: &Operator,
    id: &EndpointId,
    secret: Option<String>,
    done: Option<&str>,
) -> Result<Detail, ApiError> {
    let m = manager(state)?;
    let err = |e| manager_error(&e);
    let ep = m.endpoint(id).await.map_err(err)?;
    let deliveries = m
        .deliveries(&DeliveryQuery {
            endpoint: Some(id.clone()),
            limit: 50,
            ..DeliveryQuery::default()
        })
        .await
        .map_err(err)?
        .data;
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
        secret,
        notice: done.and_then(notice),
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
