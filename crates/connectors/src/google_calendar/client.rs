//! The Google Calendar client and its OAuth2 set-up.

use std::sync::Arc;

use switchboard_core::{
    Auth, Client, ClientBuilder, RequestBuilder, Secret,
    auth::oauth2::{ClientAuthMethod, RefreshToken},
};
use url::Url;

use super::{
    error::{GoogleApiError, GoogleCalendarError},
    limits::GoogleRateLimits,
    models::{Event, NewEvent, SendUpdates},
};
use crate::common::{ApiResponse, InputError, base_url, decode, join, read};

/// `https://www.googleapis.com/calendar/v3`.
pub const DEFAULT_BASE_URL: &str = "https://www.googleapis.com/calendar/v3";
/// Google's OAuth2 token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

/// A Google Calendar client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GoogleCalendar {
    pub(super) http: Client,
    pub(super) base: Arc<Url>,
}

#[derive(Debug)]
enum Credentials {
    None,
    Refresh {
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
    },
    Auth(Auth),
}

/// Configures a [`GoogleCalendar`] client.
#[derive(Debug)]
#[must_use]
pub struct GoogleCalendarBuilder {
    credentials: Credentials,
    token_url: String,
    token_client: Option<Client>,
    base_url: String,
    http: ClientBuilder,
}

impl GoogleCalendar {
    /// A builder; choose credentials with
    /// [`oauth_refresh_token`](GoogleCalendarBuilder::oauth_refresh_token) or
    /// [`auth`](GoogleCalendarBuilder::auth).
    pub fn builder() -> GoogleCalendarBuilder {
        GoogleCalendarBuilder {
            credentials: Credentials::None,
            token_url: DEFAULT_TOKEN_URL.to_owned(),
            token_client: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: Client::builder(),
        }
    }

    /// `POST /calendars/{calendar_id}/events` (`calendar_id` may be `primary`).
    pub async fn insert_event(
        &self,
        calendar_id: &str,
        event: &NewEvent,
        send_updates: Option<SendUpdates>,
    ) -> Result<Event, GoogleCalendarError> {
        check_calendar_id(calendar_id)?;
        let body = event.body()?;
        let url = join(&self.base, &["calendars", calendar_id, "events"])?;
        let mut req = self.http.post(url.as_str());
        if let Some(s) = send_updates {
            req = req.query(&[("sendUpdates", s.as_str())]);
        }
        let res = self.send(req.json(&body)).await?;
        decode(&res.body).map_err(GoogleCalendarError::Decode)
    }

    /// Sends `req` and reads the answer; an error status becomes [`GoogleCalendarError::Api`].
    pub(super) async fn send(
        &self,
        req: RequestBuilder,
    ) -> Result<ApiResponse, GoogleCalendarError> {
        let res = read(req.send().await?).await?;
        if res.status.is_success() {
            Ok(res)
        } else {
            Err(GoogleCalendarError::Api(Box::new(
                GoogleApiError::from_response(&res),
            )))
        }
    }
}

/// Checks a calendar id (`primary`, an email-like id) before it becomes a path segment.
pub(super) fn check_calendar_id(id: &str) -> Result<(), InputError> {
    if id.trim().is_empty() || id.chars().any(char::is_whitespace) {
        return Err(InputError::new(
            "calendar_id",
            format!(
                "{id:?} is not a calendar id (\"primary\", or an id like team@group.calendar.google.com)"
            ),
        ));
    }
    Ok(())
}

impl GoogleCalendarBuilder {
    /// OAuth2 refresh-token credentials (from a consent with `access_type=offline`); access
    /// tokens are fetched from the token endpoint, renewed before they expire and once when a
    /// request gets a 401.
    pub fn oauth_refresh_token(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> Self {
        self.credentials = Credentials::Refresh {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
        };
        self
    }

    /// Any other authentication, e.g. `Auth::token` with your own provider, or
    /// `Auth::bearer` with an access token you renew yourself.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.credentials = Credentials::Auth(auth);
        self
    }

    /// The token endpoint (default [`DEFAULT_TOKEN_URL`]).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// The client that calls the token endpoint (default: core's default client).
    pub fn token_client(mut self, client: Client) -> Self {
        self.token_client = Some(client);
        self
    }

    /// The API root (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The core client configuration to start from; auth and the rate-limit hook are added.
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<GoogleCalendar, GoogleCalendarError> {
        let base = base_url(&self.base_url)?;
        let auth = match self.credentials {
            Credentials::None => {
                return Err(InputError::new(
                    "credentials",
                    "set oauth_refresh_token(…) or auth(…)",
                )
                .into());
            }
            Credentials::Auth(auth) => auth,
            Credentials::Refresh {
                client_id,
                client_secret,
                refresh_token,
            } => {
                if client_id.trim().is_empty() {
                    return Err(InputError::new("client_id", "must not be blank").into());
                }
                base_url(&self.token_url).map_err(|e| InputError::new("token_url", e.reason()))?;
                let token_client = match self.token_client {
                    Some(c) => c,
                    None => Client::builder().build()?,
                };
                let provider = RefreshToken::new(
                    token_client,
                    &self.token_url,
                    client_id,
                    Some(client_secret),
                    refresh_token,
                )?
                .auth_method(ClientAuthMethod::RequestBody);
                Auth::token(provider)
            }
        };
        Ok(GoogleCalendar {
            http: self
                .http
                .auth(auth)
                .rate_limit_hook(Arc::new(GoogleRateLimits))
                .build()?,
            base: Arc::new(base),
        })
    }
}
