//! Query and response models of the current-weather endpoint.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::common::{InputError, WithRaw};

/// Units of measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    /// Kelvin, m/s (the service's default).
    #[default]
    Standard,
    /// Celsius, m/s.
    Metric,
    /// Fahrenheit, mph.
    Imperial,
}

impl Units {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Metric => "metric",
            Self::Imperial => "imperial",
        }
    }
}

/// Where to get the weather for.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// `q={city},{state},{country}` (the service's geocoder; state only for the US).
    City {
        /// City name.
        name: String,
        /// State code (US only).
        state: Option<String>,
        /// ISO 3166 country code.
        country: Option<String>,
    },
    /// `lat`/`lon` (the service's preferred form).
    Coordinates {
        /// Latitude, −90 to 90.
        lat: f64,
        /// Longitude, −180 to 180.
        lon: f64,
    },
    /// `id`: an OpenWeatherMap city id.
    CityId(u64),
    /// `zip={code},{country}`.
    Zip {
        /// The postal code.
        code: String,
        /// ISO 3166 country code (the service assumes US without it).
        country: Option<String>,
    },
}

impl Location {
    /// A city, optionally with state and country.
    pub fn city(name: impl Into<String>, state: Option<&str>, country: Option<&str>) -> Self {
        Self::City {
            name: name.into(),
            state: state.map(str::to_owned),
            country: country.map(str::to_owned),
        }
    }

    /// Coordinates.
    pub fn coordinates(lat: f64, lon: f64) -> Self {
        Self::Coordinates { lat, lon }
    }

    pub(super) fn query(&self, q: &mut Vec<(&'static str, String)>) -> Result<(), InputError> {
        let part = |field: &str, v: &str| {
            if v.trim().is_empty() {
                Err(InputError::new(field, "must not be blank"))
            } else if v.contains(',') {
                Err(InputError::new(
                    field,
                    format!("{v:?} must not contain ','"),
                ))
            } else {
                Ok(v.trim().to_owned())
            }
        };
        match self {
            Self::City {
                name,
                state,
                country,
            } => {
                let mut parts = vec![part("city", name)?];
                if let Some(s) = state {
                    if country.is_none() {
                        return Err(InputError::new("state", "needs a country too"));
                    }
                    parts.push(part("state", s)?);
                }
                if let Some(c) = country {
                    parts.push(part("country", c)?);
                }
                q.push(("q", parts.join(",")));
            }
            Self::Coordinates { lat, lon } => {
                if !lat.is_finite() || !(-90.0..=90.0).contains(lat) {
                    return Err(InputError::new(
                        "lat",
                        format!("{lat} is not within −90..90"),
                    ));
                }
                if !lon.is_finite() || !(-180.0..=180.0).contains(lon) {
                    return Err(InputError::new(
                        "lon",
                        format!("{lon} is not within −180..180"),
                    ));
                }
                q.push(("lat", lat.to_string()));
                q.push(("lon", lon.to_string()));
            }
            Self::CityId(id) => q.push(("id", id.to_string())),
            Self::Zip { code, country } => {
                let mut v = part("zip", code)?;
                if let Some(c) = country {
                    v = format!("{v},{}", part("country", c)?);
                }
                q.push(("zip", v));
            }
        }
        Ok(())
    }
}

/// A current-weather query.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct WeatherQuery {
    location: Location,
    units: Option<Units>,
    lang: Option<String>,
}

impl WeatherQuery {
    /// Weather at `location` in the service's default units (Kelvin).
    pub fn new(location: Location) -> Self {
        Self {
            location,
            units: None,
            lang: None,
        }
    }

    /// The units.
    pub fn units(mut self, units: Units) -> Self {
        self.units = Some(units);
        self
    }

    /// The language of `description` (e.g. `de`, `zh_cn`).
    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }

    /// The units answers come in: the ones set, else the service's default.
    pub(super) fn units_or_default(&self) -> Units {
        self.units.unwrap_or_default()
    }

    pub(crate) fn query(&self) -> Result<Vec<(&'static str, String)>, InputError> {
        let mut q = Vec::new();
        self.location.query(&mut q)?;
        if let Some(u) = self.units {
            q.push(("units", u.as_str().to_owned()));
        }
        if let Some(lang) = &self.lang {
            if lang.is_empty() || !lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(InputError::new(
                    "lang",
                    format!("{lang:?} is not a language code"),
                ));
            }
            q.push(("lang", lang.clone()));
        }
        Ok(q)
    }
}

/// Coordinates of the place reported.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Coord {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

/// One weather condition.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Condition {
    /// Condition id (e.g. 501).
    pub id: i64,
    /// Group (`Rain`, `Clouds`, …).
    pub main: String,
    /// Description, in the requested language.
    pub description: String,
    /// Icon id.
    #[serde(default)]
    pub icon: Option<String>,
}

/// Temperature, pressure and humidity.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct MainReadings {
    /// Temperature in the requested units.
    pub temp: f64,
    /// Perceived temperature.
    #[serde(default)]
    pub feels_like: Option<f64>,
    /// Minimum observed now.
    #[serde(default)]
    pub temp_min: Option<f64>,
    /// Maximum observed now.
    #[serde(default)]
    pub temp_max: Option<f64>,
    /// Pressure, hPa.
    #[serde(default)]
    pub pressure: Option<f64>,
    /// Humidity, %.
    #[serde(default)]
    pub humidity: Option<f64>,
}

/// Wind.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Wind {
    /// Speed (m/s, or mph for imperial).
    #[serde(default)]
    pub speed: Option<f64>,
    /// Direction, degrees.
    #[serde(default)]
    pub deg: Option<f64>,
    /// Gusts.
    #[serde(default)]
    pub gust: Option<f64>,
}

/// Cloudiness.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Clouds {
    /// Cloudiness, %.
    #[serde(default)]
    pub all: Option<f64>,
}

/// Country, sunrise and sunset.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Sys {
    /// Country code.
    #[serde(default)]
    pub country: Option<String>,
    /// Sunrise, Unix time UTC.
    #[serde(default)]
    pub sunrise: Option<i64>,
    /// Sunset, Unix time UTC.
    #[serde(default)]
    pub sunset: Option<i64>,
}

/// The current weather.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CurrentWeather {
    /// Coordinates.
    #[serde(default)]
    pub coord: Option<Coord>,
    /// Conditions (usually one).
    #[serde(default)]
    pub weather: Vec<Condition>,
    /// Temperature and friends.
    pub main: MainReadings,
    /// Visibility, metres.
    #[serde(default)]
    pub visibility: Option<f64>,
    /// Wind.
    #[serde(default)]
    pub wind: Option<Wind>,
    /// Clouds.
    #[serde(default)]
    pub clouds: Option<Clouds>,
    /// Time of the data, Unix time UTC.
    #[serde(default)]
    pub dt: Option<i64>,
    /// Shift from UTC, seconds.
    #[serde(default)]
    pub timezone: Option<i64>,
    /// Country, sunrise, sunset.
    #[serde(default)]
    pub sys: Option<Sys>,
    /// City id.
    #[serde(default)]
    pub id: Option<u64>,
    /// City name.
    #[serde(default)]
    pub name: String,
    /// `cod`, as text (it comes as a number or a string).
    #[serde(default, deserialize_with = "cod")]
    pub cod: Option<String>,
    #[serde(skip)]
    raw: Value,
}

impl CurrentWeather {
    /// The JSON the service sent (`rain`, `snow` and anything new are here).
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}

impl WithRaw for CurrentWeather {
    fn set_raw(&mut self, raw: Value) {
        self.raw = raw;
    }
}

/// `cod` as text from a number or a string.
pub(crate) fn cod<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(cod_text(&Value::deserialize(d)?))
}

pub(crate) fn cod_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}
