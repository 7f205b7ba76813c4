//! The `TokenProvider` trait and the access tokens it hands out.

use std::{fmt, time::Duration};

use async_trait::async_trait;
use tokio::time::Instant;

use crate::{error::Error, secret::Secret};

/// An access token and when it expires.
#[derive(Clone)]
pub struct AccessToken {
    value: Secret,
    expires_at: Option<Instant>,
}

impl AccessToken {
    /// A token that expires `expires_in` from now (`None`: no known expiry).
    pub fn new(value: impl Into<Secret>, expires_in: Option<Duration>) -> Self {
        Self {
            value: value.into(),
            expires_at: expires_in.map(|d| Instant::now() + d),
        }
    }

    /// The token itself.
    pub fn secret(&self) -> &Secret {
        &self.value
    }

    /// When the token expires, if known.
    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }

    /// Whether the token is still usable for at least `margin`.
    pub fn is_fresh(&self, margin: Duration) -> bool {
        self.expires_at
            .is_none_or(|at| Instant::now() + margin < at)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &self.value)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A source of bearer tokens that can renew them.
///
/// The client calls [`token`](Self::token) before each attempt (implementations cache and renew
/// before expiry), and on a `401 Unauthorized` calls [`refresh`](Self::refresh) once with the
/// rejected token and retries the request once.
#[async_trait]
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token that is valid now.
    async fn token(&self) -> Result<AccessToken, Error>;

    /// A new token after the server rejected `rejected`.
    ///
    /// Implementations should return an already renewed token if another request renewed it
    /// meanwhile, instead of renewing twice.
    async fn refresh(&self, rejected: &AccessToken) -> Result<AccessToken, Error>;
}
