//! The Maker Webhooks client: `POST /trigger/{event}/with/key/{key}` and
//! `POST /trigger/{event}/json/with/key/{key}`.

use serde::Serialize;
use serde_json::Value;
use switchboard_core::{Client, REDACTED, Secret, http::Method};
use url::Url;

use super::IftttError;
use crate::hook_url::describe;
use crate::text::truncate_chars;

/// The public service.
const DEFAULT_BASE: &str = "https://maker.ifttt.com/";
/// Longest event name accepted.
const MAX_EVENT: usize = 100;

/// The IFTTT Webhooks service with one Maker key.
#[derive(Debug, Clone)]
pub struct Ifttt {
    client: Client,
    base: Url,
    key: Secret,
}

/// The three values an applet receives as the Value1–Value3 ingredients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Values {
    #[serde(skip_serializing_if = "Option::is_none")]
    value1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value3: Option<String>,
}

impl Values {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `value1`.
    #[must_use]
    pub fn value1(mut self, v: impl Into<String>) -> Self {
        self.value1 = Some(v.into());
        self
    }

    /// Sets `value2`.
    #[must_use]
    pub fn value2(mut self, v: impl Into<String>) -> Self {
        self.value2 = Some(v.into());
        self
    }

    /// Sets `value3`.
    #[must_use]
    pub fn value3(mut self, v: impl Into<String>) -> Self {
        self.value3 = Some(v.into());
        self
    }
}

impl Ifttt {
    /// A client for `maker.ifttt.com` with `key` (from the Webhooks service settings).
    ///
    /// # Errors
    /// [`IftttError::InvalidInput`] when the key is empty or not made of letters, digits, `-`
    /// and `_`.
    pub fn new(client: Client, key: impl Into<Secret>) -> Result<Self, IftttError> {
        Self::with_base_url(client, key, DEFAULT_BASE)
    }

    /// As [`new`](Self::new) against another base URL (a proxy, a test server).
    ///
    /// # Errors
    /// As for [`new`](Self::new), or when `base_url` is not an http(s) URL.
    pub fn with_base_url(
        client: Client,
        key: impl Into<Secret>,
        base_url: &str,
    ) -> Result<Self, IftttError> {
        let key = key.into();
        check_name("key", key.expose(), 200)?;
        let mut base = Url::parse(base_url.trim()).map_err(|e| IftttError::InvalidInput {
            field: "base_url",
            reason: format!("not a URL ({e})"),
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(IftttError::InvalidInput {
                field: "base_url",
                reason: "must be an http(s) URL with a host".into(),
            });
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        Ok(Self { client, base, key })
    }

    /// Fires `event` with up to three values (sent as a JSON body).
    ///
    /// # Errors
    /// [`IftttError::InvalidInput`] for an empty or invalid event name, else the status or
    /// transport error.
    pub async fn trigger(&self, event: &str, values: &Values) -> Result<String, IftttError> {
        let body = serde_json::to_value(values).map_err(|e| IftttError::InvalidInput {
            field: "values",
            reason: e.to_string(),
        })?;
        self.post(event, "with", &body).await
    }

    /// Fires `event` through the JSON variant: `payload` (an object) reaches the applet
    /// as-is instead of being split into `value1..value3`.
    ///
    /// # Errors
    /// As for [`trigger`](Self::trigger), or when `payload` is not a JSON object.
    pub async fn trigger_json(&self, event: &str, payload: &Value) -> Result<String, IftttError> {
        if !payload.is_object() {
            return Err(IftttError::InvalidInput {
                field: "payload",
                reason: "must be a JSON object".into(),
            });
        }
        self.post(event, "json/with", payload).await
    }

    async fn post(&self, event: &str, variant: &str, body: &Value) -> Result<String, IftttError> {
        check_name("event", event, MAX_EVENT)?;
        let url = self
            .base
            .join(&format!(
                "trigger/{event}/{variant}/key/{}",
                self.key.expose()
            ))
            .map_err(|e| IftttError::InvalidInput {
                field: "base_url",
                reason: e.to_string(),
            })?;
        let scrub = |text: &str| text.replace(self.key.expose(), REDACTED);
        let transport = |e: switchboard_core::Error| IftttError::Transport {
            detail: scrub(&describe(&e)),
        };
        let res = self
            .client
            .request_url(Method::POST, url)
            .json(body)
            .send()
            .await
            .map_err(transport)?;
        let status = res.status();
        let text = res.text().await.map_err(transport)?;
        let text = scrub(text.trim());
        if status.is_success() {
            // "Congratulations! You've fired the {event} event" (or "… {event} JSON event").
            return Ok(text);
        }
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| {
                v.get("errors")
                    .and_then(|e| e.get(0))
                    .and_then(|e| e.get("message"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| (!text.is_empty()).then(|| text.clone()))
            .map(|m| truncate_chars(&m, 300));
        Err(IftttError::Status {
            status: status.as_u16(),
            message,
        })
    }
}

/// Event names and keys: 1..=`max` characters of letters, digits, `-` and `_`, so they are
/// one path segment and need no encoding.
fn check_name(field: &'static str, value: &str, max: usize) -> Result<(), IftttError> {
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(IftttError::InvalidInput {
            field,
            reason: format!("must have 1 to {max} characters"),
        });
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(IftttError::InvalidInput {
            field,
            reason: "may contain only letters, digits, '-' and '_'".into(),
        });
    }
    Ok(())
}
