//! Sign-in and sign-out: the admin key is exchanged for a session cookie, and the session is
//! closed on sign-out. The key itself is never stored in the browser. Failed sign-ins are
//! limited per client address and overall (`super::super::throttle`).

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};

use super::super::form::{Posted, read};
use super::super::throttle::{Client, Limited, client_of};
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
    if session_id(&headers).is_some_and(|id| state.console.sessions.get(id).is_some()) {
        return Redirect::to("/ui").into_response();
    }
    view::render(&SignIn { problem: None })
}

/// `POST /ui/login`: checks the admin key (constant time, over its digest) and opens a
/// session. Another site cannot post here: the browser guard refuses its `Origin`. A client
/// past the sign-in limiter's cap is answered 429 before its key is looked at.
pub(crate) async fn sign_in(State(state): State<AppState>, request: Request) -> Response {
    let Some(webhooks) = &state.webhooks else {
        return view::off();
    };
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let client: Client = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| client_of(peer.ip()));
    if let Err(limited) = state.console.sign_in.check(client) {
        return too_many(client, limited);
    }
    let fields = match read(body).await {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let key = fields.get("key").unwrap_or("");
    if !webhooks.admin.matches(key) {
        state.console.sign_in.failed(client);
        tracing::info!(client = ?client, "console sign-in refused: wrong admin key");
        return view::render_with(
            StatusCode::UNAUTHORIZED,
            &SignIn {
                problem: Some("That is not the admin key."),
            },
        );
    }
    // A new sign-in never continues a session the browser already had (no fixation).
    if let Some(old) = session_id(&headers) {
        state.console.sessions.close(old);
    }
    let (id, _) = match state.console.sessions.open() {
        Ok(opened) => opened,
        Err(e) => {
            tracing::error!(error = %e, "console sign-in failed");
            return view::error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
        }
    };
    tracing::info!("console: operator signed in");
    let cookie = session_cookie(&id, state.console.sessions.lifetime().as_secs(), &headers);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/ui")).into_response()
}

/// `429 Too Many Requests` with `Retry-After` and the sign-in page saying how long to wait.
fn too_many(client: Client, Limited(left): Limited) -> Response {
    let seconds = left.as_secs().max(1);
    let minutes = seconds.div_ceil(60);
    tracing::warn!(client = ?client, retry_after = seconds, "console sign-in refused: too many failed sign-ins");
    let problem = format!(
        "Too many failed sign-ins. Signing in is paused for {minutes} minute{}; the admin API and the CLI still work.",
        if minutes == 1 { "" } else { "s" }
    );
    let mut response = view::render_with(
        StatusCode::TOO_MANY_REQUESTS,
        &SignIn {
            problem: Some(&problem),
        },
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// `POST /ui/logout`: closes the session and clears the cookie.
pub(crate) async fn sign_out(State(state): State<AppState>, posted: Posted) -> Response {
    state.console.sessions.close(&posted.operator.id);
    let clear = format!("{COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/ui/login")).into_response()
}
