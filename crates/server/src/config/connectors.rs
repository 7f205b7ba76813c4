//! `[connectors.*]` (service tools) and `[[notify]]` (event notifications) in the config file.
//!
//! A `[connectors.<service>]` section offers that service's tools; a `[[notify]]` table sends
//! chosen events to a chat webhook or a mailbox. Credentials are [`Secret`]s: never shown
//! by `Debug`, and URLs that carry a secret (chat webhooks) are only shown redacted.

use serde::Deserialize;
use switchboard::core::Secret;
use toml::Spanned;

use super::web_search::{self, WebSearchConfig};

/// `[connectors]`: one optional section per service.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorsConfig {
    /// Whether writing tools say which user they act for when the call names one (Open WebUI's
    /// user token or trusted user headers): a Slack message, a comment or text appended to a
    /// Notion page ends with "Sent by Ada Lovelace via Switchboard", a GitHub or Jira issue and
    /// a Notion page with "Created by … via Switchboard". The user's name (else email) is shown
    /// to everyone who reads the message.
    #[serde(default)]
    pub attribute_caller: bool,
    /// Reading: `github_search_issues`, `github_get_issue`, `github_list_pull_requests`,
    /// `github_get_file`, `github_list_commits`, `github_get_repository`,
    /// `github_list_user_repositories`, `github_list_my_repositories`; writing:
    /// `github_create_issue` (offered by default), `github_add_comment` (only when named in
    /// `tools`).
    #[serde(default)]
    #[schemars(with = "Option<GitHubConfig>")]
    pub github: Option<Spanned<GitHubConfig>>,
    /// Reading: `slack_list_channels`, `slack_channel_history`, `slack_thread_replies` (the bot
    /// token needs `channels:read`/`groups:read`, `channels:history`/`groups:history` and
    /// `users:read` for names); writing: `slack_post_message` (offered by default).
    #[serde(default)]
    #[schemars(with = "Option<SlackConfig>")]
    pub slack: Option<Spanned<SlackConfig>>,
    /// Reading: `notion_search`, `notion_get_page`, `notion_query_database`; writing:
    /// `notion_create_page` (offered by default), `notion_append_blocks` (only when named in
    /// `tools`).
    #[serde(default)]
    #[schemars(with = "Option<NotionConfig>")]
    pub notion: Option<Spanned<NotionConfig>>,
    /// Reading: `jira_search_issues`, `jira_get_issue`, `jira_list_transitions`; writing:
    /// `jira_create_issue` (offered by default), `jira_add_comment` and
    /// `jira_transition_issue` (only when named in `tools`).
    #[serde(default)]
    #[schemars(with = "Option<JiraConfig>")]
    pub jira: Option<Spanned<JiraConfig>>,
    /// Reading: `google_calendar_list_events`, `google_calendar_free_busy`; writing:
    /// `google_calendar_insert_event` (offered by default), `google_calendar_update_event` and
    /// `google_calendar_delete_event` (only when named in `tools`). Free/busy needs the
    /// `calendar.freebusy` or `calendar.readonly` scope besides `calendar.events`.
    #[serde(default)]
    #[schemars(with = "Option<GoogleCalendarConfig>")]
    pub google_calendar: Option<Spanned<GoogleCalendarConfig>>,
    /// Reading: `weather_current`, `weather_forecast`, `weather_find_place`.
    #[serde(default)]
    #[schemars(with = "Option<OpenWeatherMapConfig>")]
    pub openweathermap: Option<Spanned<OpenWeatherMapConfig>>,
    /// `zapier_trigger`.
    #[serde(default)]
    #[schemars(with = "Option<ZapierConfig>")]
    pub zapier: Option<Spanned<ZapierConfig>>,
    /// `ifttt_trigger`, limited to the listed events.
    #[serde(default)]
    #[schemars(with = "Option<IftttConfig>")]
    pub ifttt: Option<Spanned<IftttConfig>>,
    /// `web_search`, answered by one provider: searxng, brave, tavily, google, kagi, serpapi or
    /// external.
    #[serde(default)]
    #[schemars(with = "Option<WebSearchConfig>")]
    pub web_search: Option<Spanned<WebSearchConfig>>,
}

/// `[connectors.github]`.
#[derive(Debug, Deserialize, Clone, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitHubConfig {
    /// A token (optional: without one only public data, 60 requests/hour).
    #[serde(default)]
    pub token: Option<Secret>,
    /// `User-Agent` sent to GitHub (default `switchboard-gateway`).
    #[serde(default)]
    pub user_agent: Option<String>,
    /// API root for GitHub Enterprise Server (default `https://api.github.com`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// `X-GitHub-Api-Version` (default: the version the connector was written against).
    #[serde(default)]
    pub api_version: Option<String>,
    /// Which of this service's tools to offer, by name. Unset: every tool that only reads, and
    /// the writing tools offered by default (see docs/gateway.md). A name the service does
    /// not have is an error.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tools: Option<Vec<Spanned<String>>>,
    /// Offer only tools that only read; with `tools`, naming a writing tool is an error.
    #[serde(default)]
    pub read_only: bool,
}

/// `[connectors.slack]`.
#[derive(Debug, Deserialize, Clone, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// Bot token `xoxb-…`.
    pub token: Secret,
    /// API root (default `https://slack.com/api`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Which of this service's tools to offer, by name. Unset: every tool that only reads, and
    /// the writing tools offered by default (see docs/gateway.md). A name the service does
    /// not have is an error.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tools: Option<Vec<Spanned<String>>>,
    /// Offer only tools that only read; with `tools`, naming a writing tool is an error.
    #[serde(default)]
    pub read_only: bool,
}

/// `[connectors.notion]`.
#[derive(Debug, Deserialize, Clone, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotionConfig {
    /// Integration token.
    pub token: Secret,
    /// `Notion-Version` (default: the connector's).
    #[serde(default)]
    pub version: Option<String>,
    /// API root (default `https://api.notion.com/v1`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Which of this service's tools to offer, by name. Unset: every tool that only reads, and
    /// the writing tools offered by default (see docs/gateway.md). A name the service does
    /// not have is an error.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tools: Option<Vec<Spanned<String>>>,
    /// Offer only tools that only read; with `tools`, naming a writing tool is an error.
    #[serde(default)]
    pub read_only: bool,
}

/// `[connectors.jira]`.
#[derive(Debug, Deserialize, Clone, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JiraConfig {
    /// The site, e.g. `https://your-site.atlassian.net`.
    pub site: String,
    /// The account's email.
    pub email: String,
    /// The account's API token.
    pub api_token: Secret,
    /// Which of this service's tools to offer, by name. Unset: every tool that only reads, and
    /// the writing tools offered by default (see docs/gateway.md). A name the service does
    /// not have is an error.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tools: Option<Vec<Spanned<String>>>,
    /// Offer only tools that only read; with `tools`, naming a writing tool is an error.
    #[serde(default)]
    pub read_only: bool,
}

/// `[connectors.google_calendar]`: OAuth2 refresh-token credentials.
#[derive(Debug, Deserialize, Clone, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoogleCalendarConfig {
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 client secret.
    pub client_secret: Secret,
    /// The refresh token (consent with `access_type=offline`).
    pub refresh_token: Secret,
    /// Token endpoint (default Google's).
    #[serde(default)]
    pub token_url: Option<String>,
    /// API root (default `https://www.googleapis.com/calendar/v3`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Which of this service's tools to offer, by name. Unset: every tool that only reads, and
    /// the writing tools offered by default (see docs/gateway.md). A name the service does
    /// not have is an error.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tools: Option<Vec<Spanned<String>>>,
    /// Offer only tools that only read; with `tools`, naming a writing tool is an error.
    #[serde(default)]
    pub read_only: bool,
}

/// `[connectors.openweathermap]`.
#[derive(Debug, Deserialize, Clone, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenWeatherMapConfig {
    /// The `appid` key.
    pub api_key: Secret,
    /// API root (default `https://api.openweathermap.org/data/2.5`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Geocoding API root (default: `base_url` with its `data/2.5` replaced by `geo/1.0`);
    /// needed only for a `base_url` that does not end in `data/2.5`.
    #[serde(default)]
    pub geo_base_url: Option<String>,
    /// Which of this service's tools to offer, by name. Unset: every tool that only reads, and
    /// the writing tools offered by default (see docs/gateway.md). A name the service does
    /// not have is an error.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tools: Option<Vec<Spanned<String>>>,
    /// Offer only tools that only read; with `tools`, naming a writing tool is an error.
    #[serde(default)]
    pub read_only: bool,
}

/// `[connectors.zapier]`.
#[derive(Debug, Deserialize, Clone, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZapierConfig {
    /// The Zap's Catch Hook URL (it is the credential).
    pub hook_url: Secret,
    /// Which of this service's tools to offer, by name. Unset: every tool that only reads, and
    /// the writing tools offered by default (see docs/gateway.md). A name the service does
    /// not have is an error.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tools: Option<Vec<Spanned<String>>>,
    /// Offer only tools that only read; with `tools`, naming a writing tool is an error.
    #[serde(default)]
    pub read_only: bool,
}

/// `[connectors.ifttt]`.
#[derive(Debug, Deserialize, Clone, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IftttConfig {
    /// The Webhooks service key.
    pub key: Secret,
    /// Event names the model may fire (at least one).
    pub events: Vec<String>,
    /// Service root (default `https://maker.ifttt.com`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Which of this service's tools to offer, by name. Unset: every tool that only reads, and
    /// the writing tools offered by default (see docs/gateway.md). A name the service does
    /// not have is an error.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tools: Option<Vec<Spanned<String>>>,
    /// Offer only tools that only read; with `tools`, naming a writing tool is an error.
    #[serde(default)]
    pub read_only: bool,
}

/// A service section's `tools` and `read_only`: which of its tools the gateway offers.
#[derive(Debug, Clone, Copy, Default)]
pub struct ToolSelection<'a> {
    /// The names picked (`None`: the default choice).
    pub tools: Option<&'a [Spanned<String>]>,
    /// Only tools that only read.
    pub read_only: bool,
}

macro_rules! tool_selection {
    ($($config:ty),*) => {$(
        impl $config {
            /// This section's `tools` and `read_only`.
            pub fn selection(&self) -> ToolSelection<'_> {
                ToolSelection {
                    tools: self.tools.as_deref(),
                    read_only: self.read_only,
                }
            }
        }
    )*};
}

tool_selection!(
    GitHubConfig,
    SlackConfig,
    NotionConfig,
    JiraConfig,
    GoogleCalendarConfig,
    OpenWeatherMapConfig,
    ZapierConfig,
    IftttConfig,
    WebSearchConfig
);

/// Where a `[[notify]]` target sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    /// A Slack incoming webhook (Block Kit message).
    Slack,
    /// A Discord webhook (embed).
    Discord,
    /// A Microsoft Teams workflow webhook (Adaptive Card).
    Teams,
    /// A Google Chat space webhook.
    GoogleChat,
    /// Email over SMTP.
    Email,
}

/// How the SMTP connection of an email target is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurityConfig {
    /// STARTTLS required (port 587 by default).
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No encryption: only for a loopback SMTP relay (port 25 by default).
    Plain,
}

/// One `[[notify]]` target.
#[derive(Debug, Deserialize, Clone, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// The target's kind.
    pub kind: NotifyKind,
    /// Event types to send (`["*"]` for every event).
    pub events: Vec<String>,
    /// The webhook URL (chat kinds; it is the credential, use `${VAR}`).
    #[serde(default)]
    pub url: Option<Secret>,
    /// Discord: the name shown as the sender.
    #[serde(default)]
    pub username: Option<String>,
    /// Google Chat: send a card instead of text.
    #[serde(default)]
    pub cards: Option<bool>,
    /// Email: SMTP host.
    #[serde(default)]
    pub smtp_host: Option<String>,
    /// Email: SMTP port (default from `security`).
    #[serde(default)]
    pub smtp_port: Option<u16>,
    /// Email: connection security (default `starttls`).
    #[serde(default)]
    pub security: Option<SmtpSecurityConfig>,
    /// Email: SMTP user name.
    #[serde(default)]
    pub smtp_username: Option<String>,
    /// Email: SMTP password.
    #[serde(default)]
    pub smtp_password: Option<Secret>,
    /// Email: sender address.
    #[serde(default)]
    pub from: Option<String>,
    /// Email: recipients.
    #[serde(default)]
    pub to: Vec<String>,
}

/// Checks what can be checked without building clients; `key` and the span name the place.
pub(super) fn validate_connectors(
    c: &ConnectorsConfig,
) -> Result<(), (String, std::ops::Range<usize>, String)> {
    let url = |key: &str, span: &std::ops::Range<usize>, value: &Option<String>| match value {
        Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) => Err((
            key.to_owned(),
            span.clone(),
            format!(
                "{:?} must be an http:// or https:// URL",
                switchboard::core::redact_url(u)
            ),
        )),
        _ => Ok(()),
    };
    let present = |key: &str, span: &std::ops::Range<usize>, value: &str| {
        if value.trim().is_empty() {
            Err((key.to_owned(), span.clone(), "must not be empty".to_owned()))
        } else {
            Ok(())
        }
    };
    if let Some(gh) = &c.github {
        let span = gh.span();
        url("connectors.github.base_url", &span, &gh.get_ref().base_url)?;
        if let Some(t) = &gh.get_ref().token {
            present("connectors.github.token", &span, t.expose())?;
        }
    }
    if let Some(s) = &c.slack {
        let span = s.span();
        present("connectors.slack.token", &span, s.get_ref().token.expose())?;
        url("connectors.slack.base_url", &span, &s.get_ref().base_url)?;
    }
    if let Some(n) = &c.notion {
        let span = n.span();
        present("connectors.notion.token", &span, n.get_ref().token.expose())?;
        url("connectors.notion.base_url", &span, &n.get_ref().base_url)?;
    }
    if let Some(j) = &c.jira {
        let span = j.span();
        let j = j.get_ref();
        url("connectors.jira.site", &span, &Some(j.site.clone()))?;
        present("connectors.jira.email", &span, &j.email)?;
        present("connectors.jira.api_token", &span, j.api_token.expose())?;
    }
    if let Some(g) = &c.google_calendar {
        let span = g.span();
        let g = g.get_ref();
        present("connectors.google_calendar.client_id", &span, &g.client_id)?;
        present(
            "connectors.google_calendar.client_secret",
            &span,
            g.client_secret.expose(),
        )?;
        present(
            "connectors.google_calendar.refresh_token",
            &span,
            g.refresh_token.expose(),
        )?;
        url("connectors.google_calendar.token_url", &span, &g.token_url)?;
        url("connectors.google_calendar.base_url", &span, &g.base_url)?;
    }
    if let Some(w) = &c.openweathermap {
        let span = w.span();
        present(
            "connectors.openweathermap.api_key",
            &span,
            w.get_ref().api_key.expose(),
        )?;
        url(
            "connectors.openweathermap.base_url",
            &span,
            &w.get_ref().base_url,
        )?;
        url(
            "connectors.openweathermap.geo_base_url",
            &span,
            &w.get_ref().geo_base_url,
        )?;
    }
    if let Some(z) = &c.zapier {
        let span = z.span();
        let hook = z.get_ref().hook_url.expose();
        if let Err(e) = switchboard::connectors::WebhookUrl::parse(hook) {
            return Err(("connectors.zapier.hook_url".into(), span, e.to_string()));
        }
    }
    if let Some(i) = &c.ifttt {
        let span = i.span();
        let i = i.get_ref();
        present("connectors.ifttt.key", &span, i.key.expose())?;
        if i.events.is_empty() {
            return Err((
                "connectors.ifttt.events".into(),
                span,
                "list at least one event name the model may fire".into(),
            ));
        }
        for e in &i.events {
            present("connectors.ifttt.events", &span, e)?;
        }
        url("connectors.ifttt.base_url", &span, &i.base_url)?;
    }
    if let Some(ws) = &c.web_search {
        web_search::validate(ws, "connectors.web_search")?;
    }
    Ok(())
}

/// Checks one `[[notify]]` target.
pub(super) fn validate_notify(n: &Spanned<NotifyConfig>) -> Result<(), (String, String)> {
    let t = n.get_ref();
    if t.events.is_empty() {
        return Err((
            "notify.events".into(),
            "list the event types to send, or [\"*\"] for every event".into(),
        ));
    }
    if let Some(e) = t
        .events
        .iter()
        .find(|e| e.trim().is_empty() || e.len() > 128)
    {
        return Err((
            "notify.events".into(),
            format!("{e:?} must have 1 to 128 characters"),
        ));
    }
    let email_only = [
        ("smtp_host", t.smtp_host.is_some()),
        ("smtp_port", t.smtp_port.is_some()),
        ("security", t.security.is_some()),
        ("smtp_username", t.smtp_username.is_some()),
        ("smtp_password", t.smtp_password.is_some()),
        ("from", t.from.is_some()),
        ("to", !t.to.is_empty()),
    ];
    if t.kind == NotifyKind::Email {
        if t.url.is_some() {
            return Err((
                "notify.url".into(),
                "an email target has no `url`; set `smtp_host`, `from` and `to`".into(),
            ));
        }
        if t.smtp_host.as_deref().is_none_or(|h| h.trim().is_empty()) {
            return Err(("notify.smtp_host".into(), "an email target needs it".into()));
        }
        if t.from.as_deref().is_none_or(|h| h.trim().is_empty()) {
            return Err(("notify.from".into(), "an email target needs it".into()));
        }
        if t.to.is_empty() {
            return Err((
                "notify.to".into(),
                "an email target needs at least one recipient".into(),
            ));
        }
        if t.smtp_password.is_some() != t.smtp_username.is_some() {
            return Err((
                "notify.smtp_password".into(),
                "set both `smtp_username` and `smtp_password`, or neither".into(),
            ));
        }
    } else {
        let Some(url) = &t.url else {
            return Err((
                "notify.url".into(),
                "a chat webhook target needs its `url` (use ${VAR})".into(),
            ));
        };
        switchboard::connectors::WebhookUrl::parse(url.expose())
            .map_err(|e| ("notify.url".to_owned(), e.to_string()))?;
        if let Some((key, _)) = email_only.iter().find(|(_, set)| *set) {
            return Err((
                format!("notify.{key}"),
                "only an email target takes it".into(),
            ));
        }
    }
    if t.username.is_some() && t.kind != NotifyKind::Discord {
        return Err((
            "notify.username".into(),
            "only a discord target takes it".into(),
        ));
    }
    if t.cards.is_some() && t.kind != NotifyKind::GoogleChat {
        return Err((
            "notify.cards".into(),
            "only a google_chat target takes it".into(),
        ));
    }
    Ok(())
}
