//! Tavily search API: `POST /search` with a bearer key.

use serde::{Deserialize, Serialize};
use switchboard_core::{Auth, Client, Secret};
use url::Url;

use super::error::{decode, fetch};
use super::{SearchError, SearchRequest, SearchResult, WebSearch, endpoint};

const PROVIDER: &str = "tavily";
/// Tavily's maximum for `max_results`.
const MAX_COUNT: u32 = 20;
/// The public API.
const DEFAULT_BASE: &str = "https://api.tavily.com/";

/// How deep Tavily searches (`basic` costs less than `advanced`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchDepth {
    /// One credit per search.
    #[default]
    Basic,
    /// Two credits per search, better snippets.
    Advanced,
}

/// The Tavily search API.
#[derive(Debug, Clone)]
pub struct Tavily {
    client: Client,
    search_url: Url,
    key: Secret,
    depth: SearchDepth,
}

#[derive(Serialize)]
struct Body<'a> {
    query: &'a str,
    max_results: u32,
    search_depth: SearchDepth,
    include_answer: bool,
    include_raw_content: bool,
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    results: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    url: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    content: Option<String>,
}

impl Tavily {
    /// A client for the public API with `api_key` (`tvly-…`, sent as a bearer token).
    ///
    /// # Errors
    /// [`SearchError::InvalidInput`] when the key is empty or not a valid header value.
    pub fn new(client: Client, api_key: impl Into<Secret>) -> Result<Self, SearchError> {
        Self::with_base_url(client, api_key, DEFAULT_BASE)
    }

    /// As [`new`](Self::new) against another base URL (a proxy, a test server).
    ///
    /// # Errors
    /// As for [`new`](Self::new), or when `base_url` is not an http(s) URL.
    pub fn with_base_url(
        client: Client,
        api_key: impl Into<Secret>,
        base_url: &str,
    ) -> Result<Self, SearchError> {
        let key = api_key.into();
        super::brave::check_key(&key)?;
        let base = super::base_url(PROVIDER, base_url)?;
        Ok(Self {
            client,
            search_url: endpoint(PROVIDER, &base, "search")?,
            key,
            depth: SearchDepth::Basic,
        })
    }

    /// The search depth (default [`SearchDepth::Basic`]).
    #[must_use]
    pub fn depth(mut self, depth: SearchDepth) -> Self {
        self.depth = depth;
        self
    }
}

#[async_trait::async_trait]
impl WebSearch for Tavily {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchResult>, SearchError> {
        let count = request.wanted().min(MAX_COUNT);
        let req = self
            .client
            .post(self.search_url.as_str())
            .auth(Auth::bearer(self.key.clone()))
            .json(&Body {
                query: request.query(),
                max_results: count,
                search_depth: self.depth,
                include_answer: false,
                include_raw_content: false,
            });
        let body = fetch(PROVIDER, req).await?;
        let parsed: Response = decode(PROVIDER, &body)?;
        Ok(parsed
            .results
            .into_iter()
            .take(count as usize)
            .map(|i| SearchResult {
                title: i.title,
                url: i.url,
                snippet: i.content.unwrap_or_default(),
                source: PROVIDER.to_owned(),
            })
            .collect())
    }
}
