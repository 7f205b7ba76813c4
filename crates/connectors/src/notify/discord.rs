//! Discord webhooks: `content` and one embed within Discord's limits, `allowed_mentions`
//! empty, optional `?wait=true`, and 429 `retry_after` honoured.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_core::Client;
use switchboard_core::retry::{Sleeper, TokioSleeper};

use super::http::{post_json, retry_after_header, snippet, with_query};
use super::{Level, Notification, NotifyError, NotifyTarget};
use crate::WebhookUrl;
use crate::text::truncate_chars;

const TARGET: &str = "discord";

/// Discord's documented message limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiscordLimits;

impl DiscordLimits {
    /// Characters of `content`.
    pub const CONTENT: usize = 2_000;
    /// Embeds per message.
    pub const EMBEDS: usize = 10;
    /// Characters of an embed title.
    pub const TITLE: usize = 256;
    /// Characters of an embed description.
    pub const DESCRIPTION: usize = 4_096;
    /// Fields per embed.
    pub const FIELDS: usize = 25;
    /// Characters of a field name.
    pub const FIELD_NAME: usize = 256;
    /// Characters of a field value.
    pub const FIELD_VALUE: usize = 1_024;
    /// Characters of a footer.
    pub const FOOTER: usize = 2_048;
    /// Characters across all embeds of a message.
    pub const EMBED_TOTAL: usize = 6_000;
}

/// A Discord webhook (`https://discord.com/api/webhooks/{id}/{token}`; the URL is the secret).
#[derive(Debug, Clone)]
pub struct DiscordWebhook {
    client: Client,
    url: WebhookUrl,
    username: Option<String>,
    wait: bool,
    max_rate_limit_retries: u32,
    max_wait: Duration,
    sleeper: Arc<dyn Sleeper>,
}

impl DiscordWebhook {
    /// A target posting to `url`; by default without `wait`, retrying a 429 up to 3 times when
    /// Discord asks for at most 60 s.
    pub fn new(client: Client, url: WebhookUrl) -> Self {
        Self {
            client,
            url,
            username: None,
            wait: false,
            max_rate_limit_retries: 3,
            max_wait: Duration::from_secs(60),
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// Overrides the webhook's display name (at most 80 characters are sent).
    #[must_use]
    pub fn username(mut self, name: impl Into<String>) -> Self {
        self.username = Some(truncate_chars(&name.into(), 80));
        self
    }

    /// Sends `?wait=true`, so Discord confirms the message was saved (200 with the message)
    /// instead of answering 204 before it is.
    #[must_use]
    pub fn wait(mut self, yes: bool) -> Self {
        self.wait = yes;
        self
    }

    /// How many 429s are waited out, and the longest single wait accepted.
    #[must_use]
    pub fn rate_limit_retries(mut self, retries: u32, max_wait: Duration) -> Self {
        self.max_rate_limit_retries = retries;
        self.max_wait = max_wait;
        self
    }

    /// What waits between 429 retries (default tokio's timer; tests inject their own).
    #[must_use]
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// The JSON body for `n`: the bold title as `content`, one embed (title, description,
    /// up to 25 inline fields, footer with the event type, colour by level), every piece cut
    /// to its limit and the embed shortened to 6,000 characters in total; `allowed_mentions`
    /// is empty so event data cannot ping `@everyone`.
    pub fn format(n: &Notification, username: Option<&str>) -> Value {
        let content = truncate_chars(&format!("**{}**", n.title), DiscordLimits::CONTENT);
        let title = truncate_chars(&n.title, DiscordLimits::TITLE);
        let footer = truncate_chars(
            &format!("event {} · {}", n.event_type, n.level.as_str()),
            DiscordLimits::FOOTER,
        );
        let mut fields: Vec<(String, String)> = n
            .fields
            .iter()
            .take(DiscordLimits::FIELDS)
            .map(|f| {
                let name = if f.name.trim().is_empty() {
                    "-"
                } else {
                    &f.name
                };
                let value = if f.value.trim().is_empty() {
                    "-"
                } else {
                    &f.value
                };
                (
                    truncate_chars(name, DiscordLimits::FIELD_NAME),
                    truncate_chars(value, DiscordLimits::FIELD_VALUE),
                )
            })
            .collect();
        if n.fields.len() > DiscordLimits::FIELDS {
            let more = n.fields.len() - (DiscordLimits::FIELDS - 1);
            fields.truncate(DiscordLimits::FIELDS - 1);
            fields.push(("more".into(), format!("{more} more fields not shown")));
        }
        let count = |s: &str| s.chars().count();
        let fixed = count(&title)
            + count(&footer)
            + fields
                .iter()
                .map(|(a, b)| count(a) + count(b))
                .sum::<usize>();
        // Fields that do not fit beside the title and footer are dropped from the end, and
        // the description gets what is left.
        let mut fixed = fixed;
        while fixed + 1 > DiscordLimits::EMBED_TOTAL && !fields.is_empty() {
            if let Some((a, b)) = fields.pop() {
                fixed -= count(&a) + count(&b);
            }
        }
        let room = DiscordLimits::EMBED_TOTAL
            .saturating_sub(fixed)
            .min(DiscordLimits::DESCRIPTION);
        let description = truncate_chars(&n.body, room);
        let color = match n.level {
            Level::Info => 0x0058_65F2,
            Level::Warning => 0x00FE_E75C,
            Level::Error => 0x00ED_4245,
        };
        let fields: Vec<Value> = fields
            .into_iter()
            .map(|(name, value)| json!({"name": name, "value": value, "inline": true}))
            .collect();
        let mut embed = json!({
            "title": title,
            "description": description,
            "color": color,
            "footer": {"text": footer},
        });
        if !fields.is_empty() {
            embed["fields"] = Value::Array(fields);
        }
        let mut body = json!({
            "content": content,
            "embeds": [embed],
            "allowed_mentions": {"parse": []},
        });
        if let Some(u) = username {
            body["username"] = Value::String(u.to_owned());
        }
        body
    }

    /// Sends `n`; `Ok` once Discord accepted it (204, or 200 with `wait`).
    async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
        let url = if self.wait {
            with_query(&self.url, &[("wait", "true")])
        } else {
            self.url.expose().clone()
        };
        let body = Self::format(n, self.username.as_deref());
        let mut retries = 0;
        loop {
            let answer = post_json(TARGET, &self.client, &url, &body, false).await?;
            let status = answer.status.as_u16();
            if answer.status.is_success() {
                return Ok(());
            }
            let parsed: Option<Value> = serde_json::from_str(&answer.body).ok();
            if status == 429 {
                // The body's float `retry_after` is the precise wait; the header is rounded.
                let wait = parsed
                    .as_ref()
                    .and_then(|v| v.get("retry_after"))
                    .and_then(Value::as_f64)
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(Duration::from_secs_f64)
                    .or_else(|| retry_after_header(&answer.headers));
                match wait {
                    Some(w) if retries < self.max_rate_limit_retries && w <= self.max_wait => {
                        retries += 1;
                        tracing::warn!(
                            target_name = TARGET,
                            wait_ms = w.as_millis() as u64,
                            retries,
                            "rate limited; waiting"
                        );
                        self.sleeper.sleep(w).await;
                        continue;
                    }
                    _ => {
                        return Err(NotifyError::RateLimited {
                            target: TARGET,
                            retry_after: wait,
                        });
                    }
                }
            }
            let code = parsed
                .as_ref()
                .and_then(|v| v.get("code"))
                .map(|c| c.to_string());
            let message = parsed
                .as_ref()
                .and_then(|v| v.get("message"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| (!answer.body.trim().is_empty()).then(|| snippet(&answer.body)));
            return Err(NotifyError::Rejected {
                target: TARGET,
                status,
                code,
                message,
            });
        }
    }
}

#[async_trait::async_trait]
impl NotifyTarget for DiscordWebhook {
    fn name(&self) -> &str {
        TARGET
    }

    async fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        self.deliver(n).await
    }
}
