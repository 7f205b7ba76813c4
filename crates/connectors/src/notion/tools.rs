//! Notion operations as LLM tools.

use switchboard_functions::{Context, FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{client::Notion, models::NewPage};
use crate::common::{Act, ToolOptions, credit_line};

/// Registers `notion_create_page`, calling `client`; with
/// [`attribute_caller`](ToolOptions::attribute_caller), a page created for a known user ends
/// with a paragraph "Created by … via Switchboard".
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
    Ok(())
}
