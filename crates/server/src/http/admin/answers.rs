//! The JSON the admin API answers with, as types: the handlers serialize these, and the
//! OpenAPI document (`super::openapi`) takes their schemas, so the two cannot drift apart.
//!
//! Times are Unix seconds with millisecond precision (`1767323045.123`).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use switchboard::webhooks::delivery::{
    Attempt, AttemptErrorKind, Delivery, DeliveryStatus, DisabledReason, Endpoint, EndpointOrigin,
    EventFilter, Message,
};

/// Unix seconds with milliseconds. The store keeps times as unsigned milliseconds since 1970,
/// so an earlier time cannot come out of it; it would read as 0.
fn unix(t: SystemTime) -> f64 {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    d.as_millis() as f64 / 1000.0
}

/// A registered endpoint. The URL is shown redacted (credentials and key-like parts masked),
/// headers by name only, signing keys by count.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Endpoint")]
pub(in crate::http) struct EndpointOut {
    /// The endpoint's id (`ep_…`).
    pub(super) id: String,
    /// Its unique name.
    pub(super) name: String,
    /// What it is for, in words.
    pub(super) description: Option<String>,
    /// Where messages are posted, redacted.
    pub(super) url: String,
    /// The event types it receives (`github.*` covers every type below `github.`); `null` for
    /// all types.
    pub(super) events: Option<Vec<String>>,
    /// The channels it receives (a message carrying at least one of them); `null` for
    /// messages whatever their channels.
    pub(super) channels: Option<Vec<String>>,
    /// The names of the extra headers sent with each delivery (values are not shown).
    pub(super) headers: Vec<String>,
    /// At most this many deliveries to it at once.
    pub(super) max_in_flight: u32,
    /// At most this many deliveries to it per second; `null` for no limit.
    pub(super) rate_limit: Option<u32>,
    /// Whether deliveries go one at a time, in publication order.
    pub(super) ordered: bool,
    /// Free-form labels.
    pub(super) metadata: BTreeMap<String, String>,
    /// Where its settings come from: the API or the config file.
    pub(super) origin: EndpointOrigin,
    /// Whether messages are delivered to it.
    pub(super) enabled: bool,
    /// Why it is disabled; `null` when enabled.
    pub(super) disabled_reason: Option<DisabledReason>,
    /// Since when its deliveries have been failing without a success; `null` when healthy.
    pub(super) failing_since: Option<f64>,
    /// How many signing keys verify right now (two during a rotation's overlap).
    pub(super) keys: usize,
    /// When it was registered.
    pub(super) created_at: f64,
    /// When its settings last changed.
    pub(super) updated_at: f64,
}

impl From<&Endpoint> for EndpointOut {
    fn from(e: &Endpoint) -> Self {
        EndpointOut {
            id: e.id.as_str().to_owned(),
            name: e.name.clone(),
            description: e.description.clone(),
            url: switchboard::core::redact_url(&e.url),
            events: match &e.events {
                EventFilter::All => None,
                EventFilter::Only(types) => Some(types.clone()),
            },
            channels: (!e.channels.is_empty()).then(|| e.channels.clone()),
            headers: e.headers.iter().map(|(k, _)| k.clone()).collect(),
            max_in_flight: e.max_in_flight,
            rate_limit: e.rate_limit,
            ordered: e.ordered,
            metadata: e.metadata.clone(),
            origin: e.origin,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            failing_since: e.failing_since.map(unix),
            keys: e.keys.len(),
            created_at: unix(e.created_at),
            updated_at: unix(e.updated_at),
        }
    }
}

/// An endpoint with its newest signing secret, shown once: at creation and after a rotation.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "EndpointWithSecret")]
pub(in crate::http) struct EndpointWithSecret {
    #[serde(flatten)]
    pub(super) endpoint: EndpointOut,
    /// The signing secret (`whsec_…`) the receiver verifies signatures with.
    pub(super) secret: Option<String>,
}

/// Every registered endpoint.
#[derive(Debug, Serialize, JsonSchema)]
pub(in crate::http) struct EndpointList {
    /// The endpoints, by name.
    pub(super) data: Vec<EndpointOut>,
}

/// A published message.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Message")]
pub(in crate::http) struct MessageOut {
    /// The message's id (`msg_…`).
    pub(super) id: String,
    /// Its event type.
    pub(super) event_type: String,
    /// The channels it was published on (empty for none).
    pub(super) channels: Vec<String>,
    /// The event's data as published (a string when the stored payload is not JSON).
    pub(super) payload: Value,
    /// The idempotency key it was published with, if any.
    pub(super) idempotency_key: Option<String>,
    /// When it was published.
    pub(super) created_at: f64,
}

impl From<&Message> for MessageOut {
    fn from(m: &Message) -> Self {
        let payload = serde_json::from_slice(&m.payload)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&m.payload).into_owned()));
        MessageOut {
            id: m.id.as_str().to_owned(),
            event_type: m.event_type.clone(),
            channels: m.channels.clone(),
            payload,
            idempotency_key: m.idempotency_key.clone(),
            created_at: unix(m.created_at),
        }
    }
}

/// One message on its way to one endpoint.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Delivery")]
pub(in crate::http) struct DeliveryOut {
    /// The delivery's id (`dlv_…`).
    pub(super) id: String,
    /// The message delivered.
    pub(super) message_id: String,
    /// The endpoint it goes to.
    pub(super) endpoint_id: String,
    /// Where it stands.
    pub(super) status: DeliveryStatus,
    /// Attempts made so far.
    pub(super) attempts: u32,
    /// When the next attempt is due; `null` when none is scheduled.
    pub(super) next_attempt_at: Option<f64>,
    /// When it was created.
    pub(super) created_at: f64,
    /// When it last changed.
    pub(super) updated_at: f64,
}

impl From<&Delivery> for DeliveryOut {
    fn from(d: &Delivery) -> Self {
        DeliveryOut {
            id: d.id.as_str().to_owned(),
            message_id: d.message_id.as_str().to_owned(),
            endpoint_id: d.endpoint_id.as_str().to_owned(),
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.map(unix),
            created_at: unix(d.created_at),
            updated_at: unix(d.updated_at),
        }
    }
}

/// One HTTP attempt of a delivery.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Attempt")]
pub(in crate::http) struct AttemptOut {
    /// The delivery it belongs to.
    pub(super) delivery_id: String,
    /// The message delivered.
    pub(super) message_id: String,
    /// The endpoint it went to.
    pub(super) endpoint_id: String,
    /// Its number within the delivery, from 1.
    pub(super) number: u32,
    /// When it was made.
    pub(super) at: f64,
    /// How long it took, in milliseconds.
    pub(super) latency_ms: u64,
    /// The receiver's HTTP status; `null` when no answer came.
    pub(super) status: Option<u16>,
    /// The start of the receiver's answer body.
    pub(super) response_body: Option<String>,
    /// What kind of failure it was; `null` for a success.
    pub(super) error_kind: Option<AttemptErrorKind>,
    /// The failure, in words.
    pub(super) error: Option<String>,
}

impl From<&Attempt> for AttemptOut {
    fn from(a: &Attempt) -> Self {
        AttemptOut {
            delivery_id: a.delivery_id.as_str().to_owned(),
            message_id: a.message_id.as_str().to_owned(),
            endpoint_id: a.endpoint_id.as_str().to_owned(),
            number: a.number,
            at: unix(a.at),
            latency_ms: u64::try_from(a.latency.as_millis()).unwrap_or(u64::MAX),
            status: a.status,
            response_body: a.response_body.clone(),
            error_kind: a.error_kind,
            error: a.error.clone(),
        }
    }
}

/// A message was accepted for delivery.
#[derive(Debug, Serialize, JsonSchema)]
pub(in crate::http) struct Published {
    /// Its id; publishing again with the same idempotency key answers the same id.
    pub(super) message_id: String,
}

/// Deliveries put back in the queue by a recovery.
#[derive(Debug, Serialize, JsonSchema)]
pub(in crate::http) struct Requeued {
    /// How many failed deliveries were requeued.
    pub(super) requeued: u64,
}

/// Deliveries created by a replay.
#[derive(Debug, Serialize, JsonSchema)]
pub(in crate::http) struct Replayed {
    /// Their ids.
    pub(super) deliveries: Vec<String>,
}
