//! Notion: search pages and databases, read a page's content as Markdown-like text, query a
//! database or data source, append paragraphs to a page, and create a page (in a database, a
//! data source or under a page) with long content.
//!
//! Content is split to fit Notion's limits: rich-text pieces of at most 2,000 characters
//! (counted in UTF-16 units, as Notion does), at most 100 pieces per block and at most 100
//! blocks per request; blocks beyond the first 100 are appended with
//! `PATCH /v1/blocks/{page_id}/children`. `Notion-Version` defaults to
//! [`DEFAULT_NOTION_VERSION`] and is configurable.
//!
//! ```no_run
//! use switchboard_connectors::notion::{NewPage, Notion, Parent};
//!
//! # async fn run() -> Result<(), switchboard_connectors::notion::NotionError> {
//! let notion = Notion::builder("ntn_…").build()?;
//! let page = notion
//!     .create_page(&NewPage::new(
//!         Parent::DataSource("1a2b3c4d-0000-4000-8000-000000000000".into()),
//!         "Meeting notes",
//!         "First paragraph.\n\nSecond paragraph.",
//!     ))
//!     .await?;
//! println!("{}", page.url);
//! # Ok(()) }
//! ```

mod block_text;
mod client;
mod content;
mod error;
mod limits;
mod models;
mod properties;
mod read;
mod tools;

pub use block_text::{blocks_to_text, rich_text_to_text};
pub use client::{
    DATA_SOURCES_VERSION, DEFAULT_BASE_URL, DEFAULT_NOTION_VERSION, Notion, NotionBuilder,
};
pub use content::{MAX_BLOCKS_PER_REQUEST, MAX_RICH_TEXT_PER_BLOCK, MAX_TEXT_LEN, paragraphs};
pub use error::{NotionApiError, NotionError, NotionErrorCode};
pub use limits::NotionRateLimits;
pub use models::{CreatedPage, NewPage, Parent};
pub use read::{
    AppendedBlocks, MAX_BLOCK_REQUESTS, MAX_DEPTH, MAX_PAGE_CHARS, MAX_PAGE_SIZE, NotionPage,
    NotionRow, NotionRows, NotionSearch, NotionSearchHit, SearchObject,
};
pub use tools::register_tools;
