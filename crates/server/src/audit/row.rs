//! What is recorded of a call: [`CallRecord`] as dispatch hands it over, [`NewCall`] as the
//! writer inserts it, with the arguments redacted ([`CallRecord::into_row`]), and [`CallRow`] as
//! the store gives it back. The stores insert any [`AsRow`], reading its fields as a borrowed
//! [`RowRef`], so writing a call copies none of its text.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;
use switchboard::functions::{Arguments, ToolRegistry};

use crate::http::caller::Caller;

/// What replaces a value that is never stored.
const REDACTED: &str = "[redacted]";

/// Longest canonical arguments text stored; longer arguments keep only their digest.
const MAX_ARGUMENTS_LEN: usize = 64 * 1024;

/// How a call reached the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `POST /tools/{name}`.
    Rest,
    /// MCP `tools/call`.
    Mcp,
    /// The console's Tools page (`/ui/tools/{name}`), tried by an operator.
    Console,
}

impl Transport {
    /// `rest`, `mcp` or `console`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Rest => "rest",
            Transport::Mcp => "mcp",
            Transport::Console => "console",
        }
    }
}

/// One finished call as dispatch knows it; the writer thread makes the row of it.
#[derive(Debug)]
pub struct CallRecord {
    /// When the call arrived.
    pub at: SystemTime,
    /// Who called.
    pub caller: Arc<Caller>,
    /// The tool asked for.
    pub tool: String,
    /// How the call came.
    pub transport: Transport,
    /// How it ended (one of [`OUTCOMES`](super::OUTCOMES)).
    pub outcome: &'static str,
    /// From arrival to outcome.
    pub duration: Duration,
    /// The arguments as received (never stored as they are).
    pub arguments: Arguments,
    /// Bytes of the tool's JSON output (0 when it failed or did not run).
    pub result_bytes: u64,
}

/// One stored call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRow {
    /// Assigned by the store (ignored on insert); with `at`, the order of the listing.
    pub id: i64,
    /// When the call arrived, microseconds since the Unix epoch.
    pub at_us: i64,
    /// The token's name (`None` when the gateway has no tokens).
    pub token: Option<String>,
    /// The user's id, when known.
    pub user_id: Option<String>,
    /// The user's email, when known.
    pub email: Option<String>,
    /// The user's display name, when known.
    pub user_name: Option<String>,
    /// The user's role, when known.
    pub role: Option<String>,
    /// The chat id the caller reported.
    pub chat_id: Option<String>,
    /// The message id the caller reported.
    pub message_id: Option<String>,
    /// The tool asked for.
    pub tool: String,
    /// `rest`, `mcp` or `console`.
    pub transport: String,
    /// How the call ended.
    pub outcome: String,
    /// From arrival to outcome, in microseconds.
    pub duration_us: i64,
    /// SHA-256 (hex) of the stored canonical arguments; `None` when they were not JSON.
    pub arguments_sha256: Option<String>,
    /// The redacted arguments as canonical JSON (keys sorted, no spaces); `None` when they were
    /// not JSON or longer than 64 KiB.
    pub arguments: Option<String>,
    /// Bytes of the tool's JSON output.
    pub result_bytes: i64,
}

impl CallRow {
    /// Who called, in one word: the user's email or id, else the token's name, else
    /// `anonymous`.
    pub fn caller_label(&self) -> &str {
        self.email
            .as_deref()
            .or(self.user_id.as_deref())
            .or(self.token.as_deref())
            .unwrap_or("anonymous")
    }
}

/// One row's columns as the stores bind them, every text borrowed.
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a> {
    /// See [`CallRow::at_us`].
    pub at_us: i64,
    /// See [`CallRow::token`].
    pub token: Option<&'a str>,
    /// See [`CallRow::user_id`].
    pub user_id: Option<&'a str>,
    /// See [`CallRow::email`].
    pub email: Option<&'a str>,
    /// See [`CallRow::user_name`].
    pub user_name: Option<&'a str>,
    /// See [`CallRow::role`].
    pub role: Option<&'a str>,
    /// See [`CallRow::chat_id`].
    pub chat_id: Option<&'a str>,
    /// See [`CallRow::message_id`].
    pub message_id: Option<&'a str>,
    /// See [`CallRow::tool`].
    pub tool: &'a str,
    /// See [`CallRow::transport`].
    pub transport: &'a str,
    /// See [`CallRow::outcome`].
    pub outcome: &'a str,
    /// See [`CallRow::duration_us`].
    pub duration_us: i64,
    /// See [`CallRow::arguments_sha256`], as the 32 bytes of the digest.
    pub arguments_sha256: Option<[u8; 32]>,
    /// See [`CallRow::arguments`].
    pub arguments: Option<&'a str>,
    /// See [`CallRow::result_bytes`].
    pub result_bytes: i64,
}

/// What the stores insert: a [`NewCall`] (the writer) or a [`CallRow`] (a row read back, or built
/// by a test).
pub trait AsRow: Send + Sync + 'static {
    /// The columns to store (the id is the store's to assign).
    ///
    /// # Errors
    /// A column cannot be stored as it is (a [`CallRow`]'s digest that is not 64 hex digits).
    fn as_row(&self) -> anyhow::Result<RowRef<'_>>;
}

impl AsRow for CallRow {
    fn as_row(&self) -> anyhow::Result<RowRef<'_>> {
        let arguments_sha256 = self
            .arguments_sha256
            .as_deref()
            .map(|hex| {
                digest_from_hex(hex)
                    .ok_or_else(|| anyhow::anyhow!("arguments_sha256 {hex:?} is not 64 hex digits"))
            })
            .transpose()?;
        Ok(RowRef {
            at_us: self.at_us,
            token: self.token.as_deref(),
            user_id: self.user_id.as_deref(),
            email: self.email.as_deref(),
            user_name: self.user_name.as_deref(),
            role: self.role.as_deref(),
            chat_id: self.chat_id.as_deref(),
            message_id: self.message_id.as_deref(),
            tool: &self.tool,
            transport: &self.transport,
            outcome: &self.outcome,
            duration_us: self.duration_us,
            arguments_sha256,
            arguments: self.arguments.as_deref(),
            result_bytes: self.result_bytes,
        })
    }
}

/// A finished call ready to insert: the record's caller, tool and outcome as they are (shared,
/// not copied), with its arguments redacted, canonical and hashed.
#[derive(Debug)]
pub struct NewCall {
    at_us: i64,
    caller: Arc<Caller>,
    tool: String,
    transport: Transport,
    outcome: &'static str,
    duration_us: i64,
    arguments_sha256: Option<[u8; 32]>,
    arguments: Option<String>,
    result_bytes: i64,
}

impl AsRow for NewCall {
    fn as_row(&self) -> anyhow::Result<RowRef<'_>> {
        let user = self.caller.user.as_ref();
        Ok(RowRef {
            at_us: self.at_us,
            token: self.caller.token_name(),
            user_id: user.map(|u| u.id.as_str()),
            email: user.and_then(|u| u.email.as_deref()),
            user_name: user.and_then(|u| u.name.as_deref()),
            role: user.and_then(|u| u.role.as_deref()),
            chat_id: self.caller.chat_id.as_deref(),
            message_id: self.caller.message_id.as_deref(),
            tool: &self.tool,
            transport: self.transport.as_str(),
            outcome: self.outcome,
            duration_us: self.duration_us,
            arguments_sha256: self.arguments_sha256,
            arguments: self.arguments.as_deref(),
            result_bytes: self.result_bytes,
        })
    }
}

/// Microseconds since the Unix epoch (0 before it, saturating far after it).
pub(crate) fn micros(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

impl CallRecord {
    /// The row to store: the arguments parsed, redacted (the tool's `x-secret` fields, then
    /// every field named in `redact_fields`, lowercase) and hashed; the rest kept as it is.
    pub fn into_row(self, registry: &ToolRegistry, redact_fields: &[String]) -> NewCall {
        let parsed = match self.arguments {
            Arguments::Value(v) => Some(v),
            Arguments::Text(text) => serde_json::from_str::<Value>(&text).ok(),
            // Malformed (or a kind this gateway does not know): nothing to store.
            _ => None,
        };
        let canonical = parsed.map(|value| {
            let mut value = registry.redact_arguments(&self.tool, value);
            redact_named(&mut value, redact_fields);
            canonical_json(&value)
        });
        let arguments_sha256 = canonical.as_deref().map(sha256);
        let arguments = canonical.filter(|text| text.len() <= MAX_ARGUMENTS_LEN);
        NewCall {
            at_us: micros(self.at),
            caller: self.caller,
            tool: self.tool,
            transport: self.transport,
            outcome: self.outcome,
            duration_us: i64::try_from(self.duration.as_micros()).unwrap_or(i64::MAX),
            arguments_sha256,
            arguments,
            result_bytes: i64::try_from(self.result_bytes).unwrap_or(i64::MAX),
        }
    }
}

/// Replaces the value of every object field named in `fields` (lowercase), at any depth.
fn redact_named(value: &mut Value, fields: &[String]) {
    if fields.is_empty() {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if fields.iter().any(|f| key.eq_ignore_ascii_case(f)) {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_named(v, fields);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_named(v, fields)),
        _ => {}
    }
}

/// `value` as compact JSON with every object's keys in byte order, so equal arguments give equal
/// text (and digest) whatever order they were sent in. `serde_json`'s map keeps its keys sorted
/// (its `preserve_order` feature is off in this workspace; the test below fails if it is turned
/// on), so plain serialisation is canonical.
fn canonical_json(value: &Value) -> String {
    // `to_string` goes through `Display` and the formatting machinery; this writes the bytes
    // directly (a value tree always serialises).
    serde_json::to_string(value).unwrap_or_default()
}

fn sha256(text: &str) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    let mut out = [0; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// The 32 bytes of a digest written as [`CallRow::arguments_sha256`] shows it (hex, either
/// case); `None` when `text` is not 64 hex digits.
fn digest_from_hex(text: &str) -> Option<[u8; 32]> {
    let mut out = [0; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn named_fields_are_redacted_at_any_depth_whatever_their_case() {
        let mut value = json!({"Password": "p1", "nested": [{"password": "p2", "keep": 1}]});
        redact_named(&mut value, &["password".to_owned()]);
        assert_eq!(
            value,
            json!({"Password": REDACTED, "nested": [{"password": REDACTED, "keep": 1}]})
        );
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a: Value = serde_json::from_str(r#"{"b": {"y": 1, "x": 2}, "a": [3]}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":[3],"b":{"x":2,"y":1}}"#);
    }

    #[test]
    fn the_digest_is_sha256_shown_as_hex() {
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hex::encode(sha256("abc")), hex);
        assert_eq!(digest_from_hex(hex), Some(sha256("abc")));
        assert_eq!(digest_from_hex(&hex.to_uppercase()), Some(sha256("abc")));
        assert_eq!(digest_from_hex(&hex[1..]), None);
        assert_eq!(digest_from_hex(&hex.replace('a', "g")), None);
    }
}
