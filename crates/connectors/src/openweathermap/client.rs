//! The OpenWeatherMap client.

use std::sync::Arc;

use serde_json::Value;
use switchboard_core::{Auth, Client, ClientBuilder, REDACTED, Secret};
use url::Url;

use super::{
    error::{OpenWeatherMapApiError, OpenWeatherMapError},
    models::{CurrentWeather, WeatherQuery, cod_text},
};
use crate::common::{ApiResponse, InputError, base_url, decode, join, read};

/// `https://api.openweathermap.org/data/2.5`.
pub const DEFAULT_BASE_URL: &str = "https://api.openweathermap.org/data/2.5";
/// `https://api.openweathermap.org/geo/1.0`, the Geocoding API.
pub const DEFAULT_GEO_BASE_URL: &str = "https://api.openweathermap.org/geo/1.0";

/// An OpenWeatherMap client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct OpenWeatherMap {
    pub(super) http: Client,
    pub(super) base: Arc<Url>,
    /// The Geocoding API root; `None` when it cannot be told from a custom base URL.
    pub(super) geo: Option<Arc<Url>>,
    key: Secret,
}

/// Configures an [`OpenWeatherMap`] client.
#[derive(Debug)]
#[must_use]
pub struct OpenWeatherMapBuilder {
    key: Secret,
    base_url: String,
    geo_base_url: Option<String>,
    http: ClientBuilder,
}

impl OpenWeatherMap {
    /// A builder with the API key (sent as the `appid` query parameter).
    pub fn builder(api_key: impl Into<Secret>) -> OpenWeatherMapBuilder {
        OpenWeatherMapBuilder {
            key: api_key.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            geo_base_url: None,
            http: Client::builder(),
        }
    }

    /// `GET /weather`: the current weather.
    pub async fn current(
        &self,
        query: &WeatherQuery,
    ) -> Result<CurrentWeather, OpenWeatherMapError> {
        let q = query.query()?;
        let url = join(&self.base, &["weather"])?;
        let res = read(self.http.get(url.as_str()).query(&q).send().await?).await?;
        if !res.status.is_success() {
            return Err(OpenWeatherMapError::Api(Box::new(self.api_error(&res))));
        }
        decode(&res.body).map_err(OpenWeatherMapError::Decode)
    }

    pub(super) fn api_error(&self, res: &ApiResponse) -> OpenWeatherMapApiError {
        let json: Option<Value> = serde_json::from_slice(&res.body).ok();
        let cod = json
            .as_ref()
            .and_then(|j| j.get("cod"))
            .and_then(cod_text)
            .unwrap_or_else(|| res.status.as_u16().to_string());
        let message = json
            .as_ref()
            .and_then(|j| j.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| res.snippet());
        OpenWeatherMapApiError {
            status: res.status,
            cod,
            message: message.replace(self.key.expose(), REDACTED),
        }
    }
}

impl OpenWeatherMapBuilder {
    /// The API root (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The Geocoding API root (default: the base URL with its `data/2.5` replaced by
    /// `geo/1.0`, i.e. [`DEFAULT_GEO_BASE_URL`] for the default base URL).
    pub fn geo_base_url(mut self, url: impl Into<String>) -> Self {
        self.geo_base_url = Some(url.into());
        self
    }

    /// The core client configuration to start from; the `appid` auth is added to it.
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<OpenWeatherMap, OpenWeatherMapError> {
        if self.key.is_empty() {
            return Err(InputError::new("api_key", "must not be empty").into());
        }
        let base = base_url(&self.base_url)?;
        let geo = match &self.geo_base_url {
            Some(url) => {
                Some(base_url(url).map_err(|e| InputError::new("geo_base_url", e.reason()))?)
            }
            None => sibling_geo_url(&base),
        };
        Ok(OpenWeatherMap {
            geo: geo.map(Arc::new),
            http: self
                .http
                .auth(Auth::api_key_query("appid", self.key.clone()))
                .build()?,
            base: Arc::new(base),
            key: self.key,
        })
    }
}

/// `…/data/2.5` → `…/geo/1.0` (the two APIs are siblings on the service and its proxies);
/// `None` for a base URL of another shape.
fn sibling_geo_url(base: &Url) -> Option<Url> {
    let path = base.path().trim_end_matches('/');
    let root = path.strip_suffix("/data/2.5")?;
    let mut geo = base.clone();
    geo.set_path(&format!("{root}/geo/1.0"));
    Some(geo)
}
