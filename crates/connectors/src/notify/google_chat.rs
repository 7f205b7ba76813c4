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

/// A Google Chat space webhook
/// (`https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…`; the URL is the secret).
#[derive(Debug, Clone)]
pub struct GoogleChatWebhook {
    client: Client,
    url: WebhookUrl,
}

impl GoogleChatWebhook {
    /// A target posting to `url`.
    pub fn new(client: Client, url: WebhookUrl) -> Self {
        Self { client, url }
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
        let answer = post_json(
            TARGET,
            &self.client,
            self.url.expose(),
            &Self::format(n),
            true,
        )
        .await?;
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
