//! The gateway's configuration: embedded defaults, the TOML file, and its validation.
//!
//! Every section is optional; `switchboard serve` with no file runs on [`Config::default`].
//! Unknown keys are errors. Errors carry the line (and the key, where the check is ours
//! rather than the parser's). `docs/gateway.md` documents every key.

mod concurrency;
mod connectors;
mod env;

pub use connectors::{
    ConnectorsConfig, GitHubConfig, GoogleCalendarConfig, IftttConfig, JiraConfig, NotifyConfig,
    NotifyKind, NotionConfig, OpenWeatherMapConfig, SlackConfig, SmtpSecurityConfig, ZapierConfig,
};

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use switchboard::core::Secret;
use switchboard::functions::builtin::execute_code::SandboxConfig;
use switchboard::functions::builtin::query_database::{DatabaseConfig, Databases};
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
    /// Outgoing webhook endpoints registered at start (when no endpoint of that name exists).
    #[serde(default)]
    pub endpoints: Vec<EndpointConfig>,
    /// Service connectors whose tools are offered (`[connectors.github]`, …).
    #[serde(default)]
    pub connectors: ConnectorsConfig,
    /// Event notifications to chat webhooks and mailboxes (`[[notify]]`).
    #[serde(default)]
    #[schemars(with = "Vec<NotifyConfig>")]
    pub notify: Vec<Spanned<NotifyConfig>>,
}

/// `[tools]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolsConfig {
    /// Tools to offer (default `["calculate"]`; `read_file` also offers `list_dir`).
    #[serde(default = "default_enabled")]
    #[schemars(with = "Vec<String>")]
    pub enabled: Spanned<Vec<String>>,
    /// Timeout of one tool call in milliseconds (default 30000).
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub timeout_ms: Option<Spanned<u64>>,
    /// Bearer token required on `/tools/*` and `/mcp` (none by default). Required when the
    /// gateway listens beyond loopback or allows any CORS origin.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub auth_token: Option<Spanned<Secret>>,
    /// Serve tools without a token even where anyone who reaches the address can call them
    /// (listening beyond loopback, or `cors.allowed_origins = ["*"]`). Off by default; `serve`
    /// refuses such a configuration without it.
    #[serde(default)]
    pub dangerously_allow_unauthenticated: bool,
    /// Largest request body accepted by `POST /tools/{name}`, in bytes (default 1 MiB).
    #[serde(default)]
    pub max_body_bytes: Option<usize>,
    /// Most calls of a tool that run at once; a call beyond it is answered `503` with
    /// `Retry-After` (error kind `busy`): `{ execute_code = 4 }`. Entries override the defaults
    /// `execute_code = 2`, `query_database = 8`, `read_file = 16`, `list_dir = 16`; other tools
    /// have no cap unless set.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, usize>>")]
    pub max_concurrent: Option<Spanned<concurrency::MaxConcurrent>>,
    /// Settings of `read_file` / `list_dir`.
    #[serde(default)]
    pub read_file: ReadFileConfig,
    /// Settings of `query_database`.
    #[serde(default)]
    pub query_database: QueryDatabaseConfig,
    /// The `execute_code` sandbox (its `enabled = true` confirms running code on this host).
    #[serde(default)]
    #[schemars(with = "Option<SandboxConfig>")]
    pub execute_code: Option<Spanned<SandboxConfig>>,
    /// The `web_search` provider.
    #[serde(default)]
    #[schemars(with = "Option<WebSearchConfig>")]
    pub web_search: Option<Spanned<WebSearchConfig>>,
}

/// `[tools.query_database]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryDatabaseConfig {
    /// The databases the model may query by name (`[[tools.query_database.databases]]`).
    #[serde(default)]
    #[schemars(with = "Option<Vec<DatabaseConfig>>")]
    pub databases: Option<Spanned<Vec<DatabaseConfig>>>,
}

/// Which web search service answers `web_search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchProvider {
    /// A SearXNG instance (`url` required; JSON output enabled in its settings).
    Searxng,
    /// The Brave Search API (`api_key` required).
    Brave,
    /// The Tavily API (`api_key` required).
    Tavily,
}

/// `[tools.web_search]`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebSearchConfig {
    /// The provider.
    pub provider: SearchProvider,
    /// Base URL: the SearXNG instance (required), or another base for Brave/Tavily (a proxy).
    #[serde(default)]
    pub url: Option<String>,
    /// API key for Brave or Tavily (use `${VAR}`).
    #[serde(default)]
    pub api_key: Option<Secret>,
}

impl std::fmt::Debug for WebSearchConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSearchConfig")
            .field("provider", &self.provider)
            .field(
                "url",
                &self.url.as_deref().map(switchboard::core::redact_url),
            )
            .field("api_key", &self.api_key)
            .finish()
    }
}

impl Default for ToolsConfig {
    fn default() -> Self {
        ToolsConfig {
            enabled: Spanned::new(0..0, default_enabled_vec()),
            timeout_ms: None,
            auth_token: None,
            dangerously_allow_unauthenticated: false,
            max_body_bytes: None,
            max_concurrent: None,
            read_file: ReadFileConfig::default(),
            query_database: QueryDatabaseConfig::default(),
            execute_code: None,
            web_search: None,
        }
    }
}

fn default_enabled_vec() -> Vec<String> {
    vec!["calculate".to_owned()]
}

fn default_enabled() -> Spanned<Vec<String>> {
    Spanned::new(0..0, default_enabled_vec())
}

/// `[tools.read_file]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadFileConfig {
    /// Named root directories the tool may read beneath: `{ docs = "/srv/docs" }`.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, PathBuf>>")]
    pub roots: Option<Spanned<BTreeMap<String, PathBuf>>>,
    /// Most bytes one call returns (default 256 KiB).
    #[serde(default)]
    pub max_bytes: Option<u64>,
}

/// `[cors]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorsConfig {
    /// Origins allowed to call the tool server from a browser (`["*"]` for any); empty = no CORS.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub allowed_origins: Option<Spanned<Vec<String>>>,
}

/// `[mcp]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// Whether `/mcp` is served (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Deprecated: use the top-level `allowed_hosts`, which guards every route. Names given
    /// here are added to it.
    #[serde(default)]
    pub allowed_hosts: Option<Vec<String>>,
    /// Whether the `initialize` handshake opens a session (default `stateful`); `stateless` lets
    /// several gateways share one address without sticky sessions. See "Several gateways" in
    /// docs/gateway.md.
    #[serde(default)]
    pub sessions: McpSessions,
}

/// `[mcp] sessions`: where the state of an MCP connection lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum McpSessions {
    /// `initialize` opens a session held in this process's memory (`Mcp-Session-Id`,
    /// `notifications/cancelled`, a GET stream, `DELETE` to end it): one node, or a load
    /// balancer pinning each client to its node.
    #[default]
    Stateful,
    /// Every POST is answered on its own, with no `Mcp-Session-Id`, so any node can serve any
    /// request: a load balancer needs no sticky sessions. A call stops only when its request is
    /// closed (`notifications/cancelled` is ignored); progress rides on the call's own response.
    Stateless,
}

/// `[admin]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// The admin API key (use `${VAR}`); when absent a key is generated on first start, printed
    /// once, and only its hash is stored in `key_file`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub key: Option<Spanned<Secret>>,
    /// Where the generated key's hash lives (default: next to the SQLite file,
    /// `switchboard.admin-key`).
    #[serde(default)]
    pub key_file: Option<PathBuf>,
}

/// `[delivery]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryNetConfig {
    /// Private address ranges endpoints may point to despite the SSRF guard (`10.0.0.0/8`).
    #[serde(default)]
    pub allow_cidrs: Vec<String>,
    /// Host names trusted without address checks (`hooks.internal`, `*.corp.example`).
    #[serde(default)]
    pub allow_hosts: Vec<String>,
    /// Time limit of one delivery attempt in milliseconds (default 15000).
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub request_timeout_ms: Option<Spanned<u64>>,
    /// How long a claimed delivery is held, in milliseconds (default 60000; must exceed
    /// `request_timeout_ms`). After a crash, claims come back after this long.
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub lease_ms: Option<Spanned<u64>>,
    /// Most attempts in flight in this process (default 64).
    #[serde(default)]
    #[schemars(with = "Option<usize>")]
    pub max_in_flight: Option<Spanned<usize>>,
    /// Days finished messages are kept (default 30; 0 keeps everything).
    #[serde(default)]
    pub retention_days: Option<u64>,
}

/// `[store]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// SQLite file (default `./switchboard.db`), created and migrated on start.
    #[serde(default)]
    pub sqlite: Option<PathBuf>,
    /// Postgres URL for several gateway nodes sharing one store (instead of `sqlite`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub postgres: Option<Spanned<Secret>>,
}

/// How an ingest source authenticates its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IngestKind {
    /// Standard Webhooks (`webhook-id`/`webhook-timestamp`/`webhook-signature`, `whsec_` secret).
    Standard,
    /// GitHub `X-Hub-Signature-256`.
    Github,
    /// Slack `X-Slack-Signature` v0.
    Slack,
    /// Stripe `Stripe-Signature`.
    Stripe,
    /// Discord Ed25519 (`secret` is the application's public key, hex).
    Discord,
    /// Shopify `X-Shopify-Hmac-Sha256`.
    Shopify,
    /// No signature: a shared token in `Authorization: Bearer …` (never in the URL).
    Token,
    /// Open WebUI's own outgoing webhooks (no signature is sent and no header can be set, so a
    /// shared token in the URL query `?token=` is accepted); mapped to `user_joined` /
    /// `chat_completed`.
    OpenWebui,
}

/// One `[[ingest]]` source.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestSource {
    /// Path segment: requests arrive at `POST /hooks/{name}`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The verifier.
    pub kind: IngestKind,
    /// The secret, signing key or shared token (use `${VAR}`); at least 16 characters.
    /// `token` sources take it only as `Authorization: Bearer …`; `open_webui` also as
    /// `?token=…`, since Open WebUI cannot send headers.
    #[schemars(with = "String")]
    pub secret: Spanned<Secret>,
    /// The event type published (default: `{name}`; GitHub appends `.{X-GitHub-Event}`).
    #[serde(default)]
    pub event_type: Option<String>,
    /// Largest body accepted, in bytes (default 1 MiB).
    #[serde(default)]
    pub max_body_bytes: Option<usize>,
}

/// One `[[endpoints]]` outgoing webhook endpoint.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    /// Unique name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Receiver URL.
    #[schemars(with = "String")]
    pub url: Spanned<String>,
    /// Event types to deliver (empty or absent: all).
    #[serde(default)]
    pub events: Vec<String>,
    /// Signing secret `whsec_…` (generated when absent).
    #[serde(default)]
    pub secret: Option<Secret>,
    /// Extra headers sent with every delivery (values are secrets: they often carry credentials).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub headers: BTreeMap<String, Secret>,
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
    /// Bearer token for tool calls.
    pub tools_token: Option<Secret>,
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
    /// The web_search provider (when the tool is enabled).
    pub web_search: Option<WebSearchConfig>,
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
}

/// The shortest token or key the config accepts (tools token, admin key, ingest secrets): long
/// enough that guessing is hopeless, short enough for any provider's signing secret.
pub const MIN_SECRET_LEN: usize = 16;

/// Tools the gateway knows how to build.
pub const KNOWN_TOOLS: &[&str] = &[
    "calculate",
    "read_file",
    "query_database",
    "execute_code",
    "web_search",
];

impl Settings {
    /// The host names guarded routes answer to: `allowed_hosts` plus the listen address (unless
    /// it is the unspecified address, which names no host).
    pub fn host_names(&self) -> Vec<String> {
        let mut hosts = self.allowed_hosts.clone();
        let ip = self.listen.ip();
        if !ip.is_unspecified() && !hosts.contains(&ip.to_string()) {
            hosts.push(ip.to_string());
        }
        hosts
    }

    /// Refuses a configuration that lets anyone who reaches the gateway call tools: listening
    /// beyond loopback, or allowing any browser origin, without `tools.auth_token`, unless
    /// `tools.dangerously_allow_unauthenticated` says the operator means it. `serve` and
    /// `config check` both call this (after `--listen` is applied).
    ///
    /// # Errors
    /// What is exposed and what to add, as a [`ConfigError::Invalid`].
    pub fn check_exposure(&self) -> Result<(), ConfigError> {
        if self.tools_token.is_some() || self.allow_unauthenticated {
            return Ok(());
        }
        let reason = if !self.listen.ip().is_loopback() {
            format!(
                "the gateway listens on {}, beyond loopback, so anyone who can reach it could call tools",
                self.listen
            )
        } else if self.cors_origins.iter().any(|o| o == "*") {
            "`cors.allowed_origins = [\"*\"]` lets every web page call tools from the browser"
                .to_owned()
        } else {
            return Ok(());
        };
        Err(ConfigError::Invalid {
            key: "tools.auth_token".to_owned(),
            line: 0,
            message: format!(
                "{reason}; set `[tools] auth_token = \"${{SWITCHBOARD_TOOLS_TOKEN}}\"` (at least 16 characters), or, if every caller that can reach it is trusted, `[tools] dangerously_allow_unauthenticated = true`"
            ),
        })
    }

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

    fn validate(config: Config, text: &str) -> Result<Settings, ConfigError> {
        let invalid = |key: &str, span: std::ops::Range<usize>, message: String| {
            let line = if span.is_empty() && span.start == 0 {
                0
            } else {
                line_col(text, span.start).0
            };
            ConfigError::Invalid {
                key: key.to_owned(),
                line,
                message,
            }
        };
        let listen = match &config.listen {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(s) => s.get_ref().parse().map_err(|e| {
                invalid(
                    "listen",
                    s.span(),
                    format!(
                        "{:?} is not an address like 127.0.0.1:8080 ({e})",
                        s.get_ref()
                    ),
                )
            })?,
        };
        let log_level = match &config.log_level {
            None => "info".to_owned(),
            Some(s) => {
                s.get_ref()
                    .parse::<tracing_subscriber::filter::Targets>()
                    .map_err(|e| invalid("log_level", s.span(), e.to_string()))?;
                s.get_ref().clone()
            }
        };
        let tools_cfg = config.tools;
        let mut tools = Vec::new();
        for name in tools_cfg.enabled.get_ref() {
            if !KNOWN_TOOLS.contains(&name.as_str()) {
                return Err(invalid(
                    "tools.enabled",
                    tools_cfg.enabled.span(),
                    format!(
                        "unknown tool {name:?}; known tools: {}",
                        KNOWN_TOOLS.join(", ")
                    ),
                ));
            }
            if tools.contains(name) {
                return Err(invalid(
                    "tools.enabled",
                    tools_cfg.enabled.span(),
                    format!("{name:?} is listed twice"),
                ));
            }
            tools.push(name.clone());
        }
        let roots = tools_cfg
            .read_file
            .roots
            .unwrap_or_else(|| Spanned::new(0..0, BTreeMap::new()));
        if tools.iter().any(|t| t == "read_file") && roots.get_ref().is_empty() {
            return Err(invalid(
                "tools.read_file.roots",
                tools_cfg.enabled.span(),
                "`read_file` is enabled but has no roots; add e.g. `[tools.read_file] roots = { docs = \"/srv/docs\" }`".into(),
            ));
        }
        for (name, path) in roots.get_ref() {
            if !path.is_dir() {
                return Err(invalid(
                    &format!("tools.read_file.roots.{name}"),
                    roots.span(),
                    format!("{} is not a directory", path.display()),
                ));
            }
        }
        let tool_concurrency = concurrency::max_concurrent(tools_cfg.max_concurrent.as_ref())
            .map_err(|(key, span, message)| invalid(&key, span, message))?;
        let enabled = |tool: &str| tools.iter().any(|t| t == tool);
        let databases = match tools_cfg.query_database.databases {
            None if enabled("query_database") => {
                return Err(invalid(
                    "tools.query_database.databases",
                    tools_cfg.enabled.span(),
                    "`query_database` is enabled but has no databases; add a `[[tools.query_database.databases]]` table with `name` and `url`".into(),
                ));
            }
            None => Vec::new(),
            Some(dbs) => {
                if !enabled("query_database") {
                    return Err(invalid(
                        "tools.query_database.databases",
                        dbs.span(),
                        "databases are configured but `query_database` is not in `tools.enabled`"
                            .into(),
                    ));
                }
                if dbs.get_ref().is_empty() {
                    return Err(invalid(
                        "tools.query_database.databases",
                        dbs.span(),
                        "must list at least one database".into(),
                    ));
                }
                let span = dbs.span();
                let dbs = dbs.into_inner();
                // Names, limits and URLs; no connection is made.
                Databases::new(dbs.clone()).map_err(|e| {
                    invalid(
                        "tools.query_database.databases",
                        span.clone(),
                        e.to_string(),
                    )
                })?;
                dbs
            }
        };
        let sandbox = match tools_cfg.execute_code {
            None if enabled("execute_code") => {
                return Err(invalid(
                    "tools.execute_code",
                    tools_cfg.enabled.span(),
                    "`execute_code` runs code on this host; confirm with `[tools.execute_code] enabled = true`".into(),
                ));
            }
            None => None,
            Some(sb) => {
                let span = sb.span();
                let sb = sb.into_inner();
                if sb.enabled != enabled("execute_code") {
                    return Err(invalid(
                        "tools.execute_code.enabled",
                        span,
                        if sb.enabled {
                            "`enabled = true` but `execute_code` is not in `tools.enabled`".into()
                        } else {
                            "`execute_code` is in `tools.enabled`; confirm with `enabled = true`"
                                .into()
                        },
                    ));
                }
                sb.limits
                    .validate()
                    .map_err(|e| invalid("tools.execute_code", span.clone(), e.to_string()))?;
                if sb.sandbox_uid == 0 || sb.sandbox_gid == 0 {
                    return Err(invalid(
                        "tools.execute_code.sandbox_uid",
                        span,
                        "the sandbox uid and gid must not be 0 (root)".into(),
                    ));
                }
                sb.enabled.then_some(sb)
            }
        };
        let web_search = match tools_cfg.web_search {
            None if enabled("web_search") => {
                return Err(invalid(
                    "tools.web_search",
                    tools_cfg.enabled.span(),
                    "`web_search` is enabled but has no provider; add `[tools.web_search] provider = \"searxng\"` and `url`".into(),
                ));
            }
            None => None,
            Some(ws) => {
                let span = ws.span();
                let ws = ws.into_inner();
                if !enabled("web_search") {
                    return Err(invalid(
                        "tools.web_search",
                        span,
                        "a provider is configured but `web_search` is not in `tools.enabled`"
                            .into(),
                    ));
                }
                match ws.provider {
                    SearchProvider::Searxng if ws.url.is_none() => {
                        return Err(invalid(
                            "tools.web_search.url",
                            span,
                            "the searxng provider needs the instance `url`".into(),
                        ));
                    }
                    SearchProvider::Brave | SearchProvider::Tavily
                        if ws.api_key.as_ref().is_none_or(Secret::is_empty) =>
                    {
                        return Err(invalid(
                            "tools.web_search.api_key",
                            span,
                            format!("the {:?} provider needs an `api_key`", ws.provider)
                                .to_lowercase(),
                        ));
                    }
                    _ => {}
                }
                if let Some(url) = &ws.url
                    && !(url.starts_with("https://") || url.starts_with("http://"))
                {
                    return Err(invalid(
                        "tools.web_search.url",
                        span,
                        format!(
                            "{:?} must be an http:// or https:// URL",
                            switchboard::core::redact_url(url)
                        ),
                    ));
                }
                Some(ws)
            }
        };
        let tool_timeout = match &tools_cfg.timeout_ms {
            None => Duration::from_secs(30),
            Some(ms) if *ms.get_ref() == 0 => {
                return Err(invalid(
                    "tools.timeout_ms",
                    ms.span(),
                    "must be at least 1".into(),
                ));
            }
            Some(ms) => Duration::from_millis(*ms.get_ref()),
        };
        let tools_token = match tools_cfg.auth_token {
            Some(t) if t.get_ref().expose().len() < MIN_SECRET_LEN => {
                return Err(invalid(
                    "tools.auth_token",
                    t.span(),
                    "must be at least 16 characters".into(),
                ));
            }
            t => t.map(Spanned::into_inner),
        };
        let cors_origins = config
            .cors
            .allowed_origins
            .unwrap_or_else(|| Spanned::new(0..0, Vec::new()));
        for origin in cors_origins.get_ref() {
            if origin != "*"
                && (origin.parse::<http::HeaderValue>().is_err() || !origin.contains("://"))
            {
                return Err(invalid(
                    "cors.allowed_origins",
                    cors_origins.span(),
                    format!("{origin:?} is not an origin like https://chat.example.com or \"*\""),
                ));
            }
        }
        let admin_key = match config.admin.key {
            Some(k) if k.get_ref().expose().len() < MIN_SECRET_LEN => {
                return Err(invalid(
                    "admin.key",
                    k.span(),
                    "must be at least 16 characters".into(),
                ));
            }
            k => k.map(Spanned::into_inner),
        };
        let sqlite = config
            .store
            .sqlite
            .unwrap_or_else(|| PathBuf::from("switchboard.db"));
        let admin_key_file = config.admin.key_file.unwrap_or_else(|| {
            sqlite
                .parent()
                .unwrap_or(Path::new(""))
                .join("switchboard.admin-key")
        });
        let postgres = match config.store.postgres {
            Some(url)
                if !url.get_ref().expose().starts_with("postgres://")
                    && !url.get_ref().expose().starts_with("postgresql://") =>
            {
                return Err(invalid(
                    "store.postgres",
                    url.span(),
                    "must be a postgres:// or postgresql:// URL".into(),
                ));
            }
            url => url.map(Spanned::into_inner),
        };
        let mut seen = Vec::new();
        for source in &config.ingest {
            let name = source.name.get_ref();
            if name.is_empty()
                || name.len() > 64
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(invalid(
                    "ingest.name",
                    source.name.span(),
                    format!("{name:?} must be 1 to 64 characters of [A-Za-z0-9_-]"),
                ));
            }
            if seen.contains(name) {
                return Err(invalid(
                    "ingest.name",
                    source.name.span(),
                    format!("{name:?} is used by two sources"),
                ));
            }
            seen.push(name.clone());
            // The floor of every other token here; for token kinds the secret is all that
            // authenticates a request, and no provider issues shorter signing secrets.
            if source.secret.get_ref().expose().len() < MIN_SECRET_LEN {
                return Err(invalid(
                    "ingest.secret",
                    source.secret.span(),
                    format!(
                        "the secret of source {name:?} must be at least 16 characters (a token: \
                         use e.g. `openssl rand -hex 32`)"
                    ),
                ));
            }
        }
        let mut seen = Vec::new();
        for endpoint in &config.endpoints {
            let name = endpoint.name.get_ref();
            if seen.contains(name) {
                return Err(invalid(
                    "endpoints.name",
                    endpoint.name.span(),
                    format!("{name:?} is used by two endpoints"),
                ));
            }
            seen.push(name.clone());
            let url = endpoint.url.get_ref();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(invalid(
                    "endpoints.url",
                    endpoint.url.span(),
                    format!("{url:?} must be an http:// or https:// URL"),
                ));
            }
        }
        for cidr in &config.delivery.allow_cidrs {
            if cidr.parse::<switchboard::core::net::Cidr>().is_err() {
                return Err(invalid(
                    "delivery.allow_cidrs",
                    0..0,
                    format!("{cidr:?} is not a CIDR like 10.0.0.0/8"),
                ));
            }
        }
        let mut delivery = DeliveryConfig::default();
        if let Some(ms) = &config.delivery.request_timeout_ms {
            delivery.request_timeout = Duration::from_millis(*ms.get_ref());
        }
        if let Some(ms) = &config.delivery.lease_ms {
            delivery.lease = Duration::from_millis(*ms.get_ref());
        }
        if let Some(n) = &config.delivery.max_in_flight {
            delivery.max_in_flight = *n.get_ref();
        }
        match config.delivery.retention_days {
            Some(0) => delivery.retention = None,
            Some(days) => delivery.retention = Some(Duration::from_secs(days * 24 * 3600)),
            None => {}
        }
        if let Some(ms) = &config.delivery.request_timeout_ms
            && *ms.get_ref() == 0
        {
            return Err(invalid(
                "delivery.request_timeout_ms",
                ms.span(),
                "must be at least 1".into(),
            ));
        }
        if delivery.lease <= delivery.request_timeout {
            let span = config
                .delivery
                .lease_ms
                .as_ref()
                .or(config.delivery.request_timeout_ms.as_ref())
                .map_or(0..0, Spanned::span);
            return Err(invalid(
                "delivery.lease_ms",
                span,
                format!(
                    "the lease ({} ms) must be longer than request_timeout_ms ({} ms)",
                    delivery.lease.as_millis(),
                    delivery.request_timeout.as_millis()
                ),
            ));
        }
        if let Some(n) = &config.delivery.max_in_flight
            && *n.get_ref() == 0
        {
            return Err(invalid(
                "delivery.max_in_flight",
                n.span(),
                "must be at least 1".into(),
            ));
        }
        connectors::validate_connectors(&config.connectors)
            .map_err(|(key, span, message)| invalid(&key, span, message))?;
        for target in &config.notify {
            connectors::validate_notify(target)
                .map_err(|(key, message)| invalid(&key, target.span(), message))?;
        }
        let mut allowed_hosts: Vec<String> =
            vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        let span = config.allowed_hosts.as_ref().map_or(0..0, Spanned::span);
        let configured = config.allowed_hosts.map(Spanned::into_inner);
        for host in configured
            .into_iter()
            .flatten()
            .chain(config.mcp.allowed_hosts.into_iter().flatten())
        {
            if host.is_empty() || host.contains(['/', ' ', '@', '*']) {
                return Err(invalid(
                    "allowed_hosts",
                    span.clone(),
                    format!("{host:?} is not a host name like gateway.example.com"),
                ));
            }
            if !allowed_hosts.contains(&host) {
                allowed_hosts.push(host);
            }
        }
        Ok(Settings {
            listen,
            log_format: config.log_format,
            log_level,
            tools,
            tool_timeout,
            tools_token,
            allow_unauthenticated: tools_cfg.dangerously_allow_unauthenticated,
            tools_max_body: tools_cfg.max_body_bytes.unwrap_or(1024 * 1024),
            tool_concurrency,
            read_roots: roots.into_inner(),
            read_max_bytes: tools_cfg.read_file.max_bytes,
            databases,
            sandbox,
            web_search,
            cors_origins: cors_origins.into_inner(),
            mcp_enabled: config.mcp.enabled.unwrap_or(true),
            mcp_sessions: config.mcp.sessions,
            allowed_hosts,
            admin_key,
            admin_key_file,
            sqlite,
            postgres,
            ingest: config.ingest,
            endpoints: config.endpoints,
            delivery_allow_cidrs: config.delivery.allow_cidrs,
            delivery_allow_hosts: config.delivery.allow_hosts,
            delivery,
            connectors: config.connectors,
            notify: config.notify.into_iter().map(Spanned::into_inner).collect(),
        })
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
