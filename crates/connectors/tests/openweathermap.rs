//! OpenWeatherMap client against a loopback double.
#![cfg(feature = "openweathermap")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use std::time::Duration;

use loopback::{Recorder, Reply, Server, http};
use serde_json::json;
use switchboard_connectors::openweathermap::{
    Location, OpenWeatherMap, OpenWeatherMapError, Units, WeatherQuery,
};
use switchboard_functions::ToolRegistry;

const KEY: &str = "0123456789abcdef-secret-key";

fn client(srv: &Server, rec: &Recorder) -> OpenWeatherMap {
    OpenWeatherMap::builder(KEY)
        .base_url(srv.url("/data/2.5"))
        .http(http(rec).user_agent("switchboard-tests"))
        .build()
        .unwrap()
}

/// The example answer of the "Current weather data" documentation.
fn docs_answer() -> serde_json::Value {
    json!({
        "coord": {"lon": 10.99, "lat": 44.34},
        "weather": [{"id": 501, "main": "Rain", "description": "moderate rain", "icon": "10d"}],
        "base": "stations",
        "main": {"temp": 298.48, "feels_like": 298.74, "temp_min": 297.56, "temp_max": 300.05,
                 "pressure": 1015, "humidity": 64, "sea_level": 1015, "grnd_level": 933},
        "visibility": 10000,
        "wind": {"speed": 0.62, "deg": 349, "gust": 1.18},
        "rain": {"1h": 3.16},
        "clouds": {"all": 100},
        "dt": 1661870592,
        "sys": {"type": 2, "id": 2075663, "country": "IT", "sunrise": 1661834187, "sunset": 1661882248},
        "timezone": 7200,
        "id": 3163858,
        "name": "Zocca",
        "cod": 200
    })
}

#[tokio::test]
async fn city_query_with_appid_in_the_query_and_docs_answer() {
    let srv = Server::start().await;
    srv.plan("/data/2.5/weather", [Reply::json(200, docs_answer())]);
    let rec = Recorder::default();
    let w = client(&srv, &rec)
        .current(
            &WeatherQuery::new(Location::city("Zocca", None, Some("IT")))
                .units(Units::Metric)
                .lang("en"),
        )
        .await
        .unwrap();
    assert_eq!(w.name, "Zocca");
    assert_eq!(w.main.temp, 298.48);
    assert_eq!(w.weather[0].description, "moderate rain");
    assert_eq!(w.cod.as_deref(), Some("200"));
    assert_eq!(w.raw()["rain"]["1h"], 3.16);
    let seen = srv.seen();
    assert!(
        seen[0]
            .raw_query
            .as_deref()
            .unwrap()
            .contains(&format!("appid={KEY}")),
        "the key is the appid query parameter"
    );
    assert!(seen[0].authorization.is_none());
    insta::assert_yaml_snapshot!(seen);
}

#[tokio::test]
async fn coordinates_query() {
    let srv = Server::start().await;
    srv.plan("/data/2.5/weather", [Reply::json(200, docs_answer())]);
    let rec = Recorder::default();
    client(&srv, &rec)
        .current(&WeatherQuery::new(Location::coordinates(44.34, 10.99)).units(Units::Imperial))
        .await
        .unwrap();
    insta::assert_yaml_snapshot!(srv.seen());
}

#[tokio::test]
async fn errors_with_numeric_and_string_cod_and_no_key_leak() {
    let srv = Server::start().await;
    srv.plan(
        "/data/2.5/weather",
        [
            Reply::json(401, json!({"cod": 401, "message": "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."})),
            Reply::json(404, json!({"cod": "404", "message": "city not found"})),
            Reply::json(400, json!({"cod": "400", "message": format!("bad appid {KEY}")})),
        ],
    );
    let rec = Recorder::default();
    let owm = client(&srv, &rec);
    let q = WeatherQuery::new(Location::city("Nowhere", None, None));
    let err = owm.current(&q).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!((api.status.as_u16(), api.cod.as_str()), (401, "401"));
    assert!(api.message.starts_with("Invalid API key"));

    let err = owm.current(&q).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!((api.status.as_u16(), api.cod.as_str()), (404, "404"));
    assert_eq!(
        err.to_string(),
        "OpenWeatherMap answered 404 Not Found (cod 404): city not found"
    );

    let err = owm.current(&q).await.unwrap_err();
    assert_eq!(err.api().unwrap().message, "bad appid REDACTED");
    for text in [err.to_string(), format!("{err:?}"), format!("{owm:?}")] {
        assert!(!text.contains(KEY), "{text}");
    }
}

#[tokio::test]
async fn transport_errors_do_not_show_the_key() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let rec = Recorder::default();
    let owm = OpenWeatherMap::builder(KEY)
        .base_url(format!("http://{addr}/data/2.5"))
        .http(http(&rec))
        .build()
        .unwrap();
    let err = owm
        .current(&WeatherQuery::new(Location::CityId(3163858)))
        .await
        .unwrap_err();
    assert!(matches!(err, OpenWeatherMapError::Http(_)));
    let text = format!("{err} {err:?}");
    assert!(!text.contains(KEY), "{text}");
}

#[tokio::test]
async fn quota_429_is_retried() {
    let srv = Server::start().await;
    srv.plan(
        "/data/2.5/weather",
        [
            Reply::json(429, json!({"cod": 429, "message": "Your account is temporary blocked due to exceeding of requests limitation of your subscription type."})),
            Reply::json(200, docs_answer()),
        ],
    );
    let rec = Recorder::default();
    let w = client(&srv, &rec)
        .current(&WeatherQuery::new(Location::coordinates(44.34, 10.99)))
        .await
        .unwrap();
    assert_eq!(w.id, Some(3163858));
    assert_eq!(rec.delays(), [Duration::from_millis(100)]);
}

#[tokio::test]
async fn input_is_checked_before_sending() {
    let srv = Server::start().await;
    let rec = Recorder::default();
    let owm = client(&srv, &rec);
    for (loc, field) in [
        (Location::coordinates(91.0, 0.0), "lat"),
        (Location::coordinates(0.0, f64::NAN), "lon"),
        (Location::city(" ", None, None), "city"),
        (Location::city("Springfield", Some("IL"), None), "state"),
        (Location::city("a,b", None, None), "city"),
    ] {
        let err = owm.current(&WeatherQuery::new(loc)).await.unwrap_err();
        assert!(
            matches!(err, OpenWeatherMapError::InvalidInput(ref e) if e.field() == field),
            "{err}"
        );
    }
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn weather_tool() {
    let srv = Server::start().await;
    srv.plan(
        "/geo/1.0/direct",
        [Reply::json(
            200,
            json!([{"name": "Zocca", "lat": 44.3456, "lon": 10.9925, "country": "IT",
                    "state": "Emilia-Romagna"}]),
        )],
    );
    srv.plan("/data/2.5/weather", [Reply::json(200, docs_answer())]);
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    switchboard_connectors::openweathermap::register_tools(
        &registry,
        &client(&srv, &rec),
        &Default::default(),
    )
    .unwrap();
    insta::assert_json_snapshot!("tool_definitions", registry.definitions());
    let out = registry
        .invoke("weather_current", json!({"city": "Zocca", "country": "IT"}))
        .await
        .unwrap();
    assert_eq!(out["name"], "Zocca");
    assert_eq!(out["place"]["state"], "Emilia-Romagna");
    assert!(out.get("note").is_none(), "one place of that name: {out}");
    let seen = srv.seen();
    assert_eq!(
        seen[1].query.as_deref(),
        Some("lat=44.3456&lon=10.9925&units=metric&appid=[redacted]"),
        "the weather is asked for the resolved place's coordinates"
    );
    insta::assert_yaml_snapshot!("weather_current_by_name_requests", seen);
    let err = registry
        .invoke("weather_current", json!({"lat": 1.0}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("lat"), "{err}");
}

#[tokio::test]
async fn city_not_found_is_error_kind_not_found_with_its_cod() {
    let srv = Server::start().await;
    srv.plan(
        "/data/2.5/weather",
        [Reply::json(
            404,
            json!({"cod": "404", "message": "city not found"}),
        )],
    );
    let rec = Recorder::default();
    let q = WeatherQuery::new(Location::city("Nowhere", None, None));
    let err = client(&srv, &rec).current(&q).await.unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::NotFound);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.code(), Some("404"));
}
