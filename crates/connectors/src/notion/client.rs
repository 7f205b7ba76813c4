//! The Notion client: create a page, then append the content that did not fit.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_core::{Auth, Client, ClientBuilder, RequestBuilder, Secret};
use url::Url;

use super::{
    content::{MAX_BLOCKS_PER_REQUEST, paragraphs},
    error::{NotionApiError, NotionError},
    limits::NotionRateLimits,
    models::{CreatedPage, NewPage},
};
use crate::common::{ApiResponse, InputError, base_url, decode, join, read};

/// `https://api.notion.com/v1`.
pub const DEFAULT_BASE_URL: &str = "https://api.notion.com/v1";
/// The `Notion-Version` sent unless configured: the release that introduced data-source
/// parents, whose page-creation shapes this module is written against.
pub const DEFAULT_NOTION_VERSION: &str = "2025-09-03";

/// The first `Notion-Version` whose databases are containers of data sources: queried through
/// `/v1/data_sources/{id}/query` and found by search as `data_source` objects.
pub const DATA_SOURCES_VERSION: &str = "2025-09-03";

/// Whether `version` (a `YYYY-MM-DD` date) addresses databases through their data sources.
fn uses_data_sources(version: &str) -> bool {
    version >= DATA_SOURCES_VERSION
}

/// A Notion client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Notion {
    pub(super) http: Client,
    pub(super) base: Arc<Url>,
    /// Whether the configured `Notion-Version` addresses databases through their data sources.
    pub(super) data_sources: bool,
}

/// Configures a [`Notion`] client.
#[derive(Debug)]
#[must_use]
pub struct NotionBuilder {
    token: Secret,
    version: String,
    base_url: String,
    http: ClientBuilder,
}

impl Notion {
    /// A builder with an integration token.
    pub fn builder(token: impl Into<Secret>) -> NotionBuilder {
        NotionBuilder {
            token: token.into(),
            version: DEFAULT_NOTION_VERSION.to_owned(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: Client::builder(),
        }
    }

    /// `POST /v1/pages` with the first 100 content blocks, then
    /// `PATCH /v1/blocks/{page_id}/children` for each further 100.
    pub async fn create_page(&self, page: &NewPage) -> Result<CreatedPage, NotionError> {
        let (parent, properties) = page.head()?;
        let blocks = paragraphs(&page.content);
        let total = blocks.len();
        let mut chunks = blocks.chunks(MAX_BLOCKS_PER_REQUEST);
        let mut body = json!({"parent": parent, "properties": properties});
        let first = chunks.next().unwrap_or_default();
        if !first.is_empty() {
            body["children"] = Value::from(first.to_vec());
        }
        let url = join(&self.base, &["pages"])?;
        let res = self.send(self.http.post(url.as_str()).json(&body)).await?;
        let mut created: CreatedPage = decode(&res.body).map_err(NotionError::Decode)?;
        created.blocks = first.len();
        created.requests = 1;
        let rest: Vec<&[Value]> = chunks.collect();
        match self.append_chunks(&created.id, &rest).await {
            Ok(appended) => {
                created.blocks += appended;
                created.requests += rest.len();
                Ok(created)
            }
            Err((appended, e)) => Err(NotionError::PartialContent {
                page_id: created.id,
                written: created.blocks + appended,
                total,
                source: Box::new(e),
            }),
        }
    }

    /// `PATCH /v1/blocks/{block_id}/children` once per chunk, in order: the number of blocks
    /// appended, or how many were appended before the failing call and its error.
    pub(super) async fn append_chunks(
        &self,
        block_id: &str,
        chunks: &[&[Value]],
    ) -> Result<usize, (usize, NotionError)> {
        let mut appended = 0;
        for chunk in chunks {
            let sent = async {
                let url = join(&self.base, &["blocks", block_id, "children"])?;
                let body = json!({"children": chunk});
                self.send(self.http.patch(url.as_str()).json(&body)).await
            };
            sent.await.map_err(|e| (appended, e))?;
            appended += chunk.len();
        }
        Ok(appended)
    }

    /// Sends `req` and reads the answer; an error status becomes [`NotionError::Api`].
    pub(super) async fn send(&self, req: RequestBuilder) -> Result<ApiResponse, NotionError> {
        let res = read(req.send().await?).await?;
        if res.status.is_success() {
            Ok(res)
        } else {
            Err(NotionError::Api(Box::new(NotionApiError::from_response(
                &res,
            ))))
        }
    }
}

impl NotionBuilder {
    /// The `Notion-Version` header (default [`DEFAULT_NOTION_VERSION`]).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The API root (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The core client configuration to start from; auth, `Notion-Version` and the
    /// rate-limit hook are added to it.
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Notion, NotionError> {
        if self.token.is_empty() {
            return Err(InputError::new("token", "must not be empty").into());
        }
        let v = self.version.as_bytes();
        let is_date = v.len() == 10
            && v[4] == b'-'
            && v[7] == b'-'
            && v.iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !is_date {
            return Err(InputError::new(
                "version",
                format!(
                    "{:?} is not a Notion-Version date (YYYY-MM-DD)",
                    self.version
                ),
            )
            .into());
        }
        let base = base_url(&self.base_url)?;
        let data_sources = uses_data_sources(&self.version);
        Ok(Notion {
            data_sources,
            http: self
                .http
                .auth(Auth::bearer(self.token))
                .default_header("notion-version", self.version)
                .rate_limit_hook(Arc::new(NotionRateLimits))
                .build()?,
            base: Arc::new(base),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_2025_09_03_use_data_sources() {
        assert!(!uses_data_sources("2022-06-28"));
        assert!(uses_data_sources("2025-09-03"));
        assert!(uses_data_sources("2026-03-11"));
    }
}
