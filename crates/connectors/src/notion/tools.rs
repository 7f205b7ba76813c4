//! Notion operations as LLM tools.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use switchboard_functions::{Context, FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{
    client::Notion,
    models::NewPage,
    read::{MAX_PAGE_CHARS, SearchObject},
};
use crate::common::{Act, ToolOptions, credit_line};

/// Results per search or query page when the model does not say.
const DEFAULT_PAGE_SIZE: u32 = 20;
/// Characters of page content when the model does not say.
const DEFAULT_PAGE_CHARS: usize = 8000;

/// Arguments of `notion_search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SearchArgs {
    /// Words of the title to look for, e.g. `onboarding`; empty lists everything shared with
    /// the integration, most recently edited first.
    #[serde(default)]
    query: String,
    /// Only `page`s or only `database`s.
    #[serde(default)]
    object: Option<SearchObject>,
    /// Results per page (default 20, at most 100).
    #[serde(default)]
    page_size: Option<u32>,
    /// The previous answer's next_cursor, to get the next results.
    #[serde(default)]
    start_cursor: Option<String>,
}

/// Arguments of `notion_get_page`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PageArgs {
    /// The page id (32 hex digits, dashes optional; the end of the page's URL).
    page_id: String,
    /// Most characters of content to return (default 8000, at most 20000).
    #[serde(default)]
    max_chars: Option<usize>,
}

/// Arguments of `notion_query_database`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct QueryArgs {
    /// The id notion_search gives for the database (a data source id with Notion-Version
    /// 2025-09-03 and later).
    database_id: String,
    /// A Notion filter object, e.g. `{"property": "Status", "status": {"equals": "Done"}}` or
    /// `{"and": [...]}`.
    #[serde(default)]
    filter: Option<Value>,
    /// Notion sort objects, e.g. `[{"property": "Due", "direction": "ascending"}]` or
    /// `[{"timestamp": "last_edited_time", "direction": "descending"}]`.
    #[serde(default)]
    sorts: Option<Value>,
    /// Rows per page (default 20, at most 100).
    #[serde(default)]
    page_size: Option<u32>,
    /// The previous answer's next_cursor, to get the next rows.
    #[serde(default)]
    start_cursor: Option<String>,
}

/// Arguments of `notion_append_blocks`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AppendArgs {
    /// The page (or block) to append to.
    page_id: String,
    /// The text to add at the end, any length; paragraphs are separated by blank lines and
    /// Markdown stays literal text.
    text: String,
}

/// Registers the reading tools `notion_search`, `notion_get_page` and `notion_query_database`.
fn register_read_tools(registry: &ToolRegistry, notion: &Notion) -> Result<(), RegisterError> {
    let n = notion.clone();
    registry.register(
        FnTool::new(
            "notion_search",
            "Searches the Notion pages and databases shared with the integration by title and \
             returns their ids, titles, URLs, kinds and last edit times. Results are paged: pass \
             next_cursor back as start_cursor to continue.",
            move |a: SearchArgs| {
                let n = n.clone();
                async move {
                    let size = a.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
                    n.search(&a.query, a.object, size, a.start_cursor.as_deref())
                        .await
                }
            },
        )
        .with_annotations(ToolAnnotations::read_only("Search Notion")),
    )?;
    let n = notion.clone();
    registry.register(
        FnTool::new(
            "notion_get_page",
            "Gets a Notion page: its title, properties and content as Markdown-like text \
             (headings, lists, to-dos, code, quotes, callouts, toggles, tables; nested blocks up \
             to 3 levels). Long content is cut, with a truncated flag.",
            move |a: PageArgs| {
                let n = n.clone();
                async move {
                    let max = a
                        .max_chars
                        .unwrap_or(DEFAULT_PAGE_CHARS)
                        .min(MAX_PAGE_CHARS);
                    n.page(&a.page_id, max).await
                }
            },
        )
        .with_annotations(ToolAnnotations::read_only("Get a Notion page")),
    )?;
    let n = notion.clone();
    registry.register(
        FnTool::new(
            "notion_query_database",
            "Lists the rows of a Notion database, optionally filtered and sorted with Notion's \
             filter and sort objects, each row with its id, URL and properties as plain values. \
             Rows are paged: pass next_cursor back as start_cursor to continue.",
            move |a: QueryArgs| {
                let n = n.clone();
                async move {
                    let size = a.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
                    n.query(
                        &a.database_id,
                        a.filter.as_ref(),
                        a.sorts.as_ref(),
                        size,
                        a.start_cursor.as_deref(),
                    )
                    .await
                }
            },
        )
        .with_annotations(ToolAnnotations::read_only("Query a Notion database")),
    )?;
    Ok(())
}

/// Registers `notion_search`, `notion_get_page`, `notion_query_database` (reading),
/// `notion_create_page` and `notion_append_blocks` (writing), calling `client`; with
/// [`attribute_caller`](ToolOptions::attribute_caller), a page created or text appended for a
/// known user ends with a paragraph "Created by … / Sent by … via Switchboard".
pub fn register_tools(
    registry: &ToolRegistry,
    client: &Notion,
    options: &ToolOptions,
) -> Result<(), RegisterError> {
    let notion = client.clone();
    let options = *options;
    registry.register(
        FnTool::new_with_context(
            "notion_create_page",
            "Creates a Notion page with a title and text content of any length (paragraphs separated \
             by blank lines) in a database, a data source or under a page; returns its id and URL.",
            move |mut page: NewPage, ctx: Context| {
                let notion = notion.clone();
                if let Some(name) = options.credit(&ctx) {
                    let line = credit_line(Act::Created, name);
                    if page.content.trim().is_empty() {
                        page.content = line;
                    } else {
                        page.content.push_str("\n\n");
                        page.content.push_str(&line);
                    }
                }
                async move { notion.create_page(&page).await }
            },
        )
        .with_annotations(ToolAnnotations::additive("Create a Notion page")),
    )?;
    let notion = client.clone();
    registry.register(
        FnTool::new_with_context(
            "notion_append_blocks",
            "Adds text of any length (paragraphs separated by blank lines) to the end of a Notion \
             page and returns how many blocks were added.",
            move |mut a: AppendArgs, ctx: Context| {
                let notion = notion.clone();
                if let Some(name) = options.credit(&ctx)
                    && !a.text.trim().is_empty()
                {
                    a.text.push_str("\n\n");
                    a.text.push_str(&credit_line(Act::Sent, name));
                }
                async move { notion.append_text(&a.page_id, &a.text).await }
            },
        )
        .with_annotations(ToolAnnotations::additive("Append to a Notion page")),
    )?;
    register_read_tools(registry, client)
}
