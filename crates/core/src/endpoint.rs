//! Named endpoints (the seed's `APIEndpoint` registry): register a method and URL template once,
//! call it by name with path parameters, query parameters and a body.

use std::{collections::BTreeMap, fmt, time::Duration};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;
use url::Url;

use crate::{
    auth::Auth,
    client::Client,
    error::{Error, ErrorKind},
    response::Response,
    retry::RetryPolicy,
};

/// Characters escaped in a parameter value: everything outside the unreserved set and the harmless
/// sub-delimiters, including `/` (a value stays one path segment) and `&`, `=`, `+` (a value in the
/// query cannot add parameters).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'&')
    .add(b'=')
    .add(b'+')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Param(String),
}

/// A URL with `{name}` placeholders in its path, e.g. `https://api.github.com/repos/{owner}/{repo}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTemplate {
    source: String,
    parts: Vec<Part>,
    params: Vec<String>,
}

impl UrlTemplate {
    /// Parses a template; placeholders are allowed only after the host (in the path or query).
    pub fn parse(template: &str) -> Result<Self, Error> {
        let bad = |why: String| {
            Error::new(
                ErrorKind::Endpoint,
                format!("URL template {template:?}: {why}"),
            )
        };
        let mut parts = Vec::new();
        let mut params: Vec<String> = Vec::new();
        let mut literal = String::new();
        let mut rest = template;
        while let Some(open) = rest.find(['{', '}']) {
            if rest.as_bytes()[open] == b'}' {
                return Err(bad(format!(
                    "unmatched '}}' at byte {}",
                    template.len() - rest.len() + open
                )));
            }
            literal.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| bad("unclosed '{'".to_owned()))?;
            let name = &after[..close];
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !valid {
                return Err(bad(format!(
                    "placeholder {{{name}}} must be a non-empty name of letters, digits, '_' or '-'"
                )));
            }
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(Part::Param(name.to_owned()));
            if !params.iter().any(|p| p == name) {
                params.push(name.to_owned());
            }
            rest = &after[close + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        let this = Self {
            source: template.to_owned(),
            parts,
            params,
        };
        // The scheme and host must be fixed: a placeholder there would let a caller pick the host.
        if let Some(Part::Literal(prefix)) = this.parts.first() {
            let authority_end = prefix
                .find("://")
                .and_then(|i| prefix[i + 3..].find(['/', '?']).map(|j| i + 3 + j));
            if authority_end.is_none() && this.parts.len() > 1 {
                return Err(bad(
                    "placeholders are only allowed after the host".to_owned()
                ));
            }
        } else {
            return Err(bad("must start with a fixed scheme and host".to_owned()));
        }
        let sample: BTreeMap<&str, &str> = this.params.iter().map(|p| (p.as_str(), "x")).collect();
        let url =
            Url::parse(&this.fill(&sample)).map_err(|e| bad(format!("not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(format!(
                "scheme {:?} is not http or https",
                url.scheme()
            )));
        }
        Ok(this)
    }

    /// The template text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The placeholder names, in order of first appearance.
    pub fn params(&self) -> &[String] {
        &self.params
    }

    fn fill(&self, values: &BTreeMap<&str, &str>) -> String {
        let mut out = String::with_capacity(self.source.len());
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Param(p) => {
                    let v = values.get(p.as_str()).copied().unwrap_or_default();
                    out.extend(utf8_percent_encode(v, SEGMENT));
                }
            }
        }
        out
    }

    /// Fills the placeholders; every placeholder needs a value and every value a placeholder.
    pub fn render(&self, values: &[(String, String)]) -> Result<Url, Error> {
        let mut map: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, value) in values {
            if !self.params.contains(name) {
                return Err(Error::new(
                    ErrorKind::Endpoint,
                    format!(
                        "unknown path parameter {name:?}; the template {:?} has {:?}",
                        self.source, self.params
                    ),
                ));
            }
            if map.insert(name, value).is_some() {
                return Err(Error::new(
                    ErrorKind::Endpoint,
                    format!("path parameter {name:?} is given twice"),
                ));
            }
            if value.is_empty() || value == "." || value == ".." {
                return Err(Error::new(
                    ErrorKind::Endpoint,
                    format!("path parameter {name:?} must not be empty, \".\" or \"..\""),
                ));
            }
        }
        if let Some(missing) = self.params.iter().find(|p| !map.contains_key(p.as_str())) {
            return Err(Error::new(
                ErrorKind::Endpoint,
                format!("missing path parameter {missing:?} for {:?}", self.source),
            ));
        }
        let filled = self.fill(&map);
        Url::parse(&filled).map_err(|e| {
            Error::new(ErrorKind::Endpoint, "filled template is not a valid URL").with_source(e)
        })
    }
}

/// A named API operation: method, URL template, fixed headers, and optional auth, timeout and
/// retry policy that replace the client's.
#[derive(Clone)]
pub struct Endpoint {
    name: String,
    method: Method,
    template: UrlTemplate,
    headers: HeaderMap,
    auth: Option<Auth>,
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    description: Option<String>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name)
            .field("method", &self.method)
            .field("template", &self.template.source)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Endpoint {
    /// Starts an endpoint definition.
    pub fn builder(name: impl Into<String>, method: Method, template: &str) -> EndpointBuilder {
        let name = name.into();
        let result = if name.trim().is_empty() {
            Err(Error::new(ErrorKind::Endpoint, "endpoint name is empty"))
        } else {
            UrlTemplate::parse(template).map(|template| Self {
                name,
                method,
                template,
                headers: HeaderMap::new(),
                auth: None,
                timeout: None,
                retry: None,
                description: None,
            })
        };
        EndpointBuilder { result }
    }

    /// The name it is called by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL template.
    pub fn template(&self) -> &UrlTemplate {
        &self.template
    }

    /// What it does, if described.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The fixed headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

/// Builds an [`Endpoint`]; the first invalid input is returned by [`build`](Self::build).
#[derive(Debug)]
#[must_use]
pub struct EndpointBuilder {
    result: Result<Endpoint, Error>,
}

impl EndpointBuilder {
    fn map(mut self, f: impl FnOnce(&mut Endpoint) -> Result<(), Error>) -> Self {
        if let Ok(ep) = &mut self.result
            && let Err(e) = f(ep)
        {
            self.result = Err(e);
        }
        self
    }

    /// A header sent with every call.
    pub fn header(self, name: &str, value: &str) -> Self {
        self.map(|ep| {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                Error::new(
                    ErrorKind::Endpoint,
                    format!("endpoint {}: invalid header name {name:?}", ep.name),
                )
                .with_source(e)
            })?;
            let v = HeaderValue::from_str(value).map_err(|e| {
                Error::new(
                    ErrorKind::Endpoint,
                    format!("endpoint {}: invalid value for header {name}", ep.name),
                )
                .with_source(e)
            })?;
            ep.headers.append(n, v);
            Ok(())
        })
    }

    /// Authentication replacing the client's.
    pub fn auth(self, auth: Auth) -> Self {
        self.map(|ep| {
            ep.auth = Some(auth);
            Ok(())
        })
    }

    /// Per-attempt timeout replacing the client's.
    pub fn timeout(self, timeout: Duration) -> Self {
        self.map(|ep| {
            ep.timeout = Some(timeout);
            Ok(())
        })
    }

    /// Retry policy replacing the client's.
    pub fn retry(self, policy: RetryPolicy) -> Self {
        self.map(|ep| {
            ep.retry = Some(policy);
            Ok(())
        })
    }

    /// A description (for listings).
    pub fn description(self, text: impl Into<String>) -> Self {
        self.map(|ep| {
            ep.description = Some(text.into());
            Ok(())
        })
    }

    /// The endpoint, or the first error.
    pub fn build(self) -> Result<Endpoint, Error> {
        self.result
    }
}

/// The arguments of one call: path parameters, query parameters, body.
#[derive(Debug, Default, Clone)]
#[must_use]
pub struct EndpointCall {
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: Option<(Bytes, Option<&'static str>)>,
    error: Option<String>,
}

impl EndpointCall {
    /// No parameters and no body.
    pub fn new() -> Self {
        Self::default()
    }

    /// A value for the `{name}` placeholder (percent-encoded as one path segment).
    pub fn path(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.path.push((name.into(), value.into()));
        self
    }

    /// A query parameter (repeat for repeated keys).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// A JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => self.body = Some((Bytes::from(body), Some("application/json"))),
            Err(e) => self.error = Some(format!("body cannot be serialised as JSON: {e}")),
        }
        self
    }

    /// A raw body (set `Content-Type` with an endpoint header).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some((body.into(), None));
        self
    }
}

/// Named endpoints over one [`Client`].
///
/// ```no_run
/// # async fn run() -> Result<(), switchboard_core::Error> {
/// use http::Method;
/// use switchboard_core::{Client, Endpoint, EndpointCall, EndpointRegistry};
/// let mut registry = EndpointRegistry::new(Client::builder().build()?);
/// registry.register(
///     Endpoint::builder("get_issue", Method::GET, "https://api.github.com/repos/{owner}/{repo}/issues/{number}")
///         .header("Accept", "application/vnd.github+json")
///         .build()?,
/// )?;
/// let res = registry
///     .call("get_issue", EndpointCall::new().path("owner", "rust-lang").path("repo", "rust").path("number", "1"))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct EndpointRegistry {
    client: Client,
    endpoints: BTreeMap<String, Endpoint>,
}

impl EndpointRegistry {
    /// An empty registry calling through `client`.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            endpoints: BTreeMap::new(),
        }
    }

    /// Adds an endpoint; fails if the name is taken (use [`replace`](Self::replace) to change one).
    pub fn register(&mut self, endpoint: Endpoint) -> Result<(), Error> {
        if self.endpoints.contains_key(&endpoint.name) {
            return Err(Error::new(
                ErrorKind::Endpoint,
                format!("endpoint {:?} is already registered", endpoint.name),
            ));
        }
        self.endpoints.insert(endpoint.name.clone(), endpoint);
        Ok(())
    }

    /// Adds or replaces an endpoint; returns the one replaced.
    pub fn replace(&mut self, endpoint: Endpoint) -> Option<Endpoint> {
        self.endpoints.insert(endpoint.name.clone(), endpoint)
    }

    /// Removes an endpoint; returns it if it existed.
    pub fn unregister(&mut self, name: &str) -> Option<Endpoint> {
        self.endpoints.remove(name)
    }

    /// The endpoint called `name`.
    pub fn get(&self, name: &str) -> Option<&Endpoint> {
        self.endpoints.get(name)
    }

    /// All endpoints, by name.
    pub fn list(&self) -> impl Iterator<Item = &Endpoint> {
        self.endpoints.values()
    }

    /// Calls the endpoint `name`.
    pub async fn call(&self, name: &str, call: EndpointCall) -> Result<Response, Error> {
        let endpoint = self.endpoints.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.endpoints.keys().map(String::as_str).collect();
            Error::new(
                ErrorKind::Endpoint,
                format!("unknown endpoint {name:?}; registered: {known:?}"),
            )
        })?;
        let in_endpoint = |e: Error| {
            Error::new(
                ErrorKind::Endpoint,
                format!("endpoint {name:?}: {}", e.message()),
            )
        };
        if let Some(why) = call.error {
            return Err(Error::new(
                ErrorKind::Endpoint,
                format!("endpoint {name:?}: {why}"),
            ));
        }
        let url = endpoint.template.render(&call.path).map_err(in_endpoint)?;
        let mut req = self
            .client
            .request_url(endpoint.method.clone(), url)
            .headers(endpoint.headers.clone())
            .query(&call.query);
        if let Some(auth) = &endpoint.auth {
            req = req.auth(auth.clone());
        }
        if let Some(t) = endpoint.timeout {
            req = req.timeout(t);
        }
        if let Some(p) = &endpoint.retry {
            req = req.retry(p.clone());
        }
        if let Some((body, content_type)) = call.body {
            if let Some(ct) = content_type {
                req = req.header(http::header::CONTENT_TYPE, ct);
            }
            req = req.body(body);
        }
        req.send().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn renders_and_encodes_segments() {
        let t = UrlTemplate::parse("https://h.example/repos/{owner}/{repo}/x?ref={ref}").unwrap();
        assert_eq!(t.params(), ["owner", "repo", "ref"]);
        let url = t
            .render(&p(&[("owner", "a b/c"), ("repo", "ü?#"), ("ref", "main")]))
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://h.example/repos/a%20b%2Fc/%C3%BC%3F%23/x?ref=main"
        );
        let url = t
            .render(&p(&[("owner", "o"), ("repo", "r"), ("ref", "a&admin=1+2")]))
            .unwrap();
        assert_eq!(url.query(), Some("ref=a%26admin%3D1%2B2"));
    }

    #[test]
    fn template_and_param_errors_are_clear() {
        let t = UrlTemplate::parse("https://h.example/{id}").unwrap();
        let e = t.render(&[]).unwrap_err();
        assert!(e.message().contains("missing path parameter \"id\""), "{e}");
        let e = t.render(&p(&[("id", "1"), ("other", "2")])).unwrap_err();
        assert!(
            e.message().contains("unknown path parameter \"other\""),
            "{e}"
        );
        let e = t.render(&p(&[("id", "..")])).unwrap_err();
        assert!(e.message().contains("\"..\""), "{e}");
        let e = t.render(&p(&[("id", "1"), ("id", "2")])).unwrap_err();
        assert!(e.message().contains("twice"), "{e}");
        for bad in [
            "https://{host}/x",
            "{base}/x",
            "https://h/{unclosed",
            "https://h/x}",
            "https://h/{}",
            "https://h/{a b}",
            "ftp://h/{x}",
        ] {
            assert!(UrlTemplate::parse(bad).is_err(), "{bad}");
        }
    }
}
