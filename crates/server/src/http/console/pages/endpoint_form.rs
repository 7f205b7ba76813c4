//! Creating and editing an endpoint: its URL, description, event types, extra headers,
//! metadata, rate limit and most requests in flight.
//!
//! Creating goes through [`admin::create`] with the same body the JSON API takes, editing
//! through [`admin::apply_patch`] with a JSON merge patch, so both are checked exactly as
//! there. What the form itself reads (numbers, `Name: value` lines) is checked first, every
//! field at once; then the manager's verdict names its field. Each error is shown on its field,
//! with the values entered kept.
//!
//! Header values are never shown: they may be credentials (the admin API lists header names
//! only). Editing sets headers by `Name: value` lines and removes them by name; metadata is
//! shown and edited whole.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use serde_json::{Map, Value, json};
use switchboard::webhooks::delivery::Endpoint;

use super::super::form::{Fields, Posted};
use super::super::{Operator, view};
use super::endpoints::{Shown, detail, events_text, load};
use crate::http::AppState;
use crate::http::admin::{self, CreateEndpoint, current_secret, endpoint_id};
use crate::http::error::ApiError;

/// The fields the form shows, which an error may be about, with their labels.
const FIELDS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("url", "URL"),
    ("description", "Description"),
    ("events", "Event types"),
    ("headers", "Headers"),
    ("metadata", "Metadata"),
    ("rate_limit", "Rate limit"),
    ("max_in_flight", "Most in flight"),
];

/// What the create and edit forms show: the values entered.
#[derive(Debug, Default)]
struct FormValues {
    name: String,
    url: String,
    /// The current URL, redacted, when editing.
    current_url: String,
    description: String,
    events: String,
    /// Headers to set, one `Name: value` a line.
    headers: String,
    /// When editing: the endpoint's header names, each with whether it is ticked for removal.
    current_headers: Vec<(String, bool)>,
    /// One `key: value` a line.
    metadata: String,
    rate_limit: String,
    max_in_flight: String,
    disabled: bool,
}

/// What was wrong with a posted form: messages by field, and one not about a field.
#[derive(Debug, Default)]
struct Problems {
    fields: Vec<(&'static str, String)>,
    general: Option<String>,
}

impl Problems {
    /// The error shown on `field`, if any.
    fn field(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.fields.push((field, message.into()));
    }

    fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_none()
    }

    /// The admin API's error: on its field when the form shows it, else above the form.
    fn of(e: &ApiError) -> Self {
        let mut problems = Problems::default();
        match e
            .field()
            .filter(|f| FIELDS.iter().any(|(name, _)| name == f))
        {
            Some(field) => problems.add(field, e.message()),
            None => problems.general = Some(e.message().to_owned()),
        }
        problems
    }

    /// The line above the form: the general problem, or how many fields need fixing.
    fn summary(&self) -> Option<String> {
        self.general.clone().or_else(|| match self.fields.len() {
            0 => None,
            1 => Some("Not saved: one field needs fixing.".to_owned()),
            n => Some(format!("Not saved: {n} fields need fixing.")),
        })
    }

    /// Each field error as the summary lists it: the field's id, label and message.
    fn listed(&self) -> Vec<(&'static str, &'static str, &str)> {
        self.fields
            .iter()
            .map(|(field, message)| {
                let label = FIELDS
                    .iter()
                    .find(|(name, _)| name == field)
                    .map_or(*field, |(_, label)| label);
                (*field, label, message.as_str())
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "console/endpoint_form.html")]
struct EditPage {
    chrome: view::Chrome,
    /// `None` when creating.
    id: Option<String>,
    values: FormValues,
    problems: Problems,
}

/// `GET /ui/endpoints/new`.
pub(crate) async fn new_form(operator: Operator) -> Response {
    view::render(&EditPage {
        chrome: operator.chrome("endpoints"),
        id: None,
        values: FormValues::default(),
        problems: Problems::default(),
    })
}

/// What the form's fields say, read and checked.
#[derive(Debug, Default)]
struct Parsed {
    events: Vec<String>,
    headers: Vec<(String, String)>,
    metadata: BTreeMap<String, String>,
    rate_limit: Option<u32>,
    max_in_flight: Option<u32>,
}

/// Reads the form's fields; every field that cannot be read gets its error.
fn parse(f: &Fields) -> Result<Parsed, Problems> {
    let mut problems = Problems::default();
    let mut lines = |field: &'static str| match pairs(f.raw(field)) {
        Ok(pairs) => pairs,
        Err(message) => {
            problems.add(field, message);
            Vec::new()
        }
    };
    let headers = lines("headers");
    let metadata = lines("metadata").into_iter().collect();
    let mut number = |field: &'static str| {
        let text = f.get(field)?;
        text.parse::<u32>().map_or_else(
            |_| {
                problems.add(field, format!("{text:?} is not a whole number"));
                None
            },
            Some,
        )
    };
    let rate_limit = number("rate_limit");
    let max_in_flight = number("max_in_flight");
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Parsed {
        events: f
            .raw("events")
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        headers,
        metadata,
        rate_limit,
        max_in_flight,
    })
}

/// `Name: value` lines (blank lines skipped); the error names the first line that is not.
fn pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => {
                out.push((name.trim().to_owned(), value.trim().to_owned()));
            }
            _ => {
                return Err(format!("line {}: {line:?} is not `name: value`", i + 1));
            }
        }
    }
    Ok(out)
}

/// `POST /ui/endpoints`: registers the endpoint and shows it with its secret, once.
pub(crate) async fn create(State(state): State<AppState>, posted: Posted) -> Response {
    let f = &posted.fields;
    let created = async {
        let parsed = parse(f)?;
        let mut body = json!({
            "name": f.get("name").unwrap_or(""),
            "url": f.get("url").unwrap_or(""),
            "events": parsed.events,
            "headers": parsed.headers.into_iter().collect::<BTreeMap<_, _>>(),
            "metadata": parsed.metadata,
            "disabled": f.has("disabled"),
            "rate_limit": parsed.rate_limit,
            "max_in_flight": parsed.max_in_flight,
        });
        if let Some(text) = f.get("description") {
            body["description"] = text.into();
        }
        let body: CreateEndpoint = serde_json::from_value(body).map_err(|e| Problems {
            general: Some(e.to_string()),
            ..Problems::default()
        })?;
        admin::create(&state, body)
            .await
            .map_err(|e| (e.status(), Problems::of(&e)))
            .map_err(Refused::from)
    }
    .await;
    match created {
        Ok(ep) => {
            let shown = Shown {
                secret: current_secret(&ep),
                ..Shown::default()
            };
            detail(&state, &posted.operator, &ep.id, shown).await
        }
        Err(Refused(status, problems)) => view::render_with(
            status,
            &EditPage {
                chrome: posted.operator.chrome("endpoints"),
                id: None,
                values: values_of(f, None),
                problems,
            },
        ),
    }
}

/// A refused form: the status to answer with and what to show.
struct Refused(StatusCode, Problems);

impl From<Problems> for Refused {
    fn from(problems: Problems) -> Self {
        Refused(StatusCode::BAD_REQUEST, problems)
    }
}

impl From<(StatusCode, Problems)> for Refused {
    fn from((status, problems): (StatusCode, Problems)) -> Self {
        Refused(status, problems)
    }
}

/// The values as posted; when editing, what the form shows of the endpoint `current`.
fn values_of(f: &Fields, current: Option<&Endpoint>) -> FormValues {
    let removed: Vec<&str> = f.all("remove_header").collect();
    FormValues {
        name: current.map_or_else(|| f.raw("name").to_owned(), |ep| ep.name.clone()),
        url: f.raw("url").to_owned(),
        current_url: current.map_or_else(String::new, |ep| switchboard::core::redact_url(&ep.url)),
        description: f.raw("description").to_owned(),
        events: f.raw("events").to_owned(),
        headers: f.raw("headers").to_owned(),
        current_headers: current.map_or_else(Vec::new, |ep| {
            ep.headers
                .iter()
                .map(|(name, _)| (name.clone(), removed.contains(&name.as_str())))
                .collect()
        }),
        metadata: f.raw("metadata").to_owned(),
        rate_limit: f.raw("rate_limit").to_owned(),
        max_in_flight: f.raw("max_in_flight").to_owned(),
        disabled: f.has("disabled"),
    }
}

/// The JSON merge patch the edit form stands for, against the endpoint as it is: blank fields
/// clear what can be cleared; ticked headers are removed and listed ones set; metadata becomes
/// exactly what the form lists.
fn patch_body(f: &Fields, parsed: Parsed, current: &Endpoint) -> Value {
    let mut patch = json!({
        "description": f.get("description"),
        "events": if parsed.events.is_empty() { Value::Null } else { json!(parsed.events) },
        "rate_limit": parsed.rate_limit,
        "max_in_flight": parsed.max_in_flight,
    });
    // A blank URL keeps the current one: the form never shows it in full (it may hold a token).
    if let Some(url) = f.get("url") {
        patch["url"] = url.into();
    }
    let mut headers: Map<String, Value> = f
        .all("remove_header")
        .map(|name| (name.to_owned(), Value::Null))
        .collect();
    headers.extend(parsed.headers.into_iter().map(|(k, v)| (k, v.into())));
    if !headers.is_empty() {
        patch["headers"] = headers.into();
    }
    let mut metadata: Map<String, Value> = current
        .metadata
        .keys()
        .filter(|k| !parsed.metadata.contains_key(*k))
        .map(|k| (k.clone(), Value::Null))
        .collect();
    metadata.extend(parsed.metadata.into_iter().map(|(k, v)| (k, v.into())));
    if !metadata.is_empty() {
        patch["metadata"] = metadata.into();
    }
    patch
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
        current_headers: ep.headers.iter().map(|(n, _)| (n.clone(), false)).collect(),
        metadata: ep
            .metadata
            .iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect(),
        rate_limit: ep.rate_limit.map(|n| n.to_string()).unwrap_or_default(),
        max_in_flight: ep.max_in_flight.to_string(),
        disabled: !ep.enabled,
    };
    view::render(&EditPage {
        chrome: operator.chrome("endpoints"),
        id: Some(ep.id.as_str().to_owned()),
        values,
        problems: Problems::default(),
    })
}

/// `POST /ui/endpoints/{id}`: applies the edit form.
pub(crate) async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let f = &posted.fields;
    let current = match load(&state, &id).await {
        Ok(ep) => ep,
        Err(e) => return view::api_error(&e),
    };
    let result = async {
        let parsed = parse(f)?;
        let patch = patch_body(f, parsed, &current);
        let id = endpoint_id(&id).map_err(|e| (e.status(), Problems::of(&e)))?;
        admin::apply_patch(&state, &id, &patch)
            .await
            .map_err(|e| Refused(e.status(), Problems::of(&e)))
    }
    .await;
    match result {
        Ok(ep) => {
            Redirect::to(&format!("/ui/endpoints/{}?done=saved", ep.id.as_str())).into_response()
        }
        Err(Refused(status, problems)) => view::render_with(
            status,
            &EditPage {
                chrome: posted.operator.chrome("endpoints"),
                id: Some(id),
                values: values_of(f, Some(&current)),
                problems,
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unreadable_field_gets_its_own_error() {
        let f = Fields::parse(
            b"headers=X-Team%3A+a%0Anot+a+pair&metadata=team%3A+billing&rate_limit=fast&max_in_flight=4",
        );
        let problems = parse(&f).unwrap_err();
        assert_eq!(
            problems.field("headers"),
            Some("line 2: \"not a pair\" is not `name: value`")
        );
        assert_eq!(
            problems.field("rate_limit"),
            Some("\"fast\" is not a whole number")
        );
        assert_eq!(problems.field("metadata"), None);
        assert_eq!(problems.field("max_in_flight"), None);
        assert_eq!(
            problems.summary().as_deref(),
            Some("Not saved: 2 fields need fixing.")
        );
    }
}
