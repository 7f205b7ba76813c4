//! Microsoft Teams through a Workflows (Power Automate) webhook: a message with one Adaptive
//! Card, kept under Teams' 28 KB message size.

use serde_json::{Value, json};
use switchboard_core::Client;

use super::http::{post_json, snippet};
use super::{Level, Notification, NotifyError, NotifyTarget};
use crate::WebhookUrl;
use crate::text::{truncate_bytes, truncate_chars};

const TARGET: &str = "teams";
/// Bytes of body text in the card; with the card's structure the message stays under 28 KB.
const BODY_BYTES: usize = 20_000;
/// Characters of a title and of each fact.
const TITLE_CHARS: usize = 300;
const FACT_CHARS: usize = 500;
/// Facts per card.
const MAX_FACTS: usize = 20;

/// A Teams Workflows webhook ("When a Teams webhook request is received" flow; the URL with
/// its `sig` is the secret). The retired Office 365 connector format is not used.
#[derive(Debug, Clone)]
pub struct TeamsWebhook {
    client: Client,
    url: WebhookUrl,
}

impl TeamsWebhook {
    /// A target posting to `url`.
    pub fn new(client: Client, url: WebhookUrl) -> Self {
        Self { client, url }
    }

    /// The JSON body for `n`: `{"type":"message","attachments":[Adaptive Card 1.4]}` with
    /// the title, the body, a fact set and the event type.
    pub fn format(n: &Notification) -> Value {
        let mut card_body = vec![
            json!({
                "type": "TextBlock",
                "text": truncate_chars(&n.title, TITLE_CHARS),
                "weight": "Bolder",
                "size": "Medium",
                "wrap": true,
                "color": match n.level { Level::Info => "Default", Level::Warning => "Warning", Level::Error => "Attention" },
            }),
            json!({"type": "TextBlock", "text": truncate_bytes(&n.body, BODY_BYTES), "wrap": true}),
        ];
        if !n.fields.is_empty() {
            let mut facts: Vec<Value> = n
                .fields
                .iter()
                .take(MAX_FACTS)
                .map(|f| json!({"title": truncate_chars(&f.name, FACT_CHARS), "value": truncate_chars(&f.value, FACT_CHARS)}))
                .collect();
            if n.fields.len() > MAX_FACTS {
                facts.push(json!({"title": "more", "value": format!("{} more fields not shown", n.fields.len() - MAX_FACTS)}));
            }
            card_body.push(json!({"type": "FactSet", "facts": facts}));
        }
        card_body.push(json!({
            "type": "TextBlock",
            "text": truncate_chars(&format!("event {} · {}", n.event_type, n.level.as_str()), TITLE_CHARS),
            "isSubtle": true,
            "size": "Small",
            "wrap": true,
        }));
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": card_body,
                }
            }]
        })
    }
}

#[async_trait::async_trait]
impl NotifyTarget for TeamsWebhook {
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
        if answer.status.is_success() {
            // Workflows answer 202 Accepted (200 from some flows) with an empty body.
            return Ok(());
        }
        // Logic Apps errors: {"error":{"code":"...","message":"..."}}.
        let parsed: Option<Value> = serde_json::from_str(&answer.body).ok();
        let err = parsed.as_ref().and_then(|v| v.get("error"));
        Err(NotifyError::Rejected {
            target: TARGET,
            status: answer.status.as_u16(),
            code: err
                .and_then(|e| e.get("code"))
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
