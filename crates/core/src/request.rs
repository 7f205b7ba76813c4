//! Building a request: method, URL and query (percent-encoded), headers, body, per-request
//! overrides. Mistakes are kept and reported by `send`, naming what was wrong.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use serde::Serialize;
use url::Url;

use crate::{
    auth::Auth,
    client::Client,
    error::{Error, ErrorKind},
    response::Response,
    retry::RetryPolicy,
};

/// Everything `send` needs; built by [`RequestBuilder`].
#[derive(Debug)]
pub(crate) struct RequestParts {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) auth: Option<Auth>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) body_limit: Option<usize>,
}

/// A request being built; finish with [`send`](Self::send).
///
/// The first invalid input (a bad URL, header or body) is remembered and returned by `send`, so
/// calls chain without `?` at each step.
///
/// ```no_run
/// # async fn run() -> Result<(), switchboard_core::Error> {
/// use std::time::Duration;
/// use switchboard_core::{Client, RetryPolicy};
/// let client = Client::builder().build()?;
/// let res = client
///     .post("https://api.example.com/v1/items")
///     .query(&[("tag", "a b"), ("tag", "ü/?")])
///     .header("Idempotency-Key", "order-42")
///     .json(&serde_json::json!({ "name": "widget" }))
///     .timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::default().max_attempts(5))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    client: Client,
    parts: Result<RequestParts, Error>,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, method: Method, url: &str) -> Self {
        let parts = parse_url(url).map(|url| RequestParts {
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            auth: None,
            timeout: None,
            retry: None,
            body_limit: None,
        });
        Self { client, parts }
    }

    pub(crate) fn from_url(client: Client, method: Method, url: Url) -> Self {
        let parts = check_scheme(url).map(|url| RequestParts {
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            auth: None,
            timeout: None,
            retry: None,
            body_limit: None,
        });
        Self { client, parts }
    }

    fn map(mut self, f: impl FnOnce(&mut RequestParts) -> Result<(), Error>) -> Self {
        if let Ok(parts) = &mut self.parts
            && let Err(e) = f(parts)
        {
            self.parts = Err(e);
        }
        self
    }

    /// Appends query parameters, percent-encoded (`application/x-www-form-urlencoded`, so a
    /// space becomes `+`). Repeated keys are kept in order.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self {
        self.map(|p| {
            if !pairs.is_empty() {
                let mut q = p.url.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k.as_ref(), v.as_ref());
                }
            }
            Ok(())
        })
    }

    /// Adds a header (repeated names are kept). Fails at `send` with the header's name when the
    /// name or value is invalid.
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        self.map(|p| {
            let name: HeaderName = name.try_into().map_err(|e| {
                Error::new(ErrorKind::InvalidRequest, "invalid header name").with_source(e.into())
            })?;
            let value: HeaderValue = value.try_into().map_err(|e| {
                Error::new(
                    ErrorKind::InvalidRequest,
                    format!("invalid value for header {name}"),
                )
                .with_source(e.into())
            })?;
            p.headers.append(name, value);
            Ok(())
        })
    }

    /// Adds all of `headers`.
    pub fn headers(self, headers: HeaderMap) -> Self {
        self.map(|p| {
            p.headers.extend(headers);
            Ok(())
        })
    }

    /// Sets the `Idempotency-Key` header, which makes a POST or PATCH safe to retry.
    pub fn idempotency_key(self, key: &str) -> Self {
        self.header("idempotency-key", key)
    }

    /// Sends `value` as JSON with `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        self.map(|p| {
            let body = serde_json::to_vec(value).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidRequest,
                    "request body cannot be serialised as JSON",
                )
                .with_source(e)
            })?;
            p.body = Bytes::from(body);
            set_content_type(&mut p.headers, "application/json");
            Ok(())
        })
    }

    /// Sends `pairs` as an `application/x-www-form-urlencoded` body.
    pub fn form<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self {
        self.map(|p| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs {
                s.append_pair(k.as_ref(), v.as_ref());
            }
            p.body = Bytes::from(s.finish());
            set_content_type(&mut p.headers, "application/x-www-form-urlencoded");
            Ok(())
        })
    }

    /// Sends raw bytes (set `Content-Type` with [`header`](Self::header)).
    pub fn body(self, body: impl Into<Bytes>) -> Self {
        self.map(|p| {
            p.body = body.into();
            Ok(())
        })
    }

    /// Authentication for this request, replacing the client's default.
    pub fn auth(self, auth: Auth) -> Self {
        self.map(|p| {
            p.auth = Some(auth);
            Ok(())
        })
    }

    /// Time limit for each attempt (until the body is read), replacing the client's.
    pub fn timeout(self, timeout: Duration) -> Self {
        self.map(|p| {
            p.timeout = Some(timeout);
            Ok(())
        })
    }

    /// Retry policy for this request, replacing the client's (the retry budget stays shared).
    pub fn retry(self, policy: RetryPolicy) -> Self {
        self.map(|p| {
            p.retry = Some(policy);
            Ok(())
        })
    }

    /// Response body limit in bytes for this request, replacing the client's.
    pub fn body_limit(self, limit: usize) -> Self {
        self.map(|p| {
            p.body_limit = Some(limit);
            Ok(())
        })
    }

    /// The URL with credentials redacted, for logs (`None` if the URL was invalid).
    pub fn url_redacted(&self) -> Option<String> {
        self.parts
            .as_ref()
            .ok()
            .map(|p| crate::secret::redact(&p.url))
    }

    /// Sends the request, retrying as the policy allows.
    ///
    /// Any HTTP response that is final after retries is `Ok`, whatever its status; use
    /// [`Response::error_for_status`] or [`Response::json`] (which checks it) to turn a failure
    /// status into an [`Error`].
    pub async fn send(self) -> Result<Response, Error> {
        let parts = self.parts?;
        crate::send::execute(&self.client, parts).await
    }
}

fn set_content_type(headers: &mut HeaderMap, value: &'static str) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
}

fn parse_url(input: &str) -> Result<Url, Error> {
    let url = Url::parse(input).map_err(|e| {
        Error::new(
            ErrorKind::InvalidRequest,
            format!("invalid URL {}", crate::secret::redact_url(input)),
        )
        .with_source(e)
    })?;
    check_scheme(url)
}

fn check_scheme(url: Url) -> Result<Url, Error> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!("URL scheme {:?} is not http or https", url.scheme()),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::new(ErrorKind::InvalidRequest, "URL has no host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_of(b: RequestBuilder) -> String {
        b.parts.unwrap().url.to_string()
    }

    #[test]
    fn query_encoding_table() {
        let client = Client::builder().build().unwrap();
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case<'_>] = &[
            (
                "http://h/p",
                &[("a", "1"), ("a", "2")],
                "http://h/p?a=1&a=2",
            ),
            ("http://h/p?x=y", &[("q", "a b")], "http://h/p?x=y&q=a+b"),
            (
                "http://h/p",
                &[("q", "&=?#/%+")],
                "http://h/p?q=%26%3D%3F%23%2F%25%2B",
            ),
            (
                "http://h/p",
                &[("città", "日本")],
                "http://h/p?citt%C3%A0=%E6%97%A5%E6%9C%AC",
            ),
            ("http://h/p", &[("empty", "")], "http://h/p?empty="),
            ("http://h/p", &[], "http://h/p"),
            ("http://h/ü p", &[], "http://h/%C3%BC%20p"),
        ];
        for (base, pairs, want) in cases {
            let got = url_of(client.get(base).query(pairs));
            assert_eq!(&got, want, "{base} {pairs:?}");
        }
    }

    #[test]
    fn bad_inputs_are_named() {
        let client = Client::builder().build().unwrap();
        let e = client.get("ftp://h/").parts.unwrap_err();
        assert!(e.message().contains("\"ftp\""), "{e}");
        let e = client.get("not a url?key=s3cret").parts.unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
        let e = client
            .get("http://h/")
            .header("x-ok", "bad\nvalue")
            .parts
            .unwrap_err();
        assert!(e.message().contains("x-ok"), "{e}");
    }
}
