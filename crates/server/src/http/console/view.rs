//! What every console page shares: the frame ([`Chrome`]: navigation and the sign-out form's
//! CSRF token), rendering a template, the error and "console off" pages, and the way times,
//! durations and statuses are written.

use std::time::{SystemTime, UNIX_EPOCH};

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;

use crate::http::error::ApiError;

/// The page frame: which section is current, and the token the sign-out form carries.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    /// The operator's CSRF token.
    pub(crate) csrf: String,
    /// `overview`, `endpoints`, `messages`, `ingest` or `tools`.
    pub(crate) nav: &'static str,
}

/// Renders `page` with `status`.
pub(super) fn render_with<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a console page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the console could not render this page",
            )
                .into_response()
        }
    }
}

/// Renders `page` with `200 OK`.
pub(super) fn render<T: Template>(page: &T) -> Response {
    render_with(StatusCode::OK, page)
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

/// A page saying what went wrong (no navigation: the operator may not be signed in).
pub(super) fn error(status: StatusCode, message: &str) -> Response {
    render_with(
        status,
        &ErrorPage {
            status: status.as_u16(),
            message,
        },
    )
}

/// The error page for an error of the admin API's calls, with its status and message.
pub(super) fn api_error(e: &ApiError) -> Response {
    error(e.status(), e.message())
}

#[derive(Template)]
#[template(path = "console/off.html")]
struct OffPage;

/// The page served on every console path when there is no admin key.
pub(super) fn off() -> Response {
    render_with(StatusCode::SERVICE_UNAVAILABLE, &OffPage)
}

/// A time as `2026-01-02 03:04:05 UTC`.
pub(crate) fn time(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    chrono::DateTime::from_timestamp(secs, 0).map_or_else(
        || "?".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// A time as the `datetime-local` form value (UTC), `2026-01-02T03:04`.
pub(crate) fn local_input(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    chrono::DateTime::from_timestamp(secs, 0)
        .map_or_else(String::new, |t| t.format("%Y-%m-%dT%H:%M").to_string())
}

/// The CSS class of a delivery status (colour and icon).
pub(crate) fn status_class(status: &str) -> &'static str {
    match status {
        "delivered" => "ok",
        "dead_letter" => "bad",
        "in_flight" => "busy",
        _ => "wait",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_and_read_in_utc() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_767_323_045);
        assert_eq!(time(t), "2026-01-02 03:04:05 UTC");
        assert_eq!(local_input(t), "2026-01-02T03:04");
    }
}
