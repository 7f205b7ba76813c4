//! `[delivery]` and `[[endpoints]]`: outgoing webhook delivery settings and the endpoints
//! reconciled with the store at start.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use switchboard::core::Secret;
use switchboard::webhooks::delivery::DeliveryConfig;
use toml::Spanned;

use super::{Problem, problem};

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
    /// Milliseconds before each attempt of a delivery, the first counted from publishing; the
    /// delivery is dead-lettered when the last attempt fails. Each delay is spread by ±20 %.
    /// Default `[0, 5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000]` (eight
    /// attempts over about 27.6 hours).
    #[serde(default)]
    #[schemars(with = "Option<Vec<u64>>")]
    pub retry_delays_ms: Option<Spanned<Vec<u64>>>,
}

/// One `[[endpoints]]` outgoing webhook endpoint.
///
/// At start each entry is matched by `name` with the stored endpoints: a missing one is
/// created, one made from the config is updated to match the entry (keeping its id, secret and
/// history), one created through the admin API is left alone.
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
    /// Deliver only messages published on at least one of these channels (empty or absent:
    /// every message, whatever its channels). At most 10, each 1 to 128 of `A-Z a-z 0-9 _ - . :`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub channels: Option<Spanned<Vec<String>>>,
    /// Signing secret `whsec_…` (generated when absent).
    #[serde(default)]
    pub secret: Option<Secret>,
    /// Extra headers sent with every delivery (values are secrets: they often carry credentials).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub headers: BTreeMap<String, Secret>,
    /// What the endpoint is for, shown by the admin API.
    #[serde(default)]
    pub description: Option<String>,
    /// Most requests in flight to this endpoint at once, per process (default 8).
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub max_in_flight: Option<Spanned<u32>>,
    /// Most requests per second to this endpoint, per process (default: no limit).
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub rate_limit: Option<Spanned<u32>>,
    /// Deliver one at a time in publication order: a failing delivery holds back the later ones
    /// of this endpoint until it is delivered or dead-lettered (default false). A change applied
    /// on start applies to the deliveries already queued too.
    #[serde(default)]
    pub ordered: bool,
    /// Labels kept with the endpoint (never sent to the receiver).
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

impl EndpointConfig {
    /// The channel filter (empty: every message).
    pub fn channels(&self) -> Vec<String> {
        self.channels
            .as_ref()
            .map(|c| c.get_ref().clone())
            .unwrap_or_default()
    }
}

/// Checks endpoint names (unique), URLs (http or https) and limits (at least 1).
pub(super) fn validate_endpoints(endpoints: &[EndpointConfig]) -> Result<(), Problem> {
    let mut seen = Vec::new();
    for endpoint in endpoints {
        let name = endpoint.name.get_ref();
        if seen.contains(name) {
            return Err(problem(
                "endpoints.name",
                endpoint.name.span(),
                format!("{name:?} is used by two endpoints"),
            ));
        }
        seen.push(name.clone());
        let url = endpoint.url.get_ref();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(problem(
                "endpoints.url",
                endpoint.url.span(),
                format!("{url:?} must be an http:// or https:// URL"),
            ));
        }
        if let Some(channels) = &endpoint.channels {
            switchboard::webhooks::delivery::validate_channels(channels.get_ref())
                .map_err(|reason| problem("endpoints.channels", channels.span(), reason))?;
        }
        for (key, limit) in [
            ("endpoints.max_in_flight", &endpoint.max_in_flight),
            ("endpoints.rate_limit", &endpoint.rate_limit),
        ] {
            if let Some(n) = limit
                && *n.get_ref() == 0
            {
                return Err(problem(key, n.span(), "must be at least 1".into()));
            }
        }
    }
    Ok(())
}

/// The engine settings: the defaults with `[delivery]`'s overrides, checked for consistency.
pub(super) fn delivery_config(config: &DeliveryNetConfig) -> Result<DeliveryConfig, Problem> {
    for cidr in &config.allow_cidrs {
        if cidr.parse::<switchboard::core::net::Cidr>().is_err() {
            return Err(problem(
                "delivery.allow_cidrs",
                0..0,
                format!("{cidr:?} is not a CIDR like 10.0.0.0/8"),
            ));
        }
    }
    let mut delivery = DeliveryConfig::default();
    if let Some(ms) = &config.request_timeout_ms {
        delivery.request_timeout = Duration::from_millis(*ms.get_ref());
    }
    if let Some(ms) = &config.lease_ms {
        delivery.lease = Duration::from_millis(*ms.get_ref());
    }
    if let Some(n) = &config.max_in_flight {
        delivery.max_in_flight = *n.get_ref();
    }
    if let Some(delays) = &config.retry_delays_ms {
        let delays = delays
            .get_ref()
            .iter()
            .map(|ms| Duration::from_millis(*ms))
            .collect();
        delivery.schedule =
            switchboard::webhooks::delivery::RetrySchedule::new(delays).map_err(|e| {
                problem(
                    "delivery.retry_delays_ms",
                    config.retry_delays_ms.as_ref().map_or(0..0, Spanned::span),
                    e.to_string(),
                )
            })?;
    }
    match config.retention_days {
        Some(0) => delivery.retention = None,
        Some(days) => delivery.retention = Some(Duration::from_secs(days * 24 * 3600)),
        None => {}
    }
    if let Some(ms) = &config.request_timeout_ms
        && *ms.get_ref() == 0
    {
        return Err(problem(
            "delivery.request_timeout_ms",
            ms.span(),
            "must be at least 1".into(),
        ));
    }
    if delivery.lease <= delivery.request_timeout {
        let span = config
            .lease_ms
            .as_ref()
            .or(config.request_timeout_ms.as_ref())
            .map_or(0..0, Spanned::span);
        return Err(problem(
            "delivery.lease_ms",
            span,
            format!(
                "the lease ({} ms) must be longer than request_timeout_ms ({} ms)",
                delivery.lease.as_millis(),
                delivery.request_timeout.as_millis()
            ),
        ));
    }
    if let Some(n) = &config.max_in_flight
        && *n.get_ref() == 0
    {
        return Err(problem(
            "delivery.max_in_flight",
            n.span(),
            "must be at least 1".into(),
        ));
    }
    Ok(delivery)
}
