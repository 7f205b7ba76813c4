//! The web console at `/ui`: the operator's view of deliveries, endpoints, ingest and tools,
//! served by the gateway itself on its own port.
//!
//! The pages are HTML rendered on the server from askama templates (checked when the gateway
//! compiles; `templates/console/`), styled by one stylesheet and enhanced by one small script,
//! both compiled into the binary (`assets/console/`): nothing is fetched from elsewhere and
//! every page works without the script. The console reads and writes only through the calls
//! the JSON admin API makes (`super::admin`, `super::calls`, `super::dispatch`).
//!
//! Security: the admin key is asked once, at sign-in, and exchanged for a session cookie
//! (`session`); failed sign-ins are limited per client address and overall (`throttle`); every form that changes something carries the session's CSRF token (`form`);
//! the browser guard refuses console requests from other sites (`super::guard`); every answer
//! carries a strict Content-Security-Policy (no inline script or style), `no-store` and
//! `frame-ancestors 'none'`. Without an admin key (no webhook side) the console is off.

mod form;
mod jobs;
mod pages;
mod session;
mod throttle;
mod view;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, header};

use self::jobs::Jobs;
pub(crate) use self::session::Clock;
use self::session::{SESSION_LIFETIME, Sessions};
use self::throttle::SignInLimiter;
use super::AppState;

/// The console's state in this process: signed-in sessions, the sign-in limiter and the bulk
/// replay jobs, all timed by one clock (injected by tests).
#[derive(Debug)]
pub(crate) struct Console {
    pub(crate) sessions: Sessions,
    pub(crate) sign_in: SignInLimiter,
    pub(crate) jobs: Arc<Jobs>,
}

impl Console {
    /// The console's state, timed by `clock`.
    pub(crate) fn new(clock: Clock) -> Self {
        Console {
            sessions: Sessions::new(SESSION_LIFETIME, clock.clone()),
            sign_in: SignInLimiter::new(clock.clone()),
            jobs: Arc::new(Jobs::new(clock)),
        }
    }
}

impl Default for Console {
    fn default() -> Self {
        Console::new(Arc::new(Instant::now))
    }
}

/// The session cookie's name.
const COOKIE: &str = "switchboard_console";

/// What every console answer carries.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The `/ui` routes.
pub(super) fn routes() -> Router<AppState> {
    use pages::{endpoint_form, endpoints, ingest, messages, overview, replays, signin, tools};
    Router::new()
        .route("/ui", get(overview::show))
        .route("/ui/", get(overview::show))
        .route("/ui/login", get(signin::form).post(signin::sign_in))
        .route("/ui/logout", post(signin::sign_out))
        .route("/ui/assets/console.css", get(stylesheet))
        .route("/ui/assets/console.js", get(script))
        .route(
            "/ui/endpoints",
            get(endpoints::list).post(endpoint_form::create),
        )
        .route("/ui/endpoints/new", get(endpoint_form::new_form))
        .route(
            "/ui/endpoints/{id}",
            get(endpoints::show).post(endpoint_form::edit),
        )
        .route("/ui/endpoints/{id}/edit", get(endpoint_form::edit_form))
        .route("/ui/endpoints/{id}/{action}", post(endpoints::action))
        .route("/ui/messages", get(messages::list))
        .route("/ui/messages/replay", post(replays::start))
        .route("/ui/replays/{id}", get(replays::show))
        .route("/ui/replays/{id}/progress", get(replays::progress))
        .route("/ui/messages/{id}", get(messages::show))
        .route("/ui/messages/{id}/replay", post(messages::replay))
        .route("/ui/ingest", get(ingest::show))
        .route("/ui/tools", get(tools::list))
        .route("/ui/tools/{name}", get(tools::show).post(tools::call))
        .route("/ui/tool-calls", get(tools::calls))
        .layer(axum::middleware::map_response(protect))
}

/// The headers every console answer carries.
async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn stylesheet() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../../assets/console/console.css"),
    )
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../../assets/console/console.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// A signed-in operator: the request carried the cookie of a live session. Pages take it as
/// an extractor; without one a page answers with the sign-in page (or, when the console is
/// off, the page saying why).
#[derive(Debug)]
pub(super) struct Operator {
    /// The session id (the cookie's value).
    id: String,
    /// The session's CSRF token, put in every form.
    csrf: String,
}

impl Operator {
    /// The page frame for this operator, with `nav` the current section.
    pub(super) fn chrome(&self, nav: &'static str) -> view::Chrome {
        view::Chrome {
            csrf: self.csrf.clone(),
            nav,
        }
    }
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if state.webhooks.is_none() {
            return Err(view::off());
        }
        let session = session_id(&parts.headers)
            .and_then(|id| state.console.sessions.get(id).map(|s| (id.to_owned(), s)));
        match session {
            Some((id, session)) => Ok(Operator {
                id,
                csrf: session.csrf,
            }),
            None => Err(Redirect::to("/ui/login").into_response()),
        }
    }
}

/// The session id in the request's cookie, if any.
fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// The `Set-Cookie` value opening session `id` for `max_age` seconds; `Secure` when the
/// browser reached the gateway over TLS (a TLS-terminating proxy says so with
/// `X-Forwarded-Proto: https`; the gateway itself serves plain HTTP).
fn session_cookie(id: &str, max_age: u64, headers: &HeaderMap) -> String {
    let secure = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    format!(
        "{COOKIE}={id}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_id_is_read_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            "a=1; switchboard_console=abc".parse().unwrap(),
        );
        assert_eq!(session_id(&headers), Some("abc"));
        assert_eq!(session_id(&HeaderMap::new()), None);
    }

    #[test]
    fn the_cookie_is_secure_behind_a_tls_proxy_only() {
        let plain = session_cookie("x", 60, &HeaderMap::new());
        assert_eq!(
            plain,
            "switchboard_console=x; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=60"
        );
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(session_cookie("x", 60, &headers).ends_with("; Secure"));
    }
}
