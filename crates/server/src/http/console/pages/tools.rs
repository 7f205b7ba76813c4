//! Tools: every offered tool with its description and input schema, a form generated from the
//! schema to try a call, and the audit trail of calls.
//!
//! A tried call goes through [`dispatch`] like `POST /tools/{name}`: the policy and limits of
//! the caller it is made as (the anonymous caller, or a configured token the operator picks),
//! the registry's validation, the audit trail (transport `console`). Validation errors are
//! shown next to the field their JSON pointer names.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use http::StatusCode;
use serde_json::Value;
use switchboard::functions::{Arguments, CallError, ToolCall, ToolDefinition};
use switchboard::webhooks::delivery::Cursor;

use super::super::form::Posted;
use super::super::{Operator, view};
use super::schema_form::{self, Field};
use crate::audit::{CallParams, OUTCOMES, Transport, format_time};
use crate::http::AppState;
use crate::http::caller::Caller;
use crate::http::dispatch::{Outcome, dispatch};
use crate::http::error::ApiError;

#[derive(Debug)]
struct ToolRow {
    name: String,
    description: String,
}

#[derive(Template)]
#[template(path = "console/tools.html")]
struct List {
    chrome: view::Chrome,
    tools: Vec<ToolRow>,
}

/// `GET /ui/tools`.
pub(crate) async fn list(State(state): State<AppState>, operator: Operator) -> Response {
    let mut tools: Vec<ToolRow> = state
        .registry
        .definitions()
        .iter()
        .map(|d| ToolRow {
            name: d.name().to_owned(),
            description: d.description().to_owned(),
        })
        .collect();
    tools.sort_by(|a, b| a.name.cmp(&b.name));
    view::render(&List {
        chrome: operator.chrome("tools"),
        tools,
    })
}

#[derive(Template)]
#[template(path = "console/tool.html")]
struct Detail {
    chrome: view::Chrome,
    name: String,
    description: String,
    schema: String,
    fields: Vec<Field>,
    /// The callers to call as: (index, label, selected).
    callers: Vec<(usize, String, bool)>,
    problem: Option<String>,
    result: Option<String>,
}

/// Who a tried call may be made as, labelled.
fn callers(state: &AppState) -> Vec<(String, Arc<Caller>)> {
    state
        .identity
        .base_callers()
        .into_iter()
        .map(|c| {
            let label = c.token_name().map_or_else(
                || "anonymous (no tokens configured)".to_owned(),
                |t| format!("token {t}"),
            );
            (label, c)
        })
        .collect()
}

fn page(state: &AppState, operator: &Operator, def: &ToolDefinition, chosen: usize) -> Detail {
    Detail {
        chrome: operator.chrome("tools"),
        name: def.name().to_owned(),
        description: def.description().to_owned(),
        schema: serde_json::to_string_pretty(def.parameters()).unwrap_or_default(),
        fields: schema_form::fields(def.parameters()),
        callers: callers(state)
            .into_iter()
            .enumerate()
            .map(|(i, (label, _))| (i, label, i == chosen))
            .collect(),
        problem: None,
        result: None,
    }
}

fn unknown(name: &str) -> Response {
    view::error(
        StatusCode::NOT_FOUND,
        &format!("There is no tool {name:?}."),
    )
}

/// `GET /ui/tools/{name}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
) -> Response {
    match state.registry.definition(&name) {
        Some(def) => view::render(&page(&state, &operator, &def, 0)),
        None => unknown(&name),
    }
}

/// `POST /ui/tools/{name}`: runs the tool with the form's arguments.
pub(crate) async fn call(
    State(state): State<AppState>,
    Path(name): Path<String>,
    posted: Posted,
) -> Response {
    let Some(def) = state.registry.definition(&name) else {
        return unknown(&name);
    };
    let f = &posted.fields;
    let all = callers(&state);
    let chosen = f
        .get("as")
        .and_then(|i| i.parse::<usize>().ok())
        .filter(|i| *i < all.len())
        .unwrap_or(0);
    let mut detail = page(&state, &posted.operator, &def, chosen);
    for field in &mut detail.fields {
        field.value = f.raw(&field.input_name()).to_owned();
    }
    let arguments = match schema_form::arguments(&mut detail.fields) {
        Some(arguments) => arguments,
        None => return view::render_with(StatusCode::UNPROCESSABLE_ENTITY, &detail),
    };
    let Some((_, caller)) = all.get(chosen) else {
        detail.problem = Some("No caller is configured to call tools as.".to_owned());
        return view::render_with(StatusCode::FORBIDDEN, &detail);
    };
    let tool_call = ToolCall::new(name, Arguments::Value(Value::Object(arguments)));
    let status = match dispatch(&state, caller, Transport::Console, tool_call, None).await {
        Outcome::Refused(refused) => {
            detail.problem = Some(refused.message());
            StatusCode::FORBIDDEN
        }
        Outcome::Ran(result) => match result.into_outcome() {
            Ok(value) => {
                detail.result = Some(serde_json::to_string_pretty(&value).unwrap_or_default());
                StatusCode::OK
            }
            Err(err) => failed(&mut detail, &err),
        },
    };
    view::render_with(status, &detail)
}

/// Puts a failed call's message on the page, its violations on their fields.
fn failed(detail: &mut Detail, err: &CallError) -> StatusCode {
    let api = ApiError::from_call(err);
    let mut unplaced = Vec::new();
    for v in err.violations() {
        if !schema_form::place(&mut detail.fields, v.pointer(), v.message()) {
            unplaced.push(v.to_string());
        }
    }
    detail.problem = Some(if err.violations().is_empty() {
        api.message().to_owned()
    } else if unplaced.is_empty() {
        "The arguments are not valid: see the fields marked below.".to_owned()
    } else {
        format!("The arguments are not valid: {}", unplaced.join("; "))
    });
    api.status()
}

#[derive(Debug)]
struct CallRowView {
    at: String,
    caller: String,
    tool: String,
    transport: String,
    outcome: String,
    ok: bool,
    duration_ms: String,
    arguments: String,
}

#[derive(Template)]
#[template(path = "console/tool_calls.html")]
struct Calls {
    chrome: view::Chrome,
    filter: Filter,
    outcomes: &'static [&'static str],
    rows: Vec<CallRowView>,
    /// Query strings of the newer and the older page of the same filter.
    newer: Option<String>,
    older: Option<String>,
    problem: Option<String>,
}

/// The audit filter form's values, blanks as empty strings.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Filter {
    #[serde(default)]
    caller: String,
    #[serde(default)]
    tool: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    /// A page cursor of the admin API's listing.
    #[serde(default)]
    iterator: String,
}

impl Filter {
    fn params(&self) -> CallParams {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        CallParams {
            caller: some(&self.caller),
            tool: some(&self.tool),
            outcome: some(&self.outcome),
            since: some(&self.since),
            until: some(&self.until),
            limit: Some("50".to_owned()),
            iterator: some(&self.iterator),
        }
    }

    /// This filter's query string with another page cursor.
    fn with_iterator(&self, iterator: &Cursor) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("caller", &self.caller)
            .append_pair("tool", &self.tool)
            .append_pair("outcome", &self.outcome)
            .append_pair("since", &self.since)
            .append_pair("until", &self.until)
            .append_pair("iterator", &iterator.encode())
            .finish()
    }
}

/// `GET /ui/tool-calls`: the audit trail, 50 a page, newest first.
pub(crate) async fn calls(
    State(state): State<AppState>,
    operator: Operator,
    Query(filter): Query<Filter>,
) -> Response {
    let (mut newer, mut older) = (None, None);
    let (rows, problem) = match crate::http::calls::page(&state, &filter.params()).await {
        Ok(page) => {
            // The newer link only once the listing has moved off the newest rows.
            if !filter.iterator.trim().is_empty() {
                newer = page.prev.as_ref().map(|c| filter.with_iterator(c));
            }
            older = page.next.as_ref().map(|c| filter.with_iterator(c));
            let rows = page
                .data
                .iter()
                .map(|row| CallRowView {
                    at: format_time(row.at_us),
                    caller: row.caller_label().to_owned(),
                    tool: row.tool.clone(),
                    transport: row.transport.clone(),
                    outcome: row.outcome.clone(),
                    ok: row.outcome == "ok",
                    duration_ms: format!("{:.1}", row.duration_us as f64 / 1000.0),
                    arguments: row.arguments.clone().unwrap_or_default(),
                })
                .collect();
            (rows, None)
        }
        Err(e) => (Vec::new(), Some(e.message().to_owned())),
    };
    view::render(&Calls {
        chrome: operator.chrome("tools"),
        filter,
        outcomes: OUTCOMES,
        rows,
        newer,
        older,
        problem,
    })
}
