//! Google Programmable Search (Custom Search JSON API):
//! `GET /customsearch/v1?key=…&cx=…&q=…&num=…`.
//!
//! The key goes in the `key` query parameter, as the API documents; core redacts it from every
//! URL it reports. Google closed this API to new customers and ends it for existing ones on
//! 2027-01-01; it is offered for the engines already set up.

use serde::Deserialize;
use switchboard_core::{Auth, Client, Secret};
use url::Url;

use super::error::{ErrorBody, decode, fetch};
use super::{
    Connection, SearchError, SearchRequest, SearchResult, WebSearch, check_key, connection_setters,
};
use crate::common::InputError;

const PROVIDER: &str = "google";
/// The API's maximum for `num`.
const MAX_COUNT: u32 = 10;
/// The public API.
const DEFAULT_BASE: &str = "https://www.googleapis.com/";

/// A Programmable Search Engine queried through the Custom Search JSON API.
#[derive(Debug, Clone)]
pub struct Google {
    client: Client,
    search_url: Url,
    key: Secret,
    cx: String,
}

/// Configures a [`Google`] client.
#[derive(Debug)]
#[must_use]
pub struct GoogleBuilder {
    connection: Connection,
    key: Secret,
    cx: String,
}

#[derive(Deserialize)]
struct Response {
    /// Absent when nothing matched.
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    link: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    snippet: Option<String>,
}

/// Google's error envelope: `{"error": {"code", "message", "errors": [{"reason"}], "status"}}`.
#[derive(Deserialize)]
struct ErrorEnvelope {
    error: GoogleError,
}

#[derive(Deserialize)]
struct GoogleError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Vec<Reason>,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct Reason {
    #[serde(default)]
    reason: Option<String>,
}

/// The message, and the first `reason` (`rateLimitExceeded`, `keyInvalid`, …) else `status`.
fn google_error(body: &[u8]) -> ErrorBody {
    match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(ErrorEnvelope { error }) => ErrorBody {
            message: error.message,
            code: error
                .errors
                .into_iter()
                .find_map(|r| r.reason)
                .or(error.status),
            request_id: None,
        },
        Err(_) => ErrorBody::default(),
    }
}

impl Google {
    /// A builder for the public API with an API key and the search engine id (`cx`).
    pub fn builder(api_key: impl Into<Secret>, cx: impl Into<String>) -> GoogleBuilder {
        GoogleBuilder {
            connection: Connection::new(DEFAULT_BASE),
            key: api_key.into(),
            cx: cx.into(),
        }
    }
}

impl GoogleBuilder {
    connection_setters!();

    /// Builds the client.
    ///
    /// # Errors
    /// [`SearchError::InvalidInput`] for an empty key or `cx`, or a base URL that is not
    /// http(s).
    pub fn build(self) -> Result<Google, SearchError> {
        check_key("api_key", &self.key)?;
        let cx = self.cx.trim().to_owned();
        if cx.is_empty() {
            return Err(InputError::new("cx", "the search engine id must not be empty").into());
        }
        let (client, search_url) = self.connection.build(PROVIDER, &["customsearch", "v1"])?;
        Ok(Google {
            client,
            search_url,
            key: self.key,
            cx,
        })
    }
}

#[async_trait::async_trait]
impl WebSearch for Google {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchResult>, SearchError> {
        let count = request.wanted().min(MAX_COUNT);
        let req = self
            .client
            .get(self.search_url.as_str())
            .auth(Auth::api_key_query("key", self.key.clone()))
            .query(&[
                ("cx", self.cx.as_str()),
                ("q", request.query()),
                ("num", &count.to_string()),
            ])
            .header("accept", "application/json");
        let res = fetch(PROVIDER, req, google_error).await?;
        let parsed: Response = decode(PROVIDER, &res.body)?;
        Ok(parsed
            .items
            .into_iter()
            .take(count as usize)
            .map(|i| SearchResult {
                title: i.title,
                url: i.link,
                snippet: i.snippet.unwrap_or_default(),
                source: PROVIDER.to_owned(),
            })
            .collect())
    }
}
