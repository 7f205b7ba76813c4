//! `[tools]`: which tools are offered and their settings, and the checks that tie a tool's
//! section to its being enabled (a section for a tool that is not enabled is an error, and so
//! is an enabled tool without the section it needs).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use switchboard::core::Secret;
use switchboard::functions::builtin::execute_code::SandboxConfig;
use switchboard::functions::builtin::query_database::{DatabaseConfig, Databases};
use toml::Spanned;

use super::concurrency;
use super::fetch_url::{self, FetchUrlConfig, FetchUrlSettings};
use super::identity::{self, OpenWebUiConfig, OpenWebUiSettings, TokenConfig, TokenRule};
use super::policy::{self, CheckedPolicy, PolicyInput, RuleConfig, UserLimitsConfig};
use super::web_search::{LegacyWebSearch, WebSearchConfig};
use super::{MIN_SECRET_LEN, Problem, problem};

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
    /// Named API tokens (`[[tools.tokens]]`), each with the tools it may call; any of them (or
    /// `auth_token`, which counts as a token named `default` with every tool) is accepted.
    #[serde(default)]
    #[schemars(with = "Vec<TokenConfig>")]
    pub tokens: Vec<Spanned<TokenConfig>>,
    /// How Open WebUI names the user behind a call (`[tools.open_webui]`).
    #[serde(default)]
    #[schemars(with = "Option<OpenWebUiConfig>")]
    pub open_webui: Option<Spanned<OpenWebUiConfig>>,
    /// Named groups of Open WebUI users for `[[tools.rules]]`: `analysts = ["u-42",
    /// "ada@example.com"]` (user ids, or emails: entries with `@`, any case).
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, Vec<String>>>")]
    pub groups: Option<Spanned<BTreeMap<String, Spanned<Vec<String>>>>>,
    /// Allow and deny rules per tool by token, role, user and group (`[[tools.rules]]`); see
    /// "Identity and policy" in docs/gateway.md for how they combine.
    #[serde(default)]
    #[schemars(with = "Vec<RuleConfig>")]
    pub rules: Vec<Spanned<RuleConfig>>,
    /// Rate and concurrency limits per user (`[tools.user_limits]`).
    #[serde(default)]
    #[schemars(with = "Option<UserLimitsConfig>")]
    pub user_limits: Option<Spanned<UserLimitsConfig>>,
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
    /// Deprecated: the `web_search` provider, with `web_search` in `enabled`. Configure it
    /// under `[connectors.web_search]` instead; this place still works and logs a warning.
    #[serde(default)]
    #[schemars(with = "Option<WebSearchConfig>")]
    pub web_search: Option<Spanned<WebSearchConfig>>,
    /// Hosts, networks and limits of `fetch_url`.
    #[serde(default)]
    #[schemars(with = "Option<FetchUrlConfig>")]
    pub fetch_url: Option<Spanned<FetchUrlConfig>>,
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

impl Default for ToolsConfig {
    fn default() -> Self {
        ToolsConfig {
            enabled: Spanned::new(0..0, default_enabled_vec()),
            timeout_ms: None,
            auth_token: None,
            tokens: Vec::new(),
            open_webui: None,
            groups: None,
            rules: Vec::new(),
            user_limits: None,
            dangerously_allow_unauthenticated: false,
            max_body_bytes: None,
            max_concurrent: None,
            read_file: ReadFileConfig::default(),
            query_database: QueryDatabaseConfig::default(),
            execute_code: None,
            web_search: None,
            fetch_url: None,
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

/// Tools the gateway knows how to build.
pub const KNOWN_TOOLS: &[&str] = &[
    "calculate",
    "read_file",
    "query_database",
    "execute_code",
    "web_search",
    "fetch_url",
];

/// `[tools]` after validation.
#[derive(Debug)]
pub(super) struct ToolSettings {
    pub(super) tools: Vec<String>,
    pub(super) tool_timeout: Duration,
    pub(super) tools_token: Option<Secret>,
    pub(super) tokens: Vec<(TokenRule, Range<usize>)>,
    pub(super) open_webui: OpenWebUiSettings,
    pub(super) policy: CheckedPolicy,
    pub(super) allow_unauthenticated: bool,
    pub(super) tools_max_body: usize,
    pub(super) tool_concurrency: BTreeMap<String, usize>,
    pub(super) read_roots: BTreeMap<String, PathBuf>,
    pub(super) read_max_bytes: Option<u64>,
    pub(super) databases: Vec<DatabaseConfig>,
    pub(super) sandbox: Option<SandboxConfig>,
    /// `[tools.web_search]` and `web_search` in `enabled`, for [`web_search::migrate`].
    pub(super) legacy_web_search: LegacyWebSearch,
    pub(super) fetch_url: Option<FetchUrlSettings>,
}

impl ToolsConfig {
    /// Checks the section and applies the defaults.
    pub(super) fn validate(self) -> Result<ToolSettings, Problem> {
        let mut tools = enabled_tools(&self.enabled)?;
        let on = |tool: &str| tools.iter().any(|t| t == tool);
        let span = self.enabled.span();
        let roots = read_roots(self.read_file.roots, on("read_file"), span.clone())?;
        let databases = databases(
            self.query_database.databases,
            on("query_database"),
            span.clone(),
        )?;
        let sandbox = sandbox(self.execute_code, on("execute_code"), span.clone())?;
        let legacy_web_search = LegacyWebSearch {
            enabled: on("web_search").then_some(span),
            section: self.web_search,
        };
        let fetch_url = fetch_url::validate(self.fetch_url, on("fetch_url"))?;
        // Registered from `[connectors.web_search]`, where `migrate` moves the old section.
        tools.retain(|t| t != "web_search");
        let tools_token = token(self.auth_token)?;
        let tokens = identity::tokens(self.tokens, tools_token.as_ref())?;
        let open_webui = identity::open_webui(self.open_webui)?;
        let input = PolicyInput {
            groups: self.groups,
            rules: self.rules,
            user_limits: self.user_limits,
        };
        Ok(ToolSettings {
            tool_timeout: timeout(self.timeout_ms.as_ref())?,
            policy: policy::validate(input, &tokens, &open_webui)?,
            tokens,
            open_webui,
            tools_token,
            allow_unauthenticated: self.dangerously_allow_unauthenticated,
            tools_max_body: self.max_body_bytes.unwrap_or(1024 * 1024),
            tool_concurrency: concurrency::max_concurrent(self.max_concurrent.as_ref())?,
            read_roots: roots,
            read_max_bytes: self.read_file.max_bytes,
            databases,
            sandbox,
            legacy_web_search,
            fetch_url,
            tools,
        })
    }
}

fn enabled_tools(enabled: &Spanned<Vec<String>>) -> Result<Vec<String>, Problem> {
    let mut tools = Vec::new();
    for name in enabled.get_ref() {
        if !KNOWN_TOOLS.contains(&name.as_str()) {
            return Err(problem(
                "tools.enabled",
                enabled.span(),
                format!(
                    "unknown tool {name:?}; known tools: {}",
                    KNOWN_TOOLS.join(", ")
                ),
            ));
        }
        if tools.contains(name) {
            return Err(problem(
                "tools.enabled",
                enabled.span(),
                format!("{name:?} is listed twice"),
            ));
        }
        tools.push(name.clone());
    }
    Ok(tools)
}

fn read_roots(
    roots: Option<Spanned<BTreeMap<String, PathBuf>>>,
    on: bool,
    enabled_span: Range<usize>,
) -> Result<BTreeMap<String, PathBuf>, Problem> {
    let roots = roots.unwrap_or_else(|| Spanned::new(0..0, BTreeMap::new()));
    if on && roots.get_ref().is_empty() {
        return Err(problem(
            "tools.read_file.roots",
            enabled_span,
            "`read_file` is enabled but has no roots; add e.g. `[tools.read_file] roots = { docs = \"/srv/docs\" }`".into(),
        ));
    }
    for (name, path) in roots.get_ref() {
        if !path.is_dir() {
            return Err(problem(
                &format!("tools.read_file.roots.{name}"),
                roots.span(),
                format!("{} is not a directory", path.display()),
            ));
        }
    }
    Ok(roots.into_inner())
}

fn databases(
    databases: Option<Spanned<Vec<DatabaseConfig>>>,
    on: bool,
    enabled_span: Range<usize>,
) -> Result<Vec<DatabaseConfig>, Problem> {
    Ok(match databases {
        None if on => {
            return Err(problem(
                "tools.query_database.databases",
                enabled_span,
                "`query_database` is enabled but has no databases; add a `[[tools.query_database.databases]]` table with `name` and `url`".into(),
            ));
        }
        None => Vec::new(),
        Some(dbs) => {
            if !on {
                return Err(problem(
                    "tools.query_database.databases",
                    dbs.span(),
                    "databases are configured but `query_database` is not in `tools.enabled`"
                        .into(),
                ));
            }
            if dbs.get_ref().is_empty() {
                return Err(problem(
                    "tools.query_database.databases",
                    dbs.span(),
                    "must list at least one database".into(),
                ));
            }
            let span = dbs.span();
            let dbs = dbs.into_inner();
            // Names, limits and URLs; no connection is made.
            Databases::new(dbs.clone()).map_err(|e| {
                problem(
                    "tools.query_database.databases",
                    span.clone(),
                    e.to_string(),
                )
            })?;
            dbs
        }
    })
}

fn sandbox(
    config: Option<Spanned<SandboxConfig>>,
    on: bool,
    enabled_span: Range<usize>,
) -> Result<Option<SandboxConfig>, Problem> {
    Ok(match config {
        None if on => {
            return Err(problem(
                "tools.execute_code",
                enabled_span,
                "`execute_code` runs code on this host; confirm with `[tools.execute_code] enabled = true`".into(),
            ));
        }
        None => None,
        Some(sb) => {
            let span = sb.span();
            let sb = sb.into_inner();
            if sb.enabled != on {
                return Err(problem(
                    "tools.execute_code.enabled",
                    span,
                    if sb.enabled {
                        "`enabled = true` but `execute_code` is not in `tools.enabled`".into()
                    } else {
                        "`execute_code` is in `tools.enabled`; confirm with `enabled = true`".into()
                    },
                ));
            }
            sb.limits
                .validate()
                .map_err(|e| problem("tools.execute_code", span.clone(), e.to_string()))?;
            if sb.sandbox_uid == 0 || sb.sandbox_gid == 0 {
                return Err(problem(
                    "tools.execute_code.sandbox_uid",
                    span,
                    "the sandbox uid and gid must not be 0 (root)".into(),
                ));
            }
            sb.enabled.then_some(sb)
        }
    })
}

fn timeout(ms: Option<&Spanned<u64>>) -> Result<Duration, Problem> {
    Ok(match ms {
        None => Duration::from_secs(30),
        Some(ms) if *ms.get_ref() == 0 => {
            return Err(problem(
                "tools.timeout_ms",
                ms.span(),
                "must be at least 1".into(),
            ));
        }
        Some(ms) => Duration::from_millis(*ms.get_ref()),
    })
}

fn token(token: Option<Spanned<Secret>>) -> Result<Option<Secret>, Problem> {
    Ok(match token {
        Some(t) if t.get_ref().expose().len() < MIN_SECRET_LEN => {
            return Err(problem(
                "tools.auth_token",
                t.span(),
                "must be at least 16 characters".into(),
            ));
        }
        t => t.map(Spanned::into_inner),
    })
}
