//! Event notifications: one [`Notification`] built from an event by a template, formatted for
//! each target within its limits, sent through core's client (or SMTP), and fanned out to every
//! configured target with each failure isolated.
//!
//! Targets: [`SlackWebhook`] (incoming webhook, text + Block Kit), [`DiscordWebhook`] (content
//! and an embed, its 429 `retry_after` honoured), [`TeamsWebhook`] (a Workflows / Power Automate
//! webhook with an Adaptive Card), [`GoogleChatWebhook`] (incoming webhook text) and, with the
//! `email` feature, `EmailTarget` (SMTP via lettre, text + HTML).
//!
//! [`subscribe`] registers a target as a local handler of a `switchboard-webhooks`
//! [`WebhookManager`](switchboard_webhooks::delivery::WebhookManager): several targets on one event all
//! fire, each in its own isolated handler.
//!
//! ```no_run
//! use std::sync::Arc;
//! use switchboard_connectors::notify::{DiscordWebhook, Notification, NotifyTarget, SlackWebhook};
//! use switchboard_connectors::WebhookUrl;
//! use switchboard_core::Client;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder().build()?;
//! let slack = SlackWebhook::new(client.clone(), WebhookUrl::parse("https://hooks.slack.com/services/T/B/X")?);
//! let note = Notification::from_event("user_joined", &serde_json::json!({"name": "Ada"}));
//! slack.send(&note).await?;
//! # Ok(()) }
//! ```

mod discord;
#[cfg(feature = "email")]
mod email;
mod error;
mod fanout;
mod google_chat;
mod http;
mod message;
mod open_webui;
mod operational;
mod slack;
mod subscribe;
mod teams;

pub use discord::{DiscordLimits, DiscordWebhook};
#[cfg(feature = "email")]
pub use email::{EmailConfig, EmailTarget, SmtpSecurity};
pub use error::NotifyError;
pub use fanout::{Notifier, TargetOutcome};
pub use google_chat::GoogleChatWebhook;
pub use message::{Field, Level, MAX_EVENT_FIELDS, Notification};
pub use slack::SlackWebhook;
pub use subscribe::{ALL_EVENTS, subscribe};
pub use teams::TeamsWebhook;

/// A place notifications are sent to.
#[async_trait::async_trait]
pub trait NotifyTarget: Send + Sync + std::fmt::Debug {
    /// A short name for logs and outcomes (`slack`, `discord`, `teams`, `google_chat`, `email`).
    fn name(&self) -> &str;

    /// Formats `notification` for this target and delivers it once (retrying only what the
    /// target documents as safe, such as Discord's 429).
    async fn send(&self, notification: &Notification) -> Result<(), NotifyError>;
}
