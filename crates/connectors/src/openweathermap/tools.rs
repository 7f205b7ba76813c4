//! OpenWeatherMap as an LLM tool.

use schemars::JsonSchema;
use serde::Deserialize;
use switchboard_functions::{FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{
    client::OpenWeatherMap,
    error::WeatherError,
    models::{Location, Units, WeatherQuery},
};
use crate::common::InputError;

/// Arguments of `weather_current`: a city, or coordinates.
#[derive(Debug, Deserialize, JsonSchema)]
struct CurrentArgs {
    /// City name, e.g. "Zürich" (give this or lat/lon).
    #[serde(default)]
    city: Option<String>,
    /// US state code, with a city.
    #[serde(default)]
    state: Option<String>,
    /// ISO 3166 country code, with a city, e.g. "CH".
    #[serde(default)]
    country: Option<String>,
    /// Latitude, −90 to 90 (with lon, instead of city).
    #[serde(default)]
    lat: Option<f64>,
    /// Longitude, −180 to 180.
    #[serde(default)]
    lon: Option<f64>,
    /// Units: standard (Kelvin), metric (Celsius) or imperial (Fahrenheit). Default metric.
    #[serde(default)]
    units: Option<Units>,
    /// Language of the description, e.g. "en", "de".
    #[serde(default)]
    lang: Option<String>,
}

impl CurrentArgs {
    fn into_query(self) -> Result<WeatherQuery, InputError> {
        let location = match (self.city, self.lat, self.lon) {
            (Some(city), None, None) => Location::City {
                name: city,
                state: self.state,
                country: self.country,
            },
            (None, Some(lat), Some(lon)) => Location::coordinates(lat, lon),
            (Some(_), _, _) => {
                return Err(InputError::new(
                    "city",
                    "give either a city or lat and lon, not both",
                ));
            }
            _ => return Err(InputError::new("lat", "give a city, or both lat and lon")),
        };
        let mut q = WeatherQuery::new(location).units(self.units.unwrap_or(Units::Metric));
        if let Some(lang) = self.lang {
            q = q.lang(lang);
        }
        Ok(q)
    }
}

/// Registers `weather_current`, calling `client`.
pub fn register_tools(
    registry: &ToolRegistry,
    client: &OpenWeatherMap,
) -> Result<(), RegisterError> {
    let owm = client.clone();
    registry.register(
        FnTool::new(
            "weather_current",
            "Gets the current weather (temperature, conditions, wind, humidity) for a city or for \
             coordinates from OpenWeatherMap.",
            move |a: CurrentArgs| {
                let owm = owm.clone();
                async move {
                    let q = a.into_query().map_err(WeatherError::from)?;
                    owm.current(&q).await
                }
            },
        )
        .with_annotations(ToolAnnotations::read_only("Get the current weather")),
    )?;
    Ok(())
}
