//! The Slack Web API client.

use std::sync::Arc;

use serde_json::Value;
use switchboard_core::{Auth, Client, ClientBuilder, Secret};
use url::Url;

use super::{
    error::{SlackApiError, SlackError, SlackErrorCode},
    limits::{SlackTier, retry_after},
    models::{PostMessage, PostedMessage},
};
use crate::common::{ApiResponse, ErrorKind, InputError, base_url, decode, join, read};

/// `https://slack.com/api`.
pub const DEFAULT_BASE_URL: &str = "https://slack.com/api";

/// A Slack Web API client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Slack {
    http: Client,
    base: Arc<Url>,
}

/// Configures a [`Slack`] client.
#[derive(Debug)]
#[must_use]
pub struct SlackBuilder {
    token: Secret,
    base_url: String,
    http: ClientBuilder,
}

impl Slack {
    /// A builder with a bot (`xoxb-`) or user (`xoxp-`) token.
    pub fn builder(token: impl Into<Secret>) -> SlackBuilder {
        SlackBuilder {
            token: token.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: Client::builder(),
        }
    }

    /// `chat.postMessage`.
    pub async fn post_message(&self, message: &PostMessage) -> Result<PostedMessage, SlackError> {
        message.validate()?;
        let res = self.call("chat.postMessage", message).await?;
        let mut posted: PostedMessage = decode(&res.body).map_err(SlackError::Decode)?;
        posted.warnings = warnings(posted.raw());
        Ok(posted)
    }

    /// Calls a Web API method with a JSON body; `ok:false` becomes [`SlackError::Api`].
    async fn call<B: serde::Serialize>(
        &self,
        method: &str,
        body: &B,
    ) -> Result<ApiResponse, SlackError> {
        let url = join(&self.base, &[method])?;
        let bytes = serde_json::to_vec(body).map_err(SlackError::Decode)?;
        let req = self
            .http
            .post(url.as_str())
            .header("content-type", "application/json; charset=utf-8")
            .body(bytes);
        let res = read(req.send().await?).await?;
        Self::answer(method, res).map(|(res, _)| res)
    }

    /// Calls a reading Web API method with its arguments in the query (the form Slack's
    /// reference gives for them: `GET`, form-encoded arguments).
    pub(super) async fn get(
        &self,
        method: &str,
        query: &[(&str, String)],
    ) -> Result<Value, SlackError> {
        let url = join(&self.base, &[method])?;
        let res = read(self.http.get(url.as_str()).query(query).send().await?).await?;
        Self::answer(method, res).map(|(_, json)| json)
    }

    /// Checks an answer: an HTTP error status, a 429 left after retries, or `ok:false`.
    fn answer(method: &str, res: ApiResponse) -> Result<(ApiResponse, Value), SlackError> {
        if ErrorKind::from_status(res.status) == ErrorKind::RateLimited {
            return Err(SlackError::RateLimited {
                method: method.to_owned(),
                tier: SlackTier::of(method),
                retry_after: retry_after(&res.headers),
            });
        }
        if !res.status.is_success() {
            return Err(SlackError::Status {
                status: res.status,
                body: res.snippet(),
                request_id: res.request_id.clone(),
            });
        }
        let json: Value = serde_json::from_slice(&res.body).map_err(SlackError::Decode)?;
        let warns = warnings(&json);
        if !warns.is_empty() {
            tracing::warn!(method, warnings = ?warns, "Slack sent warnings");
        }
        if json.get("ok").and_then(Value::as_bool) == Some(true) {
            return Ok((res, json));
        }
        let text = |key: &str| json.get(key).and_then(Value::as_str).map(str::to_owned);
        let code = text("error").unwrap_or_else(|| "unknown_error".to_owned());
        let messages = json
            .pointer("/response_metadata/messages")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Err(SlackError::Api(Box::new(SlackApiError {
            code: SlackErrorCode::from(code.as_str()),
            needed: text("needed"),
            provided: text("provided"),
            warnings: warns,
            messages,
            request_id: res.request_id,
        })))
    }
}

fn warnings(json: &Value) -> Vec<String> {
    let mut out: Vec<String> = json
        .get("warning")
        .and_then(Value::as_str)
        .map(|w| w.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    if let Some(list) = json
        .pointer("/response_metadata/warnings")
        .and_then(Value::as_array)
    {
        for w in list.iter().filter_map(Value::as_str) {
            if !out.iter().any(|o| o == w) {
                out.push(w.to_owned());
            }
        }
    }
    out
}

impl SlackBuilder {
    /// The API root (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The core client configuration to start from; Slack's auth is added to it.
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Slack, SlackError> {
        if self.token.is_empty() {
            return Err(InputError::new("token", "must not be empty").into());
        }
        let base = base_url(&self.base_url)?;
        Ok(Slack {
            http: self.http.auth(Auth::bearer(self.token)).build()?,
            base: Arc::new(base),
        })
    }
}
