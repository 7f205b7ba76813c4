//! Catch Hook triggers: `POST https://hooks.zapier.com/hooks/catch/{account}/{hook}/`.

use serde::Deserialize;
use serde_json::Value;
use switchboard_core::{Client, ClientBuilder, http::Method};

use super::ZapierError;
use super::error::send;
use crate::WebhookUrl;
use crate::common::InputError;

/// A Zap's Catch Hook ("Webhooks by Zapier" trigger). The URL is the credential and is never
/// shown; `/silent/` hooks are accepted too.
#[derive(Debug, Clone)]
pub struct CatchHook {
    client: Client,
    url: WebhookUrl,
}

/// Configures a [`CatchHook`].
#[derive(Debug)]
#[must_use]
pub struct CatchHookBuilder {
    url: WebhookUrl,
    http: ClientBuilder,
}

/// What Zapier answers when it accepts a hook call. It answers this even when the Zap is off
/// or paused, so a receipt proves receipt, not that the Zap ran. A `/silent/` hook sends an
/// empty body: every field is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HookReceipt {
    /// Zapier's id for the call.
    #[serde(default)]
    pub id: Option<String>,
    /// The request id, for Zapier support.
    #[serde(default)]
    pub request_id: Option<String>,
    /// The attempt id.
    #[serde(default)]
    pub attempt: Option<String>,
    /// `success` when accepted.
    #[serde(default)]
    pub status: Option<String>,
}

impl CatchHook {
    /// A builder for the hook at `url`, which must be a Catch Hook path (`/hooks/catch/…`).
    pub fn builder(url: WebhookUrl) -> CatchHookBuilder {
        CatchHookBuilder {
            url,
            http: Client::builder(),
        }
    }

    /// Posts `payload` (a JSON object, or an array of objects, which Zapier splits into one
    /// trigger each) to the hook.
    ///
    /// # Errors
    /// [`ZapierError::InvalidInput`] for any other JSON value; [`ZapierError::Api`] for a
    /// refusal (429 above Zapier's per-user limit is retried by the client when it says how
    /// long).
    pub async fn trigger(&self, payload: &Value) -> Result<HookReceipt, ZapierError> {
        let ok = match payload {
            Value::Object(_) => true,
            Value::Array(items) => !items.is_empty() && items.iter().all(Value::is_object),
            _ => false,
        };
        if !ok {
            return Err(InputError::new(
                "payload",
                "must be a JSON object or a non-empty array of objects",
            )
            .into());
        }
        let req = self
            .client
            .request_url(Method::POST, self.url.expose().clone())
            .json(payload);
        let res = send(req).await?;
        if res.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(HookReceipt::default());
        }
        serde_json::from_slice(&res.body).map_err(ZapierError::Decode)
    }
}

impl CatchHookBuilder {
    /// The core client configuration to start from (timeouts, retry policy, SSRF policy,
    /// sleeper).
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the hook.
    ///
    /// # Errors
    /// [`ZapierError::InvalidInput`] when the path is not a Catch Hook; [`ZapierError::Http`]
    /// when the client settings are refused.
    pub fn build(self) -> Result<CatchHook, ZapierError> {
        if !self.url.expose().path().starts_with("/hooks/catch/") {
            return Err(InputError::new(
                "url",
                format!(
                    "{} is not a Zapier Catch Hook URL (/hooks/catch/…)",
                    self.url
                ),
            )
            .into());
        }
        Ok(CatchHook {
            client: self.http.build()?,
            url: self.url,
        })
    }
}
