//! `switchboard-core`: the HTTP layer every other Switchboard crate calls through.
//!
//! A [`Client`] over hyper 1, hyper-util's pooled client and rustls (ring provider, webpki roots;
//! OS roots with the `native-roots` feature), HTTP/1.1 and HTTP/2, with:
//!
//! - per-attempt timeouts, a total deadline, a connect timeout and a response-body limit
//!   (4 MiB by default; exceeding it is an error, never a truncation);
//! - [`RetryPolicy`]: full-jitter exponential backoff, `Retry-After` and rate-limit reset
//!   headers, a [`RetryBudget`] shared per client, and retries only of what is safe to repeat
//!   (idempotent methods, requests that never left, or requests with an `Idempotency-Key`);
//! - [`Auth`]: basic, bearer, API keys in a header or the query, and OAuth2 token providers that
//!   renew before expiry and once on a 401;
//! - [`NetPolicy`]: an SSRF guard that checks every resolved address and connects only to
//!   checked addresses;
//! - [`Error`]: one error type with the status, the start of the body, the request id and the
//!   attempt count, and never a secret ([`Secret`], [`redact_url`]);
//! - [`EndpointRegistry`]: named endpoints called with parameters.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `native-roots` | off | `ClientBuilder::native_roots`: trust the operating system's certificate store too |
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use switchboard_core::{Auth, Client, NetPolicy, RetryPolicy};
//!
//! #[derive(serde::Deserialize)]
//! struct Weather {
//!     name: String,
//! }
//!
//! # async fn run() -> Result<(), switchboard_core::Error> {
//! let client = Client::builder()
//!     .timeout(Some(Duration::from_secs(10)))
//!     .retry(RetryPolicy::default().max_attempts(4))
//!     .net_policy(NetPolicy::public_only())
//!     .build()?;
//! let weather: Weather = client
//!     .get("https://api.openweathermap.org/data/2.5/weather")
//!     .query(&[("q", "Zürich"), ("units", "metric")])
//!     .auth(Auth::api_key_query("appid", "my-key"))
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! println!("{}", weather.name);
//! # Ok(()) }
//! ```

// On docs.rs (`--cfg docsrs`, nightly) every feature-gated item shows the features it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
mod client;
mod endpoint;
mod error;
pub mod net;
mod redirect;
mod request;
mod response;
pub mod retry;
mod secret;
mod send;

pub use auth::Auth;
pub use client::{Client, ClientBuilder, DEFAULT_BODY_LIMIT};
pub use endpoint::{Endpoint, EndpointBuilder, EndpointCall, EndpointRegistry, UrlTemplate};
pub use error::{BODY_SNIPPET_LIMIT, BoxError, Error, ErrorKind};
pub use net::NetPolicy;
pub use redirect::Redirects;
pub use request::RequestBuilder;
pub use response::Response;
pub use retry::{RetryBudget, RetryPolicy};
pub use secret::{REDACTED, Secret, redact, redact_url};

/// Re-exported so callers need not depend on `http` for methods, statuses and headers.
pub use http;

/// Compiles the README's example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
