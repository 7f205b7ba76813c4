//! OpenWeatherMap as an LLM tool.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use switchboard_functions::{
    FnTool, RegisterError, ToolAnnotations, ToolRegistry, schema::schema_for,
};

use super::{
    client::OpenWeatherMap,
    error::OpenWeatherMapError,
    forecast::Forecast,
    geocoding::{MAX_PLACES, Place, ResolvedPlace},
    models::{CurrentWeather, Location, Units, WeatherQuery},
};
use crate::common::{InputError, ToolOptions};

/// Arguments of `weather_forecast`: a place name, or coordinates.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ForecastArgs {
    /// Place name, e.g. "Lyon" (give this or lat/lon); resolved with OpenWeatherMap's
    /// geocoding, and the answer says which place was used.
    #[serde(default)]
    city: Option<String>,
    /// US state code, with a city.
    #[serde(default)]
    state: Option<String>,
    /// ISO 3166 country code, with a city, e.g. "FR".
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
    /// Language of the conditions, e.g. "en", "fr".
    #[serde(default)]
    lang: Option<String>,
    /// How many days ahead, 1 to 5 (default 5), in 3-hour steps.
    #[serde(default)]
    days: Option<u32>,
}

/// Arguments of `weather_find_place`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct FindPlaceArgs {
    /// Place name, e.g. "Springfield".
    city: String,
    /// US state code.
    #[serde(default)]
    state: Option<String>,
    /// ISO 3166 country code.
    #[serde(default)]
    country: Option<String>,
}

/// The answer of `weather_forecast`: the place resolved (for a name) and its forecast.
#[derive(Debug, Serialize, JsonSchema)]
struct PlaceForecast {
    /// For a place name: the place used, the alternatives and a note when ambiguous.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    resolved: Option<ResolvedPlace>,
    /// The forecast.
    #[serde(flatten)]
    forecast: Forecast,
}

/// The answer of `weather_find_place`.
#[derive(Debug, Serialize, JsonSchema)]
struct Places {
    /// Places with that name, best match first (at most 5).
    places: Vec<Place>,
}

/// The answer of `weather_current`: the place resolved (for a name) and its weather.
#[derive(Debug, Serialize)]
struct PlaceWeather {
    /// For a place name: the place used, the alternatives and a note when ambiguous.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    resolved: Option<ResolvedPlace>,
    /// The current weather there.
    #[serde(flatten)]
    weather: CurrentWeather,
}

/// Where a tool call asks about: a place name resolved through the Geocoding API (so the
/// answer can say which place was used and which others have that name), or coordinates.
async fn locate(
    owm: &OpenWeatherMap,
    city: Option<String>,
    state: Option<&str>,
    country: Option<&str>,
    coordinates: (Option<f64>, Option<f64>),
) -> Result<(Location, Option<ResolvedPlace>), OpenWeatherMapError> {
    match (city, coordinates) {
        (Some(city), (None, None)) => {
            let r = owm.resolve_place(&city, state, country).await?;
            Ok((Location::coordinates(r.place.lat, r.place.lon), Some(r)))
        }
        (None, (Some(lat), Some(lon))) => Ok((Location::coordinates(lat, lon), None)),
        (Some(_), _) => {
            Err(InputError::new("city", "give either a city or lat and lon, not both").into())
        }
        _ => Err(InputError::new("lat", "give a city, or both lat and lon").into()),
    }
}

/// `weather_forecast` for `a`: the place resolved first when it is a name.
async fn forecast(
    owm: &OpenWeatherMap,
    a: ForecastArgs,
) -> Result<PlaceForecast, OpenWeatherMapError> {
    let units = a.units.unwrap_or(Units::Metric);
    let days = a.days.unwrap_or(5);
    if !(1..=5).contains(&days) {
        return Err(InputError::new("days", format!("{days} is not within 1–5")).into());
    }
    let (location, resolved) = locate(
        owm,
        a.city,
        a.state.as_deref(),
        a.country.as_deref(),
        (a.lat, a.lon),
    )
    .await?;
    let mut q = WeatherQuery::new(location).units(units);
    if let Some(lang) = a.lang {
        q = q.lang(lang);
    }
    let forecast = owm.forecast(&q, Some(days * 8)).await?;
    Ok(PlaceForecast { resolved, forecast })
}

/// `weather_current` for `a`: the place resolved first when it is a name.
async fn current(
    owm: &OpenWeatherMap,
    a: CurrentArgs,
) -> Result<PlaceWeather, OpenWeatherMapError> {
    let (location, resolved) = locate(
        owm,
        a.city,
        a.state.as_deref(),
        a.country.as_deref(),
        (a.lat, a.lon),
    )
    .await?;
    let mut q = WeatherQuery::new(location).units(a.units.unwrap_or(Units::Metric));
    if let Some(lang) = a.lang {
        q = q.lang(lang);
    }
    let weather = owm.current(&q).await?;
    Ok(PlaceWeather { resolved, weather })
}

/// Arguments of `weather_current`: a city, or coordinates.
#[derive(Debug, Deserialize, JsonSchema)]
struct CurrentArgs {
    /// Place name, e.g. "Zürich" (give this or lat/lon); resolved with OpenWeatherMap's
    /// geocoding, and the answer says which place was used.
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

/// Registers `weather_current`, `weather_forecast` and `weather_find_place` (all reading),
/// calling `client`.
///
/// `options` is taken for the one shape every service's `register_tools` has; reading tools
/// credit no caller.
///
/// # Errors
/// The registry's error, e.g. when a tool name is already taken.
pub fn register_tools(
    registry: &ToolRegistry,
    client: &OpenWeatherMap,
    options: &ToolOptions,
) -> Result<(), RegisterError> {
    let _ = options;
    let owm = client.clone();
    registry.register(
        FnTool::new(
            "weather_current",
            "Gets the current weather (temperature, conditions, wind, humidity) for a place name \
             or coordinates from OpenWeatherMap. For a name, says which place was used and lists \
             the others of that name.",
            move |a: CurrentArgs| {
                let owm = owm.clone();
                async move { current(&owm, a).await }
            },
        )
        .with_annotations(ToolAnnotations::read_only("Get the current weather")),
    )?;
    let owm = client.clone();
    registry.register(
        FnTool::new(
            "weather_forecast",
            "Gets the 5-day weather forecast in 3-hour steps (local time, temperature, \
             conditions, chance and amount of rain or snow, wind) for a place name or \
             coordinates from OpenWeatherMap. For a name, says which place was used and lists \
             the others of that name.",
            move |a: ForecastArgs| {
                let owm = owm.clone();
                async move { forecast(&owm, a).await }
            },
        )
        .with_output_schema(schema_for::<PlaceForecast>())
        .with_annotations(ToolAnnotations::read_only("Get the weather forecast")),
    )?;
    let owm = client.clone();
    registry.register(
        FnTool::new(
            "weather_find_place",
            "Finds the places with a name (up to 5: name, state, country, lat, lon) with \
             OpenWeatherMap's geocoding, to pick one by coordinates when a name is ambiguous.",
            move |a: FindPlaceArgs| {
                let owm = owm.clone();
                async move {
                    let places = owm
                        .find_places(
                            &a.city,
                            a.state.as_deref(),
                            a.country.as_deref(),
                            MAX_PLACES,
                        )
                        .await?;
                    Ok::<_, OpenWeatherMapError>(Places { places })
                }
            },
        )
        .with_output_schema(schema_for::<Places>())
        .with_annotations(ToolAnnotations::read_only("Find a place")),
    )?;
    Ok(())
}
