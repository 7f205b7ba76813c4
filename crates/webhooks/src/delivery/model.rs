//! The records the delivery store keeps: endpoints, messages, deliveries and attempts.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use switchboard_core::Secret;

use super::ids::{DeliveryId, EndpointId, MessageId};

/// Which event types an endpoint receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventFilter {
    /// Every event type.
    All,
    /// Only these event types; each entry is an [`EventTypePattern`](super::EventTypePattern)
    /// (`github.push`, `github.*`).
    Only(Vec<String>),
}

impl EventFilter {
    /// Whether an event of `event_type` goes to an endpoint with this filter.
    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(patterns) => patterns
                .iter()
                .any(|p| super::EventTypePattern::parse(p).matches(event_type)),
        }
    }
}

/// One signing key of an endpoint, stored encoded (`whsec_…` for `v1`, `whsk_…` for `v1a`).
///
/// The text never appears in `Debug` output.
#[derive(Clone)]
pub struct EndpointKey {
    /// The encoded key.
    pub secret: Secret,
    /// `None` for the current key; for a retired key, when it stops being used to sign.
    pub valid_until: Option<SystemTime>,
}

impl fmt::Debug for EndpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointKey")
            .field("secret", &self.secret)
            .field("valid_until", &self.valid_until)
            .finish()
    }
}

/// Why an endpoint is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DisabledReason {
    /// An operator disabled it.
    Manual,
    /// The receiver answered `410 Gone`.
    Gone,
    /// It failed continuously for longer than the configured limit.
    Failing,
}

impl DisabledReason {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Gone => "gone",
            Self::Failing => "failing",
        }
    }

    /// Parses the stored text form.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "manual" => Self::Manual,
            "gone" => Self::Gone,
            "failing" => Self::Failing,
            _ => return None,
        })
    }
}

/// Where an endpoint's settings come from, so that applying a config file on start changes
/// only the endpoints that config file made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EndpointOrigin {
    /// Registered through the API (or the library): only the API changes it.
    #[default]
    Api,
    /// Declared in a config file, which owns its settings.
    Config,
}

impl EndpointOrigin {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Config => "config",
        }
    }

    /// Parses the stored text form.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "api" => Self::Api,
            "config" => Self::Config,
            _ => return None,
        })
    }
}

/// A registered endpoint: where and how messages are delivered.
///
/// `Debug` shows the URL through `switchboard_core::redact_url` (credentials, key-like query
/// values and the secret parts of known webhook URLs masked), header names without values, and
/// never the keys.
#[derive(Clone)]
pub struct Endpoint {
    /// Its id.
    pub id: EndpointId,
    /// Its unique name.
    pub name: String,
    /// What it is for, for operators.
    pub description: Option<String>,
    /// The `http` or `https` URL messages are POSTed to.
    pub url: String,
    /// Which event types it receives.
    pub events: EventFilter,
    /// Receive only messages carrying one of these [channels](super::channels_match); empty
    /// for every message whatever its channels.
    pub channels: Vec<String>,
    /// Signing keys: the first is current, the others retired (signed with until they expire).
    pub keys: Vec<EndpointKey>,
    /// Extra headers sent with every request.
    pub headers: Vec<(String, String)>,
    /// Whether deliveries are attempted; a disabled endpoint's deliveries wait.
    pub enabled: bool,
    /// Why it is disabled, when it is.
    pub disabled_reason: Option<DisabledReason>,
    /// When its current run of failures started; cleared by a success.
    pub failing_since: Option<SystemTime>,
    /// Most requests in flight to it at once, per process.
    pub max_in_flight: u32,
    /// Most requests per second to it, per process; `None` for no limit.
    pub rate_limit: Option<u32>,
    /// Delivered one at a time in publication order: a delivery waits until every earlier
    /// unfinished one of this endpoint is delivered or dead-lettered.
    pub ordered: bool,
    /// The operator's own labels (never sent to the receiver).
    pub metadata: BTreeMap<String, String>,
    /// Who owns its settings: the API or a config file.
    pub origin: EndpointOrigin,
    /// When it was registered.
    pub created_at: SystemTime,
    /// When it last changed.
    pub updated_at: SystemTime,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("description", &self.description)
            .field("url", &switchboard_core::redact_url(&self.url))
            .field("events", &self.events)
            .field("channels", &self.channels)
            .field("keys", &self.keys)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("enabled", &self.enabled)
            .field("disabled_reason", &self.disabled_reason)
            .field("failing_since", &self.failing_since)
            .field("max_in_flight", &self.max_in_flight)
            .field("rate_limit", &self.rate_limit)
            .field("ordered", &self.ordered)
            .field("metadata", &self.metadata)
            .field("origin", &self.origin)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// A message: one event, with the exact bytes sent to every endpoint.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its id, sent as `webhook-id`.
    pub id: MessageId,
    /// The event type.
    pub event_type: String,
    /// The channels it was published on (empty for none).
    pub channels: Vec<String>,
    /// The exact body sent (the JSON envelope).
    pub payload: Bytes,
    /// The caller's idempotency key, if any.
    pub idempotency_key: Option<String>,
    /// When it was accepted.
    pub created_at: SystemTime,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or for its endpoint to be enabled again).
    Pending,
    /// Claimed by a worker whose lease has not expired.
    InFlight,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every scheduled attempt failed; it waits for a replay or recovery.
    DeadLetter,
}

impl DeliveryStatus {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Delivered => "delivered",
            Self::DeadLetter => "dead_letter",
        }
    }

    /// Parses the stored text form.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => Self::Pending,
            "in_flight" => Self::InFlight,
            "delivered" => Self::Delivered,
            "dead_letter" => Self::DeadLetter,
            _ => return None,
        })
    }
}

/// One message on its way to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// The message.
    pub message_id: MessageId,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts recorded so far, over its whole life.
    pub attempts: u32,
    /// Failed attempts since it was last (re)queued: the position in the retry schedule.
    pub failed_in_round: u32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<SystemTime>,
    /// When the current lease expires (in-flight deliveries).
    pub lease_until: Option<SystemTime>,
    /// When it was created.
    pub created_at: SystemTime,
    /// When it last changed.
    pub updated_at: SystemTime,
}

/// What kind of failure an attempt was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AttemptErrorKind {
    /// The receiver answered with a non-2xx status (including redirects).
    Status,
    /// No answer within the request timeout.
    Timeout,
    /// The connection could not be made (DNS, TCP, TLS).
    Connect,
    /// The connection failed while the request or response was in flight.
    Transport,
    /// The network policy (SSRF guard) refused the destination.
    Blocked,
    /// The request could not be built or signed (bad URL, header or key).
    Request,
}

impl AttemptErrorKind {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::Transport => "transport",
            Self::Blocked => "blocked",
            Self::Request => "request",
        }
    }

    /// Parses the stored text form.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "status" => Self::Status,
            "timeout" => Self::Timeout,
            "connect" => Self::Connect,
            "transport" => Self::Transport,
            "blocked" => Self::Blocked,
            "request" => Self::Request,
            _ => return None,
        })
    }
}

/// One HTTP attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The delivery.
    pub delivery_id: DeliveryId,
    /// The message.
    pub message_id: MessageId,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// 1 for the first attempt of the delivery, then 2, 3, …
    pub number: u32,
    /// When the request was sent.
    pub at: SystemTime,
    /// How long until the answer (or the failure).
    pub latency: Duration,
    /// The response status, when there was a response.
    pub status: Option<u16>,
    /// The start of the response body (a few KiB at most), when there was one.
    pub response_body: Option<String>,
    /// What kind of failure it was; `None` on success.
    pub error_kind: Option<AttemptErrorKind>,
    /// A description of the failure; `None` on success.
    pub error: Option<String>,
}

impl Attempt {
    /// Whether the receiver accepted the message (2xx).
    pub fn succeeded(&self) -> bool {
        self.error_kind.is_none()
    }
}
/// Milliseconds since the Unix epoch, the stored form of every time (negative before 1970).
pub(crate) fn to_millis(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
/// The inverse of [`to_millis`].
pub(crate) fn from_millis(ms: i64) -> SystemTime {
    if ms >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}
