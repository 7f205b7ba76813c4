//! The attempt loop: send, classify the outcome, wait, retry; token refresh on 401; redirects.

use std::{
    fmt,
    net::IpAddr,
    time::{Duration, SystemTime},
};

use bytes::Bytes;
use http::{HeaderName, Method, StatusCode, Uri, header};
use http_body_util::Full;
use tokio::time::Instant;
use tracing::{debug, warn};
use url::Url;

use crate::{
    auth::{AccessToken, Auth, sensitive},
    client::{Client, ClientInner},
    error::{Error, ErrorKind},
    redirect::next_hop,
    request::RequestParts,
    response::{Body, Response},
    retry::{
        RateLimited, ResponseView, RetryPolicy,
        classify::{classify_transport, replay_safe},
        is_transient_status,
    },
    secret::redact,
};

/// Renders a URL redacted only when a log event is actually emitted.
struct Redacted<'a>(&'a Url);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(self.0))
    }
}

/// The request as it goes on the wire for the current hop.
struct Target {
    method: Method,
    /// The URL without query-parameter credentials: shown in errors and responses.
    url: Url,
    /// The URL sent, with any query-parameter credential.
    uri: Uri,
    /// Whether credentials apply (false after a cross-origin redirect).
    with_auth: bool,
}

fn to_uri(url: &Url) -> Result<Uri, Error> {
    url.as_str().parse::<Uri>().map_err(|e| {
        Error::new(
            ErrorKind::InvalidRequest,
            format!("URL {} cannot be sent", redact(url)),
        )
        .with_source(e)
    })
}

impl Target {
    fn new(method: Method, url: Url, auth: &Auth, with_auth: bool) -> Result<Self, Error> {
        let uri = match auth {
            Auth::ApiKeyQuery { name, value } if with_auth => {
                let mut wire = url.clone();
                wire.query_pairs_mut().append_pair(name, value.expose());
                to_uri(&wire)?
            }
            _ => to_uri(&url)?,
        };
        Ok(Self {
            method,
            url,
            uri,
            with_auth,
        })
    }
}

/// Refuses plain `http` when only `https` is allowed, and an IP-literal host the policy denies
/// (host names are checked by the resolver).
fn check_destination(inner: &ClientInner, url: &Url) -> Result<(), Error> {
    if inner.https_only && url.scheme() != "https" {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "the client is https-only and the URL is not https",
        ));
    }
    if !inner.net.checks_anything() {
        return Ok(());
    }
    let ip: Option<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        _ => None,
    };
    if let Some(ip) = ip {
        let host = url.host_str().unwrap_or_default();
        inner.net.check_ip(host, ip).map_err(|violation| {
            Error::new(
                ErrorKind::BlockedByPolicy,
                "destination refused by the network policy",
            )
            .with_source(violation)
        })?;
    }
    Ok(())
}

/// Why a retry was not made (for the debug log).
enum Stop {
    Attempts,
    Elapsed,
    Deadline,
    Budget,
    ServerDelayTooLong(Duration),
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Attempts => f.write_str("attempts exhausted"),
            Self::Elapsed => f.write_str("retry time limit reached"),
            Self::Deadline => f.write_str("deadline reached"),
            Self::Budget => f.write_str("retry budget exhausted"),
            Self::ServerDelayTooLong(d) => {
                write!(f, "server asked to wait {d:?}, beyond the allowed maximum")
            }
        }
    }
}

struct Plan<'a> {
    inner: &'a ClientInner,
    policy: &'a RetryPolicy,
    started: Instant,
    deadline: Option<Instant>,
    spent: u32,
}

impl Plan<'_> {
    /// The delay before the next attempt, or why there is none.
    fn next(
        &mut self,
        attempt: u32,
        server_delay: Option<Duration>,
        after_timeout: bool,
    ) -> Result<Duration, Stop> {
        if attempt >= self.policy.attempts() {
            return Err(Stop::Attempts);
        }
        let delay = match server_delay {
            Some(d) if d > self.policy.server_delay_limit() => {
                return Err(Stop::ServerDelayTooLong(d));
            }
            Some(d) => d,
            None => self.policy.backoff(attempt),
        };
        let now = Instant::now();
        if let Some(limit) = self.policy.elapsed_limit()
            && now.duration_since(self.started) + delay > limit
        {
            return Err(Stop::Elapsed);
        }
        if let Some(deadline) = self.deadline
            && now + delay >= deadline
        {
            return Err(Stop::Deadline);
        }
        match self.inner.budget.try_acquire(after_timeout) {
            Some(cost) => {
                self.spent = self.spent.saturating_add(cost);
                Ok(delay)
            }
            None => Err(Stop::Budget),
        }
    }
}

/// Sends `parts` with retries, redirects and token refresh as configured.
pub(crate) async fn execute(client: &Client, parts: RequestParts) -> Result<Response, Error> {
    let inner = &*client.inner;
    let RequestParts {
        method,
        url,
        mut headers,
        mut body,
        auth,
        timeout,
        retry,
        body_limit,
    } = parts;
    let policy = retry.as_ref().unwrap_or(&inner.retry);
    let auth = auth.as_ref().unwrap_or(&inner.auth);
    let timeout = timeout.or(inner.timeout);
    let body_limit = body_limit.unwrap_or(inner.body_limit);
    let started = Instant::now();
    let deadline = inner.deadline.map(|d| started + d);

    for (name, value) in &inner.default_headers {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
    let context = |e: Error, target: &Target, attempts: u32| {
        if e.has_request() {
            e.with_attempts(attempts)
        } else {
            e.with_request(&target.method, &target.url)
                .with_attempts(attempts)
        }
    };

    let mut target = Target::new(method, url, auth, true)?;
    check_destination(inner, &target.url).map_err(|e| context(e, &target, 0))?;
    let static_auth = auth.static_header()?;
    let auth_header: Option<HeaderName> = static_auth.as_ref().map(|(n, _)| n.clone());
    if let Some((name, value)) = static_auth {
        headers.insert(name, value);
    }
    let provider = match auth {
        Auth::Token(p) => Some(p),
        _ => None,
    };

    let mut plan = Plan {
        inner,
        policy,
        started,
        deadline,
        spent: 0,
    };
    let mut attempt: u32 = 0;
    // The token sent with the current attempt, and one renewed after a 401 for the next.
    let mut token: Option<AccessToken> = None;
    let mut renewed: Option<AccessToken> = None;
    let mut refreshed = false;
    let mut hops = 0usize;

    loop {
        attempt += 1;
        let mut req_headers = headers.clone();
        if let (Some(p), true) = (provider, target.with_auth) {
            // A token just renewed after a 401 is used as is; otherwise ask the provider, which
            // caches and renews before expiry (a wait between attempts may have outlived it).
            let t = match renewed.take() {
                Some(t) => t,
                None => p.token().await.map_err(|e| {
                    context(
                        Error::new(ErrorKind::Auth, "could not get an access token").with_source(e),
                        &target,
                        attempt - 1,
                    )
                })?,
            };
            let value = sensitive(&format!("Bearer {}", t.secret().expose()), "Authorization")
                .map_err(|e| context(e, &target, attempt - 1))?;
            req_headers.insert(header::AUTHORIZATION, value);
            token = Some(t);
        }
        let mut request = http::Request::new(Full::new(body.clone()));
        *request.method_mut() = target.method.clone();
        *request.uri_mut() = target.uri.clone();
        *request.headers_mut() = req_headers;

        let attempt_deadline = match (timeout, deadline) {
            (Some(t), Some(d)) => Some((Instant::now() + t).min(d)),
            (Some(t), None) => Some(Instant::now() + t),
            (None, d) => d,
        };
        let sent = inner.hyper.request(request);
        let outcome = match attempt_deadline {
            Some(at) => tokio::time::timeout_at(at, sent).await.ok(),
            None => Some(sent.await),
        };

        let delay = match outcome {
            Some(Ok(res)) => {
                let status = res.status();
                if status.is_success() {
                    inner.budget.on_success(plan.spent);
                    let (parts, incoming) = res.into_parts();
                    return Ok(Response::new(
                        parts,
                        Body::Incoming(incoming),
                        body_limit,
                        attempt_deadline,
                        target.method,
                        target.url,
                        attempt,
                    ));
                }
                if status == StatusCode::UNAUTHORIZED
                    && !refreshed
                    && target.with_auth
                    && let (Some(p), Some(rejected)) = (provider, token.as_ref())
                {
                    refreshed = true;
                    warn!(
                        attempt,
                        method = %target.method,
                        url = %Redacted(&target.url),
                        "401 Unauthorized: refreshing the access token and retrying once"
                    );
                    let fresh = p.refresh(rejected).await.map_err(|e| {
                        context(
                            Error::new(ErrorKind::Auth, "could not refresh the access token")
                                .with_source(e),
                            &target,
                            attempt,
                        )
                    })?;
                    renewed = Some(fresh);
                    continue;
                }
                if status.is_redirection() && inner.redirects.max_hops() > 0 {
                    let hop = next_hop(&target.url, &target.method, status, res.headers())
                        .map_err(|e| context(e, &target, attempt))?;
                    if let Some(hop) = hop {
                        hops += 1;
                        if hops > inner.redirects.max_hops() {
                            return Err(context(
                                Error::new(
                                    ErrorKind::Redirect,
                                    format!("more than {} redirects", inner.redirects.max_hops()),
                                ),
                                &target,
                                attempt,
                            ));
                        }
                        debug!(
                            status = status.as_u16(),
                            from = %Redacted(&target.url),
                            to = %Redacted(&hop.url),
                            "following redirect"
                        );
                        let with_auth = target.with_auth && hop.same_origin;
                        if !with_auth {
                            for name in [
                                header::AUTHORIZATION,
                                header::COOKIE,
                                header::PROXY_AUTHORIZATION,
                            ] {
                                headers.remove(name);
                            }
                            if let Some(name) = &auth_header {
                                headers.remove(name);
                            }
                            token = None;
                            renewed = None;
                        }
                        if hop.drop_body {
                            body = Bytes::new();
                            headers.remove(header::CONTENT_TYPE);
                            headers.remove(header::CONTENT_LENGTH);
                        }
                        let next = Target::new(hop.method, hop.url, auth, with_auth)
                            .map_err(|e| context(e, &target, attempt))?;
                        check_destination(inner, &next.url)
                            .map_err(|e| context(e, &next, attempt))?;
                        target = next;
                        attempt = 0;
                        continue;
                    }
                }
                let (parts, incoming) = res.into_parts();
                let mut body_state = Body::Incoming(incoming);
                let mut buffered: Option<Bytes> = None;
                if inner
                    .hooks
                    .iter()
                    .any(|h| h.needs_body(status, &parts.headers))
                {
                    let mut partial = Response::new(
                        parts.clone(),
                        body_state,
                        body_limit,
                        attempt_deadline,
                        target.method.clone(),
                        target.url.clone(),
                        attempt,
                    );
                    let mut buf = Vec::new();
                    while let Some(chunk) = partial.chunk().await? {
                        buf.extend_from_slice(&chunk);
                    }
                    let bytes = Bytes::from(buf);
                    buffered = Some(bytes.clone());
                    body_state = Body::Buffered(Some(bytes));
                }
                let now = SystemTime::now();
                let view = ResponseView::new(status, &parts.headers, buffered.as_deref(), now);
                let limited: Option<RateLimited> = inner.hooks.iter().find_map(|h| h.check(&view));
                let (retryable, any_method, server_delay) = match limited {
                    Some(l) => (true, true, l.retry_after()),
                    None if is_transient_status(status) => (
                        true,
                        status == StatusCode::TOO_MANY_REQUESTS,
                        crate::retry::retry_after::server_delay(status, &parts.headers, now),
                    ),
                    None => (false, false, None),
                };
                let reason = status.as_u16();
                let finish = |parts, body_state, target: Target| {
                    Response::new(
                        parts,
                        body_state,
                        body_limit,
                        attempt_deadline,
                        target.method,
                        target.url,
                        attempt,
                    )
                };
                if !retryable {
                    return Ok(finish(parts, body_state, target));
                }
                if !any_method && !replay_safe(&target.method, &headers) {
                    debug!(
                        attempt,
                        status = reason,
                        method = %target.method,
                        url = %Redacted(&target.url),
                        "not retrying: method is not idempotent and no Idempotency-Key is set"
                    );
                    return Ok(finish(parts, body_state, target));
                }
                match plan.next(attempt, server_delay, false) {
                    Ok(delay) => {
                        warn!(
                            attempt,
                            delay_ms = delay.as_millis() as u64,
                            status = reason,
                            server_delay = server_delay.is_some(),
                            method = %target.method,
                            url = %Redacted(&target.url),
                            "retrying after status {reason}"
                        );
                        delay
                    }
                    Err(stop) => {
                        debug!(
                            attempt,
                            status = reason,
                            url = %Redacted(&target.url),
                            "not retrying: {stop}"
                        );
                        return Ok(finish(parts, body_state, target));
                    }
                }
            }
            Some(Err(err)) => {
                let failure = classify_transport(&err);
                let message = match failure.kind {
                    ErrorKind::BlockedByPolicy => "destination refused by the network policy",
                    ErrorKind::Connect => "could not connect",
                    _ => "connection failed during the request",
                };
                let error = context(
                    Error::new(failure.kind, message).with_source(err),
                    &target,
                    attempt,
                );
                let safe = failure.never_sent || replay_safe(&target.method, &headers);
                if !failure.transient || !safe {
                    return Err(error);
                }
                match plan.next(attempt, None, false) {
                    Ok(delay) => {
                        warn!(
                            attempt,
                            delay_ms = delay.as_millis() as u64,
                            error = %error,
                            method = %target.method,
                            url = %Redacted(&target.url),
                            "retrying after transport error"
                        );
                        delay
                    }
                    Err(stop) => {
                        debug!(attempt, url = %Redacted(&target.url), "not retrying: {stop}");
                        return Err(error);
                    }
                }
            }
            None => {
                let total = deadline.is_some_and(|d| Instant::now() >= d);
                let error = context(
                    Error::new(
                        ErrorKind::Timeout,
                        if total {
                            "the call's deadline passed"
                        } else {
                            "the attempt timed out"
                        },
                    ),
                    &target,
                    attempt,
                );
                if total || !replay_safe(&target.method, &headers) {
                    return Err(error);
                }
                match plan.next(attempt, None, true) {
                    Ok(delay) => {
                        warn!(
                            attempt,
                            delay_ms = delay.as_millis() as u64,
                            method = %target.method,
                            url = %Redacted(&target.url),
                            "retrying after timeout"
                        );
                        delay
                    }
                    Err(stop) => {
                        debug!(attempt, url = %Redacted(&target.url), "not retrying: {stop}");
                        return Err(error);
                    }
                }
            }
        };
        inner.sleeper.sleep(delay).await;
    }
}
