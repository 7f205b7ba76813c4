//! A response: status and headers, and a body read whole or in chunks, always within the size
//! limit and the request's time limit.

use std::{fmt, future::Future, pin::Pin, task::Poll};

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Method, StatusCode, Version, header};
use hyper::body::{Body as _, Incoming};
use serde::de::DeserializeOwned;
use tokio::time::{Instant, Sleep};
use url::Url;

use crate::error::{BODY_SNIPPET_LIMIT, Error, ErrorKind};

/// The body: still streaming from the connection, or already read (by a rate-limit hook).
pub(crate) enum Body {
    Incoming(Incoming),
    Buffered(Option<Bytes>),
}

/// An HTTP response.
pub struct Response {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    body: Body,
    received: usize,
    limit: usize,
    deadline: Option<Instant>,
    timer: Option<Pin<Box<Sleep>>>,
    method: Method,
    url: Url,
    attempts: u32,
}

impl Response {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        parts: http::response::Parts,
        body: Body,
        limit: usize,
        deadline: Option<Instant>,
        method: Method,
        url: Url,
        attempts: u32,
    ) -> Self {
        Self {
            status: parts.status,
            version: parts.version,
            headers: parts.headers,
            body,
            received: 0,
            limit,
            deadline,
            timer: None,
            method,
            url,
            attempts,
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The HTTP version used.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Content-Length`, if the server sent a valid one.
    pub fn content_length(&self) -> Option<u64> {
        self.headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    /// The request id the server sent (`x-request-id`, `x-github-request-id`, …).
    pub fn request_id(&self) -> Option<&str> {
        crate::error::request_id(&self.headers)
    }

    /// How many attempts it took to get this response.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The final URL (after redirects). It may contain credentials; log
    /// [`url_redacted`](Self::url_redacted) instead.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The final URL (after redirects), with credentials redacted, for logs.
    pub fn url_redacted(&self) -> String {
        crate::secret::redact(&self.url)
    }

    /// The body size limit in force for this response.
    pub fn body_limit(&self) -> usize {
        self.limit
    }

    fn error(&self, kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::new(kind, message)
            .with_request(&self.method, &self.url)
            .with_attempts(self.attempts)
            .with_response(self.status, &self.headers, None)
    }

    /// The next chunk of the body, or `None` at its end: for large downloads.
    ///
    /// Fails when the body grows past the limit (it is an error, never a silent truncation),
    /// when the time limit passes, or when the connection fails.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        loop {
            let frame = match &mut self.body {
                Body::Buffered(b) => return Ok(b.take()),
                Body::Incoming(body) => {
                    let deadline = self.deadline;
                    let timer = &mut self.timer;
                    // The timer is created only when the body is not ready at once, and then
                    // reused for every later chunk.
                    let polled = std::future::poll_fn(|cx| {
                        if let Poll::Ready(frame) = Pin::new(&mut *body).poll_frame(cx) {
                            return Poll::Ready(Some(frame));
                        }
                        let Some(at) = deadline else {
                            return Poll::Pending;
                        };
                        let sleep =
                            timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
                        sleep.as_mut().poll(cx).map(|()| None)
                    })
                    .await;
                    match polled {
                        Some(frame) => frame,
                        None => {
                            return Err(self.error(
                                ErrorKind::Timeout,
                                "time limit passed while reading the response body",
                            ));
                        }
                    }
                }
            };
            let Some(frame) = frame else {
                return Ok(None);
            };
            let frame = frame.map_err(|e| {
                self.error(ErrorKind::Body, "connection failed while reading the body")
                    .with_source(e)
            })?;
            if let Ok(data) = frame.into_data() {
                self.received = self.received.saturating_add(data.len());
                if self.received > self.limit {
                    return Err(self.limit_error());
                }
                if !data.is_empty() {
                    return Ok(Some(data));
                }
            }
        }
    }

    fn limit_error(&self) -> Error {
        self.error(
            ErrorKind::BodyLimit,
            format!(
                "response body is larger than the limit of {} bytes",
                self.limit
            ),
        )
    }

    /// The whole body. Fails with [`Error::is_body_limit`] when it exceeds the limit.
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        if let Body::Buffered(b) = &mut self.body {
            return Ok(b.take().unwrap_or_default());
        }
        let declared = self.content_length();
        if declared.is_some_and(|n| n > self.limit as u64) {
            return Err(self.limit_error());
        }
        let Some(first) = self.chunk().await? else {
            return Ok(Bytes::new());
        };
        let Some(second) = self.chunk().await? else {
            return Ok(first);
        };
        let hint = declared.map_or(first.len() + second.len(), |n| n as usize);
        let mut buf = BytesMut::with_capacity(hint.min(self.limit));
        buf.extend_from_slice(&first);
        buf.extend_from_slice(&second);
        while let Some(chunk) = self.chunk().await? {
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }

    /// The body as UTF-8 text (invalid sequences are an error, not replaced).
    pub async fn text(self) -> Result<String, Error> {
        let ctx = self.error(ErrorKind::Decode, "response body is not valid UTF-8");
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.into()).map_err(|e| ctx.with_source(e))
    }

    /// Checks the status, then decodes the body as JSON into `T`.
    ///
    /// A non-success status is returned as an [`Error::is_status`] error carrying the start of
    /// the body, not as a confusing decode error.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let res = self.error_for_status().await?;
        let ctx = res.error(ErrorKind::Decode, "response body is not the expected JSON");
        let bytes = res.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|e| ctx.with_source(e))
    }

    /// Returns the response if its status is a success (2xx); otherwise an error with the
    /// status, the request id and the first [`BODY_SNIPPET_LIMIT`] bytes of the body.
    pub async fn error_for_status(mut self) -> Result<Self, Error> {
        if self.status.is_success() {
            return Ok(self);
        }
        let mut snippet = Vec::new();
        while snippet.len() < BODY_SNIPPET_LIMIT {
            match self.chunk().await {
                Ok(Some(chunk)) => snippet.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        Err(Error::new(
            ErrorKind::Status,
            format!("server answered {}", self.status),
        )
        .with_request(&self.method, &self.url)
        .with_attempts(self.attempts)
        .with_response(self.status, &self.headers, Some(&snippet)))
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("version", &self.version)
            .field("url", &crate::secret::redact(&self.url))
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}
