//! Registers the tools of each configured `[connectors.*]` service.

use switchboard::connectors::{
    ToolOptions, WebhookUrl, github, google_calendar, ifttt, jira, notion, openweathermap, slack,
    zapier,
};
use switchboard::core::Client;
use switchboard::functions::ToolRegistry;

use super::ToolSetupError;
use super::selection;
use crate::config::{
    ConnectorsConfig, GitHubConfig, GoogleCalendarConfig, IftttConfig, JiraConfig, NotionConfig,
    OpenWeatherMapConfig, SlackConfig, ToolSelection, ZapierConfig,
};

/// The `User-Agent` GitHub gets when the config names none.
const GITHUB_USER_AGENT: &str = concat!("switchboard-gateway/", env!("CARGO_PKG_VERSION"));

/// Builds each configured service's client (no request is made) and registers the tools its
/// section's `tools` and `read_only` offer ([`selection::offered`]).
///
/// # Errors
/// A client refused its settings ([`ToolSetupError::Setting`] with the config key), a section
/// chose tools the service does not have, or a tool name is already taken.
pub(super) fn register(
    registry: &ToolRegistry,
    c: &ConnectorsConfig,
) -> Result<(), ToolSetupError> {
    for service in services(c) {
        let all = ToolRegistry::new();
        (service.register)(&all)?;
        let definitions = all.definitions();
        let offered = selection::offered(&service.selection, &definitions)
            .map_err(|(_, message)| ToolSetupError::setting(service.tools_key, message))?;
        // A service registers all its tools at once; those not offered are removed again
        // before the registry is served.
        (service.register)(registry)?;
        for d in &definitions {
            if !offered.contains(&d.name()) {
                registry.unregister(d.name());
            }
        }
    }
    Ok(())
}

/// Checks every section's `tools` against the tools its service has: the config key and the
/// span of the first name refused, and why.
///
/// # Errors
/// As [`selection::offered`]; a client that cannot be built is left for [`register`] to report.
pub(crate) fn check_selections(
    c: &ConnectorsConfig,
) -> Result<(), (String, std::ops::Range<usize>, String)> {
    for service in services(c) {
        let all = ToolRegistry::new();
        if (service.register)(&all).is_err() {
            continue;
        }
        selection::offered(&service.selection, &all.definitions())
            .map_err(|(span, message)| (service.tools_key.to_owned(), span, message))?;
    }
    Ok(())
}

/// Registers every tool of one service into the registry given.
type RegisterAll<'a> = Box<dyn Fn(&ToolRegistry) -> Result<(), ToolSetupError> + 'a>;

/// One configured `[connectors.<name>]` section.
struct Service<'a> {
    /// `connectors.<name>.tools`.
    tools_key: &'static str,
    selection: ToolSelection<'a>,
    /// Builds the client from the section and registers all the service's tools.
    register: RegisterAll<'a>,
}

/// The configured services, in config order.
fn services(c: &ConnectorsConfig) -> Vec<Service<'_>> {
    let options = ToolOptions::default().attribute_caller(c.attribute_caller);
    let mut services = Vec::new();
    if let Some(cfg) = &c.github {
        services.push(github(cfg.get_ref(), options));
    }
    if let Some(cfg) = &c.slack {
        services.push(slack(cfg.get_ref(), options));
    }
    if let Some(cfg) = &c.notion {
        services.push(notion(cfg.get_ref(), options));
    }
    if let Some(cfg) = &c.jira {
        services.push(jira(cfg.get_ref(), options));
    }
    if let Some(cfg) = &c.google_calendar {
        services.push(google_calendar(cfg.get_ref()));
    }
    if let Some(cfg) = &c.openweathermap {
        services.push(openweathermap(cfg.get_ref()));
    }
    if let Some(cfg) = &c.zapier {
        services.push(zapier(cfg.get_ref()));
    }
    if let Some(cfg) = &c.ifttt {
        services.push(ifttt(cfg.get_ref()));
    }
    services
}

/// `[connectors.github]`.
fn github(cfg: &GitHubConfig, options: ToolOptions) -> Service<'_> {
    Service {
        tools_key: "connectors.github.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
            let mut b =
                github::GitHub::builder(cfg.user_agent.as_deref().unwrap_or(GITHUB_USER_AGENT));
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
            Ok(())
        }),
    }
}

/// `[connectors.slack]`.
fn slack(cfg: &SlackConfig, options: ToolOptions) -> Service<'_> {
    Service {
        tools_key: "connectors.slack.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
            let mut b = slack::Slack::builder(cfg.token.expose());
            if let Some(u) = &cfg.base_url {
                b = b.base_url(u);
            }
            let client = b
                .build()
                .map_err(|e| ToolSetupError::setting("connectors.slack", e))?;
            slack::register_tools(registry, &client, &options)
                .map_err(|e| ToolSetupError::register("slack", e))?;
            Ok(())
        }),
    }
}

/// `[connectors.notion]`.
fn notion(cfg: &NotionConfig, options: ToolOptions) -> Service<'_> {
    Service {
        tools_key: "connectors.notion.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
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
            Ok(())
        }),
    }
}

/// `[connectors.jira]`.
fn jira(cfg: &JiraConfig, options: ToolOptions) -> Service<'_> {
    Service {
        tools_key: "connectors.jira.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
            let client = jira::Jira::builder(&cfg.site, &cfg.email, cfg.api_token.expose())
                .build()
                .map_err(|e| ToolSetupError::setting("connectors.jira", e))?;
            jira::register_tools(registry, &client, &options)
                .map_err(|e| ToolSetupError::register("jira", e))?;
            Ok(())
        }),
    }
}

/// `[connectors.google_calendar]`.
fn google_calendar(cfg: &GoogleCalendarConfig) -> Service<'_> {
    Service {
        tools_key: "connectors.google_calendar.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
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
            Ok(())
        }),
    }
}

/// `[connectors.openweathermap]`.
fn openweathermap(cfg: &OpenWeatherMapConfig) -> Service<'_> {
    Service {
        tools_key: "connectors.openweathermap.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
            let mut b = openweathermap::OpenWeatherMap::builder(cfg.api_key.expose());
            if let Some(u) = &cfg.base_url {
                b = b.base_url(u);
            }
            if let Some(u) = &cfg.geo_base_url {
                b = b.geo_base_url(u);
            }
            let client = b
                .build()
                .map_err(|e| ToolSetupError::setting("connectors.openweathermap", e))?;
            openweathermap::register_tools(registry, &client)
                .map_err(|e| ToolSetupError::register("openweathermap", e))?;
            Ok(())
        }),
    }
}

/// `[connectors.zapier]`.
fn zapier(cfg: &ZapierConfig) -> Service<'_> {
    Service {
        tools_key: "connectors.zapier.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
            let url = WebhookUrl::parse(cfg.hook_url.expose())
                .map_err(|e| ToolSetupError::setting("connectors.zapier.hook_url", e))?;
            let hook = zapier::CatchHook::new(http_client()?, url)
                .map_err(|e| ToolSetupError::setting("connectors.zapier", e))?;
            zapier::register_tools(registry, hook)
                .map_err(|e| ToolSetupError::register("zapier", e))?;
            Ok(())
        }),
    }
}

/// `[connectors.ifttt]`.
fn ifttt(cfg: &IftttConfig) -> Service<'_> {
    Service {
        tools_key: "connectors.ifttt.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
            let client = match &cfg.base_url {
                None => ifttt::Ifttt::new(http_client()?, cfg.key.expose()),
                Some(u) => ifttt::Ifttt::with_base_url(http_client()?, cfg.key.expose(), u),
            }
            .map_err(|e| ToolSetupError::setting("connectors.ifttt", e))?;
            let events: Vec<&str> = cfg.events.iter().map(String::as_str).collect();
            ifttt::register_tools(registry, client, &events)
                .map_err(|e| ToolSetupError::register("ifttt", e))?;
            Ok(())
        }),
    }
}

/// A default core client for the connectors that take one.
fn http_client() -> Result<Client, ToolSetupError> {
    Client::builder()
        .build()
        .map_err(|e| ToolSetupError::setting("connectors", format!("HTTP client: {e}")))
}
