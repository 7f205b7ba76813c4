//! OpenWeatherMap current weather (`GET /data/2.5/weather`) by city, coordinates, city id or
//! zip; the 5 day / 3 hour forecast (`GET /data/2.5/forecast`); place names resolved through
//! the Geocoding API (`GET /geo/1.0/direct`), saying which place was chosen and which others
//! share its name.
//!
//! The key is the `appid` query parameter (not a header); it is masked in every error and log
//! (core redacts `appid` in URLs, and the client removes it from service messages). `cod` is
//! accepted as a number or a string, as the service sends both.
//!
//! ```no_run
//! use switchboard_connectors::openweathermap::{Location, OpenWeatherMap, Units, WeatherQuery};
//!
//! # async fn run() -> Result<(), switchboard_connectors::openweathermap::OpenWeatherMapError> {
//! let owm = OpenWeatherMap::builder("my-api-key").build()?;
//! let now = owm
//!     .current(&WeatherQuery::new(Location::city("Zürich", None, Some("CH"))).units(Units::Metric))
//!     .await?;
//! println!("{}: {} °C", now.name, now.main.temp);
//!
//! // "Lyon" resolved through the Geocoding API, then its 5-day forecast.
//! let lyon = owm.resolve_place("Lyon", None, None).await?;
//! if let Some(note) = &lyon.note {
//!     println!("{note}");
//! }
//! let at = Location::coordinates(lyon.place.lat, lyon.place.lon);
//! let forecast = owm.forecast(&WeatherQuery::new(at).units(Units::Metric), None).await?;
//! for step in forecast.steps {
//!     println!("{} {} °C {}", step.time, step.temp, step.conditions);
//! }
//! # Ok(()) }
//! ```

mod client;
mod error;
mod forecast;
mod geocoding;
mod models;
mod tools;

pub use client::{DEFAULT_BASE_URL, DEFAULT_GEO_BASE_URL, OpenWeatherMap, OpenWeatherMapBuilder};
pub use error::{OpenWeatherMapApiError, OpenWeatherMapError};
pub use forecast::{Forecast, ForecastStep, MAX_STEPS};
pub use geocoding::{MAX_PLACES, Place, ResolvedPlace};
pub use models::{
    Clouds, Condition, Coord, CurrentWeather, Location, MainReadings, Sys, Units, WeatherQuery,
    Wind,
};
pub use tools::register_tools;
