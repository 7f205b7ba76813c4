//! Request authentication: basic, bearer, API keys in a header or the query, and token
//! providers (OAuth2) that refresh credentials.

pub mod oauth2;
mod token;

use std::sync::Arc;

use base64::Engine as _;
use http::{HeaderName, HeaderValue};

pub use token::{AccessToken, TokenProvider};

use crate::{
    error::{Error, ErrorKind},
    secret::Secret,
};

/// How a request proves who sends it.
///
/// Every variant keeps its credential in a [`Secret`], so `Debug` never shows it, and header
/// values are marked sensitive (HTTP/2 does not index them).
///
/// ```
/// use switchboard_core::Auth;
/// let auth = Auth::api_key_header("X-Api-Key", "k-123")?;
/// assert!(!format!("{auth:?}").contains("k-123"));
/// let weather = Auth::api_key_query("appid", "k-456");
/// # Ok::<(), switchboard_core::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// `Authorization: Basic base64(username:password)`.
    Basic {
        /// The user name (not secret).
        username: String,
        /// The password.
        password: Secret,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// An API key in a named header, e.g. `X-Api-Key`.
    ApiKeyHeader {
        /// The header name.
        name: HeaderName,
        /// The key.
        value: Secret,
    },
    /// An API key in a named query parameter, e.g. OpenWeatherMap's `appid`.
    ApiKeyQuery {
        /// The query parameter name.
        name: String,
        /// The key.
        value: Secret,
    },
    /// A bearer token from a provider that refreshes it (before expiry, and once on a 401).
    Token(Arc<dyn TokenProvider>),
}

impl Auth {
    /// Basic authentication.
    pub fn basic(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Self::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// A static bearer token.
    pub fn bearer(token: impl Into<Secret>) -> Self {
        Self::Bearer(token.into())
    }

    /// An API key sent in the header `name`; fails when `name` is not a valid header name.
    pub fn api_key_header(name: &str, key: impl Into<Secret>) -> Result<Self, Error> {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
            Error::new(
                ErrorKind::InvalidRequest,
                format!("API key header name {name:?} is not a valid header name"),
            )
            .with_source(e)
        })?;
        Ok(Self::ApiKeyHeader {
            name,
            value: key.into(),
        })
    }

    /// An API key sent as the query parameter `name`.
    pub fn api_key_query(name: impl Into<String>, key: impl Into<Secret>) -> Self {
        Self::ApiKeyQuery {
            name: name.into(),
            value: key.into(),
        }
    }

    /// Tokens from a [`TokenProvider`], e.g. [`oauth2::ClientCredentials`].
    pub fn token(provider: impl TokenProvider + 'static) -> Self {
        Self::Token(Arc::new(provider))
    }

    /// The static header this auth adds, if any.
    pub(crate) fn static_header(&self) -> Result<Option<(HeaderName, HeaderValue)>, Error> {
        let (name, value) = match self {
            Self::None | Self::ApiKeyQuery { .. } | Self::Token(_) => return Ok(None),
            Self::Basic { username, password } => {
                let raw = format!("{username}:{}", password.expose());
                let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
                (
                    http::header::AUTHORIZATION,
                    sensitive(&format!("Basic {encoded}"), "Authorization")?,
                )
            }
            Self::Bearer(token) => (
                http::header::AUTHORIZATION,
                sensitive(&format!("Bearer {}", token.expose()), "Authorization")?,
            ),
            Self::ApiKeyHeader { name, value } => {
                (name.clone(), sensitive(value.expose(), name.as_str())?)
            }
        };
        Ok(Some((name, value)))
    }
}

/// A header value marked sensitive; the error names the header, never the value.
pub(crate) fn sensitive(value: &str, header: &str) -> Result<HeaderValue, Error> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::new(
            ErrorKind::InvalidRequest,
            format!("credential for header {header} contains characters not allowed in a header"),
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}
