//! Slack operations as LLM tools.

use switchboard_functions::{FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{client::Slack, models::PostMessage};

/// Registers `slack_post_message`, calling `client`.
pub fn register_tools(registry: &ToolRegistry, client: &Slack) -> Result<(), RegisterError> {
    let slack = client.clone();
    registry.register(
        FnTool::new(
            "slack_post_message",
            "Posts a message to a Slack channel (id like C0123456789, or #name) with text and/or \
             Block Kit blocks; returns the channel and the message ts.",
            move |m: PostMessage| {
                let slack = slack.clone();
                async move { slack.post_message(&m).await }
            },
        )
        .with_annotations(ToolAnnotations::additive("Post a Slack message")),
    )?;
    Ok(())
}
