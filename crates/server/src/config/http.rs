//! `allowed_hosts`, `[cors]` and `[mcp]`: who may reach the gateway, from where, and the check
//! that refuses serving tools unauthenticated to more than this host.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::{ConfigError, Problem, Settings, problem};

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

/// The origins in `cors.allowed_origins` (checked), or none.
pub(super) fn cors_origins(config: CorsConfig) -> Result<Vec<String>, Problem> {
    let cors_origins = config
        .allowed_origins
        .unwrap_or_else(|| Spanned::new(0..0, Vec::new()));
    for origin in cors_origins.get_ref() {
        if origin != "*"
            && (origin.parse::<http::HeaderValue>().is_err() || !origin.contains("://"))
        {
            return Err(problem(
                "cors.allowed_origins",
                cors_origins.span(),
                format!("{origin:?} is not an origin like https://chat.example.com or \"*\""),
            ));
        }
    }
    Ok(cors_origins.into_inner())
}

/// The loopback names, then `allowed_hosts`, then the deprecated `mcp.allowed_hosts`.
pub(super) fn allowed_hosts(
    configured: Option<Spanned<Vec<String>>>,
    mcp: Option<Vec<String>>,
) -> Result<Vec<String>, Problem> {
    let mut allowed_hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    let span: Range<usize> = configured.as_ref().map_or(0..0, Spanned::span);
    let configured = configured.map(Spanned::into_inner);
    for host in configured
        .into_iter()
        .flatten()
        .chain(mcp.into_iter().flatten())
    {
        if host.is_empty() || host.contains(['/', ' ', '@', '*']) {
            return Err(problem(
                "allowed_hosts",
                span.clone(),
                format!("{host:?} is not a host name like gateway.example.com"),
            ));
        }
        if !allowed_hosts.contains(&host) {
            allowed_hosts.push(host);
        }
    }
    Ok(allowed_hosts)
}

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
        if !self.tokens.is_empty() || self.allow_unauthenticated {
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
                "{reason}; set `[tools] auth_token = \"${{SWITCHBOARD_TOOLS_TOKEN}}\"` (at least 16 characters) or list `[[tools.tokens]]`, or, if every caller that can reach it is trusted, `[tools] dangerously_allow_unauthenticated = true`"
            ),
        })
    }
}
