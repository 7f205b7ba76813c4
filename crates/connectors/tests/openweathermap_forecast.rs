//! OpenWeatherMap forecast and geocoding against a loopback double serving the documentation's
//! example answers: the exact requests (key masked), the place chosen for an ambiguous name,
//! errors with numeric and string `cod`, and quota backoff through the injected sleeper.
#![cfg(feature = "openweathermap")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use std::time::Duration;

use loopback::{Recorder, Reply, Server, http};
use serde_json::{Value, json};
use switchboard_connectors::openweathermap::{
    Location, OpenWeatherMap, OpenWeatherMapError, Units, WeatherQuery, register_tools,
};
use switchboard_functions::ToolRegistry;

const KEY: &str = "0123456789abcdef-secret-key";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/openweathermap/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn client(srv: &Server, rec: &Recorder) -> OpenWeatherMap {
    OpenWeatherMap::builder(KEY)
        .base_url(srv.url("/data/2.5"))
        .http(http(rec).user_agent("switchboard-tests"))
        .build()
        .unwrap()
}

fn tools(srv: &Server, rec: &Recorder) -> ToolRegistry {
    let registry = ToolRegistry::new();
    register_tools(&registry, &client(srv, rec), &Default::default()).unwrap();
    registry
}

#[tokio::test]
async fn forecast_for_a_name_says_which_place_and_lists_the_others() {
    let srv = Server::start().await;
    srv.plan(
        "/geo/1.0/direct",
        [Reply::json(200, fixture("geo_london.json"))],
    );
    srv.plan(
        "/data/2.5/forecast",
        [Reply::json(200, fixture("forecast.json"))],
    );
    let rec = Recorder::default();
    let out = tools(&srv, &rec)
        .invoke("weather_forecast", json!({"city": "London", "days": 2}))
        .await
        .unwrap();
    assert_eq!(out["place"]["country"], "GB");
    assert_eq!(out["alternatives"].as_array().unwrap().len(), 4);
    let note = out["note"].as_str().unwrap();
    assert!(note.contains("this is London, England, GB"), "{note}");
    assert!(note.contains("London, Ontario, CA"), "{note}");
    assert_eq!(out["steps"][0]["time"], "2022-08-30T16:00:00+01:00");
    assert_eq!(out["steps"][0]["rain_mm"], 0.26);
    let seen = srv.seen();
    assert!(
        seen[1]
            .raw_query
            .as_deref()
            .unwrap()
            .starts_with("lat=51.5073219&lon=-0.1276474&"),
        "the forecast is asked for the chosen place's coordinates"
    );
    insta::assert_yaml_snapshot!("forecast_by_name_requests", seen);
    insta::assert_json_snapshot!("forecast_by_name_answer", out);
}

#[tokio::test]
async fn current_weather_for_a_name_says_which_place_and_lists_the_others() {
    let srv = Server::start().await;
    srv.plan(
        "/geo/1.0/direct",
        [Reply::json(200, fixture("geo_london.json"))],
    );
    srv.plan(
        "/data/2.5/weather",
        [Reply::json(
            200,
            json!({"coord": {"lon": -0.1276, "lat": 51.5073},
                   "weather": [{"id": 800, "main": "Clear", "description": "clear sky", "icon": "01d"}],
                   "main": {"temp": 18.2, "feels_like": 17.9, "temp_min": 16.0, "temp_max": 19.5,
                            "pressure": 1015, "humidity": 60},
                   "name": "London", "cod": 200}),
        )],
    );
    let rec = Recorder::default();
    let out = tools(&srv, &rec)
        .invoke("weather_current", json!({"city": "London"}))
        .await
        .unwrap();
    assert_eq!(out["place"]["country"], "GB");
    assert_eq!(out["alternatives"].as_array().unwrap().len(), 4);
    let note = out["note"].as_str().unwrap();
    assert!(note.contains("this is London, England, GB"), "{note}");
    assert!(note.contains("London, Ontario, CA"), "{note}");
    assert_eq!(out["main"]["temp"], 18.2);
    assert!(
        srv.seen()[1]
            .raw_query
            .as_deref()
            .unwrap()
            .starts_with("lat=51.5073219&lon=-0.1276474&"),
        "the weather is asked for the chosen place's coordinates"
    );
}

#[tokio::test]
async fn current_weather_for_an_unknown_place_is_error_kind_not_found() {
    let srv = Server::start().await;
    srv.plan(
        "/geo/1.0/direct",
        [Reply::json(200, json!([])), Reply::json(200, json!([]))],
    );
    let rec = Recorder::default();
    let err = tools(&srv, &rec)
        .invoke("weather_current", json!({"city": "Atlantis"}))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no place named \"Atlantis\""),
        "{err}"
    );
    assert_eq!(
        srv.seen().len(),
        1,
        "no weather request for an unknown place"
    );
    let err = client(&srv, &rec)
        .resolve_place("Atlantis", None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::NotFound);
}

#[tokio::test]
async fn forecast_for_coordinates_needs_no_geocoding() {
    let srv = Server::start().await;
    srv.plan(
        "/data/2.5/forecast",
        [Reply::json(200, fixture("forecast.json"))],
    );
    let rec = Recorder::default();
    let out = tools(&srv, &rec)
        .invoke(
            "weather_forecast",
            json!({"lat": 51.5073, "lon": -0.1276, "units": "imperial", "lang": "fr", "days": 1}),
        )
        .await
        .unwrap();
    assert!(out.get("place").is_none());
    assert_eq!(out["units"], "imperial");
    assert_eq!(out["city"], "London");
    let seen = srv.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].query.as_deref(),
        Some("lat=51.5073&lon=-0.1276&units=imperial&lang=fr&cnt=8&appid=[redacted]")
    );
}

#[tokio::test]
async fn an_unknown_place_is_an_error_that_names_it() {
    let srv = Server::start().await;
    srv.plan(
        "/geo/1.0/direct",
        [Reply::json(200, json!([])), Reply::json(200, json!([]))],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .resolve_place("Atlantis", None, Some("GR"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, OpenWeatherMapError::PlaceNotFound(ref p) if p == "Atlantis, GR"),
        "{err}"
    );
    assert!(err.to_string().contains("lat/lon"), "{err}");
    assert_eq!(srv.seen().len(), 1, "no forecast without a place");
}

#[tokio::test]
async fn an_invalid_key_is_the_services_401_without_the_key() {
    let srv = Server::start().await;
    srv.plan(
        "/geo/1.0/direct",
        [Reply::json(
            401,
            json!({"cod": 401, "message": "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."}),
        )],
    );
    let rec = Recorder::default();
    let err = tools(&srv, &rec)
        .invoke("weather_forecast", json!({"city": "London"}))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Invalid API key"), "{text}");
    assert!(!text.contains(KEY), "{text}");
}

#[tokio::test]
async fn forecast_city_not_found_keeps_the_string_cod() {
    let srv = Server::start().await;
    srv.plan(
        "/data/2.5/forecast",
        [Reply::json(
            404,
            json!({"cod": "404", "message": "city not found"}),
        )],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .forecast(
            &WeatherQuery::new(Location::city("Nowhere", None, None)),
            None,
        )
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!((api.status.as_u16(), api.cod.as_str()), (404, "404"));
}

#[tokio::test]
async fn find_place_lists_the_places_of_a_name() {
    let srv = Server::start().await;
    srv.plan(
        "/geo/1.0/direct",
        [Reply::json(200, fixture("geo_london.json"))],
    );
    let rec = Recorder::default();
    let out = tools(&srv, &rec)
        .invoke("weather_find_place", json!({"city": "London"}))
        .await
        .unwrap();
    assert_eq!(out["places"].as_array().unwrap().len(), 5);
    assert_eq!(out["places"][4]["state"], "Kentucky");
    assert_eq!(
        srv.seen()[0].query.as_deref(),
        Some("q=London&limit=5&appid=[redacted]")
    );
}

#[tokio::test]
async fn the_geocoding_root_sits_beside_a_proxied_base_url() {
    let srv = Server::start().await;
    srv.plan(
        "/owm/geo/1.0/direct",
        [Reply::json(200, fixture("geo_london.json"))],
    );
    let rec = Recorder::default();
    let owm = OpenWeatherMap::builder(KEY)
        .base_url(srv.url("/owm/data/2.5"))
        .http(http(&rec))
        .build()
        .unwrap();
    let places = owm.find_places("London", None, None, 1).await.unwrap();
    assert_eq!(places[0].name, "London");
    assert_eq!(srv.seen()[0].path, "/owm/geo/1.0/direct");
}

#[tokio::test]
async fn a_base_url_of_another_shape_needs_the_geocoding_root_set() {
    let srv = Server::start().await;
    srv.plan("/geocoding/direct", [Reply::json(200, json!([]))]);
    let rec = Recorder::default();
    let owm = OpenWeatherMap::builder(KEY)
        .base_url(srv.url("/weather-api"))
        .http(http(&rec))
        .build()
        .unwrap();
    let err = owm.find_places("London", None, None, 1).await.unwrap_err();
    assert!(
        matches!(err, OpenWeatherMapError::InvalidInput(ref e) if e.field() == "geo_base_url"),
        "{err}"
    );
    let owm = OpenWeatherMap::builder(KEY)
        .base_url(srv.url("/weather-api"))
        .geo_base_url(srv.url("/geocoding"))
        .http(http(&rec))
        .build()
        .unwrap();
    assert!(
        owm.find_places("London", None, None, 1)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn forecast_quota_429_waits_through_the_sleeper() {
    let srv = Server::start().await;
    srv.plan(
        "/data/2.5/forecast",
        [
            Reply::json(429, json!({"cod": 429, "message": "Your account is temporary blocked due to exceeding of requests limitation of your subscription type."})),
            Reply::json(200, fixture("forecast.json")),
        ],
    );
    let rec = Recorder::default();
    let f = client(&srv, &rec)
        .forecast(
            &WeatherQuery::new(Location::coordinates(51.5, -0.12)).units(Units::Metric),
            Some(4),
        )
        .await
        .unwrap();
    assert_eq!(f.steps.len(), 4);
    assert_eq!(rec.delays(), [Duration::from_millis(100)]);
}

#[tokio::test]
async fn arguments_are_checked_before_sending() {
    let srv = Server::start().await;
    let rec = Recorder::default();
    let registry = tools(&srv, &rec);
    for (args, field) in [
        (json!({"city": "London", "days": 6}), "days"),
        (json!({"city": "London", "lat": 1.0, "lon": 2.0}), "city"),
        (json!({"lat": 1.0}), "lat"),
        (json!({"city": "London", "state": "KY"}), "state"),
    ] {
        let err = registry
            .invoke("weather_forecast", args.clone())
            .await
            .unwrap_err();
        assert!(err.to_string().contains(field), "{args}: {err}");
    }
    let owm = client(&srv, &rec);
    let err = owm.find_places("London", None, None, 6).await.unwrap_err();
    assert!(matches!(err, OpenWeatherMapError::InvalidInput(ref e) if e.field() == "limit"));
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn weather_tools_are_read_only_with_output_schemas_for_the_new_ones() {
    let srv = Server::start().await;
    let registry = tools(&srv, &Recorder::default());
    let mut names = Vec::new();
    for def in registry.definitions() {
        assert!(def.annotations().read_only, "{}", def.name());
        if def.name() != "weather_current" {
            assert!(def.output_schema().is_some(), "{}", def.name());
        }
        names.push(def.name().to_owned());
    }
    assert_eq!(
        names,
        ["weather_current", "weather_find_place", "weather_forecast"]
    );
}
