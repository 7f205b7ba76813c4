//! Brave Search API: `GET /res/v1/web/search?q=…&count=…` with `X-Subscription-Token`.

use serde::Deserialize;
use switchboard_core::{Client, Secret};
use url::Url;

use super::error::{decode, fetch, generic_error};
use super::{
    Connection, SearchError, SearchRequest, SearchResult, WebSearch, check_key, connection_setters,
};

const PROVIDER: &str = "brave";
/// Brave's documented maximum for `count`.
const MAX_COUNT: u32 = 20;
/// The public API.
const DEFAULT_BASE: &str = "https://api.search.brave.com/";

/// The Brave Search API (web results).
#[derive(Debug, Clone)]
pub struct Brave {
    client: Client,
    search_url: Url,
    key: Secret,
}

/// Configures a [`Brave`] client.
#[derive(Debug)]
#[must_use]
pub struct BraveBuilder {
    connection: Connection,
    key: Secret,
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    web: Option<Web>,
}

#[derive(Deserialize)]
struct Web {
    #[serde(default)]
    results: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    url: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: Option<String>,
}

impl Brave {
    /// A builder for the public API with `api_key` (sent as `X-Subscription-Token`).
    pub fn builder(api_key: impl Into<Secret>) -> BraveBuilder {
        BraveBuilder {
            connection: Connection::new(DEFAULT_BASE),
            key: api_key.into(),
        }
    }
}

impl BraveBuilder {
    connection_setters!();

    /// Builds the client.
    ///
    /// # Errors
    /// [`SearchError::InvalidInput`] for an empty key or a base URL that is not http(s).
    pub fn build(self) -> Result<Brave, SearchError> {
        check_key("api_key", &self.key)?;
        let (client, search_url) = self
            .connection
            .build(PROVIDER, &["res", "v1", "web", "search"])?;
        Ok(Brave {
            client,
            search_url,
            key: self.key,
        })
    }
}

/// Brave marks matches with `<strong>`; the model gets plain text.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match tail.find('>') {
            Some(end)
                if tail[1..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '/') =>
            {
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[async_trait::async_trait]
impl WebSearch for Brave {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchResult>, SearchError> {
        let count = request.wanted().min(MAX_COUNT);
        let req = self
            .client
            .get(self.search_url.as_str())
            .query(&[("q", request.query()), ("count", &count.to_string())])
            .header("accept", "application/json")
            .header("x-subscription-token", self.key.expose());
        let res = fetch(PROVIDER, req, generic_error).await?;
        let parsed: Response = decode(PROVIDER, &res.body)?;
        let items = parsed.web.map(|w| w.results).unwrap_or_default();
        Ok(items
            .into_iter()
            .take(count as usize)
            .map(|i| SearchResult {
                title: strip_tags(&i.title),
                url: i.url,
                snippet: strip_tags(&i.description.unwrap_or_default()),
                source: PROVIDER.to_owned(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_simple_tags_only() {
        assert_eq!(super::strip_tags("a <strong>b</strong> 1 < 2"), "a b 1 < 2");
    }
}
