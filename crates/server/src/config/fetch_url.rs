//! `[tools.fetch_url]`: which hosts and networks `fetch_url` may open, and its limits.

use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use switchboard::connectors::fetch_url::{FetchUrl, FetchUrlBuilder, HostRules};
use switchboard::core::NetPolicy;
use switchboard::core::net::Cidr;
use toml::Spanned;

use super::{Problem, problem};

/// `[tools.fetch_url]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchUrlConfig {
    /// Only these hosts and their subdomains may be opened (`["docs.rs", "example.com"]`);
    /// absent or empty: every host with a public address.
    #[serde(default)]
    pub allow_hosts: Vec<String>,
    /// Never these hosts or their subdomains, even when allowed.
    #[serde(default)]
    pub deny_hosts: Vec<String>,
    /// Private networks `fetch_url` may reach despite the SSRF guard, as CIDRs (an intranet
    /// wiki: `["10.1.2.0/24"]`). Empty by default: public addresses only, checked after DNS on
    /// every redirect hop.
    #[serde(default)]
    pub allow_cidrs: Vec<String>,
    /// Most body bytes read from a page (default 2 MiB); the rest is not downloaded.
    #[serde(default)]
    pub max_bytes: Option<usize>,
    /// Most characters of text returned (default 40000); a call may ask for fewer.
    #[serde(default)]
    pub max_chars: Option<usize>,
    /// Most redirects followed (default 5).
    #[serde(default)]
    pub max_redirects: Option<usize>,
    /// Time limit of each request in milliseconds (default 20000).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// `[tools.fetch_url]` after validation: the tool's settings, ready to build.
#[derive(Debug, Clone)]
pub struct FetchUrlSettings(FetchUrlBuilder);

impl FetchUrlSettings {
    /// The tool, with its own HTTP client.
    ///
    /// # Errors
    /// The client could not be built.
    pub fn build(&self) -> Result<FetchUrl, switchboard::core::Error> {
        self.0.clone().build()
    }
}

/// Checks the section: it only goes with the tool enabled, hosts are bare names, networks are
/// CIDRs, limits are positive.
pub(super) fn validate(
    config: Option<Spanned<FetchUrlConfig>>,
    on: bool,
) -> Result<Option<FetchUrlSettings>, Problem> {
    let (config, span) = match config {
        None if on => (FetchUrlConfig::default(), 0..0),
        None => return Ok(None),
        Some(c) if !on => {
            return Err(problem(
                "tools.fetch_url",
                c.span(),
                "settings are given but `fetch_url` is not in `tools.enabled`".into(),
            ));
        }
        Some(c) => {
            let span = c.span();
            (c.into_inner(), span)
        }
    };
    for (key, hosts) in [
        ("tools.fetch_url.allow_hosts", &config.allow_hosts),
        ("tools.fetch_url.deny_hosts", &config.deny_hosts),
    ] {
        check_hosts(key, hosts, &span)?;
    }
    let mut net = NetPolicy::public_only();
    for cidr in &config.allow_cidrs {
        let parsed: Cidr = cidr.parse().map_err(|e| {
            problem(
                "tools.fetch_url.allow_cidrs",
                span.clone(),
                format!("{cidr:?}: {e}"),
            )
        })?;
        net = net.allow_cidr(parsed);
    }
    let positive = |key: &str, value: Option<usize>| match value {
        Some(0) => Err(problem(key, span.clone(), "must be at least 1".into())),
        _ => Ok(()),
    };
    positive("tools.fetch_url.max_bytes", config.max_bytes)?;
    positive("tools.fetch_url.max_chars", config.max_chars)?;
    if config.timeout_ms == Some(0) {
        return Err(problem(
            "tools.fetch_url.timeout_ms",
            span,
            "must be at least 1".into(),
        ));
    }
    let mut builder = FetchUrl::builder().net_policy(net).hosts(
        HostRules::any()
            .allow(config.allow_hosts)
            .deny(config.deny_hosts),
    );
    if let Some(max) = config.max_bytes {
        builder = builder.max_bytes(max);
    }
    if let Some(max) = config.max_chars {
        builder = builder.max_chars(max);
    }
    if let Some(max) = config.max_redirects {
        builder = builder.max_redirects(max);
    }
    if let Some(ms) = config.timeout_ms {
        builder = builder.timeout(Duration::from_millis(ms));
    }
    Ok(Some(FetchUrlSettings(builder)))
}

/// A host rule is a bare name: no scheme, path, port or wildcard (subdomains are implied).
fn check_hosts(key: &str, hosts: &[String], span: &Range<usize>) -> Result<(), Problem> {
    for host in hosts {
        let bare = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !bare {
            return Err(problem(
                key,
                span.clone(),
                format!(
                    "{host:?} is not a host name; write it bare (`example.com` also covers its subdomains)"
                ),
            ));
        }
    }
    Ok(())
}
