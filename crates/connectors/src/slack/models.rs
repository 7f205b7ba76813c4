//! `chat.postMessage` arguments and answer.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::common::{InputError, WithRaw};

/// Most blocks Slack accepts in one message.
pub(crate) const MAX_BLOCKS: usize = 50;

/// Arguments of `chat.postMessage`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PostMessage {
    /// Channel id (`C…`), user id for a DM, or `#name`.
    pub channel: String,
    /// The message text; with blocks it is the notification fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Block Kit blocks (at most 50), each an object with a `type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<Value>>,
    /// Reply in the thread of this message `ts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    /// Whether to unfurl links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unfurl_links: Option<bool>,
}

impl PostMessage {
    /// A plain-text message.
    pub fn text(channel: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            channel: channel.into(),
            text: Some(text.into()),
            blocks: None,
            thread_ts: None,
            unfurl_links: None,
        }
    }

    /// A Block Kit message with a fallback text for notifications.
    pub fn blocks(
        channel: impl Into<String>,
        fallback: impl Into<String>,
        blocks: Vec<Value>,
    ) -> Self {
        Self {
            blocks: Some(blocks),
            ..Self::text(channel, fallback)
        }
    }

    /// Posts as a reply in a thread.
    #[must_use]
    pub fn in_thread(mut self, ts: impl Into<String>) -> Self {
        self.thread_ts = Some(ts.into());
        self
    }

    /// Ends the message with `line` (plain text, shown as written): a `context` block after the
    /// blocks, else a last paragraph of the text.
    pub(crate) fn append_credit(&mut self, line: &str) -> Result<(), InputError> {
        match &mut self.blocks {
            Some(blocks) if !blocks.is_empty() => {
                if blocks.len() >= MAX_BLOCKS {
                    return Err(InputError::new(
                        "blocks",
                        format!(
                            "{} blocks leave no room for the sender line this gateway adds; send \
                             at most {}",
                            blocks.len(),
                            MAX_BLOCKS - 1
                        ),
                    ));
                }
                blocks.push(serde_json::json!({
                    "type": "context",
                    "elements": [{"type": "plain_text", "text": line, "emoji": false}],
                }));
            }
            _ => {
                // Without text either, `validate` refuses the message as it was sent.
                if let Some(text) = &mut self.text
                    && !text.trim().is_empty()
                {
                    text.push_str("\n\n");
                    text.push_str(&crate::mrkdwn::escape(line));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn validate(&self) -> Result<(), InputError> {
        if self.channel.trim().is_empty() {
            return Err(InputError::new("channel", "must not be blank"));
        }
        let has_text = self.text.as_deref().is_some_and(|t| !t.trim().is_empty());
        let blocks = self.blocks.as_deref().unwrap_or_default();
        if !has_text && blocks.is_empty() {
            return Err(InputError::new("text", "a message needs text or blocks"));
        }
        if blocks.len() > MAX_BLOCKS {
            return Err(InputError::new(
                "blocks",
                format!(
                    "{} blocks; Slack accepts at most {MAX_BLOCKS}",
                    blocks.len()
                ),
            ));
        }
        for (i, b) in blocks.iter().enumerate() {
            if !b.get("type").is_some_and(Value::is_string) {
                return Err(InputError::new(
                    format!("/blocks/{i}"),
                    "a block must be an object with a string \"type\"",
                ));
            }
        }
        Ok(())
    }
}

/// A posted message.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct PostedMessage {
    /// The channel id it was posted to.
    pub channel: String,
    /// Its timestamp, the message id within the channel.
    pub ts: String,
    /// Warnings Slack attached (e.g. `missing_charset`).
    #[serde(skip_deserializing)]
    pub warnings: Vec<String>,
    #[serde(skip)]
    raw: Value,
}

impl PostedMessage {
    /// The whole answer as JSON, including `message`.
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}

impl WithRaw for PostedMessage {
    fn set_raw(&mut self, raw: Value) {
        self.raw = raw;
    }
}
