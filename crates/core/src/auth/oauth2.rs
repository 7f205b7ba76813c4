//! OAuth2 token providers: the client-credentials and refresh-token grants (RFC 6749 §4.4, §6).
//!
//! Tokens are cached, renewed a margin before they expire (default 60 s), renewed once when a
//! request gets a 401, and fetched by one task at a time. `expires_in` is accepted as a number or
//! a string (Azure AD and others send strings). A rotated refresh token replaces the old one.

use std::{fmt, time::Duration};

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::{AccessToken, Auth, TokenProvider};
use crate::{
    client::Client,
    error::{Error, ErrorKind},
    secret::Secret,
};

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// HTTP Basic with the client id and secret (`client_secret_basic`, the RFC's default).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`).
    RequestBody,
}

/// Settings shared by both grants.
struct Endpoint {
    client: Client,
    token_url: Url,
    client_id: String,
    client_secret: Option<Secret>,
    auth_method: ClientAuthMethod,
    scopes: Vec<String>,
    margin: Duration,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("token_url", &crate::secret::redact(&self.token_url))
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("auth_method", &self.auth_method)
            .field("scopes", &self.scopes)
            .field("margin", &self.margin)
            .finish()
    }
}

impl Endpoint {
    fn new(
        client: Client,
        token_url: &str,
        client_id: String,
        client_secret: Option<Secret>,
    ) -> Result<Self, Error> {
        let token_url = Url::parse(token_url).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "OAuth2 token URL {} is invalid",
                    crate::secret::redact_url(token_url)
                ),
            )
            .with_source(e)
        })?;
        if !matches!(token_url.scheme(), "http" | "https") {
            return Err(Error::new(
                ErrorKind::Config,
                "OAuth2 token URL must be http or https",
            ));
        }
        if client_id.is_empty() {
            return Err(Error::new(ErrorKind::Config, "OAuth2 client id is empty"));
        }
        Ok(Self {
            client,
            token_url,
            client_id,
            client_secret,
            auth_method: ClientAuthMethod::Basic,
            scopes: Vec::new(),
            margin: Duration::from_secs(60),
        })
    }

    /// Posts a token request with the grant parameters; returns the token and any new refresh
    /// token.
    async fn request(
        &self,
        grant: &[(&str, &str)],
    ) -> Result<(AccessToken, Option<Secret>), Error> {
        let scope = self.scopes.join(" ");
        let mut form: Vec<(&str, &str)> = grant.to_vec();
        if !scope.is_empty() {
            form.push(("scope", &scope));
        }
        let mut req = self
            .client
            .post(self.token_url.as_str())
            .header(http::header::ACCEPT, "application/json");
        match (&self.auth_method, &self.client_secret) {
            (ClientAuthMethod::Basic, Some(secret)) => {
                let user = form_encode(&self.client_id);
                let pass = Secret::new(form_encode(secret.expose()));
                req = req.auth(Auth::basic(user, pass));
            }
            (ClientAuthMethod::RequestBody, Some(secret)) => {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", secret.expose()));
                req = req.auth(Auth::None);
            }
            (_, None) => {
                form.push(("client_id", &self.client_id));
                req = req.auth(Auth::None);
            }
        }
        let res = req.form(&form).send().await.map_err(auth_error)?;
        let status = res.status();
        let body = res.bytes().await.map_err(auth_error)?;
        let json: Value = serde_json::from_slice(&body).map_err(|e| {
            Error::new(
                ErrorKind::Auth,
                format!("token endpoint answered {status} with a body that is not JSON"),
            )
            .with_source(e)
        })?;
        if !status.is_success() {
            let code = json
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            let description = json
                .get("error_description")
                .and_then(Value::as_str)
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            return Err(Error::new(
                ErrorKind::Auth,
                format!("token endpoint answered {status}, error {code:?}{description}"),
            ));
        }
        parse_token_response(&json)
    }
}

/// Form-encodes a client credential as RFC 6749 §2.3.1 requires before Basic encoding.
fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn auth_error(e: Error) -> Error {
    Error::new(ErrorKind::Auth, "token request failed").with_source(e)
}

/// Reads `access_token`, `expires_in` (number or string) and `refresh_token`.
fn parse_token_response(json: &Value) -> Result<(AccessToken, Option<Secret>), Error> {
    let access = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Auth,
                "token response has no string field /access_token",
            )
        })?;
    let expires_in = match json.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => Some(s.trim().parse::<f64>().map_err(|_| {
            Error::new(
                ErrorKind::Auth,
                format!("token response field /expires_in is not a number: {s:?}"),
            )
        })?),
        Some(other) => {
            return Err(Error::new(
                ErrorKind::Auth,
                format!(
                    "token response field /expires_in has type {}",
                    type_name(other)
                ),
            ));
        }
    };
    let expires_in = match expires_in {
        Some(n) if n.is_finite() && n >= 0.0 => Some(Duration::from_secs_f64(n)),
        Some(n) => {
            return Err(Error::new(
                ErrorKind::Auth,
                format!("token response field /expires_in is out of range: {n}"),
            ));
        }
        None => None,
    };
    let refresh = json
        .get("refresh_token")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(Secret::new);
    Ok((AccessToken::new(access, expires_in), refresh))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The client-credentials grant: a service authenticates as itself.
///
/// Pass a [`Client`] that has no default [`Auth`] of its own (token requests set their own).
///
/// ```no_run
/// # async fn run() -> Result<(), switchboard_core::Error> {
/// use switchboard_core::{Auth, Client, auth::oauth2::ClientCredentials};
/// let http = Client::builder().build()?;
/// let provider = ClientCredentials::new(
///     http.clone(),
///     "https://auth.example.com/oauth/token",
///     "my-client",
///     "my-secret",
/// )?
/// .scopes(["read", "write"]);
/// let res = http.get("https://api.example.com/v1/me").auth(Auth::token(provider)).send().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ClientCredentials {
    endpoint: Endpoint,
    cache: Mutex<Option<AccessToken>>,
}

impl ClientCredentials {
    /// A provider for `token_url`; fails when the URL or client id is invalid.
    pub fn new(
        client: Client,
        token_url: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Result<Self, Error> {
        Ok(Self {
            endpoint: Endpoint::new(
                client,
                token_url,
                client_id.into(),
                Some(client_secret.into()),
            )?,
            cache: Mutex::new(None),
        })
    }

    /// The scopes to request.
    #[must_use]
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.endpoint.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// How the client authenticates to the token endpoint.
    #[must_use]
    pub fn auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.endpoint.auth_method = method;
        self
    }

    /// How long before expiry a token is renewed (default 60 s).
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.endpoint.margin = margin;
        self
    }

    async fn fetch(&self) -> Result<AccessToken, Error> {
        let (token, _) = self
            .endpoint
            .request(&[("grant_type", "client_credentials")])
            .await?;
        Ok(token)
    }
}

#[async_trait]
impl TokenProvider for ClientCredentials {
    async fn token(&self) -> Result<AccessToken, Error> {
        let mut cache = self.cache.lock().await;
        if let Some(token) = cache.as_ref().filter(|t| t.is_fresh(self.endpoint.margin)) {
            return Ok(token.clone());
        }
        let token = self.fetch().await?;
        *cache = Some(token.clone());
        Ok(token)
    }

    async fn refresh(&self, rejected: &AccessToken) -> Result<AccessToken, Error> {
        let mut cache = self.cache.lock().await;
        if let Some(token) = cache.as_ref()
            && token.secret().expose() != rejected.secret().expose()
            && token.is_fresh(self.endpoint.margin)
        {
            return Ok(token.clone());
        }
        let token = self.fetch().await?;
        *cache = Some(token.clone());
        Ok(token)
    }
}

/// The refresh-token grant: a user's long-lived refresh token buys short-lived access tokens.
#[derive(Debug)]
pub struct RefreshToken {
    endpoint: Endpoint,
    state: Mutex<RefreshState>,
}

#[derive(Debug)]
struct RefreshState {
    refresh_token: Secret,
    access: Option<AccessToken>,
}

impl RefreshToken {
    /// A provider for `token_url`; `client_secret` is `None` for public clients.
    pub fn new(
        client: Client,
        token_url: &str,
        client_id: impl Into<String>,
        client_secret: Option<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> Result<Self, Error> {
        let refresh_token = refresh_token.into();
        if refresh_token.is_empty() {
            return Err(Error::new(
                ErrorKind::Config,
                "OAuth2 refresh token is empty",
            ));
        }
        Ok(Self {
            endpoint: Endpoint::new(client, token_url, client_id.into(), client_secret)?,
            state: Mutex::new(RefreshState {
                refresh_token,
                access: None,
            }),
        })
    }

    /// The scopes to request (must not exceed those originally granted).
    #[must_use]
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.endpoint.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// How the client authenticates to the token endpoint.
    #[must_use]
    pub fn auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.endpoint.auth_method = method;
        self
    }

    /// How long before expiry a token is renewed (default 60 s).
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.endpoint.margin = margin;
        self
    }

    /// The current refresh token (it changes when the server rotates it).
    pub async fn current_refresh_token(&self) -> Secret {
        self.state.lock().await.refresh_token.clone()
    }

    async fn fetch(&self, state: &mut RefreshState) -> Result<AccessToken, Error> {
        let current = state.refresh_token.clone();
        let (token, rotated) = self
            .endpoint
            .request(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", current.expose()),
            ])
            .await?;
        if let Some(rotated) = rotated {
            state.refresh_token = rotated;
        }
        state.access = Some(token.clone());
        Ok(token)
    }
}

#[async_trait]
impl TokenProvider for RefreshToken {
    async fn token(&self) -> Result<AccessToken, Error> {
        let mut state = self.state.lock().await;
        if let Some(token) = state
            .access
            .as_ref()
            .filter(|t| t.is_fresh(self.endpoint.margin))
        {
            return Ok(token.clone());
        }
        self.fetch(&mut state).await
    }

    async fn refresh(&self, rejected: &AccessToken) -> Result<AccessToken, Error> {
        let mut state = self.state.lock().await;
        if let Some(token) = state.access.as_ref()
            && token.secret().expose() != rejected.secret().expose()
            && token.is_fresh(self.endpoint.margin)
        {
            return Ok(token.clone());
        }
        self.fetch(&mut state).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expires_in_as_number_or_string() {
        for v in [json!(3600), json!("3600"), json!(3600.0), json!(" 3600 ")] {
            let (t, _) =
                parse_token_response(&json!({"access_token": "a", "expires_in": v})).unwrap();
            assert!(t.expires_at().is_some());
        }
        let (t, r) = parse_token_response(&json!({"access_token": "a"})).unwrap();
        assert!(t.expires_at().is_none() && r.is_none());
        let err =
            parse_token_response(&json!({"access_token": "a", "expires_in": "soon"})).unwrap_err();
        assert!(err.message().contains("/expires_in"));
        let err = parse_token_response(&json!({"expires_in": 3})).unwrap_err();
        assert!(err.message().contains("/access_token"));
        let err =
            parse_token_response(&json!({"access_token": "a", "expires_in": [1]})).unwrap_err();
        assert!(err.message().contains("array"));
    }
}
