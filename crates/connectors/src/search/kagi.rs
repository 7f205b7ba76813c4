//! Kagi Search API (v0): `GET /api/v0/search?q=…&limit=…` with `Authorization: Bot <key>`.
//!
//! Every answer is an envelope `{"meta": {"id", …}, "data": …, "error": [{"code", "msg"}]}`;
//! `data` mixes results (`t: 0`) with related searches (`t: 1`), which are dropped.

use serde::Deserialize;
use switchboard_core::{Auth, Client, Secret};
use url::Url;

use super::error::{ErrorBody, api_error, decode, fetch};
use super::{
    Connection, SearchError, SearchRequest, SearchResult, WebSearch, check_key, connection_setters,
};

const PROVIDER: &str = "kagi";
/// The public API.
const DEFAULT_BASE: &str = "https://kagi.com/";

/// The Kagi Search API.
#[derive(Debug, Clone)]
pub struct Kagi {
    client: Client,
    search_url: Url,
    /// `Authorization: Bot <key>`, the key kept secret.
    auth: Auth,
}

/// Configures a [`Kagi`] client.
#[derive(Debug)]
#[must_use]
pub struct KagiBuilder {
    connection: Connection,
    key: Secret,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default)]
    data: Option<Vec<Item>>,
    #[serde(default)]
    error: Option<Vec<KagiError>>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct KagiError {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    msg: Option<String>,
}

/// One `data` entry: a result (`t: 0`) or another kind, kept only to be skipped.
#[derive(Deserialize)]
struct Item {
    t: i64,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    snippet: Option<String>,
}

/// The first entry of `error` and the envelope's `meta.id`.
fn kagi_error(body: &[u8]) -> ErrorBody {
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        return ErrorBody::default();
    };
    let first = envelope.error.and_then(|e| e.into_iter().next());
    ErrorBody {
        message: first.as_ref().and_then(|e| e.msg.clone()),
        code: first.and_then(|e| e.code).map(|c| c.to_string()),
        request_id: envelope.meta.and_then(|m| m.id),
    }
}

impl Kagi {
    /// A builder for the public API with an API token (sent as `Authorization: Bot <token>`).
    pub fn builder(api_key: impl Into<Secret>) -> KagiBuilder {
        KagiBuilder {
            connection: Connection::new(DEFAULT_BASE),
            key: api_key.into(),
        }
    }
}

impl KagiBuilder {
    connection_setters!();

    /// Builds the client.
    ///
    /// # Errors
    /// [`SearchError::InvalidInput`] for an empty key or a base URL that is not http(s).
    pub fn build(self) -> Result<Kagi, SearchError> {
        check_key("api_key", &self.key)?;
        let auth = Auth::api_key_header(
            "authorization",
            Secret::new(format!("Bot {}", self.key.expose())),
        )
        .map_err(|source| SearchError::Http {
            provider: PROVIDER,
            source,
        })?;
        let (client, search_url) = self.connection.build(PROVIDER, &["api", "v0", "search"])?;
        Ok(Kagi {
            client,
            search_url,
            auth,
        })
    }
}

#[async_trait::async_trait]
impl WebSearch for Kagi {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchResult>, SearchError> {
        let count = request.wanted();
        let req = self
            .client
            .get(self.search_url.as_str())
            .query(&[("q", request.query()), ("limit", &count.to_string())])
            .header("accept", "application/json")
            .auth(self.auth.clone());
        let res = fetch(PROVIDER, req, kagi_error).await?;
        let envelope: Envelope = decode(PROVIDER, &res.body)?;
        if envelope.data.is_none() && envelope.error.as_ref().is_some_and(|e| !e.is_empty()) {
            // An error envelope on a success status.
            return Err(api_error(PROVIDER, &res, kagi_error(&res.body)).into());
        }
        Ok(envelope
            .data
            .unwrap_or_default()
            .into_iter()
            .filter(|i| i.t == 0)
            .filter_map(|i| {
                Some(SearchResult {
                    url: i.url?,
                    title: i.title.unwrap_or_default(),
                    snippet: i.snippet.unwrap_or_default(),
                    source: PROVIDER.to_owned(),
                })
            })
            .take(count as usize)
            .collect())
    }
}
