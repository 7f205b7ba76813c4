//! Registers the tools of each configured `[connectors.*]` service.

use switchboard::connectors::{
    ToolOptions, WebhookUrl, github, google_calendar, ifttt, jira, notion, openweathermap, slack,
    zapier,
};
use switchboard::core::Client;
use switchboard::functions::ToolRegistry;

use super::ToolSetupError;
use crate::config::ConnectorsConfig;

/// The `User-Agent` GitHub gets when the config names none.
const GITHUB_USER_AGENT: &str = concat!("switchboard-gateway/", env!("CARGO_PKG_VERSION"));

/// Builds each configured service's client (no request is made) and registers its tools.
///
/// # Errors
/// A client refused its settings ([`ToolSetupError::Setting`] with the config key) or a tool
/// name is already taken.
pub(super) fn register(
    registry: &ToolRegistry,
    c: &ConnectorsConfig,
) -> Result<(), ToolSetupError> {
    let options = ToolOptions::default().attribute_caller(c.attribute_caller);
    if let Some(cfg) = &c.github {
        let cfg = cfg.get_ref();
        let mut b = github::GitHub::builder(cfg.user_agent.as_deref().unwrap_or(GITHUB_USER_AGENT));
        if let Some(t) = &cfg.token {
            b = b.token(t.expose());
        }
        if let Some(u) = &cfg.base_url {
            b = b.base_url(u);
        }
        if let Some(v) = &cfg.api_version {
            b = b.api_version(v);
        }
        let client = b
            .build()
            .map_err(|e| ToolSetupError::setting("connectors.github", e))?;
        github::register_tools(registry, &client, &options)
            .map_err(|e| ToolSetupError::register("github", e))?;
    }
    if let Some(cfg) = &c.slack {
        let cfg = cfg.get_ref();
        let mut b = slack::Slack::builder(cfg.token.expose());
        if let Some(u) = &cfg.base_url {
            b = b.base_url(u);
        }
        let client = b
            .build()
            .map_err(|e| ToolSetupError::setting("connectors.slack", e))?;
        slack::register_tools(registry, &client, &options)
            .map_err(|e| ToolSetupError::register("slack", e))?;
    }
    if let Some(cfg) = &c.notion {
        let cfg = cfg.get_ref();
        let mut b = notion::Notion::builder(cfg.token.expose());
        if let Some(v) = &cfg.version {
            b = b.version(v);
        }
        if let Some(u) = &cfg.base_url {
            b = b.base_url(u);
        }
        let client = b
            .build()
            .map_err(|e| ToolSetupError::setting("connectors.notion", e))?;
        notion::register_tools(registry, &client, &options)
            .map_err(|e| ToolSetupError::register("notion", e))?;
    }
    if let Some(cfg) = &c.jira {
        let cfg = cfg.get_ref();
        let client = jira::Jira::builder(&cfg.site, &cfg.email, cfg.api_token.expose())
            .build()
            .map_err(|e| ToolSetupError::setting("connectors.jira", e))?;
        jira::register_tools(registry, &client, &options)
            .map_err(|e| ToolSetupError::register("jira", e))?;
    }
    if let Some(cfg) = &c.google_calendar {
        let cfg = cfg.get_ref();
        let mut b = google_calendar::GoogleCalendar::builder().oauth_refresh_token(
            &cfg.client_id,
            cfg.client_secret.expose(),
            cfg.refresh_token.expose(),
        );
        if let Some(u) = &cfg.token_url {
            b = b.token_url(u);
        }
        if let Some(u) = &cfg.base_url {
            b = b.base_url(u);
        }
        let client = b
            .build()
            .map_err(|e| ToolSetupError::setting("connectors.google_calendar", e))?;
        google_calendar::register_tools(registry, &client)
            .map_err(|e| ToolSetupError::register("google_calendar", e))?;
    }
    if let Some(cfg) = &c.openweathermap {
        let cfg = cfg.get_ref();
        let mut b = openweathermap::OpenWeatherMap::builder(cfg.api_key.expose());
        if let Some(u) = &cfg.base_url {
            b = b.base_url(u);
        }
        let client = b
            .build()
            .map_err(|e| ToolSetupError::setting("connectors.openweathermap", e))?;
        openweathermap::register_tools(registry, &client)
            .map_err(|e| ToolSetupError::register("openweathermap", e))?;
    }
    if let Some(cfg) = &c.zapier {
        let url = WebhookUrl::parse(cfg.get_ref().hook_url.expose())
            .map_err(|e| ToolSetupError::setting("connectors.zapier.hook_url", e))?;
        let hook = zapier::CatchHook::new(http_client()?, url)
            .map_err(|e| ToolSetupError::setting("connectors.zapier", e))?;
        zapier::register_tools(registry, hook)
            .map_err(|e| ToolSetupError::register("zapier", e))?;
    }
    if let Some(cfg) = &c.ifttt {
        let cfg = cfg.get_ref();
        let client = match &cfg.base_url {
            None => ifttt::Ifttt::new(http_client()?, cfg.key.expose()),
            Some(u) => ifttt::Ifttt::with_base_url(http_client()?, cfg.key.expose(), u),
        }
        .map_err(|e| ToolSetupError::setting("connectors.ifttt", e))?;
        let events: Vec<&str> = cfg.events.iter().map(String::as_str).collect();
        ifttt::register_tools(registry, client, &events)
            .map_err(|e| ToolSetupError::register("ifttt", e))?;
    }
    Ok(())
}

/// A default core client for the connectors that take one.
fn http_client() -> Result<Client, ToolSetupError> {
    Client::builder()
        .build()
        .map_err(|e| ToolSetupError::setting("connectors", format!("HTTP client: {e}")))
}
