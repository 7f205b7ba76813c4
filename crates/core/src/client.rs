//! The client and its builder: connection pool, TLS, timeouts, limits, defaults for every
//! request.

use std::{fmt, sync::Arc, time::Duration};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::{
    client::legacy::{Client as HyperClient, connect::HttpConnector},
    rt::{TokioExecutor, TokioTimer},
};
use url::Url;

use crate::{
    auth::Auth,
    error::{Error, ErrorKind},
    net::{NetPolicy, resolver::GuardedResolver},
    redirect::Redirects,
    request::RequestBuilder,
    retry::{RateLimitHook, RetryBudget, RetryPolicy, Sleeper, TokioSleeper},
};

/// The default response body limit: 4 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;

pub(crate) type Connector = HttpsConnector<HttpConnector<GuardedResolver>>;
pub(crate) type Hyper = HyperClient<Connector, Full<Bytes>>;

/// An HTTP client with retries, a retry budget, timeouts, a body limit and an optional SSRF
/// guard.
///
/// Cheap to clone (an `Arc` inside); clones share the connection pool and the retry budget.
///
/// ```no_run
/// # async fn run() -> Result<(), switchboard_core::Error> {
/// use switchboard_core::Client;
/// let client = Client::builder().build()?;
/// let res = client.get("https://api.github.com/zen").send().await?;
/// println!("{}", res.text().await?);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) hyper: Hyper,
    pub(crate) default_headers: HeaderMap,
    pub(crate) auth: Auth,
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) body_limit: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: RetryBudget,
    pub(crate) redirects: Redirects,
    pub(crate) https_only: bool,
    pub(crate) net: Arc<NetPolicy>,
    pub(crate) hooks: Vec<Arc<dyn RateLimitHook>>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("auth", &i.auth)
            .field("timeout", &i.timeout)
            .field("deadline", &i.deadline)
            .field("body_limit", &i.body_limit)
            .field("retry", &i.retry)
            .field("budget", &i.budget)
            .field("redirects", &i.redirects)
            .field("net", &i.net)
            .field("hooks", &i.hooks)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults: 10 s connect timeout, 30 s per attempt, 4 MiB body limit,
    /// [`RetryPolicy::default`], a shared [`RetryBudget::default`], no redirects,
    /// [`NetPolicy::allow_all`], `User-Agent: switchboard/<version>`.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A GET request.
    pub fn get(&self, url: &str) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    /// A POST request.
    pub fn post(&self, url: &str) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    /// A PUT request.
    pub fn put(&self, url: &str) -> RequestBuilder {
        self.request(Method::PUT, url)
    }

    /// A PATCH request.
    pub fn patch(&self, url: &str) -> RequestBuilder {
        self.request(Method::PATCH, url)
    }

    /// A DELETE request.
    pub fn delete(&self, url: &str) -> RequestBuilder {
        self.request(Method::DELETE, url)
    }

    /// A HEAD request.
    pub fn head(&self, url: &str) -> RequestBuilder {
        self.request(Method::HEAD, url)
    }

    /// A request with any method; an invalid `url` is reported by `send`.
    pub fn request(&self, method: Method, url: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, url)
    }

    /// A request to an already parsed URL.
    pub fn request_url(&self, method: Method, url: Url) -> RequestBuilder {
        RequestBuilder::from_url(self.clone(), method, url)
    }

    /// The retry budget shared by this client's requests.
    pub fn retry_budget(&self) -> &RetryBudget {
        &self.inner.budget
    }

    /// The network policy in force.
    pub fn net_policy(&self) -> &NetPolicy {
        &self.inner.net
    }
}

/// Configures and builds a [`Client`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    user_agent: String,
    default_headers: Vec<(String, String)>,
    auth: Auth,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    body_limit: usize,
    retry: RetryPolicy,
    budget: RetryBudget,
    redirects: Redirects,
    net: NetPolicy,
    hooks: Vec<Arc<dyn RateLimitHook>>,
    sleeper: Arc<dyn Sleeper>,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    http1_only: bool,
    https_only: bool,
    webpki_roots: bool,
    native_roots: bool,
    extra_roots: Vec<Vec<u8>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            user_agent: concat!("switchboard/", env!("CARGO_PKG_VERSION")).to_owned(),
            default_headers: Vec::new(),
            auth: Auth::None,
            connect_timeout: Some(Duration::from_secs(10)),
            timeout: Some(Duration::from_secs(30)),
            deadline: None,
            body_limit: DEFAULT_BODY_LIMIT,
            retry: RetryPolicy::default(),
            budget: RetryBudget::default(),
            redirects: Redirects::none(),
            net: NetPolicy::allow_all(),
            hooks: Vec::new(),
            sleeper: Arc::new(TokioSleeper),
            pool_idle_timeout: Some(Duration::from_secs(60)),
            pool_max_idle_per_host: 32,
            http1_only: false,
            https_only: false,
            webpki_roots: true,
            native_roots: false,
            extra_roots: Vec::new(),
        }
    }
}

impl ClientBuilder {
    /// The `User-Agent` sent when a request sets none.
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = value.into();
        self
    }

    /// A header sent with every request that does not set it; checked by `build`.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Authentication for every request that does not set its own.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Limit for establishing a connection (TCP; `None` for no limit).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Limit for each attempt, from sending until the body is read (`None` for no limit).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Limit for the whole call, all attempts and waits included (`None` for no limit).
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Largest response body accepted, in bytes (default 4 MiB).
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// The default retry policy; [`RetryPolicy::none`] disables retries.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry budget shared by every request of the client.
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// Whether redirects are followed (default: not).
    pub fn redirects(mut self, redirects: Redirects) -> Self {
        self.redirects = redirects;
        self
    }

    /// The network policy (SSRF guard).
    pub fn net_policy(mut self, policy: NetPolicy) -> Self {
        self.net = policy;
        self
    }

    /// Adds a service-specific rate-limit detector.
    pub fn rate_limit_hook(mut self, hook: Arc<dyn RateLimitHook>) -> Self {
        self.hooks.push(hook);
        self
    }

    /// What waits between retries (default: tokio's timer).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// How long an idle pooled connection is kept (default 60 s; `None` keeps it forever).
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Most idle connections kept per host (default 32).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Speak only HTTP/1.1 (no HTTP/2 via ALPN).
    pub fn http1_only(mut self) -> Self {
        self.http1_only = true;
        self
    }

    /// Refuse plain `http://` URLs.
    pub fn https_only(mut self, yes: bool) -> Self {
        self.https_only = yes;
        self
    }

    /// Whether the bundled Mozilla roots (webpki-roots) are trusted (default: yes).
    pub fn webpki_roots(mut self, yes: bool) -> Self {
        self.webpki_roots = yes;
        self
    }

    /// Whether the operating system's trust store is trusted too (default: no).
    #[cfg(feature = "native-roots")]
    pub fn native_roots(mut self, yes: bool) -> Self {
        self.native_roots = yes;
        self
    }

    /// Trusts an extra root certificate (DER), e.g. a private CA.
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(der.into());
        self
    }

    /// Builds the client; fails on an invalid default header or TLS configuration.
    pub fn build(self) -> Result<Client, Error> {
        let mut default_headers = HeaderMap::new();
        let ua = HeaderValue::from_str(&self.user_agent).map_err(|e| {
            Error::new(ErrorKind::Config, "User-Agent is not a valid header value").with_source(e)
        })?;
        default_headers.insert(header::USER_AGENT, ua);
        for (name, value) in &self.default_headers {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("default header name {name:?} is invalid"),
                )
                .with_source(e)
            })?;
            let v = HeaderValue::from_str(value).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("value of default header {name} is invalid"),
                )
                .with_source(e)
            })?;
            default_headers.append(n, v);
        }
        // Validate static credentials once, so the first request does not find them broken.
        self.auth.static_header()?;

        let tls = self.tls_config()?;
        let net = Arc::new(self.net);
        let mut http = HttpConnector::new_with_resolver(GuardedResolver::new(Arc::clone(&net)));
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(self.connect_timeout);
        let https = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls);
        let https = if self.https_only {
            https.https_only()
        } else {
            https.https_or_http()
        };
        let connector = if self.http1_only {
            https.enable_http1().wrap_connector(http)
        } else {
            https.enable_all_versions().wrap_connector(http)
        };
        let hyper = HyperClient::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .build(connector);

        Ok(Client {
            inner: Arc::new(ClientInner {
                hyper,
                default_headers,
                auth: self.auth,
                timeout: self.timeout,
                deadline: self.deadline,
                body_limit: self.body_limit,
                retry: self.retry,
                budget: self.budget,
                redirects: self.redirects,
                https_only: self.https_only,
                net,
                hooks: self.hooks,
                sleeper: self.sleeper,
            }),
        })
    }

    /// A rustls configuration with the ring provider only, so no process-wide provider is
    /// needed.
    fn tls_config(&self) -> Result<rustls::ClientConfig, Error> {
        let tls_err =
            |what: &str| Error::new(ErrorKind::Config, format!("TLS configuration: {what}"));
        let mut roots = rustls::RootCertStore::empty();
        if self.webpki_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if self.native_roots {
            native_roots(&mut roots)?;
        }
        for (i, der) in self.extra_roots.iter().enumerate() {
            roots
                .add(rustls::pki_types::CertificateDer::from(der.clone()))
                .map_err(|e| {
                    tls_err(&format!("extra root certificate #{i} is invalid")).with_source(e)
                })?;
        }
        if roots.is_empty() {
            return Err(tls_err("no trusted root certificates"));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_err("protocol versions").with_source(e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(config)
    }
}

#[cfg(feature = "native-roots")]
fn native_roots(roots: &mut rustls::RootCertStore) -> Result<(), Error> {
    let found = rustls_native_certs::load_native_certs();
    if found.certs.is_empty() {
        let detail = found
            .errors
            .first()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        return Err(Error::new(
            ErrorKind::Config,
            format!("no native root certificates could be loaded{detail}"),
        ));
    }
    // Individual unparsable system certificates are skipped, as every TLS stack does.
    let _ = roots.add_parsable_certificates(found.certs);
    Ok(())
}

#[cfg(not(feature = "native-roots"))]
fn native_roots(_roots: &mut rustls::RootCertStore) -> Result<(), Error> {
    Err(Error::new(
        ErrorKind::Config,
        "native roots requested but the `native-roots` feature is off",
    ))
}
