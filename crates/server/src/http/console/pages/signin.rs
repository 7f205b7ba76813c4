//! Sign-in and sign-out: the admin key is exchanged for a session cookie, and the session is
//! closed on sign-out. The key itself is never stored in the browser.

use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, StatusCode, header};

use super::super::form::{Posted, read};
use super::super::{COOKIE, session_cookie, session_id, view};
use crate::http::AppState;

#[derive(Template)]
#[template(path = "console/signin.html")]
struct SignIn<'a> {
    problem: Option<&'a str>,
}

/// `GET /ui/login`: the sign-in form (the overview when already signed in).
pub(crate) async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if state.webhooks.is_none() {
        return view::off();
    }
    if session_id(&headers).is_some_and(|id| state.console.get(id).is_some()) {
        return Redirect::to("/ui").into_response();
    }
    view::render(&SignIn { problem: None })
}

/// `POST /ui/login`: checks the admin key (constant time, over its digest) and opens a
/// session. Another site cannot post here: the browser guard refuses its `Origin`.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(webhooks) = &state.webhooks else {
        return view::off();
    };
    let fields = match read(body).await {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let key = fields.get("key").unwrap_or("");
    if !webhooks.admin.matches(key) {
        tracing::info!("console sign-in refused: wrong admin key");
        return view::render_with(
            StatusCode::UNAUTHORIZED,
            &SignIn {
                problem: Some("That is not the admin key."),
            },
        );
    }
    // A new sign-in never continues a session the browser already had (no fixation).
    if let Some(old) = session_id(&headers) {
        state.console.close(old);
    }
    let (id, _) = match state.console.open() {
        Ok(opened) => opened,
        Err(e) => {
            tracing::error!(error = %e, "console sign-in failed");
            return view::error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
        }
    };
    tracing::info!("console: operator signed in");
    let cookie = session_cookie(&id, state.console.lifetime().as_secs(), &headers);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/ui")).into_response()
}

/// `POST /ui/logout`: closes the session and clears the cookie.
pub(crate) async fn sign_out(State(state): State<AppState>, posted: Posted) -> Response {
    state.console.close(&posted.operator.id);
    let clear = format!("{COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/ui/login")).into_response()
}
