//! Slack operations as LLM tools.

use switchboard_functions::{Context, FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{client::Slack, error::SlackError, models::PostMessage};
use crate::common::{Act, ToolOptions, credit_line};

/// Registers `slack_post_message`, calling `client`; with
/// [`attribute_caller`](ToolOptions::attribute_caller), a message sent for a known user ends
/// with "Sent by … via Switchboard" (a context block, or a last line of a text-only message).
pub fn register_tools(
    registry: &ToolRegistry,
    client: &Slack,
    options: &ToolOptions,
) -> Result<(), RegisterError> {
    let slack = client.clone();
    let options = *options;
    registry.register(
        FnTool::new_with_context(
            "slack_post_message",
            "Posts a message to a Slack channel (id like C0123456789, or #name) with text and/or \
             Block Kit blocks; returns the channel and the message ts.",
            move |mut m: PostMessage, ctx: Context| {
                let slack = slack.clone();
                let credit = options
                    .credit(&ctx)
                    .map(|name| credit_line(Act::Sent, name));
                async move {
                    if let Some(line) = credit {
                        m.append_credit(&line).map_err(SlackError::from)?;
                    }
                    slack.post_message(&m).await
                }
            },
        )
        .with_annotations(ToolAnnotations::additive("Post a Slack message")),
    )?;
    Ok(())
}
