//! OpenWeatherMap's `{"cod","message"}` error body as a typed error, with the key masked.

use switchboard_core::http::StatusCode;

use crate::common::{ErrorKind, InputError};

/// Everything an OpenWeatherMap call can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum OpenWeatherMapError {
    /// An argument was rejected before any request was sent.
    #[error(transparent)]
    InvalidInput(#[from] InputError),
    /// The service answered with an error.
    #[error("{0}")]
    Api(Box<OpenWeatherMapApiError>),
    /// The request failed below the API (the URL in it has `appid` masked).
    #[error("OpenWeatherMap request failed: {0}")]
    Http(#[from] switchboard_core::Error),
    /// The Geocoding API knows no place of that name.
    #[error(
        "OpenWeatherMap knows no place named \"{0}\": check the spelling, use the English or \
         local name, or give lat/lon"
    )]
    PlaceNotFound(String),
    /// A success response did not have the documented shape.
    #[error("OpenWeatherMap response is not the expected JSON: {0}")]
    Decode(#[source] serde_json::Error),
}

/// An error answer: `401 {"cod":401,"message":"Invalid API key…"}`,
/// `404 {"cod":"404","message":"city not found"}`, 429 over quota.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("OpenWeatherMap answered {status} (cod {cod}): {message}")]
pub struct OpenWeatherMapApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `cod` field as text, whether it came as a number or a string.
    pub cod: String,
    /// The service's message, with the API key masked.
    pub message: String,
}

impl OpenWeatherMapError {
    /// The service's error answer, if this is one.
    pub fn api(&self) -> Option<&OpenWeatherMapApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}

impl OpenWeatherMapError {
    /// What kind of failure this is, in the vocabulary every service shares.
    /// A place the Geocoding API does not know is [`ErrorKind::NotFound`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::Api(e) => ErrorKind::from_status(e.status),
            Self::Http(e) => ErrorKind::from_http(e),
            Self::PlaceNotFound(_) => ErrorKind::NotFound,
            Self::Decode(_) => ErrorKind::Decode,
        }
    }

    /// The HTTP status OpenWeatherMap answered with, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Http(e) => e.status(),
            _ => None,
        }
    }

    /// The body's `cod`, when the service answered with an error body.
    pub fn code(&self) -> Option<&str> {
        self.api().map(|e| e.cod.as_str())
    }
}
