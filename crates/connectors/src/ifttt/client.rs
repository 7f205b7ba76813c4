//! The Maker Webhooks client: `POST /trigger/{event}/with/key/{key}` and
//! `POST /trigger/{event}/json/with/key/{key}`.

use serde::Serialize;
use serde_json::Value;
use switchboard_core::{Client, ClientBuilder, REDACTED, Secret, http::Method};
use url::Url;

use super::{IftttApiError, IftttError};
use crate::common::{InputError, base_url, join, read};

/// The public service.
const DEFAULT_BASE: &str = "https://maker.ifttt.com/";
/// Longest event name accepted.
const MAX_EVENT: usize = 100;

/// The IFTTT Webhooks service with one Maker key, firing only the events it was built to
/// allow: a Maker key can fire every applet of its account, so the allow-list belongs to the
/// client and holds for direct calls and for the `ifttt_trigger` tool alike.
#[derive(Debug, Clone)]
pub struct Ifttt {
    client: Client,
    base: Url,
    key: Secret,
    allowed_events: Vec<String>,
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

/// Configures an [`Ifttt`] client.
#[derive(Debug)]
#[must_use]
pub struct IftttBuilder {
    key: Secret,
    base_url: String,
    allowed_events: Vec<String>,
    http: ClientBuilder,
}

impl Ifttt {
    /// A builder for `maker.ifttt.com` with `key` (from the Webhooks service settings).
    pub fn builder(key: impl Into<Secret>) -> IftttBuilder {
        IftttBuilder {
            key: key.into(),
            base_url: DEFAULT_BASE.to_owned(),
            allowed_events: Vec::new(),
            http: Client::builder(),
        }
    }

    /// The events this client fires, in the order they were allowed.
    pub fn allowed_events(&self) -> &[String] {
        &self.allowed_events
    }

    /// Fires `event` with up to three values (sent as a JSON body).
    ///
    /// # Errors
    /// [`IftttError::InvalidInput`] for an event the client does not allow, else the status
    /// or transport error.
    pub async fn trigger(&self, event: &str, values: &Values) -> Result<String, IftttError> {
        let body =
            serde_json::to_value(values).map_err(|e| InputError::new("values", e.to_string()))?;
        self.post(event, "with", &body).await
    }

    /// Fires `event` through the JSON variant: `payload` (an object) reaches the applet
    /// as-is instead of being split into `value1..value3`.
    ///
    /// # Errors
    /// As for [`trigger`](Self::trigger), or when `payload` is not a JSON object.
    pub async fn trigger_json(&self, event: &str, payload: &Value) -> Result<String, IftttError> {
        if !payload.is_object() {
            return Err(InputError::new("payload", "must be a JSON object").into());
        }
        self.post(event, "json/with", payload).await
    }

    async fn post(&self, event: &str, variant: &str, body: &Value) -> Result<String, IftttError> {
        if !self.allowed_events.iter().any(|e| e == event) {
            return Err(InputError::new(
                "event",
                format!("{event:?} is not one of {}", self.allowed_events.join(", ")),
            )
            .into());
        }
        let mut segments = vec!["trigger", event];
        segments.extend(variant.split('/'));
        segments.extend(["key", self.key.expose()]);
        let url = join(&self.base, &segments)?;
        let res = read(
            self.client
                .request_url(Method::POST, url)
                .json(body)
                .send()
                .await?,
        )
        .await?;
        let scrub = |text: &str| text.replace(self.key.expose(), REDACTED);
        if res.status.is_success() {
            // "Congratulations! You've fired the {event} event" (or "… {event} JSON event").
            return Ok(scrub(String::from_utf8_lossy(&res.body).trim()));
        }
        Err(IftttApiError::from_response(&res, scrub).into())
    }
}

/// Event names and keys: 1..=`max` characters of letters, digits, `-` and `_`, so they are
/// one path segment and need no encoding.
fn check_name(field: &'static str, value: &str, max: usize) -> Result<(), InputError> {
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(InputError::new(
            field,
            format!("must have 1 to {max} characters"),
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(InputError::new(
            field,
            "may contain only letters, digits, '-' and '_'",
        ));
    }
    Ok(())
}

impl IftttBuilder {
    /// Another base URL than `https://maker.ifttt.com/` (a proxy, a test server).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The events the client may fire (at least one; each 1 to 100 letters, digits, `-` and
    /// `_`). Any other event is refused before a request is made.
    pub fn allowed_events<I, S>(mut self, events: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_events = events.into_iter().map(Into::into).collect();
        self
    }

    /// The core client configuration to start from (timeouts, retry policy, SSRF policy,
    /// sleeper).
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`IftttError::InvalidInput`] when the key or an allowed event is empty or not made of
    /// letters, digits, `-` and `_`, no event is allowed, or the base URL is not http(s);
    /// [`IftttError::Http`] when the client settings are refused.
    pub fn build(self) -> Result<Ifttt, IftttError> {
        check_name("key", self.key.expose(), 200)?;
        if self.allowed_events.is_empty() {
            return Err(InputError::new(
                "allowed_events",
                "must name at least one event: the client fires only the events it allows",
            )
            .into());
        }
        for event in &self.allowed_events {
            check_name("allowed_events", event, MAX_EVENT)?;
        }
        Ok(Ifttt {
            base: base_url(self.base_url.trim())?,
            client: self.http.build()?,
            key: self.key,
            allowed_events: self.allowed_events,
        })
    }
}
