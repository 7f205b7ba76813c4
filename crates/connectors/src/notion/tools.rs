//! Notion operations as LLM tools.

use switchboard_functions::{FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{client::Notion, models::NewPage};

/// Registers `notion_create_page`, calling `client`.
pub fn register_tools(registry: &ToolRegistry, client: &Notion) -> Result<(), RegisterError> {
    let notion = client.clone();
    registry.register(
        FnTool::new(
            "notion_create_page",
            "Creates a Notion page with a title and text content of any length (paragraphs separated \
             by blank lines) in a database, a data source or under a page; returns its id and URL.",
            move |page: NewPage| {
                let notion = notion.clone();
                async move { notion.create_page(&page).await }
            },
        )
        .with_annotations(ToolAnnotations::additive("Create a Notion page")),
    )?;
    Ok(())
}
