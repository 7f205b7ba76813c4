//! Slack operations as LLM tools.

use switchboard_functions::{RegisterError, ToolRegistry};

use super::{client::Slack, models::PostMessage};

/// Registers `slack_post_message`, calling `client`.
pub fn register_tools(registry: &ToolRegistry, client: &Slack) -> Result<(), RegisterError> {
    let slack = client.clone();
    registry.register_fn(
        "slack_post_message",
        "Posts a message to a Slack channel (id like C0123456789, or #name) with text and/or \
         Block Kit blocks; returns the channel and the message ts.",
        move |m: PostMessage| {
            let slack = slack.clone();
            async move { slack.post_message(&m).await }
        },
    )?;
    Ok(())
}
