//! Registers the tools of each configured `[connectors.*]` service from one table, [`ALL`]:
//! a service is its module in `switchboard-connectors` and one entry here, a function that
//! builds the service's client from its section and registers its tools.

use std::sync::Arc;

use switchboard::connectors::search::{
    self, Brave, External, Google, Kagi, SearxNg, SerpApi, Tavily, WebSearch,
};
use switchboard::connectors::{
    ToolOptions, WebhookUrl, github, google_calendar, ifttt, jira, notion, openweathermap, slack,
    zapier,
};
use switchboard::functions::ToolRegistry;

use super::ToolSetupError;
use super::selection;
use crate::config::{ConnectorsConfig, SearchProvider, ToolSelection};

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

/// Builds one service from `[connectors]`: `None` when its section is absent.
type Entry = for<'a> fn(&'a ConnectorsConfig, ToolOptions) -> Option<Service<'a>>;

/// Every service the gateway can offer, one entry each, in registration order.
const ALL: &[Entry] = &[
    github,
    slack,
    notion,
    jira,
    google_calendar,
    openweathermap,
    zapier,
    ifttt,
    web_search,
];

/// The configured services, in [`ALL`]'s order.
fn services(c: &ConnectorsConfig) -> Vec<Service<'_>> {
    let options = ToolOptions::default().attribute_caller(c.attribute_caller);
    ALL.iter().filter_map(|entry| entry(c, options)).collect()
}

/// `[connectors.github]`.
fn github(c: &ConnectorsConfig, options: ToolOptions) -> Option<Service<'_>> {
    let cfg = c.github.as_ref()?.get_ref();
    Some(Service {
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
    })
}

/// `[connectors.slack]`.
fn slack(c: &ConnectorsConfig, options: ToolOptions) -> Option<Service<'_>> {
    let cfg = c.slack.as_ref()?.get_ref();
    Some(Service {
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
    })
}

/// `[connectors.notion]`.
fn notion(c: &ConnectorsConfig, options: ToolOptions) -> Option<Service<'_>> {
    let cfg = c.notion.as_ref()?.get_ref();
    Some(Service {
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
    })
}

/// `[connectors.jira]`.
fn jira(c: &ConnectorsConfig, options: ToolOptions) -> Option<Service<'_>> {
    let cfg = c.jira.as_ref()?.get_ref();
    Some(Service {
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
    })
}

/// `[connectors.google_calendar]`.
fn google_calendar(c: &ConnectorsConfig, options: ToolOptions) -> Option<Service<'_>> {
    let cfg = c.google_calendar.as_ref()?.get_ref();
    Some(Service {
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
            google_calendar::register_tools(registry, &client, &options)
                .map_err(|e| ToolSetupError::register("google_calendar", e))?;
            Ok(())
        }),
    })
}

/// `[connectors.openweathermap]`.
fn openweathermap(c: &ConnectorsConfig, options: ToolOptions) -> Option<Service<'_>> {
    let cfg = c.openweathermap.as_ref()?.get_ref();
    Some(Service {
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
            openweathermap::register_tools(registry, &client, &options)
                .map_err(|e| ToolSetupError::register("openweathermap", e))?;
            Ok(())
        }),
    })
}

/// `[connectors.zapier]`.
fn zapier(c: &ConnectorsConfig, options: ToolOptions) -> Option<Service<'_>> {
    let cfg = c.zapier.as_ref()?.get_ref();
    Some(Service {
        tools_key: "connectors.zapier.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
            let url = WebhookUrl::parse(cfg.hook_url.expose())
                .map_err(|e| ToolSetupError::setting("connectors.zapier.hook_url", e))?;
            let hook = zapier::CatchHook::builder(url)
                .build()
                .map_err(|e| ToolSetupError::setting("connectors.zapier", e))?;
            zapier::register_tools(registry, &hook, &options)
                .map_err(|e| ToolSetupError::register("zapier", e))?;
            Ok(())
        }),
    })
}

/// `[connectors.ifttt]`.
fn ifttt(c: &ConnectorsConfig, options: ToolOptions) -> Option<Service<'_>> {
    let cfg = c.ifttt.as_ref()?.get_ref();
    Some(Service {
        tools_key: "connectors.ifttt.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
            let mut b = ifttt::Ifttt::builder(cfg.key.expose()).allowed_events(&cfg.events);
            if let Some(u) = &cfg.base_url {
                b = b.base_url(u);
            }
            let client = b
                .build()
                .map_err(|e| ToolSetupError::setting("connectors.ifttt", e))?;
            ifttt::register_tools(registry, &client, &options)
                .map_err(|e| ToolSetupError::register("ifttt", e))?;
            Ok(())
        }),
    })
}

/// `[connectors.web_search]`.
fn web_search(c: &ConnectorsConfig, options: ToolOptions) -> Option<Service<'_>> {
    let cfg = c.web_search.as_ref()?.get_ref();
    Some(Service {
        tools_key: "connectors.web_search.tools",
        selection: cfg.selection(),
        register: Box::new(move |registry| {
            let provider = search_provider(cfg)
                .map_err(|e| ToolSetupError::setting("connectors.web_search", e))?;
            search::register_tools(registry, &provider, &options)
                .map_err(|e| ToolSetupError::register("web_search", e))?;
            Ok(())
        }),
    })
}

/// The provider `[connectors.web_search]` names, built from its settings.
fn search_provider(
    cfg: &crate::config::WebSearchConfig,
) -> Result<Arc<dyn WebSearch>, search::SearchError> {
    let key = cfg.api_key.as_ref().map(|k| k.expose()).unwrap_or_default();
    let url = cfg.url.as_deref();
    // A base URL overrides the provider's public one (a proxy); searxng and external need one,
    // which the config check has made sure of.
    macro_rules! with_base {
        ($builder:expr) => {{
            let b = $builder;
            match url {
                Some(u) => b.base_url(u),
                None => b,
            }
        }};
    }
    Ok(match cfg.provider {
        SearchProvider::Searxng => Arc::new(SearxNg::builder(url.unwrap_or_default()).build()?),
        SearchProvider::Brave => Arc::new(with_base!(Brave::builder(key)).build()?),
        SearchProvider::Tavily => Arc::new(with_base!(Tavily::builder(key)).build()?),
        SearchProvider::Google => Arc::new(
            with_base!(Google::builder(key, cfg.cx.as_deref().unwrap_or_default())).build()?,
        ),
        SearchProvider::Kagi => Arc::new(with_base!(Kagi::builder(key)).build()?),
        SearchProvider::Serpapi => {
            let mut b = with_base!(SerpApi::builder(key));
            if let Some(engine) = &cfg.engine {
                b = b.engine(engine);
            }
            Arc::new(b.build()?)
        }
        SearchProvider::External => {
            let mut b = External::builder(url.unwrap_or_default());
            if let Some(k) = &cfg.api_key {
                b = b.api_key(k.expose());
            }
            Arc::new(b.build()?)
        }
    })
}
