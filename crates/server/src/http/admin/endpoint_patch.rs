//! `PATCH /admin/endpoints/{id}`: a JSON merge patch (RFC 7396) of an endpoint's settings.
//!
//! A field left out stays as it is; `null` clears what can be cleared (description, event
//! filter → all types, channel filter → every message, headers, rate limit, metadata) and resets `max_in_flight` to its
//! default. `headers` and `metadata` merge key by key, as the RFC says for objects: a key set
//! to `null` is removed, others are set. Shape errors are answered 400 with the JSON pointer
//! of the value; the settings are then checked by the manager exactly as at creation.

use std::collections::BTreeMap;

use http::StatusCode;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};
use switchboard::webhooks::delivery::{
    DEFAULT_MAX_IN_FLIGHT, Endpoint, EndpointUpdate, EventFilter,
};

use crate::http::error::ApiError;

/// Fields an endpoint shows but a patch cannot set, with where to change them instead.
const READ_ONLY: &[(&str, &str)] = &[
    ("id", "the id never changes"),
    (
        "name",
        "the name never changes; it links the endpoint to its config entry",
    ),
    ("secret", "use POST /admin/endpoints/{id}/rotate-secret"),
    ("keys", "use POST /admin/endpoints/{id}/rotate-secret"),
    ("enabled", "set \"disabled\" instead"),
    ("origin", "the origin is recorded at creation"),
    ("disabled_reason", "it is recorded by the gateway"),
    ("failing_since", "it is recorded by the gateway"),
    ("created_at", "it is recorded by the gateway"),
    ("updated_at", "it is recorded by the gateway"),
];

/// The patch as received: any JSON, read field by field by [`endpoint_update`]; documented as
/// `super::openapi::EndpointPatch`.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub(super) struct MergePatch(pub(super) Value);

impl JsonSchema for MergePatch {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        super::openapi::EndpointPatch::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        super::openapi::EndpointPatch::json_schema(generator)
    }
}

fn bad(pointer: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        format!("{pointer}: {message}"),
    )
}

/// The update that `patch` asks of `current`; 400 naming the field or pointer when the patch
/// is not an object, names a field that is unknown or read-only, or has a value of the wrong
/// shape.
pub(super) fn endpoint_update(
    patch: &Value,
    current: &Endpoint,
) -> Result<EndpointUpdate, ApiError> {
    let Value::Object(fields) = patch else {
        return Err(bad("body", "a merge patch must be a JSON object"));
    };
    let mut update = EndpointUpdate::new();
    for (field, value) in fields {
        let pointer = format!("/{field}");
        update = match field.as_str() {
            "url" => update.url(text(&pointer, value)?),
            "description" => update.description(optional_text(&pointer, value)?),
            "events" => update.events(events(&pointer, value)?),
            "channels" => update.channels(channels(&pointer, value)?),
            "headers" => {
                let old = current.headers.iter().cloned().collect::<BTreeMap<_, _>>();
                let merged = merge_map(&pointer, old, value, true)?;
                update.headers(merged.into_iter().collect())
            }
            "metadata" => {
                update.metadata(merge_map(&pointer, current.metadata.clone(), value, false)?)
            }
            "max_in_flight" => update.max_in_flight(match value {
                Value::Null => DEFAULT_MAX_IN_FLIGHT,
                v => count(&pointer, v)?,
            }),
            "rate_limit" => update.rate_limit(match value {
                Value::Null => None,
                v => Some(count(&pointer, v)?),
            }),
            "ordered" => match value {
                Value::Bool(b) => update.ordered(*b),
                Value::Null => update.ordered(false),
                _ => return Err(bad(&pointer, "must be true or false")),
            },
            "disabled" => match value {
                Value::Bool(b) => update.enabled(!b),
                _ => return Err(bad(&pointer, "must be true or false")),
            },
            other => {
                return Err(match READ_ONLY.iter().find(|(name, _)| *name == other) {
                    Some((_, hint)) => bad(&pointer, format!("{other:?} is read-only: {hint}")),
                    None => bad(
                        &pointer,
                        format!(
                            "unknown field {other:?}; known: url, description, events, \
                             channels, headers, metadata, max_in_flight, rate_limit, ordered, disabled"
                        ),
                    ),
                });
            }
        };
    }
    Ok(update)
}

fn text(pointer: &str, value: &Value) -> Result<String, ApiError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Err(bad(pointer, "cannot be cleared")),
        _ => Err(bad(pointer, "must be a string")),
    }
}

fn optional_text(pointer: &str, value: &Value) -> Result<Option<String>, ApiError> {
    match value {
        Value::Null => Ok(None),
        v => text(pointer, v).map(Some),
    }
}

/// `null` or `[]`: every event type (as at creation); a list of strings: those types.
fn events(pointer: &str, value: &Value) -> Result<EventFilter, ApiError> {
    let items = match value {
        Value::Null => return Ok(EventFilter::All),
        Value::Array(items) => items,
        _ => return Err(bad(pointer, "must be a list of event types or null")),
    };
    if items.is_empty() {
        return Ok(EventFilter::All);
    }
    let types = items
        .iter()
        .enumerate()
        .map(|(i, item)| text(&format!("{pointer}/{i}"), item))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EventFilter::Only(types))
}

/// `null` or `[]`: every message, whatever its channels; a list of strings: those channels.
fn channels(pointer: &str, value: &Value) -> Result<Vec<String>, ApiError> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| text(&format!("{pointer}/{i}"), item))
            .collect(),
        _ => Err(bad(pointer, "must be a list of channels or null")),
    }
}

fn count(pointer: &str, value: &Value) -> Result<u32, ApiError> {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| bad(pointer, "must be a whole number from 1 to 4294967295"))
}

/// `null` clears; an object merges into `old` (a key set to `null` is removed). Keys match
/// regardless of case when `ignore_case` (header names), the patch's spelling winning.
fn merge_map(
    pointer: &str,
    mut old: BTreeMap<String, String>,
    value: &Value,
    ignore_case: bool,
) -> Result<BTreeMap<String, String>, ApiError> {
    let changes: &Map<String, Value> = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Object(changes) => changes,
        _ => return Err(bad(pointer, "must be an object of strings or null")),
    };
    for (key, change) in changes {
        if ignore_case {
            old.retain(|k, _| !k.eq_ignore_ascii_case(key));
        } else {
            old.remove(key);
        }
        match change {
            Value::Null => {}
            Value::String(s) => {
                old.insert(key.clone(), s.clone());
            }
            _ => {
                return Err(bad(
                    &format!("{pointer}/{}", escape(key)),
                    "must be a string or null",
                ));
            }
        }
    }
    Ok(old)
}

/// A key as a JSON pointer token (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
