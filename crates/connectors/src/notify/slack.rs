//! Slack incoming webhooks: a `text` fallback plus Block Kit blocks, within Slack's limits;
//! success is the body `ok`, failures are text codes.

use serde_json::{Value, json};
use switchboard_core::Client;

use super::http::{post_json, retry_after_header, snippet};
use super::{Notification, NotifyError, NotifyTarget};
use crate::WebhookUrl;
use crate::mrkdwn::escape;
use crate::text::{split_chars, truncate_chars};

const TARGET: &str = "slack";
/// Characters of a `section` block's text.
pub(super) const SECTION_TEXT: usize = 3_000;
/// Characters of a `header` block's text.
const HEADER_TEXT: usize = 150;
/// Blocks per message.
const MAX_BLOCKS: usize = 50;
/// Fields per section block, and characters per field.
const SECTION_FIELDS: usize = 10;
const FIELD_TEXT: usize = 2_000;
/// Characters of the top-level `text` when blocks carry the content (it is the notification
/// fallback; Slack truncates messages past 40,000).
const FALLBACK_TEXT: usize = 3_000;

/// A Slack incoming webhook (`https://hooks.slack.com/services/T…/B…/…`; the URL is the
/// secret).
#[derive(Debug, Clone)]
pub struct SlackWebhook {
    client: Client,
    url: WebhookUrl,
}

impl SlackWebhook {
    /// A target posting to `url` through `client`.
    pub fn new(client: Client, url: WebhookUrl) -> Self {
        Self { client, url }
    }

    /// The JSON body sent for `n`: `text` (the fallback) and `blocks` (a header, the body in
    /// sections of at most 3,000 characters, fields ten per section, and a context line), at
    /// most 50 blocks. Text is escaped for `mrkdwn` (`&`, `<`, `>`), so event data cannot
    /// ping `<!channel>` or forge links.
    pub fn format(n: &Notification) -> Value {
        let mut blocks = vec![json!({
            "type": "header",
            "text": {"type": "plain_text", "text": truncate_chars(&n.title, HEADER_TEXT), "emoji": true}
        })];
        // One block is kept for the context line, and one per ten fields.
        let field_blocks = n.fields.len().div_ceil(SECTION_FIELDS);
        let room = MAX_BLOCKS
            .saturating_sub(2 + field_blocks.min(MAX_BLOCKS / 2))
            .max(1);
        let escaped = escape(&n.body);
        let mut pieces = split_chars(&escaped, SECTION_TEXT);
        if pieces.len() > room {
            pieces.truncate(room);
            if let Some(last) = pieces.last_mut() {
                *last = truncate_chars(last, SECTION_TEXT - 1);
                last.push('…');
            }
        }
        for piece in pieces {
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": piece}}));
        }
        for chunk in n.fields.chunks(SECTION_FIELDS) {
            if blocks.len() >= MAX_BLOCKS - 1 {
                break;
            }
            let fields: Vec<Value> = chunk
                .iter()
                .map(|f| {
                    let text = format!("*{}*\n{}", escape(&f.name), escape(&f.value));
                    json!({"type": "mrkdwn", "text": truncate_chars(&text, FIELD_TEXT)})
                })
                .collect();
            blocks.push(json!({"type": "section", "fields": fields}));
        }
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("event `{}` · {}", escape(&n.event_type), n.level.as_str())}]
        }));
        let fallback = format!("{}: {}", n.title, n.body);
        json!({
            "text": truncate_chars(&escape(&fallback), FALLBACK_TEXT),
            "blocks": blocks,
        })
    }
}

#[async_trait::async_trait]
impl NotifyTarget for SlackWebhook {
    fn name(&self) -> &str {
        TARGET
    }

    async fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        let answer = post_json(
            TARGET,
            &self.client,
            self.url.expose(),
            &Self::format(n),
            true,
        )
        .await?;
        let status = answer.status.as_u16();
        let body = answer.body.trim();
        if answer.status.is_success() {
            return if body == "ok" {
                Ok(())
            } else {
                Err(NotifyError::UnexpectedResponse {
                    target: TARGET,
                    status,
                    body: snippet(body),
                })
            };
        }
        if status == 429 {
            return Err(NotifyError::RateLimited {
                target: TARGET,
                retry_after: retry_after_header(&answer.headers),
            });
        }
        // Slack answers errors with a bare code: invalid_payload, no_text (400),
        // action_prohibited, invalid_token, team_disabled (403), channel_not_found,
        // no_service, no_active_hooks (404), channel_is_archived (410).
        let is_code = !body.is_empty()
            && body.len() <= 64
            && body
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit());
        Err(NotifyError::Rejected {
            target: TARGET,
            status,
            code: is_code.then(|| body.to_owned()),
            message: (!is_code && !body.is_empty()).then(|| snippet(body)),
        })
    }
}
