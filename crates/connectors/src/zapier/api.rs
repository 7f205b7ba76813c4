//! The Zapier Workflow API v2 with an OAuth bearer token: listing Zaps.

use serde::Deserialize;
use serde_json::{Map, Value};
use switchboard_core::{Auth, Client, ClientBuilder, Secret};
use url::Url;

use super::ZapierError;
use super::error::send;
use crate::common::{InputError, base_url, join};

/// The public API.
const DEFAULT_BASE: &str = "https://api.zapier.com/";
/// Largest page size asked for.
const MAX_LIMIT: u32 = 100;

/// The Workflow API v2 (`/v2/zaps`), authenticated with an OAuth access token. It lists and
/// creates Zaps; it cannot run a Zap or switch one on or off (use a [`CatchHook`](super::CatchHook)
/// to start one).
#[derive(Debug, Clone)]
pub struct ZapierApi {
    client: Client,
    zaps_url: Url,
}

/// Which page of Zaps to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListZaps {
    /// Page size, clamped to 1..=100.
    pub limit: u32,
    /// How many Zaps to skip.
    pub offset: u32,
}

impl Default for ListZaps {
    fn default() -> Self {
        Self {
            limit: 10,
            offset: 0,
        }
    }
}

/// A Zap as the API describes it; fields this crate does not name are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Zap {
    /// The Zap id.
    pub id: String,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Whether it is on.
    #[serde(default)]
    pub is_enabled: Option<bool>,
    /// When it last ran successfully (ISO 8601).
    #[serde(default)]
    pub last_successful_run_date: Option<String>,
    /// When it was last changed (ISO 8601).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Everything else the API sent (`type`, `links`, `steps`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One page of Zaps.
#[derive(Debug, Clone, PartialEq)]
pub struct ZapPage {
    /// The Zaps on this page.
    pub zaps: Vec<Zap>,
    /// The total number of Zaps, when the API says.
    pub count: Option<u64>,
    /// Whether the API links a next page.
    pub has_next: bool,
}

#[derive(Deserialize)]
struct Page {
    data: Vec<Zap>,
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default)]
    links: Option<Links>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    count: Option<u64>,
}

#[derive(Deserialize)]
struct Links {
    #[serde(default)]
    next: Option<String>,
}

/// Configures a [`ZapierApi`] client.
#[derive(Debug)]
#[must_use]
pub struct ZapierApiBuilder {
    token: Secret,
    base_url: String,
    http: ClientBuilder,
}

impl ZapierApi {
    /// A builder for the public API with an OAuth access token (sent as a bearer token).
    pub fn builder(token: impl Into<Secret>) -> ZapierApiBuilder {
        ZapierApiBuilder {
            token: token.into(),
            base_url: DEFAULT_BASE.to_owned(),
            http: Client::builder(),
        }
    }

    /// Lists the Zaps of the token's account: `GET /v2/zaps?limit=…&offset=…`.
    ///
    /// # Errors
    /// [`ZapierError::Api`] for a refusal (401/403 token, 429 above 60 requests/min per IP,
    /// after core's retries), [`ZapierError::Http`] or [`ZapierError::Decode`].
    pub async fn list_zaps(&self, page: ListZaps) -> Result<ZapPage, ZapierError> {
        let limit = page.limit.clamp(1, MAX_LIMIT).to_string();
        let offset = page.offset.to_string();
        let req = self
            .client
            .get(self.zaps_url.as_str())
            .query(&[("limit", limit.as_str()), ("offset", offset.as_str())])
            .header("accept", "application/json");
        let res = send(req).await?;
        let parsed: Page = serde_json::from_slice(&res.body).map_err(ZapierError::Decode)?;
        Ok(ZapPage {
            zaps: parsed.data,
            count: parsed.meta.and_then(|m| m.count),
            has_next: parsed
                .links
                .and_then(|l| l.next)
                .is_some_and(|n| !n.is_empty()),
        })
    }
}

impl ZapierApiBuilder {
    /// Another base URL than `https://api.zapier.com/` (a proxy, a test server).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The core client configuration to start from; the bearer token is added to it.
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`ZapierError::InvalidInput`] for an empty token or a base URL that is not http(s).
    pub fn build(self) -> Result<ZapierApi, ZapierError> {
        if self.token.expose().trim().is_empty() {
            return Err(InputError::new("token", "must not be empty").into());
        }
        let base = base_url(self.base_url.trim())?;
        Ok(ZapierApi {
            zaps_url: join(&base, &["v2", "zaps"])?,
            client: self.http.auth(Auth::bearer(self.token)).build()?,
        })
    }
}
