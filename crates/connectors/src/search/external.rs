//! An external search endpoint with Open WebUI's external web search shape: `POST <url>` with
//! `{"query": …, "count": N}` and `Authorization: Bearer <key>`, answered by a JSON list of
//! `{"link", "title", "snippet"}`. Anything Open WebUI can search through its "external" engine
//! (a small adapter in front of any search service), this can too.

use serde::{Deserialize, Serialize};
use switchboard_core::{Auth, Client, ClientBuilder, Secret};
use url::Url;

use super::error::{decode, fetch, generic_error};
use super::{SearchError, SearchRequest, SearchResult, WebSearch, check_key};
use crate::common::InputError;

const PROVIDER: &str = "external";

/// A user-provided search endpoint.
#[derive(Debug, Clone)]
pub struct External {
    client: Client,
    url: Url,
    key: Option<Secret>,
}

/// Configures an [`External`] client.
#[derive(Debug)]
#[must_use]
pub struct ExternalBuilder {
    url: String,
    key: Option<Secret>,
    http: ClientBuilder,
}

#[derive(Serialize)]
struct Body<'a> {
    query: &'a str,
    count: u32,
}

/// One result; Open WebUI reads the three fields with `.get`, so any may be missing.
#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    snippet: Option<String>,
}

impl External {
    /// A builder for the endpoint at `url` (the full URL posted to; a query string is kept).
    pub fn builder(url: impl Into<String>) -> ExternalBuilder {
        ExternalBuilder {
            url: url.into(),
            key: None,
            http: Client::builder(),
        }
    }
}

impl ExternalBuilder {
    /// The key sent as `Authorization: Bearer <key>` (none by default).
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The core client configuration to start from (timeouts, retry policy, SSRF policy,
    /// sleeper).
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`SearchError::InvalidInput`] when the URL is not http(s) with a host, or the key is
    /// empty.
    pub fn build(self) -> Result<External, SearchError> {
        let url = Url::parse(self.url.trim())
            .map_err(|e| InputError::new("url", format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(InputError::new("url", "must be an http(s) URL with a host").into());
        }
        if let Some(key) = &self.key {
            check_key("api_key", key)?;
        }
        let client = self.http.build().map_err(|source| SearchError::Http {
            provider: PROVIDER,
            source,
        })?;
        Ok(External {
            client,
            url,
            key: self.key,
        })
    }
}

#[async_trait::async_trait]
impl WebSearch for External {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchResult>, SearchError> {
        let count = request.wanted();
        let mut req = self
            .client
            .request_url(switchboard_core::http::Method::POST, self.url.clone())
            .header("accept", "application/json")
            .json(&Body {
                query: request.query(),
                count,
            });
        if let Some(key) = &self.key {
            req = req.auth(Auth::bearer(key.clone()));
        }
        let res = fetch(PROVIDER, req, generic_error).await?;
        let items: Vec<Item> = decode(PROVIDER, &res.body)?;
        Ok(items
            .into_iter()
            // A result without a link cannot be cited or opened.
            .filter_map(|i| {
                Some(SearchResult {
                    url: i.link.filter(|l| !l.trim().is_empty())?,
                    title: i.title.unwrap_or_default(),
                    snippet: i.snippet.unwrap_or_default(),
                    source: PROVIDER.to_owned(),
                })
            })
            .take(count as usize)
            .collect())
    }
}
