//! Brave Search API: `GET /res/v1/web/search?q=…&count=…` with `X-Subscription-Token`.

use serde::Deserialize;
use switchboard_core::{Client, Secret};
use url::Url;

use super::error::{decode, fetch};
use super::{SearchError, SearchRequest, SearchResult, WebSearch, endpoint};

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
    /// A client for the public API with `api_key` (sent as `X-Subscription-Token`).
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
        check_key(&key)?;
        let base = super::base_url(PROVIDER, base_url)?;
        Ok(Self {
            client,
            search_url: endpoint(PROVIDER, &base, "res/v1/web/search")?,
            key,
        })
    }
}

pub(super) fn check_key(key: &Secret) -> Result<(), SearchError> {
    let k = key.expose();
    if k.trim().is_empty() {
        return Err(SearchError::InvalidInput {
            field: "api_key",
            reason: "is empty".into(),
        });
    }
    if !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SearchError::InvalidInput {
            field: "api_key",
            reason: "contains characters not allowed in an HTTP header".into(),
        });
    }
    Ok(())
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
        let body = fetch(PROVIDER, req).await?;
        let parsed: Response = decode(PROVIDER, &body)?;
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
