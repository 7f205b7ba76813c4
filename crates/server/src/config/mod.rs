//! The gateway's configuration: embedded defaults, the TOML file, and its validation.
//!
//! Every section is optional; `switchboard serve` with no file runs on [`Config::default`].
//! Unknown keys are errors. Errors carry the line (and the key, where the check is ours
//! rather than the parser's). `docs/gateway.md` documents every key.
//!
//! Each section lives in its own file with the checks of that section (`tools`, `http`,
//! `identity`, `policy`, `store`, `ingest`, `delivery`, `connectors`, `web_search`, `concurrency`,
//! `audit`); a check
//! returns a `(key, span, message)` problem and [`Settings::parse`] turns the span into a line,
//! so the sections need not know the file's text.

mod audit;
mod concurrency;
mod connectors;
mod delivery;
mod env;
mod fetch_url;
mod http;
mod identity;
mod ingest;
mod policy;
mod store;
mod tools;
mod web_search;

pub use audit::{AuditConfig, AuditSettings, DEFAULT_AUDIT_RETENTION_DAYS};
pub use connectors::{
    ConnectorsConfig, GitHubConfig, GoogleCalendarConfig, IftttConfig, JiraConfig, NotifyConfig,
    NotifyKind, NotionConfig, OpenWeatherMapConfig, SlackConfig, SmtpSecurityConfig, ToolSelection,
    ZapierConfig,
};
pub use delivery::{DeliveryNetConfig, EndpointConfig};
pub use fetch_url::{FetchUrlConfig, FetchUrlSettings};
pub use http::{CorsConfig, McpConfig, McpSessions};
pub use identity::{
    DEFAULT_TOKEN_NAME, OpenWebUiConfig, OpenWebUiSettings, TokenConfig, TokenRule,
};
pub use ingest::{IngestKind, IngestSource};
pub use policy::{
    ALL_TOOLS, DEFAULT_MAX_USERS, Effect, PolicySettings, RuleConfig, RuleSettings,
    UserLimitSettings, UserLimitsConfig,
};
pub use store::{AdminConfig, StoreConfig};
pub use tools::{KNOWN_TOOLS, QueryDatabaseConfig, ReadFileConfig, ToolsConfig};
pub use web_search::{SearchProvider, WebSearchConfig};

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use switchboard::core::Secret;
use switchboard::functions::builtin::execute_code::SandboxConfig;
use switchboard::functions::builtin::query_database::DatabaseConfig;
use switchboard::webhooks::delivery::DeliveryConfig;
use toml::Spanned;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `${VAR}` substitution failed.
    #[error("config line {line}: {message}")]
    Env {
        /// 1-based line.
        line: usize,
        /// What was wrong.
        message: String,
    },
    /// TOML syntax, an unknown key or a value of the wrong type.
    #[error("config line {line}, column {column}: {message}")]
    Parse {
        /// 1-based line (0 when the parser gave no position).
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message (names the key for unknown or missing fields).
        message: String,
    },
    /// A value that parsed but is not acceptable.
    #[error("config key `{key}` (line {line}): {message}")]
    Invalid {
        /// The dotted key.
        key: String,
        /// 1-based line (0 when it comes from the defaults).
        line: usize,
        /// What was wrong.
        message: String,
    },
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The whole configuration file.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (default `127.0.0.1:8080`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub listen: Option<Spanned<String>>,
    /// Log format (`text` or `json`).
    #[serde(default)]
    pub log_format: LogFormat,
    /// Log filter, e.g. `info` or `info,switchboard_server=debug` (default `info`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub log_level: Option<Spanned<String>>,
    /// Host names the gateway answers to besides `localhost`, `127.0.0.1`, `::1` and the listen
    /// address (`["gateway.example.com"]`). Requests naming any other host are refused with 403
    /// (the DNS-rebinding guard); `/hooks/*` and `/healthz` are exempt.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub allowed_hosts: Option<Spanned<Vec<String>>>,
    /// The tool server (OpenAPI and MCP).
    #[serde(default)]
    pub tools: ToolsConfig,
    /// CORS for browser-side tool servers.
    #[serde(default)]
    pub cors: CorsConfig,
    /// The MCP endpoint.
    #[serde(default)]
    pub mcp: McpConfig,
    /// The admin API.
    #[serde(default)]
    pub admin: AdminConfig,
    /// The webhook delivery store.
    #[serde(default)]
    pub store: StoreConfig,
    /// Incoming webhook sources, served at `POST /hooks/{name}`.
    #[serde(default)]
    pub ingest: Vec<IngestSource>,
    /// Outgoing delivery settings.
    #[serde(default)]
    pub delivery: DeliveryNetConfig,
    /// Outgoing webhook endpoints, reconciled by name at start: created when missing, updated
    /// (keeping their history) when the entry changed.
    #[serde(default)]
    pub endpoints: Vec<EndpointConfig>,
    /// Service connectors whose tools are offered (`[connectors.github]`, …).
    #[serde(default)]
    pub connectors: ConnectorsConfig,
    /// Event notifications to chat webhooks and mailboxes (`[[notify]]`).
    #[serde(default)]
    #[schemars(with = "Vec<NotifyConfig>")]
    pub notify: Vec<Spanned<NotifyConfig>>,
    /// The audit trail of tool calls, kept in the store.
    #[serde(default)]
    pub audit: AuditConfig,
}

/// The configuration after validation, with defaults applied.
#[derive(Debug)]
pub struct Settings {
    /// Listen address.
    pub listen: SocketAddr,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter text.
    pub log_level: String,
    /// Enabled tool names.
    pub tools: Vec<String>,
    /// Per-call timeout.
    pub tool_timeout: Duration,
    /// `tools.auth_token`.
    pub tools_token: Option<Secret>,
    /// Every accepted API token: `tools.auth_token` (named `default`) and `[[tools.tokens]]`.
    pub tokens: Vec<TokenRule>,
    /// `[tools.open_webui]`.
    pub open_webui: OpenWebUiSettings,
    /// `[tools.groups]`, `[[tools.rules]]` and `[tools.user_limits]`.
    pub policy: PolicySettings,
    /// `[tools] dangerously_allow_unauthenticated`.
    pub allow_unauthenticated: bool,
    /// Largest tool request body.
    pub tools_max_body: usize,
    /// Most concurrent calls per tool name (defaults applied).
    pub tool_concurrency: BTreeMap<String, usize>,
    /// read_file roots.
    pub read_roots: BTreeMap<String, PathBuf>,
    /// read_file byte cap.
    pub read_max_bytes: Option<u64>,
    /// query_database databases (empty unless the tool is enabled).
    pub databases: Vec<DatabaseConfig>,
    /// The execute_code sandbox configuration (when the tool is enabled).
    pub sandbox: Option<SandboxConfig>,
    /// The fetch_url settings (when the tool is enabled).
    pub fetch_url: Option<FetchUrlSettings>,
    /// CORS origins.
    pub cors_origins: Vec<String>,
    /// Whether `/mcp` is served.
    pub mcp_enabled: bool,
    /// Whether `/mcp` keeps sessions.
    pub mcp_sessions: McpSessions,
    /// Host names every guarded route answers to (loopback names, the listen host, and the
    /// configured ones).
    pub allowed_hosts: Vec<String>,
    /// Admin key from the config.
    pub admin_key: Option<Secret>,
    /// Admin key-hash file.
    pub admin_key_file: PathBuf,
    /// SQLite path (when not Postgres).
    pub sqlite: PathBuf,
    /// Postgres URL.
    pub postgres: Option<Secret>,
    /// Ingest sources.
    pub ingest: Vec<IngestSource>,
    /// Endpoints.
    pub endpoints: Vec<EndpointConfig>,
    /// CIDRs allowed past the SSRF guard for deliveries.
    pub delivery_allow_cidrs: Vec<String>,
    /// Hosts allowed past the SSRF guard for deliveries.
    pub delivery_allow_hosts: Vec<String>,
    /// Engine settings (defaults with the `[delivery]` overrides applied).
    pub delivery: DeliveryConfig,
    /// Connectors whose tools are offered.
    pub connectors: ConnectorsConfig,
    /// Notification targets.
    pub notify: Vec<NotifyConfig>,
    /// `[audit]`.
    pub audit: AuditSettings,
    /// Deprecated settings that were accepted, each with what to write instead; `serve` and
    /// `config check` show them once logging is set up.
    pub deprecations: Vec<&'static str>,
}

/// The shortest token or key the config accepts (tools token, admin key, ingest secrets): long
/// enough that guessing is hopeless, short enough for any provider's signing secret.
pub const MIN_SECRET_LEN: usize = 16;

impl Settings {
    /// The embedded defaults (what `switchboard serve` runs on without `--config`).
    ///
    /// # Errors
    /// Never for the built-in defaults; the signature matches [`Settings::load`].
    pub fn defaults() -> Result<Settings, ConfigError> {
        Settings::validate(Config::default(), "")
    }

    /// Reads, substitutes, parses and validates a config file.
    ///
    /// # Errors
    /// See [`ConfigError`].
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Settings::parse(&text, &|name| std::env::var(name).ok())
    }

    /// Parses and validates config text, looking `${VAR}`s up with `lookup`.
    ///
    /// # Errors
    /// See [`ConfigError`].
    pub fn parse(
        text: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let text = env::substitute(text, lookup)?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((0, 0));
            ConfigError::Parse {
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        Settings::validate(config, &text)
    }

    fn validate(mut config: Config, text: &str) -> Result<Settings, ConfigError> {
        let locate = |(key, span, message): Problem| ConfigError::Invalid {
            key,
            line: span_line(text, &span),
            message,
        };
        let listen = match &config.listen {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(s) => s.get_ref().parse().map_err(|e| {
                locate(problem(
                    "listen",
                    s.span(),
                    format!(
                        "{:?} is not an address like 127.0.0.1:8080 ({e})",
                        s.get_ref()
                    ),
                ))
            })?,
        };
        let log_level = match &config.log_level {
            None => "info".to_owned(),
            Some(s) => {
                s.get_ref()
                    .parse::<tracing_subscriber::filter::Targets>()
                    .map_err(|e| locate(problem("log_level", s.span(), e.to_string())))?;
                s.get_ref().clone()
            }
        };
        let mut tools = config.tools.validate().map_err(locate)?;
        let legacy = std::mem::take(&mut tools.legacy_web_search);
        let deprecations: Vec<&'static str> = web_search::migrate(&mut config.connectors, legacy)
            .map_err(locate)?
            .into_iter()
            .collect();
        let cors_origins = http::cors_origins(config.cors).map_err(locate)?;
        let store = store::validate(config.admin, config.store).map_err(locate)?;
        ingest::validate(&config.ingest).map_err(locate)?;
        delivery::validate_endpoints(&config.endpoints).map_err(locate)?;
        let delivery = delivery::delivery_config(&config.delivery).map_err(locate)?;
        connectors::validate_connectors(&config.connectors).map_err(locate)?;
        crate::tools::connectors::check_selections(&config.connectors).map_err(locate)?;
        for target in &config.notify {
            connectors::validate_notify(target)
                .map_err(|(key, message)| locate((key, target.span(), message)))?;
        }
        let audit = config.audit.validate().map_err(locate)?;
        let allowed_hosts =
            http::allowed_hosts(config.allowed_hosts, config.mcp.allowed_hosts).map_err(locate)?;
        Ok(Settings {
            listen,
            log_format: config.log_format,
            log_level,
            tools: tools.tools,
            tool_timeout: tools.tool_timeout,
            tools_token: tools.tools_token,
            tokens: tools
                .tokens
                .into_iter()
                .map(|(mut rule, span)| {
                    rule.line = span_line(text, &span);
                    rule
                })
                .collect(),
            open_webui: tools.open_webui,
            policy: {
                let (mut policy, spans) = tools.policy;
                for (rule, span) in policy.rules.iter_mut().zip(&spans) {
                    rule.line = span_line(text, span);
                }
                policy
            },
            allow_unauthenticated: tools.allow_unauthenticated,
            tools_max_body: tools.tools_max_body,
            tool_concurrency: tools.tool_concurrency,
            read_roots: tools.read_roots,
            read_max_bytes: tools.read_max_bytes,
            databases: tools.databases,
            sandbox: tools.sandbox,
            fetch_url: tools.fetch_url,
            cors_origins,
            mcp_enabled: config.mcp.enabled.unwrap_or(true),
            mcp_sessions: config.mcp.sessions,
            allowed_hosts,
            admin_key: store.admin_key,
            admin_key_file: store.admin_key_file,
            sqlite: store.sqlite,
            postgres: store.postgres,
            ingest: config.ingest,
            endpoints: config.endpoints,
            delivery_allow_cidrs: config.delivery.allow_cidrs,
            delivery_allow_hosts: config.delivery.allow_hosts,
            delivery,
            connectors: config.connectors,
            notify: config.notify.into_iter().map(Spanned::into_inner).collect(),
            audit,
            deprecations,
        })
    }
}

/// A value that parsed but is not acceptable: the dotted key, where it is in the file, and
/// what was wrong. Each section's checks return these; [`Settings::parse`] turns the span into
/// a line.
type Problem = (String, Range<usize>, String);

fn problem(key: &str, span: Range<usize>, message: String) -> Problem {
    (key.to_owned(), span, message)
}

/// The 1-based line a span starts on; 0 for the empty span at 0 (a value from the defaults).
fn span_line(text: &str, span: &Range<usize>) -> usize {
    if span.is_empty() && span.start == 0 {
        0
    } else {
        line_col(text, span.start).0
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}

#[cfg(test)]
mod tests;
