//! Ingest: the configured sources (kind, event type, size limit; never their secrets), the
//! requests each has had since the gateway started (accepted, rejected by verification,
//! duplicates, errors: the counters `/metrics` exports) and the latest events it published.
//!
//! Why the latest requests were rejected comes from the same counters (the last few per source,
//! in memory: a restart clears them), in words that never repeat what the request carried.

use super::super::{Operator, view};
use super::messages::of_type;
use crate::config::IngestKind;
use crate::http::AppState;
use crate::http::error::ApiError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// Latest events shown per source.
const RECENT: usize = 10;

#[derive(Debug)]
struct SourceView {
    name: String,
    kind: String,
    event_type: String,
    max_body: usize,
    accepted: u64,
    rejected: u64,
    duplicate: u64,
    errors: u64,
    /// (message id, created)
    recent: Vec<(String, String)>,
    /// (when, why), newest first.
    rejections: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "console/ingest.html")]
struct Page {
    chrome: view::Chrome,
    sources: Vec<SourceView>,
}

/// `GET /ui/ingest`.
pub(crate) async fn show(State(state): State<AppState>, operator: Operator) -> Response {
    match build(&state).await {
        Ok(sources) => view::render(&Page {
            chrome: operator.chrome("ingest"),
            sources,
        }),
        Err(e) => view::api_error(&e),
    }
}

async fn build(state: &AppState) -> Result<Vec<SourceView>, ApiError> {
    let Some(webhooks) = &state.webhooks else {
        return Ok(Vec::new());
    };
    let mut names: Vec<&String> = webhooks.sources.keys().collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let source = &webhooks.sources[name];
        let counts = state.metrics.ingest_counts(name);
        let count = |outcome: &str| counts.get(outcome).copied().unwrap_or(0);
        // GitHub and Open WebUI events are published as `{event_type}.{event}`.
        let pattern = match source.kind {
            IngestKind::Github | IngestKind::OpenWebui => format!("{}.*", source.event_type),
            _ => source.event_type.clone(),
        };
        let recent = of_type(&webhooks.manager, &pattern, RECENT).await?;
        out.push(SourceView {
            name: name.clone(),
            kind: format!("{:?}", source.kind).to_lowercase(),
            event_type: pattern,
            max_body: source.max_body,
            accepted: count("accepted"),
            rejected: count("rejected"),
            duplicate: count("duplicate"),
            errors: count("error"),
            recent: recent
                .iter()
                .map(|m| (m.id.as_str().to_owned(), view::time(m.created_at)))
                .collect(),
            rejections: state
                .metrics
                .ingest_rejections(name)
                .into_iter()
                .map(|(at, why)| (view::time(at), why))
                .collect(),
        });
    }
    Ok(out)
}
