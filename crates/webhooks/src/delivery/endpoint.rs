//! Endpoint registration input, its validation, and the signer built from stored keys.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::SystemTime;

use http::{HeaderName, HeaderValue};
use switchboard_core::{NetPolicy, Secret};
use url::{Host, Url};

use super::error::ManagerError;
use super::model::{Endpoint, EndpointKey, EndpointOrigin, EventFilter};
use crate::sign::{KeyRing, SigningKey, StandardSigner, StandardSigningKey, WebhookSecret};

/// Headers the engine sets itself; an endpoint may not override them.
const RESERVED_HEADERS: &[&str] = &[
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
];

/// Requests in flight to one endpoint at once, per process, unless its settings say otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 8;

/// Most entries in an endpoint's metadata.
const MAX_METADATA_ENTRIES: usize = 64;

/// What to register: built with [`EndpointSpec::new`] and the chained setters.
#[derive(Clone)]
pub struct EndpointSpec {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) url: String,
    pub(crate) events: EventFilter,
    pub(crate) channels: Vec<String>,
    pub(crate) secret: Option<Secret>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) enabled: bool,
    pub(crate) max_in_flight: u32,
    pub(crate) rate_limit: Option<u32>,
    pub(crate) ordered: bool,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) origin: EndpointOrigin,
}

impl std::fmt::Debug for EndpointSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointSpec")
            .field("name", &self.name)
            .field("url", &switchboard_core::redact_url(&self.url))
            .field("events", &self.events)
            .field("channels", &self.channels)
            .field("secret", &self.secret)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("enabled", &self.enabled)
            .field("max_in_flight", &self.max_in_flight)
            .field("rate_limit", &self.rate_limit)
            .field("ordered", &self.ordered)
            .field("description", &self.description)
            .field("metadata", &self.metadata)
            .field("origin", &self.origin)
            .finish()
    }
}

impl EndpointSpec {
    /// An enabled endpoint named `name` receiving every event type at `url`, with a generated
    /// `whsec_` secret and at most [`DEFAULT_MAX_IN_FLIGHT`] requests in flight.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            url: url.into(),
            events: EventFilter::All,
            channels: Vec::new(),
            secret: None,
            headers: Vec::new(),
            enabled: true,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            rate_limit: None,
            ordered: false,
            metadata: BTreeMap::new(),
            origin: EndpointOrigin::Api,
        }
    }

    /// What it is for, for operators.
    #[must_use]
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Labels it with `key = value` (kept with the endpoint, never sent).
    #[must_use]
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Records who owns its settings (default [`EndpointOrigin::Api`]).
    #[must_use]
    pub fn origin(mut self, origin: EndpointOrigin) -> Self {
        self.origin = origin;
        self
    }

    /// Receive only these event types.
    #[must_use]
    pub fn events<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.events = EventFilter::Only(types.into_iter().map(Into::into).collect());
        self
    }

    /// Receive only messages published on at least one of these channels (see
    /// [`channels_match`](super::channels_match)); none (the default) receives every message.
    #[must_use]
    pub fn channels<I, S>(mut self, channels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.channels = channels.into_iter().map(Into::into).collect();
        self
    }

    /// Sign with this key: `whsec_…` (HMAC-SHA256, `v1`) or `whsk_…` (Ed25519, `v1a`).
    #[must_use]
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(Secret::new(secret.into()));
        self
    }

    /// Send this header with every request.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Register it disabled.
    #[must_use]
    pub fn disabled(mut self) -> Self {
        self.enabled = false;
        self
    }

    /// At most `n` requests in flight to it at once, per process.
    #[must_use]
    pub fn max_in_flight(mut self, n: u32) -> Self {
        self.max_in_flight = n;
        self
    }

    /// At most `per_second` requests per second to it, per process (bursts up to that many).
    #[must_use]
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Delivers one at a time, in publication order; a failing delivery holds back the later
    /// ones of this endpoint (only) until it is delivered or dead-lettered.
    #[must_use]
    pub fn ordered(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }
}

/// A change to an endpoint's settings: each setter replaces one setting, the others stay.
///
/// Its id, signing keys, origin and history (messages, deliveries, attempts) are kept.
#[derive(Clone, Default)]
pub struct EndpointUpdate {
    pub(crate) url: Option<String>,
    pub(crate) description: Option<Option<String>>,
    pub(crate) events: Option<EventFilter>,
    pub(crate) channels: Option<Vec<String>>,
    pub(crate) headers: Option<Vec<(String, String)>>,
    pub(crate) max_in_flight: Option<u32>,
    pub(crate) rate_limit: Option<Option<u32>>,
    pub(crate) ordered: Option<bool>,
    pub(crate) enabled: Option<bool>,
    pub(crate) metadata: Option<BTreeMap<String, String>>,
}

impl std::fmt::Debug for EndpointUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointUpdate")
            .field(
                "url",
                &self.url.as_deref().map(switchboard_core::redact_url),
            )
            .field("description", &self.description)
            .field("events", &self.events)
            .field("channels", &self.channels)
            .field(
                "headers",
                &self
                    .headers
                    .as_ref()
                    .map(|h| h.iter().map(|(k, _)| k).collect::<Vec<_>>()),
            )
            .field("max_in_flight", &self.max_in_flight)
            .field("rate_limit", &self.rate_limit)
            .field("ordered", &self.ordered)
            .field("enabled", &self.enabled)
            .field("metadata", &self.metadata)
            .finish()
    }
}

impl EndpointUpdate {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deliver to this URL from the next attempt on.
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Sets (`Some`) or clears (`None`) the description.
    #[must_use]
    pub fn description(mut self, text: Option<String>) -> Self {
        self.description = Some(text);
        self
    }

    /// Receive these event types.
    #[must_use]
    pub fn events(mut self, events: EventFilter) -> Self {
        self.events = Some(events);
        self
    }

    /// Replaces the channel filter with these channels (empty: every message).
    #[must_use]
    pub fn channels(mut self, channels: Vec<String>) -> Self {
        self.channels = Some(channels);
        self
    }

    /// Replaces the extra headers with these.
    #[must_use]
    pub fn headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.headers = Some(headers);
        self
    }

    /// At most `n` requests in flight to it at once, per process.
    #[must_use]
    pub fn max_in_flight(mut self, n: u32) -> Self {
        self.max_in_flight = Some(n);
        self
    }

    /// Sets (`Some`) or removes (`None`) the per-second rate limit.
    #[must_use]
    pub fn rate_limit(mut self, per_second: Option<u32>) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Switches in-order delivery on or off ([`EndpointSpec::ordered`]). The change applies to
    /// the deliveries already queued, from the next claim on: switched on, they go out one at a
    /// time from the oldest; switched off, the ones held behind a failing delivery go out at
    /// once. An attempt already under way finishes.
    #[must_use]
    pub fn ordered(mut self, ordered: bool) -> Self {
        self.ordered = Some(ordered);
        self
    }

    /// Enables (clearing its failure clock) or disables it.
    #[must_use]
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Replaces the metadata with this.
    #[must_use]
    pub fn metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Writes the changed settings into `endpoint` (not its enabled state, which the store
    /// changes on its own so that the engine's failure clock is never overwritten).
    pub(crate) fn apply_to(&self, endpoint: &mut Endpoint) {
        if let Some(url) = &self.url {
            endpoint.url.clone_from(url);
        }
        if let Some(description) = &self.description {
            endpoint.description.clone_from(description);
        }
        if let Some(events) = &self.events {
            endpoint.events = events.clone();
        }
        if let Some(channels) = &self.channels {
            endpoint.channels.clone_from(channels);
        }
        if let Some(headers) = &self.headers {
            endpoint.headers.clone_from(headers);
        }
        if let Some(n) = self.max_in_flight {
            endpoint.max_in_flight = n;
        }
        if let Some(rate) = self.rate_limit {
            endpoint.rate_limit = rate;
        }
        if let Some(ordered) = self.ordered {
            endpoint.ordered = ordered;
        }
        if let Some(metadata) = &self.metadata {
            endpoint.metadata.clone_from(metadata);
        }
    }
}

/// Checks every setting of `endpoint` — name, URL (against `policy`, the SSRF guard), event
/// filter, channels, headers, limits, description and metadata — and writes the URL back in its
/// normalised form. Registration and updates both go through here.
pub(crate) fn validate_settings(
    endpoint: &mut Endpoint,
    policy: &NetPolicy,
) -> Result<(), ManagerError> {
    validate_name(&endpoint.name)?;
    endpoint.url = validate_url(&endpoint.url, policy)?.to_string();
    validate_events(&endpoint.events)?;
    super::validate_channels(&endpoint.channels).map_err(|reason| invalid("channels", reason))?;
    validate_headers(&endpoint.headers)?;
    if endpoint.max_in_flight == 0 {
        return Err(invalid("max_in_flight", "must be at least 1"));
    }
    if endpoint.rate_limit == Some(0) {
        return Err(invalid(
            "rate_limit",
            "must be at least 1 request per second",
        ));
    }
    if let Some(text) = &endpoint.description
        && (text.chars().count() > 1024 || text.chars().any(|c| c.is_control() && c != '\n'))
    {
        return Err(invalid(
            "description",
            "must be at most 1024 characters, without control characters other than newlines",
        ));
    }
    validate_metadata(&endpoint.metadata)
}

fn validate_metadata(metadata: &BTreeMap<String, String>) -> Result<(), ManagerError> {
    if metadata.len() > MAX_METADATA_ENTRIES {
        return Err(invalid(
            "metadata",
            format!("at most {MAX_METADATA_ENTRIES} entries"),
        ));
    }
    for (key, value) in metadata {
        if key.is_empty() || key.len() > 128 || key.chars().any(char::is_control) {
            return Err(invalid(
                "metadata",
                format!("key {key:?} must be 1 to 128 bytes without control characters"),
            ));
        }
        if value.len() > 1024 {
            return Err(invalid(
                "metadata",
                format!("the value of {key:?} is longer than 1024 bytes"),
            ));
        }
    }
    Ok(())
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ManagerError {
    ManagerError::InvalidEndpoint {
        field,
        reason: reason.into(),
    }
}

fn validate_name(name: &str) -> Result<(), ManagerError> {
    if name.trim().is_empty() || name.chars().count() > 128 {
        return Err(invalid("name", "must be 1 to 128 characters, not blank"));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("name", "must not contain control characters"));
    }
    Ok(())
}

/// Checks the URL's scheme and form, and applies the SSRF policy to IP-literal hosts and
/// `localhost`. Names are checked again, address by address, when each request connects.
fn validate_url(raw: &str, policy: &NetPolicy) -> Result<Url, ManagerError> {
    let url = Url::parse(raw).map_err(|e| invalid("url", format!("not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            "url",
            format!("scheme must be http or https, not {:?}", url.scheme()),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "url",
            "must not contain credentials; use an extra header instead",
        ));
    }
    if url.fragment().is_some() {
        return Err(invalid("url", "must not contain a fragment"));
    }
    let host_text = url.host_str().unwrap_or_default().to_owned();
    let ips: Vec<IpAddr> = match url.host() {
        None => return Err(invalid("url", "has no host")),
        Some(Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
            vec![
                "127.0.0.1"
                    .parse()
                    .map_err(|_| invalid("url", "localhost"))?,
            ]
        }
        Some(Host::Domain(_)) => Vec::new(),
    };
    for ip in ips {
        policy
            .check_ip(&host_text, ip)
            .map_err(|v| ManagerError::Blocked(v.to_string()))?;
    }
    Ok(url)
}

fn validate_events(events: &EventFilter) -> Result<(), ManagerError> {
    if let EventFilter::Only(types) = events {
        if types.is_empty() {
            return Err(invalid(
                "events",
                "an empty list would receive nothing; use all event types instead",
            ));
        }
        for t in types {
            validate_event_type(t).map_err(|reason| invalid("events", reason))?;
        }
    }
    Ok(())
}

/// An event type: 1 to 256 visible ASCII characters.
pub(crate) fn validate_event_type(t: &str) -> Result<(), String> {
    if t.is_empty() || t.len() > 256 {
        return Err(format!("event type {t:?} must be 1 to 256 characters"));
    }
    if !t.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "event type {t:?} must be visible ASCII without spaces"
        ));
    }
    Ok(())
}

fn validate_headers(headers: &[(String, String)]) -> Result<(), ManagerError> {
    for (name, value) in headers {
        let parsed = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid("headers", format!("{name:?} is not a valid header name")))?;
        if RESERVED_HEADERS.contains(&parsed.as_str()) {
            return Err(invalid(
                "headers",
                format!("{name:?} is set by the delivery engine and cannot be overridden"),
            ));
        }
        // The value is not echoed: it may be a credential.
        HeaderValue::from_str(value).map_err(|_| {
            invalid(
                "headers",
                format!("the value of {name:?} is not a valid header value"),
            )
        })?;
    }
    Ok(())
}

/// A new `whsec_` secret, or the caller's key checked.
pub(crate) fn key_from(secret: Option<&Secret>) -> Result<Secret, ManagerError> {
    match secret {
        None => {
            let generated = WebhookSecret::generate()
                .map_err(|e| invalid("secret", format!("could not generate a secret: {e}")))?;
            Ok(Secret::new(generated.expose_encoded()))
        }
        Some(s) => {
            parse_key(s.expose())?;
            Ok(s.clone())
        }
    }
}

fn parse_key(text: &str) -> Result<StandardSigningKey, ManagerError> {
    // Errors from the parsers never contain the key text.
    if text.starts_with("whsk_") {
        SigningKey::parse(text)
            .map(StandardSigningKey::from)
            .map_err(|e| invalid("secret", e.to_string()))
    } else {
        WebhookSecret::parse(text)
            .map(StandardSigningKey::from)
            .map_err(|e| invalid("secret", e.to_string()))
    }
}

/// The signer for an endpoint's stored keys; retired keys sign until they expire.
pub(crate) fn signer_for(keys: &[EndpointKey]) -> Result<StandardSigner, String> {
    let mut iter = keys.iter();
    let current = iter
        .find(|k| k.valid_until.is_none())
        .or_else(|| keys.first())
        .ok_or("endpoint has no signing key")?;
    let mut ring = KeyRing::new(parse_key(current.secret.expose()).map_err(|e| e.to_string())?);
    for key in keys {
        if let Some(until) = key.valid_until {
            let parsed = parse_key(key.secret.expose()).map_err(|e| e.to_string())?;
            ring = ring
                .with_retired(parsed, until)
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(StandardSigner::new(ring))
}

/// Keys after a rotation: `new` becomes current, the old current key signs until
/// `old_valid_until`, and retired keys already expired at `now` are dropped.
pub(crate) fn rotated(
    keys: &[EndpointKey],
    new: Secret,
    now: SystemTime,
    old_valid_until: SystemTime,
) -> Result<Vec<EndpointKey>, ManagerError> {
    let mut out = vec![EndpointKey {
        secret: new,
        valid_until: None,
    }];
    for key in keys {
        match key.valid_until {
            None => out.push(EndpointKey {
                secret: key.secret.clone(),
                valid_until: Some(old_valid_until),
            }),
            Some(until) if until > now => out.push(key.clone()),
            Some(_) => {}
        }
    }
    if out.len() > 1 + crate::sign::MAX_RETIRED_KEYS {
        return Err(invalid(
            "secret",
            format!(
                "at most {} retired keys may be active; wait for one to expire",
                crate::sign::MAX_RETIRED_KEYS
            ),
        ));
    }
    Ok(out)
}
