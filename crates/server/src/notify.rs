//! Wires the `[[notify]]` targets of the config into the webhook manager as local handlers.

use std::sync::Arc;

use switchboard::connectors::WebhookUrl;
use switchboard::connectors::notify::{
    DiscordWebhook, EmailConfig, EmailTarget, GoogleChatWebhook, NotifyTarget, SlackWebhook,
    SmtpSecurity, TeamsWebhook, subscribe,
};
use switchboard::core::Client;
use switchboard::webhooks::delivery::WebhookManager;

use crate::config::{NotifyConfig, NotifyKind, SmtpSecurityConfig};

/// Subscribes every target to its events; returns how many targets were wired.
///
/// # Errors
/// A target's settings are refused (the message names `notify[i]` and never the URL).
pub fn subscribe_targets(
    manager: &WebhookManager,
    targets: &[NotifyConfig],
) -> anyhow::Result<usize> {
    for (i, t) in targets.iter().enumerate() {
        let target = build_target(t).map_err(|e| anyhow::anyhow!("notify[{i}]: {e}"))?;
        let events: Vec<&str> = t.events.iter().map(String::as_str).collect();
        subscribe(manager, target, &events).map_err(|e| anyhow::anyhow!("notify[{i}]: {e}"))?;
    }
    Ok(targets.len())
}

fn build_target(t: &NotifyConfig) -> anyhow::Result<Arc<dyn NotifyTarget>> {
    let url = || -> anyhow::Result<WebhookUrl> {
        let url = t
            .url
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("`url` is required"))?;
        Ok(WebhookUrl::parse(url.expose())?)
    };
    let client = || -> anyhow::Result<Client> { Ok(Client::builder().build()?) };
    Ok(match t.kind {
        NotifyKind::Slack => Arc::new(SlackWebhook::new(client()?, url()?)),
        NotifyKind::Teams => Arc::new(TeamsWebhook::new(client()?, url()?)),
        NotifyKind::GoogleChat => {
            Arc::new(GoogleChatWebhook::new(client()?, url()?).cards(t.cards.unwrap_or(false)))
        }
        NotifyKind::Discord => {
            let mut d = DiscordWebhook::new(client()?, url()?);
            if let Some(name) = &t.username {
                d = d.username(name);
            }
            Arc::new(d)
        }
        NotifyKind::Email => {
            let security = match t.security.unwrap_or(SmtpSecurityConfig::Starttls) {
                SmtpSecurityConfig::Starttls => SmtpSecurity::StartTls,
                SmtpSecurityConfig::Tls => SmtpSecurity::ImplicitTls,
                SmtpSecurityConfig::Plain => SmtpSecurity::Plain,
            };
            let mut config = EmailConfig::new(
                t.smtp_host.clone().unwrap_or_default(),
                security,
                t.from.clone().unwrap_or_default(),
                t.to.clone(),
            );
            if let Some(port) = t.smtp_port {
                config = config.port(port);
            }
            if let (Some(user), Some(password)) = (&t.smtp_username, &t.smtp_password) {
                config = config.credentials(user, password.expose());
            }
            Arc::new(EmailTarget::new(config)?)
        }
    })
}
