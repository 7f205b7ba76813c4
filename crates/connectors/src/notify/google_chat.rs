//! Google Chat incoming webhooks: a text message in Chat's formatting, within its length limit.

use serde_json::{Value, json};
use switchboard_core::Client;

use super::http::{post_json, snippet};
use super::{Notification, NotifyError, NotifyTarget};
use crate::WebhookUrl;
use crate::text::truncate_chars;

const TARGET: &str = "google_chat";
/// Characters of a message's `text`.
const TEXT_CHARS: usize = 4_096;
/// Fields shown on a card, and characters of each label and value.
const MAX_CARD_FIELDS: usize = 20;
const FIELD_CHARS: usize = 500;

/// Card text is a small HTML subset: escape what could be read as markup.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Google Chat space webhook
/// (`https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…`; the URL is the secret).
#[derive(Debug, Clone)]
pub struct GoogleChatWebhook {
    client: Client,
    url: WebhookUrl,
    cards: bool,
}

impl GoogleChatWebhook {
    /// A target posting to `url`.
    pub fn new(client: Client, url: WebhookUrl) -> Self {
        Self {
            client,
            url,
            cards: false,
        }
    }

    /// Also sends a `cardsV2` card (header, body paragraph, one `decoratedText` per field);
    /// `text` stays as the notification fallback.
    #[must_use]
    pub fn cards(mut self, yes: bool) -> Self {
        self.cards = yes;
        self
    }

    /// The JSON body with a card: [`format`](Self::format)'s `text` plus `cardsV2` (body cut to
    /// 4,096 characters, at most 20 fields of 500 characters, the whole message well under
    /// Chat's 32,000-byte limit).
    pub fn format_card(n: &Notification) -> Value {
        let mut widgets = vec![
            json!({"textParagraph": {"text": escape_html(&truncate_chars(&n.body, TEXT_CHARS))}}),
        ];
        for f in n.fields.iter().take(MAX_CARD_FIELDS) {
            widgets.push(json!({"decoratedText": {
                "topLabel": escape_html(&truncate_chars(&f.name, FIELD_CHARS)),
                "text": escape_html(&truncate_chars(&f.value, FIELD_CHARS)),
                "wrapText": true,
            }}));
        }
        if n.fields.len() > MAX_CARD_FIELDS {
            widgets.push(json!({"textParagraph": {"text": format!("{} more fields not shown", n.fields.len() - MAX_CARD_FIELDS)}}));
        }
        let mut body = Self::format(n);
        body["cardsV2"] = json!([{
            "cardId": "notification",
            "card": {
                "header": {
                    "title": truncate_chars(&n.title, FIELD_CHARS),
                    "subtitle": format!("event {} · {}", truncate_chars(&n.event_type, 100), n.level.as_str()),
                },
                "sections": [{"widgets": widgets}],
            }
        }]);
        body
    }

    /// The JSON body for `n`: `{"text": …}` with a bold title, the body, `name: value` lines
    /// and the event type, cut to 4,096 characters.
    pub fn format(n: &Notification) -> Value {
        let mut text = format!("*{}*\n{}", n.title, n.body);
        for f in &n.fields {
            text.push_str(&format!("\n*{}:* {}", f.name, f.value));
        }
        text.push_str(&format!(
            "\n_event {} · {}_",
            n.event_type,
            n.level.as_str()
        ));
        json!({"text": truncate_chars(&text, TEXT_CHARS)})
    }
}

#[async_trait::async_trait]
impl NotifyTarget for GoogleChatWebhook {
    fn name(&self) -> &str {
        TARGET
    }

    async fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        let body = if self.cards {
            Self::format_card(n)
        } else {
            Self::format(n)
        };
        let answer = post_json(TARGET, &self.client, self.url.expose(), &body, true).await?;
        if answer.status.is_success() {
            return Ok(());
        }
        // Google errors: {"error":{"code":400,"message":"…","status":"INVALID_ARGUMENT"}}.
        let parsed: Option<Value> = serde_json::from_str(&answer.body).ok();
        let err = parsed.as_ref().and_then(|v| v.get("error"));
        if answer.status.as_u16() == 429 {
            return Err(NotifyError::RateLimited {
                target: TARGET,
                retry_after: super::http::retry_after_header(&answer.headers),
            });
        }
        Err(NotifyError::Rejected {
            target: TARGET,
            status: answer.status.as_u16(),
            code: err
                .and_then(|e| e.get("status"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            message: err
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .map(snippet)
                .or_else(|| (!answer.body.trim().is_empty()).then(|| snippet(&answer.body))),
        })
    }
}
