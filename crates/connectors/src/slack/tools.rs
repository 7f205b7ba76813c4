//! Slack operations as LLM tools.

use schemars::JsonSchema;
use serde::Deserialize;
use switchboard_functions::{
    Context, FnTool, RegisterError, ToolAnnotations, ToolRegistry, schema::schema_for,
};

use super::{
    client::Slack,
    error::SlackError,
    models::PostMessage,
    read::{ConversationType, Page, SlackChannels, SlackMessages, Window},
};
use crate::common::{Act, ToolOptions, credit_line};

/// Conversations per page when the model does not say.
const DEFAULT_CHANNELS: u32 = 100;
/// Messages per page when the model does not say.
const DEFAULT_MESSAGES: u32 = 50;

/// Arguments of `slack_list_channels`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListArgs {
    /// Which conversations: any of public_channel, private_channel, mpim (group DMs), im
    /// (DMs). Default: public channels.
    #[serde(default)]
    types: Vec<ConversationType>,
    /// Include archived channels (default false).
    #[serde(default)]
    include_archived: bool,
    /// Conversations per page (default 100, at most 200).
    #[serde(default)]
    limit: Option<u32>,
    /// The previous answer's next_cursor, to get the next page.
    #[serde(default)]
    cursor: Option<String>,
}

/// Arguments of `slack_channel_history`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct HistoryArgs {
    /// The channel id, e.g. C0123456789 (slack_list_channels gives them).
    channel: String,
    /// Only messages after this time: RFC 3339 (2025-06-02T00:00:00Z) or a Slack ts.
    #[serde(default)]
    oldest: Option<String>,
    /// Only messages before this time: RFC 3339 or a Slack ts. Default: now.
    #[serde(default)]
    latest: Option<String>,
    /// Messages per page (default 50, at most 200).
    #[serde(default)]
    limit: Option<u32>,
    /// The previous answer's next_cursor, to get older messages of the same window.
    #[serde(default)]
    cursor: Option<String>,
}

/// Arguments of `slack_thread_replies`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RepliesArgs {
    /// The channel id, e.g. C0123456789.
    channel: String,
    /// The ts of the thread's first message (a message's ts or thread_ts).
    thread_ts: String,
    /// Only replies after this time: RFC 3339 or a Slack ts.
    #[serde(default)]
    oldest: Option<String>,
    /// Only replies before this time: RFC 3339 or a Slack ts.
    #[serde(default)]
    latest: Option<String>,
    /// Messages per page (default 50, at most 200).
    #[serde(default)]
    limit: Option<u32>,
    /// The previous answer's next_cursor, to get the next replies.
    #[serde(default)]
    cursor: Option<String>,
}

/// Registers the reading tools `slack_list_channels`, `slack_channel_history` and
/// `slack_thread_replies`.
fn register_read_tools(registry: &ToolRegistry, slack: &Slack) -> Result<(), RegisterError> {
    let s = slack.clone();
    registry.register(
        FnTool::new(
            "slack_list_channels",
            "Lists the Slack conversations the bot can see: id, name, type, whether the bot is a \
             member, topic, purpose, member count. Paged: pass next_cursor back as cursor.",
            move |a: ListArgs| {
                let s = s.clone();
                async move {
                    let page = Page {
                        limit: a.limit.unwrap_or(DEFAULT_CHANNELS),
                        cursor: a.cursor,
                    };
                    s.list_channels(&a.types, a.include_archived, &page).await
                }
            },
        )
        .with_output_schema(schema_for::<SlackChannels>())
        .with_annotations(ToolAnnotations::read_only("List Slack channels")),
    )?;
    let s = slack.clone();
    registry.register(
        FnTool::new(
            "slack_channel_history",
            "Reads a Slack channel's messages in a time window (oldest/latest), newest first, \
             with authors' names, times, and threads' reply counts. The bot must be a member. \
             Paged: pass next_cursor back as cursor for older messages (a page may hold fewer \
             messages than asked).",
            move |a: HistoryArgs| {
                let s = s.clone();
                async move {
                    let window = Window {
                        oldest: a.oldest,
                        latest: a.latest,
                    };
                    let page = Page {
                        limit: a.limit.unwrap_or(DEFAULT_MESSAGES),
                        cursor: a.cursor,
                    };
                    s.channel_history(&a.channel, &window, &page).await
                }
            },
        )
        .with_output_schema(schema_for::<SlackMessages>())
        .with_annotations(ToolAnnotations::read_only("Read a Slack channel")),
    )?;
    let s = slack.clone();
    registry.register(
        FnTool::new(
            "slack_thread_replies",
            "Reads a Slack thread: its first message and the replies, oldest first, with \
             authors' names and times. Paged: pass next_cursor back as cursor.",
            move |a: RepliesArgs| {
                let s = s.clone();
                async move {
                    let window = Window {
                        oldest: a.oldest,
                        latest: a.latest,
                    };
                    let page = Page {
                        limit: a.limit.unwrap_or(DEFAULT_MESSAGES),
                        cursor: a.cursor,
                    };
                    s.thread_replies(&a.channel, &a.thread_ts, &window, &page)
                        .await
                }
            },
        )
        .with_output_schema(schema_for::<SlackMessages>())
        .with_annotations(ToolAnnotations::read_only("Read a Slack thread")),
    )?;
    Ok(())
}

/// Registers `slack_post_message` (writing), `slack_list_channels`, `slack_channel_history`
/// and `slack_thread_replies` (reading), calling `client`; with
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
    register_read_tools(registry, client)
}
