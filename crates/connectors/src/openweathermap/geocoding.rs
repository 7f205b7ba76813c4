//! Place names to coordinates through the Geocoding API (`GET /geo/1.0/direct`), which the
//! service recommends over the weather endpoints' built-in `q=` lookup, and which returns every
//! place of that name (up to 5): the caller is told which one was chosen and which others exist.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{client::OpenWeatherMap, error::OpenWeatherMapError, models::Location};
use crate::common::{InputError, join, read};

/// Most places one lookup returns (the API's `limit` maximum).
pub const MAX_PLACES: u32 = 5;

/// A place the Geocoding API knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Place {
    /// Its name.
    pub name: String,
    /// The state or region, when the service gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ISO 3166 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

impl Place {
    /// "Lyon, Auvergne-Rhône-Alpes, FR".
    pub fn label(&self) -> String {
        [
            Some(self.name.as_str()),
            self.state.as_deref(),
            self.country.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// The place a name was resolved to, and the others it could mean.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ResolvedPlace {
    /// The place used: the service's best match.
    pub place: Place,
    /// Other places with that name, best first; ask again with a country (and state for the
    /// US), or with lat/lon, to use one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Place>,
    /// A sentence saying which place was chosen when the name is ambiguous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ResolvedPlace {
    /// The best match of `found` for `asked`, the others as alternatives.
    fn choose(asked: &str, mut found: Vec<Place>) -> Option<Self> {
        if found.is_empty() {
            return None;
        }
        let place = found.remove(0);
        let note = (!found.is_empty()).then(|| {
            format!(
                "\"{asked}\" matches {} places; this is {}. Others: {}. Give a country (and a \
                 state in the US) or lat/lon for another.",
                found.len() + 1,
                place.label(),
                found
                    .iter()
                    .map(Place::label)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        });
        Some(Self {
            place,
            alternatives: found,
            note,
        })
    }
}

impl OpenWeatherMap {
    /// `GET /geo/1.0/direct`: up to `limit` (1–[`MAX_PLACES`]) places named `name`, optionally
    /// in `state` (US only) and `country` (ISO 3166), best match first.
    pub async fn find_places(
        &self,
        name: &str,
        state: Option<&str>,
        country: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Place>, OpenWeatherMapError> {
        if limit == 0 || limit > MAX_PLACES {
            return Err(
                InputError::new("limit", format!("{limit} is not within 1–{MAX_PLACES}")).into(),
            );
        }
        let mut q = Vec::new();
        Location::city(name, state, country).query(&mut q)?;
        q.push(("limit", limit.to_string()));
        let geo = self.geo.as_deref().ok_or_else(|| {
            InputError::new(
                "geo_base_url",
                "the Geocoding API root is unknown for this base URL: set it with geo_base_url",
            )
        })?;
        let url = join(geo, &["direct"])?;
        let res = read(self.http.get(url.as_str()).query(&q).send().await?).await?;
        if !res.status.is_success() {
            return Err(OpenWeatherMapError::Api(Box::new(self.api_error(&res))));
        }
        serde_json::from_slice(&res.body).map_err(OpenWeatherMapError::Decode)
    }

    /// The place `name` (with optional `state` and `country`) means: the best match, and the
    /// alternatives when there are several; [`OpenWeatherMapError::PlaceNotFound`] when none.
    pub async fn resolve_place(
        &self,
        name: &str,
        state: Option<&str>,
        country: Option<&str>,
    ) -> Result<ResolvedPlace, OpenWeatherMapError> {
        let found = self.find_places(name, state, country, MAX_PLACES).await?;
        let asked = [Some(name), state, country]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        ResolvedPlace::choose(&asked, found).ok_or(OpenWeatherMapError::PlaceNotFound(asked))
    }
}
