//! The OpenWeatherMap client.

use std::sync::Arc;

use serde_json::Value;
use switchboard_core::{Auth, Client, ClientBuilder, REDACTED, Secret};
use url::Url;

use super::{
    error::{WeatherApiError, WeatherError},
    models::{CurrentWeather, WeatherQuery, cod_text},
};
use crate::common::{ApiResponse, InputError, base_url, decode, join, read};

/// `https://api.openweathermap.org/data/2.5`.
pub const DEFAULT_BASE_URL: &str = "https://api.openweathermap.org/data/2.5";

/// An OpenWeatherMap client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct OpenWeatherMap {
    http: Client,
    base: Arc<Url>,
    key: Secret,
}

/// Configures an [`OpenWeatherMap`] client.
#[derive(Debug)]
#[must_use]
pub struct OpenWeatherMapBuilder {
    key: Secret,
    base_url: String,
    http: ClientBuilder,
}

impl OpenWeatherMap {
    /// A builder with the API key (sent as the `appid` query parameter).
    pub fn builder(api_key: impl Into<Secret>) -> OpenWeatherMapBuilder {
        OpenWeatherMapBuilder {
            key: api_key.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: Client::builder(),
        }
    }

    /// `GET /weather`: the current weather.
    pub async fn current(&self, query: &WeatherQuery) -> Result<CurrentWeather, WeatherError> {
        let q = query.query()?;
        let url = join(&self.base, &["weather"])?;
        let res = read(self.http.get(url.as_str()).query(&q).send().await?).await?;
        if !res.status.is_success() {
            return Err(WeatherError::Api(Box::new(self.api_error(&res))));
        }
        decode(&res.body).map_err(WeatherError::Decode)
    }

    fn api_error(&self, res: &ApiResponse) -> WeatherApiError {
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
        WeatherApiError {
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

    /// The core client configuration to start from; the `appid` auth is added to it.
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<OpenWeatherMap, WeatherError> {
        if self.key.is_empty() {
            return Err(InputError::new("api_key", "must not be empty").into());
        }
        let base = base_url(&self.base_url)?;
        Ok(OpenWeatherMap {
            http: self
                .http
                .auth(Auth::api_key_query("appid", self.key.clone()))
                .build()?,
            base: Arc::new(base),
            key: self.key,
        })
    }
}
