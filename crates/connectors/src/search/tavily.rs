//! Tavily search API: `POST /search` with a bearer key.

use serde::{Deserialize, Serialize};
use switchboard_core::{Auth, Client, Secret};
use url::Url;

use super::error::{decode, fetch, generic_error};
use super::{
    Connection, SearchError, SearchRequest, SearchResult, WebSearch, check_key, connection_setters,
};

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

/// Configures a [`Tavily`] client.
#[derive(Debug)]
#[must_use]
pub struct TavilyBuilder {
    connection: Connection,
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
    /// A builder for the public API with `api_key` (`tvly-…`, sent as a bearer token).
    pub fn builder(api_key: impl Into<Secret>) -> TavilyBuilder {
        TavilyBuilder {
            connection: Connection::new(DEFAULT_BASE),
            key: api_key.into(),
            depth: SearchDepth::Basic,
        }
    }
}

impl TavilyBuilder {
    connection_setters!();

    /// The search depth (default [`SearchDepth::Basic`]).
    pub fn depth(mut self, depth: SearchDepth) -> Self {
        self.depth = depth;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`SearchError::InvalidInput`] for an empty key or a base URL that is not http(s).
    pub fn build(self) -> Result<Tavily, SearchError> {
        check_key("api_key", &self.key)?;
        let (client, search_url) = self.connection.build(PROVIDER, &["search"])?;
        Ok(Tavily {
            client,
            search_url,
            key: self.key,
            depth: self.depth,
        })
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
        let res = fetch(PROVIDER, req, generic_error).await?;
        let parsed: Response = decode(PROVIDER, &res.body)?;
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
