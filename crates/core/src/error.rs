//! The crate's single error type: what failed, for which request, after how many attempts.

use std::{error::Error as StdError, fmt};

use http::{HeaderMap, Method, StatusCode};
use url::Url;

use crate::secret::redact;

/// A boxed error from a lower layer (hyper, io, serde, a token provider).
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// How many bytes of a response body an [`Error`] keeps.
pub const BODY_SNIPPET_LIMIT: usize = 1024;

/// Response headers that carry a request id, in the order they are looked up.
const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "x-github-request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "request-id",
    "x-ms-request-id",
    "x-correlation-id",
    "x-slack-req-id",
    "x-notion-request-id",
    "atl-traceid",
    "x-cloud-trace-context",
    "cf-ray",
];

/// What kind of failure an [`Error`] is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request could not be built: bad URL, header, body or parameter.
    InvalidRequest,
    /// The client could not be built from its configuration.
    Config,
    /// Connecting failed (DNS, TCP, TLS); the request never reached the server.
    Connect,
    /// An attempt or the whole call ran out of time.
    Timeout,
    /// The connection failed while the request or response was in flight.
    Transport,
    /// The server answered with a non-success status.
    Status,
    /// Reading the response body failed.
    Body,
    /// The response body is larger than the configured limit.
    BodyLimit,
    /// The response body could not be decoded (JSON, UTF-8).
    Decode,
    /// The network policy (SSRF guard) refused the destination.
    BlockedByPolicy,
    /// A redirect could not be followed (too many hops, bad `Location`).
    Redirect,
    /// Getting or refreshing credentials failed.
    Auth,
    /// A named endpoint is unknown, or its parameters do not fit its template.
    Endpoint,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid request",
            Self::Config => "invalid client configuration",
            Self::Connect => "connect error",
            Self::Timeout => "timed out",
            Self::Transport => "connection failed",
            Self::Status => "unsuccessful status",
            Self::Body => "error reading response body",
            Self::BodyLimit => "response body too large",
            Self::Decode => "error decoding response body",
            Self::BlockedByPolicy => "blocked by network policy",
            Self::Redirect => "redirect not followed",
            Self::Auth => "authentication error",
            Self::Endpoint => "endpoint error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The error returned by every fallible operation of this crate.
///
/// It carries the kind, a message saying what was wrong, and where known the method, the
/// redacted URL, the status, the first [`BODY_SNIPPET_LIMIT`] bytes of the response body, the
/// request id the server sent and the number of attempts made. Secrets never appear in it:
/// URLs are stored redacted and credentials are never copied in.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    method: Option<Method>,
    url: Option<String>,
    status: Option<StatusCode>,
    body: Option<String>,
    request_id: Option<String>,
    attempts: u32,
    source: Option<BoxError>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                method: None,
                url: None,
                status: None,
                body: None,
                request_id: None,
                attempts: 0,
                source: None,
            }),
        }
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_request(mut self, method: &Method, url: &Url) -> Self {
        self.inner.method = Some(method.clone());
        self.inner.url = Some(redact(url));
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    pub(crate) fn with_response(
        mut self,
        status: StatusCode,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Self {
        self.inner.status = Some(status);
        self.inner.request_id = request_id(headers).map(str::to_owned);
        if let Some(body) = body {
            let cut = &body[..body.len().min(BODY_SNIPPET_LIMIT)];
            self.inner.body = Some(String::from_utf8_lossy(cut).into_owned());
        }
        self
    }

    pub(crate) fn has_request(&self) -> bool {
        self.inner.url.is_some()
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// What was wrong, in words.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Whether an attempt or the whole call ran out of time.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// Whether connecting failed (the request never reached the server).
    pub fn is_connect(&self) -> bool {
        self.inner.kind == ErrorKind::Connect
    }

    /// Whether the server answered with a non-success status.
    pub fn is_status(&self) -> bool {
        self.inner.kind == ErrorKind::Status
    }

    /// Whether the response body exceeded the configured limit.
    pub fn is_body_limit(&self) -> bool {
        self.inner.kind == ErrorKind::BodyLimit
    }

    /// Whether the network policy (SSRF guard) refused the destination.
    pub fn is_blocked_by_policy(&self) -> bool {
        self.inner.kind == ErrorKind::BlockedByPolicy
    }

    /// Whether decoding the body (JSON, UTF-8) failed.
    pub fn is_decode(&self) -> bool {
        self.inner.kind == ErrorKind::Decode
    }

    /// The response status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The first [`BODY_SNIPPET_LIMIT`] bytes of the response body, as lossy UTF-8.
    pub fn body(&self) -> Option<&str> {
        self.inner.body.as_deref()
    }

    /// The request id the server sent (`x-request-id`, `x-github-request-id`, …).
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// How many attempts were made (0 when the request was never sent).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The request method, when the error belongs to a request.
    pub fn method(&self) -> Option<&Method> {
        self.inner.method.as_ref()
    }

    /// The request URL with credentials redacted.
    pub fn url_redacted(&self) -> Option<&str> {
        self.inner.url.as_deref()
    }
}

/// The first request-id header present in `headers`.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        write!(f, "{}: {}", inner.kind, inner.message)?;
        if let (Some(method), Some(url)) = (&inner.method, &inner.url) {
            write!(f, " ({method} {url})")?;
        }
        if let Some(status) = inner.status {
            write!(f, " status {status}")?;
        }
        if inner.attempts > 1 {
            write!(f, " after {} attempts", inner.attempts)?;
        }
        if let Some(id) = &inner.request_id {
            write!(f, " request id {id}")?;
        }
        // The whole cause chain, so "client error (Connect)" says what actually failed.
        let mut cause: Option<&(dyn StdError + 'static)> = self.source();
        while let Some(e) = cause {
            write!(f, ": {e}")?;
            if e.is::<Error>() {
                break; // It displayed its own causes.
            }
            cause = match e
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
            {
                Some(inner) => {
                    let inner: &(dyn StdError + 'static) = inner;
                    // `io::Error` displays the error it wraps; continue below it.
                    inner.source()
                }
                None => e.source(),
            };
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &inner.kind)
            .field("message", &inner.message);
        if let Some(method) = &inner.method {
            d.field("method", method);
        }
        if let Some(url) = &inner.url {
            d.field("url", url);
        }
        if let Some(status) = &inner.status {
            d.field("status", status);
        }
        if let Some(body) = &inner.body {
            d.field("body", body);
        }
        if let Some(id) = &inner.request_id {
            d.field("request_id", id);
        }
        d.field("attempts", &inner.attempts);
        if let Some(source) = &inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| &**s as &(dyn StdError + 'static))
    }
}

/// Finds an error of type `T` in the source chain of `err`.
pub(crate) fn find_source<'a, T: StdError + 'static>(
    err: &'a (dyn StdError + 'static),
) -> Option<&'a T> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        // `io::Error::source` skips the error it wraps, so look inside explicitly.
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            let inner: &(dyn StdError + 'static) = inner;
            if let Some(found) = find_source::<T>(inner) {
                return Some(found);
            }
        }
        current = e.source();
    }
    None
}
