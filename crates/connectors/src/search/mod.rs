//! Web search behind one trait: SearXNG, Brave and Tavily providers, and the `web_search`
//! tool that is offered only when a provider is configured.
//!
//! Results are `{title, url, snippet, source}`; `num_results` is clamped to
//! `1..=`[`MAX_RESULTS`] (and to the provider's own maximum). Results are untrusted text: they
//! are returned as data for the model, and their URLs are never fetched here.
//!
//! ```no_run
//! use std::sync::Arc;
//! use switchboard_connectors::search::{SearchRequest, SearxNg, WebSearch};
//! use switchboard_core::Client;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder().build()?;
//! let searx = SearxNg::new(client, "https://searx.example.org")?;
//! let results = searx.search(&SearchRequest::new("rust async traits")?.num_results(3)).await?;
//! for r in results {
//!     println!("{} <{}>: {}", r.title, r.url, r.snippet);
//! }
//! # Ok(()) }
//! ```

mod brave;
mod error;
mod searxng;
mod tavily;
mod tool;

pub use brave::Brave;
pub use error::SearchError;
pub use searxng::SearxNg;
pub use tavily::{SearchDepth, Tavily};
pub use tool::{WebSearchArgs, WebSearchOutput, WebSearchTool, register_web_search};

use serde::{Deserialize, Serialize};

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
            return Err(SearchError::InvalidInput {
                field: "query",
                reason: "is empty".into(),
            });
        }
        let n = trimmed.chars().count();
        if n > MAX_QUERY_CHARS {
            return Err(SearchError::InvalidInput {
                field: "query",
                reason: format!("has {n} characters; at most {MAX_QUERY_CHARS} are accepted"),
            });
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

/// Parses and checks a provider base URL (admin configuration, never model input).
fn base_url(provider: &'static str, input: &str) -> Result<url::Url, SearchError> {
    let mut url = url::Url::parse(input.trim()).map_err(|e| SearchError::InvalidInput {
        field: "base_url",
        reason: format!("{provider}: not a URL ({e})"),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(SearchError::InvalidInput {
            field: "base_url",
            reason: format!("{provider}: must be an http(s) URL with a host"),
        });
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Joins a relative endpoint path onto a base URL that ends in `/`.
fn endpoint(provider: &'static str, base: &url::Url, path: &str) -> Result<url::Url, SearchError> {
    base.join(path).map_err(|e| SearchError::InvalidInput {
        field: "base_url",
        reason: format!("{provider}: cannot append {path:?} ({e})"),
    })
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

    #[test]
    fn base_url_gets_a_trailing_slash() {
        let b = base_url("t", "http://h:1/searx").unwrap();
        assert_eq!(
            endpoint("t", &b, "search").unwrap().as_str(),
            "http://h:1/searx/search"
        );
        assert!(base_url("t", "file:///etc").is_err());
    }
}
