//! SerpApi (Google results): `GET /search.json?engine=google&q=…&api_key=…`.
//!
//! Chosen instead of Serper, which Open WebUI also supports: Serper publishes a playground but
//! no reference for its errors or limits, while SerpApi documents its statuses (401 bad key,
//! 429 over the hourly throughput) and its `{"error": "…"}` body.

use serde::Deserialize;
use switchboard_core::{Auth, Client, Secret};
use url::Url;

use super::error::{ErrorBody, api_error, decode, fetch, generic_error};
use super::{
    Connection, SearchError, SearchRequest, SearchResult, WebSearch, check_key, connection_setters,
};

const PROVIDER: &str = "serpapi";
/// The public API.
const DEFAULT_BASE: &str = "https://serpapi.com/";

/// SerpApi's Google Search API.
#[derive(Debug, Clone)]
pub struct SerpApi {
    client: Client,
    search_url: Url,
    key: Secret,
    engine: String,
}

/// Configures a [`SerpApi`] client.
#[derive(Debug)]
#[must_use]
pub struct SerpApiBuilder {
    connection: Connection,
    key: Secret,
    engine: String,
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    search_metadata: Option<Metadata>,
    #[serde(default)]
    organic_results: Vec<Item>,
    /// Set on a failed search, and also on a successful one that found nothing.
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    id: Option<String>,
    /// `Success`, `Error`, `Processing`.
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    link: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    snippet: Option<String>,
    #[serde(default)]
    position: Option<u32>,
}

impl SerpApi {
    /// A builder for the public API with `api_key` (sent as the `api_key` query parameter, as
    /// SerpApi documents; core redacts it from every URL it reports).
    pub fn builder(api_key: impl Into<Secret>) -> SerpApiBuilder {
        SerpApiBuilder {
            connection: Connection::new(DEFAULT_BASE),
            key: api_key.into(),
            engine: "google".to_owned(),
        }
    }
}

impl SerpApiBuilder {
    connection_setters!();

    /// The SerpApi engine (default `google`; e.g. `bing`, `duckduckgo`), whose results come in
    /// `organic_results`.
    pub fn engine(mut self, engine: impl Into<String>) -> Self {
        self.engine = engine.into();
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`SearchError::InvalidInput`] for an empty key or engine, or a base URL that is not
    /// http(s).
    pub fn build(self) -> Result<SerpApi, SearchError> {
        check_key("api_key", &self.key)?;
        let engine = self.engine.trim().to_owned();
        if engine.is_empty() {
            return Err(crate::common::InputError::new("engine", "must not be empty").into());
        }
        let (client, search_url) = self.connection.build(PROVIDER, &["search.json"])?;
        Ok(SerpApi {
            client,
            search_url,
            key: self.key,
            engine,
        })
    }
}

#[async_trait::async_trait]
impl WebSearch for SerpApi {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchResult>, SearchError> {
        let req = self
            .client
            .get(self.search_url.as_str())
            .auth(Auth::api_key_query("api_key", self.key.clone()))
            .query(&[("engine", self.engine.as_str()), ("q", request.query())])
            .header("accept", "application/json");
        let res = fetch(PROVIDER, req, generic_error).await?;
        let parsed: Response = decode(PROVIDER, &res.body)?;
        let metadata = parsed.search_metadata.unwrap_or(Metadata {
            id: None,
            status: None,
        });
        if let Some(message) = parsed.error
            && parsed.organic_results.is_empty()
            && metadata.status.as_deref() != Some("Success")
        {
            // A failed search reported with a success status.
            return Err(api_error(
                PROVIDER,
                &res,
                ErrorBody {
                    message: Some(message),
                    code: metadata.status,
                    request_id: metadata.id,
                },
            )
            .into());
        }
        let mut items = parsed.organic_results;
        items.sort_by_key(|i| i.position.unwrap_or(u32::MAX));
        Ok(items
            .into_iter()
            .take(request.wanted() as usize)
            .map(|i| SearchResult {
                title: i.title,
                url: i.link,
                snippet: i.snippet.unwrap_or_default(),
                source: PROVIDER.to_owned(),
            })
            .collect())
    }
}
