//! The attempt loop: send, classify the outcome, wait, retry; token refresh on 401; redirects.

mod plan;
mod target;

use std::{
    fmt,
    time::{Duration, SystemTime},
};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, StatusCode, header};
use http_body_util::Full;
use tokio::time::Instant;
use tracing::{debug, warn};

use crate::{
    auth::{AccessToken, Auth, TokenProvider, sensitive},
    client::{Client, ClientInner},
    error::{Error, ErrorKind},
    redirect::{Hop, next_hop},
    request::RequestParts,
    response::{Body, Response},
    retry::{
        RateLimited, ResponseView,
        classify::{classify_transport, replay_safe},
        is_transient_status,
    },
};

use plan::Plan;
use target::{Redacted, Target, check_destination};

/// Sends `parts` with retries, redirects and token refresh as configured.
pub(crate) async fn execute(client: &Client, parts: RequestParts) -> Result<Response, Error> {
    let inner = &*client.inner;
    let RequestParts {
        method,
        url,
        headers,
        body,
        auth,
        timeout,
        retry,
        body_limit,
    } = parts;
    let auth = auth.as_ref().unwrap_or(&inner.auth);
    let started = Instant::now();
    let deadline = inner.deadline.map(|d| started + d);
    let mut call = Call {
        inner,
        auth,
        provider: match auth {
            Auth::Token(p) => Some(&**p),
            _ => None,
        },
        auth_header: None,
        headers,
        body,
        timeout: timeout.or(inner.timeout),
        deadline,
        body_limit: body_limit.unwrap_or(inner.body_limit),
        plan: Plan {
            inner,
            policy: retry.as_ref().unwrap_or(&inner.retry),
            started,
            deadline,
            spent: 0,
        },
        target: Target::new(method, url, auth, true)?,
        attempt: 0,
        token: None,
        renewed: None,
        refreshed: false,
        hops: 0,
    };
    call.prepare()?;
    loop {
        call.attempt += 1;
        let request = call.request().await?;
        let attempt_deadline = call.attempt_deadline();
        let sent = inner.hyper.request(request);
        let outcome = match attempt_deadline {
            Some(at) => tokio::time::timeout_at(at, sent).await.ok(),
            None => Some(sent.await),
        };
        let next = match outcome {
            Some(Ok(res)) => call.on_response(res, attempt_deadline).await?,
            Some(Err(err)) => call.on_transport_error(err),
            None => call.on_timeout(),
        };
        match next {
            Next::Return(result) => return result,
            Next::Now => {}
            Next::After(delay) => inner.sleeper.sleep(delay).await,
        }
    }
}

/// What the attempt loop does after an attempt.
#[allow(
    clippy::large_enum_variant,
    reason = "one per attempt, moved once; boxing would allocate on every call"
)]
enum Next {
    /// The call is over.
    Return(Result<Response, Error>),
    /// Another attempt at once: with a renewed token, or at a redirect's next hop.
    Now,
    /// Another attempt after the delay.
    After(Duration),
}

/// Why an attempt is followed by another (for the log).
enum Cause<'a> {
    Status(u16),
    Transport(&'a Error),
    Timeout,
}

impl Cause<'_> {
    /// The status, logged as its own field.
    fn status(&self) -> Option<u16> {
        match self {
            Self::Status(status) => Some(*status),
            _ => None,
        }
    }

    /// The transport error, logged as its own field.
    fn error(&self) -> Option<tracing::field::DisplayValue<&Error>> {
        match self {
            Self::Transport(error) => Some(tracing::field::display(*error)),
            _ => None,
        }
    }
}

impl fmt::Display for Cause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(status) => write!(f, "status {status}"),
            Self::Transport(_) => f.write_str("transport error"),
            Self::Timeout => f.write_str("timeout"),
        }
    }
}

/// One call across its attempts and redirect hops.
struct Call<'a> {
    inner: &'a ClientInner,
    auth: &'a Auth,
    /// The token source, when the call's auth is a bearer token from a provider.
    provider: Option<&'a dyn TokenProvider>,
    /// The header a static credential went into, removed on a cross-origin hop.
    auth_header: Option<HeaderName>,
    /// The headers of every attempt (a provider's token is added per attempt).
    headers: HeaderMap,
    body: Bytes,
    /// Per attempt.
    timeout: Option<Duration>,
    /// Of the whole call.
    deadline: Option<Instant>,
    body_limit: usize,
    plan: Plan<'a>,
    target: Target,
    /// Attempts at the current hop.
    attempt: u32,
    /// The token sent with the current attempt.
    token: Option<AccessToken>,
    /// A token renewed after a 401, for the next attempt.
    renewed: Option<AccessToken>,
    /// Whether a 401 already caused a refresh (one per call).
    refreshed: bool,
    hops: usize,
}

impl Call<'_> {
    /// Adds the client's default headers and a static credential, and checks the destination.
    fn prepare(&mut self) -> Result<(), Error> {
        for (name, value) in &self.inner.default_headers {
            if !self.headers.contains_key(name) {
                self.headers.insert(name.clone(), value.clone());
            }
        }
        check_destination(self.inner, &self.target.url).map_err(|e| self.context(e))?;
        if let Some((name, value)) = self.auth.static_header()? {
            self.auth_header = Some(name.clone());
            self.headers.insert(name, value);
        }
        Ok(())
    }

    /// `e` with the current request and the attempts made so far.
    fn context(&self, e: Error) -> Error {
        if e.has_request() {
            e.with_attempts(self.attempt)
        } else {
            e.with_request(&self.target.method, &self.target.url)
                .with_attempts(self.attempt)
        }
    }

    /// The request of this attempt, with a provider's token when credentials apply.
    async fn request(&mut self) -> Result<http::Request<Full<Bytes>>, Error> {
        let mut headers = self.headers.clone();
        if let (Some(p), true) = (self.provider, self.target.with_auth) {
            // A token just renewed after a 401 is used as is; otherwise ask the provider, which
            // caches and renews before expiry (a wait between attempts may have outlived it).
            let made = self.attempt - 1;
            let t = match self.renewed.take() {
                Some(t) => t,
                None => p.token().await.map_err(|e| {
                    self.context(
                        Error::new(ErrorKind::Auth, "could not get an access token").with_source(e),
                    )
                    .with_attempts(made)
                })?,
            };
            let value = sensitive(&format!("Bearer {}", t.secret().expose()), "Authorization")
                .map_err(|e| self.context(e).with_attempts(made))?;
            headers.insert(header::AUTHORIZATION, value);
            self.token = Some(t);
        }
        let mut request = http::Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.target.method.clone();
        *request.uri_mut() = self.target.uri.clone();
        *request.headers_mut() = headers;
        Ok(request)
    }

    /// When this attempt times out: its own timeout or the call's deadline, whichever is first.
    fn attempt_deadline(&self) -> Option<Instant> {
        match (self.timeout, self.deadline) {
            (Some(t), Some(d)) => Some((Instant::now() + t).min(d)),
            (Some(t), None) => Some(Instant::now() + t),
            (None, d) => d,
        }
    }

    /// The response `res`, or what to do instead: refresh the token after a 401, follow a
    /// redirect, retry a transient status.
    async fn on_response(
        &mut self,
        res: http::Response<hyper::body::Incoming>,
        attempt_deadline: Option<Instant>,
    ) -> Result<Next, Error> {
        let status = res.status();
        if status.is_success() {
            self.inner.budget.on_success(self.plan.spent);
            let (parts, incoming) = res.into_parts();
            return Ok(Next::Return(Ok(self.response(
                parts,
                Body::Incoming(incoming),
                attempt_deadline,
            ))));
        }
        if status == StatusCode::UNAUTHORIZED && self.refresh_token().await? {
            return Ok(Next::Now);
        }
        if status.is_redirection() && self.inner.redirects.max_hops() > 0 {
            let hop = next_hop(&self.target.url, &self.target.method, status, res.headers())
                .map_err(|e| self.context(e))?;
            if let Some(hop) = hop {
                self.follow(status, hop)?;
                return Ok(Next::Now);
            }
        }
        let (parts, incoming) = res.into_parts();
        let mut body = Body::Incoming(incoming);
        let mut buffered: Option<Bytes> = None;
        if self
            .inner
            .hooks
            .iter()
            .any(|h| h.needs_body(status, &parts.headers))
        {
            let mut partial = self.response(parts.clone(), body, attempt_deadline);
            let mut buf = Vec::new();
            while let Some(chunk) = partial.chunk().await? {
                buf.extend_from_slice(&chunk);
            }
            let bytes = Bytes::from(buf);
            buffered = Some(bytes.clone());
            body = Body::Buffered(Some(bytes));
        }
        let now = SystemTime::now();
        let view = ResponseView::new(status, &parts.headers, buffered.as_deref(), now);
        let limited: Option<RateLimited> = self.inner.hooks.iter().find_map(|h| h.check(&view));
        let (retryable, any_method, server_delay) = match limited {
            Some(l) => (true, true, l.retry_after()),
            None if is_transient_status(status) => (
                true,
                status == StatusCode::TOO_MANY_REQUESTS,
                crate::retry::retry_after::server_delay(status, &parts.headers, now),
            ),
            None => (false, false, None),
        };
        if retryable && !any_method && !replay_safe(&self.target.method, &self.headers) {
            debug!(
                attempt = self.attempt,
                status = status.as_u16(),
                method = %self.target.method,
                url = %Redacted(&self.target.url),
                "not retrying: method is not idempotent and no Idempotency-Key is set"
            );
        } else if retryable
            && let Some(delay) = self.retry(server_delay, false, &Cause::Status(status.as_u16()))
        {
            return Ok(Next::After(delay));
        }
        Ok(Next::Return(Ok(self.response(
            parts,
            body,
            attempt_deadline,
        ))))
    }

    /// After a 401 to a provider's token: renews the token for one more attempt, once per call.
    /// Returns whether it did.
    async fn refresh_token(&mut self) -> Result<bool, Error> {
        let (Some(p), Some(rejected), false, true) = (
            self.provider,
            self.token.as_ref(),
            self.refreshed,
            self.target.with_auth,
        ) else {
            return Ok(false);
        };
        self.refreshed = true;
        warn!(
            attempt = self.attempt,
            method = %self.target.method,
            url = %Redacted(&self.target.url),
            "401 Unauthorized: refreshing the access token and retrying once"
        );
        let fresh = p.refresh(rejected).await.map_err(|e| {
            self.context(
                Error::new(ErrorKind::Auth, "could not refresh the access token").with_source(e),
            )
        })?;
        self.renewed = Some(fresh);
        Ok(true)
    }

    /// Moves the call to a redirect's next hop: credentials dropped when it leaves the origin,
    /// the body when the redirect turns the request into a `GET`.
    fn follow(&mut self, status: StatusCode, hop: Hop) -> Result<(), Error> {
        self.hops += 1;
        let max = self.inner.redirects.max_hops();
        if self.hops > max {
            return Err(self.context(Error::new(
                ErrorKind::Redirect,
                format!("more than {max} redirects"),
            )));
        }
        debug!(
            status = status.as_u16(),
            from = %Redacted(&self.target.url),
            to = %Redacted(&hop.url),
            "following redirect"
        );
        let with_auth = self.target.with_auth && hop.same_origin;
        if !with_auth {
            for name in [
                header::AUTHORIZATION,
                header::COOKIE,
                header::PROXY_AUTHORIZATION,
            ] {
                self.headers.remove(name);
            }
            if let Some(name) = &self.auth_header {
                self.headers.remove(name);
            }
            self.token = None;
            self.renewed = None;
        }
        if hop.drop_body {
            self.body = Bytes::new();
            self.headers.remove(header::CONTENT_TYPE);
            self.headers.remove(header::CONTENT_LENGTH);
        }
        let next =
            Target::new(hop.method, hop.url, self.auth, with_auth).map_err(|e| self.context(e))?;
        check_destination(self.inner, &next.url).map_err(|e| {
            let e = e.with_request(&next.method, &next.url);
            self.context(e)
        })?;
        self.target = next;
        self.attempt = 0;
        Ok(())
    }

    /// A failure below HTTP: retried when it is transient and the request can be replayed.
    fn on_transport_error(&mut self, err: hyper_util::client::legacy::Error) -> Next {
        let failure = classify_transport(&err);
        let message = match failure.kind {
            ErrorKind::BlockedByPolicy => "destination refused by the network policy",
            ErrorKind::Connect => "could not connect",
            _ => "connection failed during the request",
        };
        let error = self.context(Error::new(failure.kind, message).with_source(err));
        let safe = failure.never_sent || replay_safe(&self.target.method, &self.headers);
        if failure.transient
            && safe
            && let Some(delay) = self.retry(None, false, &Cause::Transport(&error))
        {
            return Next::After(delay);
        }
        Next::Return(Err(error))
    }

    /// The attempt timed out: retried unless the call's deadline passed or the request cannot
    /// be replayed.
    fn on_timeout(&mut self) -> Next {
        let total = self.deadline.is_some_and(|d| Instant::now() >= d);
        let error = self.context(Error::new(
            ErrorKind::Timeout,
            if total {
                "the call's deadline passed"
            } else {
                "the attempt timed out"
            },
        ));
        if !total
            && replay_safe(&self.target.method, &self.headers)
            && let Some(delay) = self.retry(None, true, &Cause::Timeout)
        {
            return Next::After(delay);
        }
        Next::Return(Err(error))
    }

    /// The delay before another attempt after `cause`, or `None` when the retry policy allows
    /// none (logged either way).
    fn retry(
        &mut self,
        server_delay: Option<Duration>,
        after_timeout: bool,
        cause: &Cause<'_>,
    ) -> Option<Duration> {
        match self.plan.next(self.attempt, server_delay, after_timeout) {
            Ok(delay) => {
                warn!(
                    attempt = self.attempt,
                    delay_ms = delay.as_millis() as u64,
                    status = cause.status(),
                    error = cause.error(),
                    server_delay = server_delay.is_some(),
                    method = %self.target.method,
                    url = %Redacted(&self.target.url),
                    "retrying after {cause}"
                );
                Some(delay)
            }
            Err(stop) => {
                debug!(
                    attempt = self.attempt,
                    status = cause.status(),
                    url = %Redacted(&self.target.url),
                    "not retrying after {cause}: {stop}"
                );
                None
            }
        }
    }

    /// The response of this attempt, reading its body under the call's limits.
    fn response(
        &self,
        parts: http::response::Parts,
        body: Body,
        attempt_deadline: Option<Instant>,
    ) -> Response {
        Response::new(
            parts,
            body,
            self.body_limit,
            attempt_deadline,
            self.target.method.clone(),
            self.target.url.clone(),
            self.attempt,
        )
    }
}
