//! The browser guard: which requests a web page could have made on the operator's behalf, and
//! refusing them before any work is done.
//!
//! A page the operator visits can send "simple" cross-site requests to `127.0.0.1` without a
//! CORS preflight (`text/plain` bodies, `no-cors`), and with DNS rebinding it can even read the
//! answers: the browser then believes the gateway *is* the attacker's host. Three checks stop
//! both, decided by one pure function, [`check`], for every route:
//!
//! - **Host**: the request's `Host` (or HTTP/2 `:authority`) must name this server: a loopback
//!   name, the listen address, or a name in `allowed_hosts`. A rebinding page's requests carry
//!   the attacker's host name, so they are refused with 403. A request without any host (HTTP/1.0
//!   probes) cannot come from a browser and passes.
//! - **Origin**: browsers add `Origin` to cross-site requests. One that is neither this server's
//!   own (same host as `Host`) nor listed in `cors.allowed_origins` is refused with 403, on every
//!   method, CORS preflights included, so a cross-site page never gets a preflight answer.
//! - **Content type**: requests that change state (`POST`/`PUT`/`PATCH`) on `/tools/*` and `/mcp`
//!   must say `Content-Type: application/json` (415 otherwise), and so must those on `/admin/*`
//!   that carry a body (a bodiless `POST …/enable` needs none: the admin key, which a page cannot
//!   attach without a preflight, guards those). A browser sends JSON cross-site only after a
//!   preflight, which the Origin rule refuses.
//!
//! The console (`/ui`, a same-origin web app signed in with a cookie) is held to more: its
//! `Origin` must be the gateway itself (an origin in `cors.allowed_origins` may call the API,
//! not post the operator's forms), and a state-changing request the browser marks
//! `Sec-Fetch-Site: cross-site` or `same-site` is refused even without an `Origin`. Its forms
//! also carry a CSRF token, checked by the console itself.
//!
//! `/hooks/*` is exempt from all three: webhook senders reach the gateway under whatever public
//! name the operator gave it, send their own content types (Slack sends forms), and every source
//! is authenticated by a signature or token that a web page does not have. `/healthz` is exempt
//! because probes address the gateway by IP and it reveals nothing but liveness.

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode, header};

use super::error::ApiError;

/// Which origins may call from a browser (`cors.allowed_origins`).
#[derive(Debug, Clone)]
pub enum AllowedOrigins {
    /// `["*"]`: any origin (only accepted by `serve` together with a token).
    Any,
    /// These exact origins (`https://chat.example.com`), lowercase, without a trailing `/`.
    List(Vec<String>),
}

/// What the guard accepts; built once from the settings.
#[derive(Debug, Clone)]
pub struct GuardPolicy {
    /// Host names (no port), lowercase; IPv6 without brackets.
    hosts: Vec<String>,
    origins: AllowedOrigins,
}

impl GuardPolicy {
    /// A policy accepting `hosts` (names or IP literals, any port) and browser `origins`.
    pub fn new(hosts: &[String], origins: &[String]) -> Self {
        let hosts = hosts
            .iter()
            .map(|h| {
                h.trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_ascii_lowercase()
            })
            .collect();
        let origins = if origins.iter().any(|o| o == "*") {
            AllowedOrigins::Any
        } else {
            AllowedOrigins::List(
                origins
                    .iter()
                    .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                    .collect(),
            )
        };
        GuardPolicy { hosts, origins }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host);
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    fn origin_listed(&self, origin: &str) -> bool {
        match &self.origins {
            AllowedOrigins::Any => true,
            AllowedOrigins::List(list) => list.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }
}

/// Why the guard refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The `Host` names another server (DNS rebinding, or a name not configured).
    ForeignHost,
    /// The `Origin` is another site that is not in `cors.allowed_origins`.
    ForeignOrigin,
    /// A state-changing request without `Content-Type: application/json`.
    NotJson,
    /// A state-changing console request the browser says another site made.
    CrossSite,
}

impl Refusal {
    fn into_error(self) -> ApiError {
        match self {
            Refusal::ForeignHost => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden_host",
                "the Host header does not name this gateway; if it is reached under this name, add the name to `allowed_hosts` in the config",
            ),
            Refusal::ForeignOrigin => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden_origin",
                "cross-site requests from this Origin are not allowed; to let a browser app call the gateway, add its origin to `cors.allowed_origins`",
            ),
            Refusal::CrossSite => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden_origin",
                "the console only accepts forms posted from its own pages",
            ),
            Refusal::NotJson => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ),
        }
    }
}

/// Which rules a path is subject to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// `/hooks/*`, `/healthz`: no browser rules (see the module docs).
    Exempt,
    /// `/tools/*`, `/mcp`: Host, Origin, and JSON for every state-changing request.
    Api,
    /// `/admin/*`: Host, Origin, and JSON for state-changing requests with a body.
    Admin,
    /// `/ui`, `/ui/*`: Host, the gateway's own Origin only, no cross-site state changes.
    Console,
    /// Everything else (`/openapi.json`, `/metrics`, unknown paths): Host and Origin.
    Read,
}

fn classify(path: &str) -> Class {
    if path.starts_with("/hooks/") || path == "/healthz" {
        Class::Exempt
    } else if path.starts_with("/tools/") || path == "/mcp" || path.starts_with("/mcp/") {
        Class::Api
    } else if path.starts_with("/admin/") {
        Class::Admin
    } else if path == "/ui" || path.starts_with("/ui/") {
        Class::Console
    } else {
        Class::Read
    }
}

/// The whole decision for one request: `Ok` to serve it, or why not.
///
/// # Errors
/// The [`Refusal`] the caller answers with.
pub fn check(
    policy: &GuardPolicy,
    method: &Method,
    path: &str,
    authority: Option<&str>,
    headers: &HeaderMap,
) -> Result<(), Refusal> {
    let class = classify(path);
    if class == Class::Exempt {
        return Ok(());
    }
    let host = match headers.get(header::HOST) {
        Some(value) => Some(value.to_str().map_err(|_| Refusal::ForeignHost)?),
        None => authority,
    };
    if let Some(host) = host
        && !policy.host_allowed(host)
    {
        return Err(Refusal::ForeignHost);
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| Refusal::ForeignOrigin)?;
        let same = host.is_some_and(|h| same_origin(origin, h));
        let listed = class != Class::Console && policy.origin_listed(origin.trim_end_matches('/'));
        if !same && !listed {
            return Err(Refusal::ForeignOrigin);
        }
    }
    if class == Class::Console && changes_state(method) && cross_site(headers) {
        return Err(Refusal::CrossSite);
    }
    let json_required = match class {
        Class::Api => true,
        Class::Admin => has_body(headers),
        Class::Exempt | Class::Console | Class::Read => false,
    };
    if json_required
        && matches!(*method, Method::POST | Method::PUT | Method::PATCH)
        && !is_json(headers)
    {
        return Err(Refusal::NotJson);
    }
    Ok(())
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the browser says another site made the request (`Sec-Fetch-Site`); `same-origin`
/// and `none` (typed into the address bar) are the console's own.
fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .is_some_and(|v| !matches!(v.as_bytes(), b"same-origin" | b"none"))
}

/// Whether the request announces a body (a non-zero length, or chunked).
fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// The host name of a `Host` value: without the port, IPv6 without brackets.
fn host_name(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        // A single colon separates the port; more than one is a bare IPv6 literal.
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// Whether `origin` (`scheme://host[:port]`) is the server itself as addressed by `host`.
fn same_origin(origin: &str, host: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    if rest.eq_ignore_ascii_case(host) {
        return true;
    }
    // `http://gw` and `Host: gw:80` are the same origin (likewise https and 443).
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => return false,
    };
    host.len() == rest.len() + default_port.len()
        && host[..rest.len()].eq_ignore_ascii_case(rest)
        && &host[rest.len()..] == default_port
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
        })
}

/// Applies [`check`] to a request before routing work starts: the refusal to answer instead,
/// if any (a [`ScreenLayer`](super::layers::ScreenLayer) check).
pub(super) fn screen(policy: &GuardPolicy, req: &mut Request) -> Option<Response> {
    let refusal = check(
        policy,
        req.method(),
        req.uri().path(),
        req.uri().authority().map(http::uri::Authority::as_str),
        req.headers(),
    )
    .err()?;
    tracing::info!(
        method = %req.method(),
        path = req.uri().path(),
        refusal = ?refusal,
        "request refused by the browser guard"
    );
    Some(refusal.into_error().into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> GuardPolicy {
        GuardPolicy::new(
            &["localhost".into(), "127.0.0.1".into(), "::1".into()],
            &["https://chat.example.com".into()],
        )
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    fn run(method: Method, path: &str, pairs: &[(&str, &str)]) -> Result<(), Refusal> {
        check(&policy(), &method, path, None, &headers(pairs))
    }

    #[test]
    fn host_names_are_compared_without_port_or_brackets() {
        assert_eq!(host_name("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("::1"), "::1");
        assert_eq!(host_name("LOCALHOST"), "LOCALHOST");
        let ok = [
            ("host", "LocalHost:1234"),
            ("content-type", "application/json"),
        ];
        assert_eq!(run(Method::POST, "/tools/calculate", &ok), Ok(()));
        assert_eq!(
            run(Method::GET, "/openapi.json", &[("host", "[::1]:80")]),
            Ok(())
        );
    }

    #[test]
    fn a_rebound_host_is_refused_everywhere_but_hooks_and_health() {
        let rebound = [("host", "rebind.attacker.example:8080")];
        for path in [
            "/tools/calculate",
            "/openapi.json",
            "/mcp",
            "/admin/endpoints",
            "/metrics",
        ] {
            assert_eq!(
                run(Method::GET, path, &rebound),
                Err(Refusal::ForeignHost),
                "{path}"
            );
        }
        assert_eq!(run(Method::POST, "/hooks/github", &rebound), Ok(()));
        assert_eq!(run(Method::GET, "/healthz", &rebound), Ok(()));
    }

    #[test]
    fn a_missing_host_is_not_a_browser() {
        assert_eq!(
            run(
                Method::POST,
                "/tools/calculate",
                &[("content-type", "application/json")]
            ),
            Ok(())
        );
    }

    #[test]
    fn a_foreign_origin_is_refused_and_a_listed_or_own_origin_passes() {
        let base = ("host", "127.0.0.1:8080");
        let json = ("content-type", "application/json");
        let evil = [base, json, ("origin", "https://evil.example")];
        assert_eq!(
            run(Method::POST, "/tools/calculate", &evil),
            Err(Refusal::ForeignOrigin)
        );
        assert_eq!(
            run(Method::OPTIONS, "/tools/calculate", &evil),
            Err(Refusal::ForeignOrigin)
        );
        let null = [base, json, ("origin", "null")];
        assert_eq!(
            run(Method::POST, "/mcp", &null),
            Err(Refusal::ForeignOrigin)
        );
        let listed = [base, json, ("origin", "https://chat.example.com")];
        assert_eq!(run(Method::POST, "/tools/calculate", &listed), Ok(()));
        let own = [base, json, ("origin", "http://127.0.0.1:8080")];
        assert_eq!(run(Method::POST, "/admin/events", &own), Ok(()));
        let own_default_port = [
            ("host", "localhost:80"),
            json,
            ("origin", "http://localhost"),
        ];
        assert_eq!(
            run(Method::POST, "/tools/calculate", &own_default_port),
            Ok(())
        );
    }

    #[test]
    fn state_changing_api_requests_must_be_json() {
        let host = ("host", "127.0.0.1:8080");
        for ct in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ] {
            let h = [host, ("content-type", ct)];
            assert_eq!(
                run(Method::POST, "/tools/calculate", &h),
                Err(Refusal::NotJson),
                "{ct}"
            );
        }
        assert_eq!(run(Method::POST, "/mcp", &[host]), Err(Refusal::NotJson));
        let charset = [host, ("content-type", "Application/JSON; charset=utf-8")];
        assert_eq!(run(Method::POST, "/admin/events", &charset), Ok(()));
        assert_eq!(run(Method::DELETE, "/mcp", &[host]), Ok(()));
        assert_eq!(run(Method::GET, "/mcp", &[host]), Ok(()));
    }

    #[test]
    fn admin_requests_need_json_only_when_they_carry_a_body() {
        let host = ("host", "127.0.0.1:8080");
        let bodiless = [host, ("content-length", "0")];
        assert_eq!(
            run(Method::POST, "/admin/endpoints/e/enable", &bodiless),
            Ok(())
        );
        assert_eq!(
            run(Method::POST, "/admin/endpoints/e/enable", &[host]),
            Ok(())
        );
        let form = [
            host,
            ("content-length", "3"),
            ("content-type", "text/plain"),
        ];
        assert_eq!(
            run(Method::POST, "/admin/events", &form),
            Err(Refusal::NotJson)
        );
        let chunked = [host, ("transfer-encoding", "chunked")];
        assert_eq!(
            run(Method::POST, "/admin/events", &chunked),
            Err(Refusal::NotJson)
        );
    }

    #[test]
    fn the_console_takes_forms_only_from_its_own_pages() {
        let host = ("host", "127.0.0.1:8080");
        let form = ("content-type", "application/x-www-form-urlencoded");
        let own = [host, form, ("origin", "http://127.0.0.1:8080")];
        assert_eq!(run(Method::POST, "/ui/login", &own), Ok(()));
        let own_fetch = [host, form, ("sec-fetch-site", "same-origin")];
        assert_eq!(run(Method::POST, "/ui/endpoints", &own_fetch), Ok(()));
        let listed = [host, form, ("origin", "https://chat.example.com")];
        assert_eq!(
            run(Method::POST, "/ui/logout", &listed),
            Err(Refusal::ForeignOrigin)
        );
        for site in ["cross-site", "same-site"] {
            let h = [host, form, ("sec-fetch-site", site)];
            assert_eq!(
                run(Method::POST, "/ui/endpoints", &h),
                Err(Refusal::CrossSite),
                "{site}"
            );
        }
        let link = [host, ("sec-fetch-site", "cross-site")];
        assert_eq!(run(Method::GET, "/ui", &link), Ok(()));
    }

    #[test]
    fn any_origin_policy_accepts_every_origin() {
        let any = GuardPolicy::new(&["localhost".into()], &["*".into()]);
        let h = headers(&[
            ("host", "localhost"),
            ("origin", "https://anything.example"),
            ("content-type", "application/json"),
        ]);
        assert_eq!(check(&any, &Method::POST, "/tools/x", None, &h), Ok(()));
    }
}
