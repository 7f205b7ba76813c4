//! The 5 day / 3 hour forecast (`GET /data/2.5/forecast`) as a compact list of steps, each
//! with its local time, for a model to answer "will it rain on Saturday?".

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    client::OpenWeatherMap,
    error::OpenWeatherMapError,
    models::{Clouds, Condition, MainReadings, Units, WeatherQuery, Wind},
};
use crate::common::{InputError, format_rfc3339, join, read};

/// Most 3-hour steps the service returns (5 days).
pub const MAX_STEPS: u32 = 40;

/// The forecast for one 3-hour step.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ForecastStep {
    /// The step's start in the place's local time (RFC 3339 with its UTC offset).
    pub time: String,
    /// Temperature in the requested units.
    pub temp: f64,
    /// Perceived temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feels_like: Option<f64>,
    /// The conditions, in the requested language (e.g. "light rain").
    pub conditions: String,
    /// Probability of precipitation, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precipitation_probability: Option<f64>,
    /// Rain in the 3 hours, mm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rain_mm: Option<f64>,
    /// Snow in the 3 hours, mm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snow_mm: Option<f64>,
    /// Humidity, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub humidity: Option<f64>,
    /// Wind speed (m/s; mph for imperial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wind_speed: Option<f64>,
    /// Wind gusts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wind_gust: Option<f64>,
    /// Wind direction, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wind_deg: Option<f64>,
    /// Cloudiness, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clouds: Option<f64>,
}

/// A forecast: where, in which units, and the steps in time order.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Forecast {
    /// The service's name for the place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Its country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Its offset from UTC, seconds (the steps' times carry it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_seconds: Option<i64>,
    /// The units of temperatures and wind speeds.
    pub units: Units,
    /// The 3-hour steps, earliest first.
    pub steps: Vec<ForecastStep>,
}

// -- the service's JSON --

#[derive(Deserialize)]
struct WireStep {
    dt: i64,
    main: MainReadings,
    #[serde(default)]
    weather: Vec<Condition>,
    #[serde(default)]
    clouds: Option<Clouds>,
    #[serde(default)]
    wind: Option<Wind>,
    #[serde(default)]
    pop: Option<f64>,
    #[serde(default)]
    rain: Option<HashMap<String, f64>>,
    #[serde(default)]
    snow: Option<HashMap<String, f64>>,
}

#[derive(Deserialize)]
struct WireCity {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    timezone: Option<i64>,
}

#[derive(Deserialize)]
struct WireForecast {
    #[serde(default)]
    list: Vec<WireStep>,
    #[serde(default)]
    city: Option<WireCity>,
}

impl WireStep {
    fn view(self, offset: i64) -> ForecastStep {
        let three_hours = |m: Option<HashMap<String, f64>>| m.and_then(|m| m.get("3h").copied());
        let wind = self.wind;
        ForecastStep {
            time: format_rfc3339(self.dt, offset),
            temp: self.main.temp,
            feels_like: self.main.feels_like,
            conditions: self
                .weather
                .iter()
                .map(|c| c.description.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            precipitation_probability: self.pop,
            rain_mm: three_hours(self.rain),
            snow_mm: three_hours(self.snow),
            humidity: self.main.humidity,
            wind_speed: wind.as_ref().and_then(|w| w.speed),
            wind_gust: wind.as_ref().and_then(|w| w.gust),
            wind_deg: wind.as_ref().and_then(|w| w.deg),
            clouds: self.clouds.and_then(|c| c.all),
        }
    }
}

impl OpenWeatherMap {
    /// `GET /forecast`: the 5 day / 3 hour forecast, the first `steps` (1–[`MAX_STEPS`]; all
    /// when `None`) of it.
    pub async fn forecast(
        &self,
        query: &WeatherQuery,
        steps: Option<u32>,
    ) -> Result<Forecast, OpenWeatherMapError> {
        let mut q = query.query()?;
        if let Some(n) = steps {
            if n == 0 || n > MAX_STEPS {
                return Err(
                    InputError::new("steps", format!("{n} is not within 1–{MAX_STEPS}")).into(),
                );
            }
            q.push(("cnt", n.to_string()));
        }
        let url = join(&self.base, &["forecast"])?;
        let res = read(self.http.get(url.as_str()).query(&q).send().await?).await?;
        if !res.status.is_success() {
            return Err(OpenWeatherMapError::Api(Box::new(self.api_error(&res))));
        }
        let wire: WireForecast =
            serde_json::from_slice(&res.body).map_err(OpenWeatherMapError::Decode)?;
        let (city, country, offset) = match wire.city {
            Some(c) => (c.name, c.country, c.timezone),
            None => (None, None, None),
        };
        Ok(Forecast {
            city,
            country,
            utc_offset_seconds: offset,
            units: query.units_or_default(),
            steps: wire
                .list
                .into_iter()
                .map(|s| s.view(offset.unwrap_or(0)))
                .collect(),
        })
    }
}
