//! Reading Notion: search pages and databases (`POST /v1/search`), a page's properties and its
//! content as Markdown-like text (walking the block children, bounded in depth, requests and
//! size), and querying a database or data source with Notion's filter and sorts; and appending
//! paragraphs to a page. Answers are compact views for a model; lists are paged with
//! `next_cursor`.

use std::{future::Future, pin::Pin};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    block_text::{blocks_to_text, plain},
    client::Notion,
    content::{MAX_BLOCKS_PER_REQUEST, paragraphs},
    error::NotionError,
    models::notion_id,
    properties::{page_title, plain_properties},
};
use crate::common::{InputError, join};
use crate::text::cut_chars;

/// Most results one page of a search or query can hold (Notion's `page_size` limit).
pub const MAX_PAGE_SIZE: u32 = 100;
/// Levels of nested blocks read below a page (its children are level 1).
pub const MAX_DEPTH: usize = 3;
/// Most block-children requests one page read makes.
pub const MAX_BLOCK_REQUESTS: usize = 50;
/// Characters of page content kept unless the caller asks for fewer.
pub const MAX_PAGE_CHARS: usize = 20_000;

/// Which objects a search returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchObject {
    /// Pages only.
    Page,
    /// Databases only (data sources for Notion-Version 2025-09-03 and later).
    Database,
}

/// A page, database or data source as a search finds it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NotionSearchHit {
    /// `page`, `database` or `data_source`.
    pub object: String,
    /// The id, for `notion_get_page` or `notion_query_database`.
    pub id: String,
    /// The title.
    pub title: String,
    /// The web page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Last edited (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_edited_time: Option<String>,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NotionSearch {
    /// The hits of this page.
    pub results: Vec<NotionSearchHit>,
    /// True when more results follow.
    pub truncated: bool,
    /// The `start_cursor` to pass to get the next results; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A page with its properties and content.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NotionPage {
    /// The page id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The web page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Last edited (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_edited_time: Option<String>,
    /// The properties as plain values, by name.
    pub properties: Map<String, Value>,
    /// The content as Markdown-like text.
    pub content: String,
    /// True when content was left out: cut at the size asked for, nested deeper than
    /// [`MAX_DEPTH`], or beyond [`MAX_BLOCK_REQUESTS`] requests.
    pub truncated: bool,
}

/// A database row (a page) with its properties as plain values.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NotionRow {
    /// The page id.
    pub id: String,
    /// The web page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The properties as plain values, by name.
    pub properties: Map<String, Value>,
}

/// One page of query results.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NotionRows {
    /// The rows of this page.
    pub rows: Vec<NotionRow>,
    /// True when more rows follow.
    pub truncated: bool,
    /// The `start_cursor` to pass to get the next rows; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// What an append wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AppendedBlocks {
    /// The page or block appended to.
    pub block_id: String,
    /// Blocks appended.
    pub blocks: usize,
    /// Requests used.
    pub requests: usize,
}

/// Notion's paginated list.
#[derive(Deserialize)]
struct WireList {
    #[serde(default)]
    results: Vec<Value>,
    #[serde(default)]
    next_cursor: Option<String>,
    #[serde(default)]
    has_more: bool,
}

impl WireList {
    fn next(&self) -> Option<String> {
        self.next_cursor.clone().filter(|_| self.has_more)
    }
}

/// What a page read may still spend.
struct Budget {
    requests: usize,
    chars: usize,
    truncated: bool,
}

type Walked<'a> = Pin<Box<dyn Future<Output = Result<Vec<Value>, NotionError>> + Send + 'a>>;

fn page_size(n: u32) -> Result<u32, InputError> {
    if n == 0 || n > MAX_PAGE_SIZE {
        return Err(InputError::new(
            "page_size",
            format!("{n} is not within 1–{MAX_PAGE_SIZE}"),
        ));
    }
    Ok(n)
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn hit(object: &Value) -> NotionSearchHit {
    let kind = object["object"].as_str().unwrap_or("");
    let title = if kind == "page" {
        page_title(&object["properties"])
    } else {
        plain(&object["title"])
    };
    NotionSearchHit {
        object: kind.to_owned(),
        id: object["id"].as_str().unwrap_or("").to_owned(),
        title,
        url: text(&object["url"]),
        last_edited_time: text(&object["last_edited_time"]),
    }
}

/// Roughly how many characters `block` adds to the text, never 0.
fn weight(block: &Value) -> usize {
    let kind = block["type"].as_str().unwrap_or("");
    let data = &block[kind];
    let cells: usize = data["cells"]
        .as_array()
        .map_or(0, |c| c.iter().map(|r| plain(r).chars().count()).sum());
    plain(&data["rich_text"]).chars().count() + cells + 4
}

impl Notion {
    /// `POST /v1/search`: one page of at most `page_size` pages and databases whose title
    /// matches `query` (all shared ones when blank), optionally only `object`s of one kind;
    /// `start_cursor` is the previous page's `next_cursor`.
    pub async fn search(
        &self,
        query: &str,
        object: Option<SearchObject>,
        page_size_: u32,
        start_cursor: Option<&str>,
    ) -> Result<NotionSearch, NotionError> {
        let mut body = json!({"page_size": page_size(page_size_)?});
        if !query.trim().is_empty() {
            body["query"] = json!(query);
        }
        if let Some(object) = object {
            let value = match object {
                SearchObject::Page => "page",
                SearchObject::Database if self.data_sources => "data_source",
                SearchObject::Database => "database",
            };
            body["filter"] = json!({"property": "object", "value": value});
        }
        if let Some(cursor) = start_cursor {
            body["start_cursor"] = json!(cursor);
        }
        let url = join(&self.base, &["search"])?;
        let res = self.send(self.http.post(url.as_str()).json(&body)).await?;
        let list: WireList = serde_json::from_slice(&res.body).map_err(NotionError::Decode)?;
        let next = list.next();
        Ok(NotionSearch {
            results: list.results.iter().map(hit).collect(),
            truncated: next.is_some(),
            next_cursor: next,
        })
    }

    /// `GET /v1/pages/{id}` and its content: the block children walked
    /// (`GET /v1/blocks/{id}/children`, every page of them) down to [`MAX_DEPTH`] levels,
    /// rendered as Markdown-like text and cut at `max_chars` characters.
    pub async fn page(&self, id: &str, max_chars: usize) -> Result<NotionPage, NotionError> {
        notion_id("page_id", id)?;
        if max_chars == 0 || max_chars > MAX_PAGE_CHARS {
            return Err(InputError::new(
                "max_chars",
                format!("{max_chars} is not within 1–{MAX_PAGE_CHARS}"),
            )
            .into());
        }
        let url = join(&self.base, &["pages", id])?;
        let res = self.send(self.http.get(url.as_str())).await?;
        let page: Value = serde_json::from_slice(&res.body).map_err(NotionError::Decode)?;
        let mut budget = Budget {
            requests: MAX_BLOCK_REQUESTS,
            chars: max_chars,
            truncated: false,
        };
        let blocks = self.walk(id.to_owned(), 1, &mut budget).await?;
        let (content, cut) = cut_chars(blocks_to_text(&blocks), max_chars);
        Ok(NotionPage {
            id: page["id"].as_str().unwrap_or(id).to_owned(),
            title: page_title(&page["properties"]),
            url: text(&page["url"]),
            last_edited_time: text(&page["last_edited_time"]),
            properties: plain_properties(&page["properties"]),
            content,
            truncated: cut || budget.truncated,
        })
    }

    /// The children of block `id` at nesting level `depth`, each with its own children under
    /// `children` while the depth and budget allow.
    fn walk<'a>(&'a self, id: String, depth: usize, budget: &'a mut Budget) -> Walked<'a> {
        Box::pin(async move {
            let mut blocks = self.children(&id, budget).await?;
            for b in &mut blocks {
                let kind = b["type"].as_str().unwrap_or("");
                let nested = b["has_children"].as_bool() == Some(true)
                    && !matches!(kind, "child_page" | "child_database");
                if !nested {
                    continue;
                }
                if depth >= MAX_DEPTH {
                    budget.truncated = true;
                    continue;
                }
                if let Some(child) = b["id"].as_str().map(str::to_owned) {
                    b["children"] = Value::Array(self.walk(child, depth + 1, budget).await?);
                }
            }
            Ok(blocks)
        })
    }

    /// Every page of `GET /v1/blocks/{id}/children` the budget allows.
    async fn children(&self, id: &str, budget: &mut Budget) -> Result<Vec<Value>, NotionError> {
        let mut blocks = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            if budget.requests == 0 || budget.chars == 0 {
                budget.truncated = true;
                return Ok(blocks);
            }
            budget.requests -= 1;
            let mut url = join(&self.base, &["blocks", id, "children"])?;
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("page_size", &MAX_PAGE_SIZE.to_string());
                if let Some(c) = &cursor {
                    q.append_pair("start_cursor", c);
                }
            }
            let res = self.send(self.http.get(url.as_str())).await?;
            let list: WireList = serde_json::from_slice(&res.body).map_err(NotionError::Decode)?;
            cursor = list.next();
            for b in &list.results {
                budget.chars = budget.chars.saturating_sub(weight(b));
            }
            blocks.extend(list.results);
            if cursor.is_none() {
                return Ok(blocks);
            }
        }
    }

    /// One page of rows of a database: `POST /v1/data_sources/{id}/query` (the data source's
    /// id) for Notion-Version 2025-09-03 and later, `POST /v1/databases/{id}/query` before.
    /// `filter` (an object) and `sorts` (an array) are Notion's, passed through.
    pub async fn query(
        &self,
        id: &str,
        filter: Option<&Value>,
        sorts: Option<&Value>,
        page_size_: u32,
        start_cursor: Option<&str>,
    ) -> Result<NotionRows, NotionError> {
        notion_id("database_id", id)?;
        let mut body = json!({"page_size": page_size(page_size_)?});
        if let Some(filter) = filter {
            if !filter.is_object() {
                return Err(InputError::new("filter", "must be a Notion filter object").into());
            }
            body["filter"] = filter.clone();
        }
        if let Some(sorts) = sorts {
            if !sorts.is_array() {
                return Err(InputError::new("sorts", "must be an array of sort objects").into());
            }
            body["sorts"] = sorts.clone();
        }
        if let Some(cursor) = start_cursor {
            body["start_cursor"] = json!(cursor);
        }
        let collection = if self.data_sources {
            "data_sources"
        } else {
            "databases"
        };
        let url = join(&self.base, &[collection, id, "query"])?;
        let res = self.send(self.http.post(url.as_str()).json(&body)).await?;
        let list: WireList = serde_json::from_slice(&res.body).map_err(NotionError::Decode)?;
        let next = list.next();
        Ok(NotionRows {
            rows: list
                .results
                .iter()
                .map(|p| NotionRow {
                    id: p["id"].as_str().unwrap_or("").to_owned(),
                    url: text(&p["url"]),
                    properties: plain_properties(&p["properties"]),
                })
                .collect(),
            truncated: next.is_some(),
            next_cursor: next,
        })
    }

    /// Appends `text` as paragraphs (split on blank lines, within Notion's size limits) to the
    /// end of a page or block: `PATCH /v1/blocks/{id}/children` per 100 blocks.
    ///
    /// # Errors
    /// [`NotionError::PartialAppend`] when a later call fails after earlier ones appended.
    pub async fn append_text(&self, id: &str, text: &str) -> Result<AppendedBlocks, NotionError> {
        notion_id("page_id", id)?;
        let blocks = paragraphs(text);
        if blocks.is_empty() {
            return Err(InputError::new("text", "must not be blank").into());
        }
        let chunks: Vec<&[Value]> = blocks.chunks(MAX_BLOCKS_PER_REQUEST).collect();
        match self.append_chunks(id, &chunks).await {
            Ok(appended) => Ok(AppendedBlocks {
                block_id: id.to_owned(),
                blocks: appended,
                requests: chunks.len(),
            }),
            Err((0, e)) => Err(e),
            Err((written, e)) => Err(NotionError::PartialAppend {
                block_id: id.to_owned(),
                written,
                total: blocks.len(),
                source: Box::new(e),
            }),
        }
    }
}
