//! Web search behind one trait, and the `web_search` tool offered only when a provider is
//! configured. Providers: SearXNG (self-hosted), Brave, Tavily, Google Programmable Search
//! (Custom Search JSON API), Kagi, SerpApi, and `external`: any endpoint speaking Open WebUI's
//! external web search shape, so whatever Open WebUI can search with, this can too.
//!
//! Each provider is built by a builder that owns its core [`Client`] (base URL, key, client
//! settings); keys are [`Secret`]s and never appear in `Debug` or errors. Results are
//! `{title, url, snippet, source}`; `num_results` is clamped to `1..=`[`MAX_RESULTS`] (and to the
//! provider's own maximum). Results are untrusted text: they are returned as data for the
//! model, and their URLs are never fetched here.
//!
//! A 429 is retried by the core client after the provider's `Retry-After`; when retries do not
//! get through, [`SearchApiError`] keeps the status, the provider's message, code and request
//! id, and the wait the provider asked for.
//!
//! ```no_run
//! use switchboard_connectors::search::{SearchRequest, SearxNg, WebSearch};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let searx = SearxNg::builder("https://searx.example.org").build()?;
//! let results = searx.search(&SearchRequest::new("rust async traits")?.num_results(3)).await?;
//! for r in results {
//!     println!("{} <{}>: {}", r.title, r.url, r.snippet);
//! }
//! # Ok(()) }
//! ```

mod brave;
mod error;
mod external;
mod google;
mod kagi;
mod searxng;
mod serpapi;
mod tavily;
mod tool;

pub use brave::{Brave, BraveBuilder};
pub use error::{SearchApiError, SearchError};
pub use external::{External, ExternalBuilder};
pub use google::{Google, GoogleBuilder};
pub use kagi::{Kagi, KagiBuilder};
pub use searxng::{SearxNg, SearxNgBuilder};
pub use serpapi::{SerpApi, SerpApiBuilder};
pub use tavily::{SearchDepth, Tavily, TavilyBuilder};
pub use tool::{WebSearchArgs, WebSearchOutput, WebSearchTool, register_tools};

use serde::{Deserialize, Serialize};
use switchboard_core::{Client, ClientBuilder, Secret};
use url::Url;

use crate::common::InputError;

/// The most results any search returns.
pub const MAX_RESULTS: u32 = 20;
/// How many results a search returns when the caller does not say.
pub const DEFAULT_RESULTS: u32 = 5;
/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 2_000;

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SearchResult {
    /// The page title.
    pub title: String,
    /// The page URL.
    pub url: String,
    /// A text excerpt of the page, as the provider gives it.
    pub snippet: String,
    /// Which provider (and, for SearXNG, which engine) found it, e.g. `searxng:duckduckgo`.
    pub source: String,
}

/// A validated search request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    query: String,
    num_results: u32,
}

impl SearchRequest {
    /// A request for `query` with [`DEFAULT_RESULTS`] results.
    ///
    /// # Errors
    /// [`SearchError::InvalidInput`] when the query is blank or longer than
    /// [`MAX_QUERY_CHARS`] characters.
    pub fn new(query: impl Into<String>) -> Result<Self, SearchError> {
        let query = query.into();
        let trimmed = query.trim();
        if trimmed.is_empty() {
            return Err(InputError::new("query", "is empty").into());
        }
        let n = trimmed.chars().count();
        if n > MAX_QUERY_CHARS {
            return Err(InputError::new(
                "query",
                format!("has {n} characters; at most {MAX_QUERY_CHARS} are accepted"),
            )
            .into());
        }
        Ok(Self {
            query: trimmed.to_owned(),
            num_results: DEFAULT_RESULTS,
        })
    }

    /// Asks for `n` results, clamped to `1..=`[`MAX_RESULTS`].
    #[must_use]
    pub fn num_results(mut self, n: u32) -> Self {
        self.num_results = n.clamp(1, MAX_RESULTS);
        self
    }

    /// The query text (trimmed).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// How many results are wanted (already clamped).
    pub fn wanted(&self) -> u32 {
        self.num_results
    }
}

/// A web search provider.
#[async_trait::async_trait]
pub trait WebSearch: Send + Sync + std::fmt::Debug {
    /// The provider's name (`searxng`, `brave`, `tavily`).
    fn name(&self) -> &str;

    /// Runs the search; returns at most `request.wanted()` results, best first.
    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchResult>, SearchError>;
}

/// Where a provider is reached and the core client settings it is reached with: the part
/// every provider's builder shares.
#[derive(Debug)]
struct Connection {
    base_url: String,
    http: ClientBuilder,
}

impl Connection {
    fn new(default_base: &str) -> Self {
        Self {
            base_url: default_base.to_owned(),
            http: Client::builder(),
        }
    }

    /// The client and the endpoint `base_url` + `path` (each segment percent-encoded).
    fn build(self, provider: &'static str, path: &[&str]) -> Result<(Client, Url), SearchError> {
        let base = crate::common::base_url(self.base_url.trim())?;
        let url = crate::common::join(&base, path)?;
        let client = self
            .http
            .build()
            .map_err(|source| SearchError::Http { provider, source })?;
        Ok((client, url))
    }
}

/// Adds the `base_url` and `http` setters every provider builder has.
macro_rules! connection_setters {
    () => {
        /// Another base URL than the provider's public one (a proxy, a test server).
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.connection.base_url = url.into();
            self
        }

        /// The core client configuration to start from (timeouts, retry policy, SSRF policy,
        /// sleeper); the provider's auth and headers are added per request.
        pub fn http(mut self, builder: switchboard_core::ClientBuilder) -> Self {
            self.connection.http = builder;
            self
        }
    };
}
use connection_setters;

/// Refuses an empty key or one that cannot be sent in an HTTP header or query.
fn check_key(field: &'static str, key: &Secret) -> Result<(), InputError> {
    let k = key.expose();
    if k.trim().is_empty() {
        return Err(InputError::new(field, "must not be empty"));
    }
    if !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(InputError::new(
            field,
            "contains characters not allowed in an HTTP header",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_results_is_clamped() {
        let r = SearchRequest::new(" rust ").unwrap();
        assert_eq!(r.query(), "rust");
        assert_eq!(r.wanted(), DEFAULT_RESULTS);
        assert_eq!(r.clone().num_results(0).wanted(), 1);
        assert_eq!(r.clone().num_results(500).wanted(), MAX_RESULTS);
        assert!(SearchRequest::new("   ").is_err());
        assert!(SearchRequest::new("x".repeat(MAX_QUERY_CHARS + 1)).is_err());
    }
}
