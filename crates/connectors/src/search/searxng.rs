//! SearXNG (self-hosted metasearch): `GET /search?q=…&format=json`.

use serde::Deserialize;
use switchboard_core::{Auth, Client};
use url::Url;

use super::error::{decode, fetch, generic_error};
use super::{Connection, SearchError, SearchRequest, SearchResult, WebSearch, connection_setters};
use crate::common::ErrorKind;

const PROVIDER: &str = "searxng";
/// What a 403 from SearXNG means, said so the admin can fix it.
const JSON_DISABLED: &str = "searxng refused format=json: enable it in the instance's \
     settings.yml with `search: formats: [html, json]`";

/// A SearXNG instance. JSON output must be enabled in its `settings.yml`
/// (`search: formats: [html, json]`); otherwise it answers 403, reported as a
/// [`SearchApiError`](super::SearchApiError) whose message says so.
///
/// SearXNG has no count parameter: results are sorted by their `score` and cut to the number
/// wanted.
#[derive(Debug, Clone)]
pub struct SearxNg {
    client: Client,
    search_url: Url,
    auth: Option<Auth>,
    categories: Option<String>,
    language: Option<String>,
    safesearch: Option<u8>,
}

/// Configures a [`SearxNg`] client.
#[derive(Debug)]
#[must_use]
pub struct SearxNgBuilder {
    connection: Connection,
    auth: Option<Auth>,
    categories: Option<String>,
    language: Option<String>,
    safesearch: Option<u8>,
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
    #[serde(default)]
    engine: Option<String>,
    #[serde(default)]
    score: Option<f64>,
}

impl SearxNg {
    /// A builder for the instance at `base_url` (e.g. `https://searx.example.org`).
    pub fn builder(base_url: impl Into<String>) -> SearxNgBuilder {
        SearxNgBuilder {
            connection: Connection::new(&base_url.into()),
            auth: None,
            categories: None,
            language: None,
            safesearch: None,
        }
    }
}

impl SearxNgBuilder {
    connection_setters!();

    /// Authentication for an instance behind a proxy (basic or bearer).
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Comma-separated SearXNG categories (`general`, `news`, …).
    pub fn categories(mut self, categories: impl Into<String>) -> Self {
        self.categories = Some(categories.into());
        self
    }

    /// The search language (`en`, `de-CH`, …).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Safe search: 0 off, 1 moderate, 2 strict (larger values are clamped to 2).
    pub fn safesearch(mut self, level: u8) -> Self {
        self.safesearch = Some(level.min(2));
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`SearchError::InvalidInput`] when the base URL is not http(s).
    pub fn build(self) -> Result<SearxNg, SearchError> {
        let (client, search_url) = self.connection.build(PROVIDER, &["search"])?;
        Ok(SearxNg {
            client,
            search_url,
            auth: self.auth,
            categories: self.categories,
            language: self.language,
            safesearch: self.safesearch,
        })
    }
}

#[async_trait::async_trait]
impl WebSearch for SearxNg {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchResult>, SearchError> {
        let mut query: Vec<(&str, String)> = vec![
            ("q", request.query().to_owned()),
            ("format", "json".to_owned()),
            ("pageno", "1".to_owned()),
        ];
        if let Some(c) = &self.categories {
            query.push(("categories", c.clone()));
        }
        if let Some(l) = &self.language {
            query.push(("language", l.clone()));
        }
        if let Some(s) = self.safesearch {
            query.push(("safesearch", s.to_string()));
        }
        let mut req = self
            .client
            .get(self.search_url.as_str())
            .query(&query)
            .header("accept", "application/json");
        if let Some(auth) = &self.auth {
            req = req.auth(auth.clone());
        }
        let res = fetch(PROVIDER, req, generic_error)
            .await
            .map_err(|e| match e {
                SearchError::Api(mut api) if api.kind() == ErrorKind::Forbidden => {
                    api.message = Some(JSON_DISABLED.to_owned());
                    SearchError::Api(api)
                }
                other => other,
            })?;
        let parsed: Response = decode(PROVIDER, &res.body)?;
        let mut items = parsed.results;
        // Stable sort: equal or missing scores keep the instance's order.
        items.sort_by(|a, b| {
            b.score
                .unwrap_or(0.0)
                .partial_cmp(&a.score.unwrap_or(0.0))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        Ok(items
            .into_iter()
            .take(request.wanted() as usize)
            .map(|i| SearchResult {
                title: i.title,
                url: i.url,
                snippet: i.content.unwrap_or_default(),
                source: match i.engine {
                    Some(e) if !e.is_empty() => format!("{PROVIDER}:{e}"),
                    _ => PROVIDER.to_owned(),
                },
            })
            .collect())
    }
}
