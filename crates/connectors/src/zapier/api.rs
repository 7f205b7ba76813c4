//! The Zapier Workflow API v2 with an OAuth bearer token: listing Zaps.

use serde::Deserialize;
use serde_json::{Map, Value};
use switchboard_core::{Auth, Client, Secret};
use url::Url;

use super::ZapierError;
use super::error::fetch;

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
    base: Url,
    token: Secret,
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

impl ZapierApi {
    /// A client for the public API with an OAuth access token.
    ///
    /// # Errors
    /// [`ZapierError::InvalidInput`] when the token is empty.
    pub fn new(client: Client, token: impl Into<Secret>) -> Result<Self, ZapierError> {
        Self::with_base_url(client, token, DEFAULT_BASE)
    }

    /// As [`new`](Self::new) against another base URL (a proxy, a test server).
    ///
    /// # Errors
    /// As for [`new`](Self::new), or when `base_url` is not an http(s) URL.
    pub fn with_base_url(
        client: Client,
        token: impl Into<Secret>,
        base_url: &str,
    ) -> Result<Self, ZapierError> {
        let token = token.into();
        if token.expose().trim().is_empty() {
            return Err(ZapierError::InvalidInput {
                field: "token",
                reason: "is empty".into(),
            });
        }
        let mut base = Url::parse(base_url.trim()).map_err(|e| ZapierError::InvalidInput {
            field: "base_url",
            reason: format!("not a URL ({e})"),
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(ZapierError::InvalidInput {
                field: "base_url",
                reason: "must be an http(s) URL with a host".into(),
            });
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        Ok(Self {
            client,
            base,
            token,
        })
    }

    /// Lists the Zaps of the token's account: `GET /v2/zaps?limit=…&offset=…`.
    ///
    /// # Errors
    /// [`ZapierError::Unauthorized`], [`ZapierError::RateLimited`] (60 requests/min per IP),
    /// other statuses, or [`ZapierError::Malformed`].
    pub async fn list_zaps(&self, page: ListZaps) -> Result<ZapPage, ZapierError> {
        let url = self
            .base
            .join("v2/zaps")
            .map_err(|e| ZapierError::InvalidInput {
                field: "base_url",
                reason: e.to_string(),
            })?;
        let limit = page.limit.clamp(1, MAX_LIMIT).to_string();
        let offset = page.offset.to_string();
        let req = self
            .client
            .get(url.as_str())
            .query(&[("limit", limit.as_str()), ("offset", offset.as_str())])
            .header("accept", "application/json")
            .auth(Auth::bearer(self.token.clone()));
        let body = fetch(req).await?;
        let parsed: Page = serde_json::from_str(&body).map_err(|e| ZapierError::Malformed {
            reason: e.to_string(),
        })?;
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
