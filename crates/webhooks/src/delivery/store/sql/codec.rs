//! Text forms of endpoint settings shared by the SQL stores (JSON columns).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use switchboard_core::Secret;

use super::StoreError;
use crate::delivery::model::{EndpointKey, EventFilter, from_millis, to_millis};

#[derive(Serialize, Deserialize)]
struct KeyRow {
    secret: String,
    valid_until: Option<i64>,
}

pub(crate) fn encode_events(events: &EventFilter) -> Result<String, StoreError> {
    serde_json::to_string(events).map_err(|e| StoreError::Database(e.into()))
}

pub(crate) fn decode_events(text: &str) -> Result<EventFilter, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt("events", e))
}

pub(crate) fn encode_keys(keys: &[EndpointKey]) -> Result<String, StoreError> {
    let rows: Vec<KeyRow> = keys
        .iter()
        .map(|k| KeyRow {
            secret: k.secret.expose().to_owned(),
            valid_until: k.valid_until.map(to_millis),
        })
        .collect();
    serde_json::to_string(&rows).map_err(|e| StoreError::Database(e.into()))
}

pub(crate) fn decode_keys(text: &str) -> Result<Vec<EndpointKey>, StoreError> {
    let rows: Vec<KeyRow> = serde_json::from_str(text).map_err(|e| corrupt("keys", e))?;
    Ok(rows
        .into_iter()
        .map(|r| EndpointKey {
            secret: Secret::new(r.secret),
            valid_until: r.valid_until.map(from_millis),
        })
        .collect())
}

pub(crate) fn encode_headers(headers: &[(String, String)]) -> Result<String, StoreError> {
    serde_json::to_string(headers).map_err(|e| StoreError::Database(e.into()))
}

pub(crate) fn decode_headers(text: &str) -> Result<Vec<(String, String)>, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt("headers", e))
}

pub(crate) fn encode_metadata(metadata: &BTreeMap<String, String>) -> Result<String, StoreError> {
    serde_json::to_string(metadata).map_err(|e| StoreError::Database(e.into()))
}

pub(crate) fn decode_metadata(text: &str) -> Result<BTreeMap<String, String>, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt("metadata", e))
}

/// Channels as stored: `NULL` for none, else a JSON array (which Postgres reads as `jsonb`).
pub(crate) fn encode_channels(channels: &[String]) -> Option<String> {
    (!channels.is_empty()).then(|| serde_json::Value::from(channels.to_vec()).to_string())
}

/// Reads [`encode_channels`]'s column of `table`.
pub(crate) fn decode_channels(
    table: &'static str,
    text: Option<String>,
) -> Result<Vec<String>, StoreError> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Corrupt {
            table,
            detail: format!("column channels: {e}"),
        }),
    }
}

fn corrupt(column: &str, e: serde_json::Error) -> StoreError {
    // The serde error names a position, never the secret text itself.
    StoreError::Corrupt {
        table: "endpoints",
        detail: format!("column {column}: {e}"),
    }
}
