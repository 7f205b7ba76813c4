//! Bulk replays: replaying every message a search finds, as a background job
//! (`super::super::jobs`), and its page showing the progress live.
//!
//! The page's progress section is refreshed by the console's script from
//! `/ui/replays/{id}/progress`, an HTML fragment, every second while the job runs; without the
//! script the page offers a plain link to reload it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;

use super::super::form::Posted;
use super::super::jobs::{BULK, Job, Progress, StartError, State as JobState};
use super::super::{Operator, view};
use super::messages::{PAGE, Search, message_query};
use crate::http::AppState;
use crate::http::admin::{endpoint_id, manager, manager_error};
use crate::http::error::ApiError;

/// A bulk replay as the Messages page lists it.
#[derive(Debug)]
pub(crate) struct Summary {
    pub(crate) id: String,
    pub(crate) search: String,
    pub(crate) state: String,
    pub(crate) class: &'static str,
}

/// The kept bulk replays, newest first.
pub(crate) fn summaries(state: &AppState) -> Vec<Summary> {
    state
        .console
        .jobs
        .recent()
        .iter()
        .map(|job| {
            let p = job.progress();
            let (state, class) = state_text(&p);
            Summary {
                id: job.id.clone(),
                search: describe(&job.search),
                state: format!("{state}: {} messages replayed", p.messages),
                class,
            }
        })
        .collect()
}

/// The state in words and its colour.
fn state_text(p: &Progress) -> (&'static str, &'static str) {
    match (&p.state, p.failures) {
        (JobState::Running, _) => ("running", "busy"),
        (JobState::Failed(_), _) => ("failed", "bad"),
        (_, 1..) => ("done with failures", "bad"),
        (JobState::Capped, _) => ("stopped at the limit", "wait"),
        (JobState::Done, _) => ("done", "ok"),
    }
}

/// A search's query string in words: `event_type=order.*, status=dead_letter`.
fn describe(query: &str) -> String {
    let parts: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if parts.is_empty() {
        "every message".to_owned()
    } else {
        parts.join(", ")
    }
}

/// `POST /ui/messages/replay`: checks the posted search and starts replaying it in the
/// background, then shows the job's page. A bad search or an unknown endpoint is refused
/// before anything starts.
pub(crate) async fn start(State(state): State<AppState>, posted: Posted) -> Response {
    let search = Search::posted(&posted.fields);
    let checked = async {
        let query = message_query(&search, None, PAGE)?;
        let endpoint = search.endpoint().map(endpoint_id).transpose()?;
        if let Some(id) = &endpoint {
            manager(&state)?
                .endpoint(id)
                .await
                .map_err(|e| manager_error(&e))?;
        }
        Ok::<_, ApiError>((query, endpoint))
    }
    .await;
    let (query, endpoint) = match checked {
        Ok(checked) => checked,
        Err(e) => return view::api_error(&e),
    };
    let started = state
        .console
        .jobs
        .start(state.clone(), query, endpoint, search.query(None));
    match started {
        Ok(job) => {
            tracing::info!(job = %job.id, search = %job.search, "console: bulk replay started");
            Redirect::to(&format!("/ui/replays/{}", job.id)).into_response()
        }
        Err(e @ StartError::Busy) => view::error(StatusCode::TOO_MANY_REQUESTS, &e.to_string()),
        Err(e @ StartError::NoRandomness(_)) => {
            tracing::error!(error = %e, "console: bulk replay not started");
            view::error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())
        }
    }
}

/// The progress section, alone (the fragment the script polls) or inside the page.
#[derive(Template)]
#[template(path = "console/replay_progress.html")]
struct ProgressView {
    id: String,
    running: bool,
    state: &'static str,
    class: &'static str,
    pages: u64,
    messages: u64,
    deliveries: u64,
    failures: u64,
    last_failure: String,
    /// Why it stopped, when it did not simply finish.
    reason: String,
    started: String,
    finished: String,
}

impl ProgressView {
    fn of(job: &Job) -> Self {
        let p = job.progress();
        let (state, class) = state_text(&p);
        let reason = match &p.state {
            JobState::Failed(reason) => reason.clone(),
            JobState::Capped => format!(
                "A bulk replay sends at most {BULK} messages; more matched. Start it again to continue (deliveries still waiting are not duplicated)."
            ),
            JobState::Running | JobState::Done => String::new(),
        };
        ProgressView {
            id: job.id.clone(),
            running: p.state == JobState::Running,
            state,
            class,
            pages: p.pages,
            messages: p.messages,
            deliveries: p.deliveries,
            failures: p.failures,
            last_failure: p.last_failure.clone().unwrap_or_default(),
            reason,
            started: view::time(p.started),
            finished: p.finished.map(view::time).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/replay.html")]
struct Page {
    chrome: view::Chrome,
    search: String,
    back: String,
    progress: ProgressView,
}

/// The page for a job that is not (or no longer) kept.
fn gone() -> Response {
    view::error(
        StatusCode::NOT_FOUND,
        "No such bulk replay: finished ones are kept for an hour, and none survive a restart.",
    )
}

/// `GET /ui/replays/{id}`: the job's page.
pub(crate) async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
) -> Response {
    match state.console.jobs.get(&id) {
        Some(job) => view::render(&Page {
            chrome: operator.chrome("messages"),
            search: describe(&job.search),
            back: format!("/ui/messages?{}", job.search),
            progress: ProgressView::of(&job),
        }),
        None => gone(),
    }
}

/// `GET /ui/replays/{id}/progress`: the progress section alone, for the script.
pub(crate) async fn progress(
    State(state): State<AppState>,
    _operator: Operator,
    Path(id): Path<String>,
) -> Response {
    match state.console.jobs.get(&id) {
        Some(job) => view::render(&ProgressView::of(&job)),
        None => gone(),
    }
}
