//! The Slack, Google Calendar and OpenWeatherMap reading tools through the real binary: each
//! service's section points at one loopback double; a call over `/tools/*` and one over MCP
//! reach it, `/openapi.json` and MCP `tools/list` offer the same tools, and the calendar's
//! update and delete tools are offered only when named.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};

use crate::server::{Server, client};

/// The paths (with query) the doubles were asked for.
type Seen = Arc<Mutex<Vec<String>>>;

fn record(seen: &Seen, path: &str, query: &[(String, String)]) {
    let q: Vec<String> = query
        .iter()
        .filter(|(k, _)| k != "appid")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    seen.lock().unwrap().push(format!("{path}?{}", q.join("&")));
}

type Q = Query<Vec<(String, String)>>;

/// Slack's `conversations.history` and `users.info`, Google's token endpoint and
/// `events.list`, and OpenWeatherMap's geocoding and forecast, on one loopback port.
async fn doubles() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route(
            "/api/conversations.history",
            get(|State(s): State<Seen>, Query(q): Q| async move {
                record(&s, "/api/conversations.history", &q);
                axum::Json(json!({"ok": true, "has_more": false, "messages": [
                    {"type": "message", "user": "U061F7AUR", "ts": "1512085950.000216",
                     "text": "Checkout is failing with 502s since the deploy"}
                ], "response_metadata": {"next_cursor": ""}}))
            }),
        )
        .route(
            "/api/users.info",
            get(|State(s): State<Seen>, Query(q): Q| async move {
                record(&s, "/api/users.info", &q);
                axum::Json(json!({"ok": true, "user": {"id": "U061F7AUR", "name": "ana",
                    "real_name": "Ana Ruiz", "profile": {"display_name": "", "real_name": "Ana Ruiz"}}}))
            }),
        )
        .route(
            "/token",
            post(|| async {
                axum::Json(json!({"access_token": "ya29.gateway", "expires_in": 3599,
                                  "token_type": "Bearer"}))
            }),
        )
        .route(
            "/calendar/v3/calendars/primary/events",
            get(|State(s): State<Seen>, Query(q): Q| async move {
                record(&s, "/calendar/v3/calendars/primary/events", &q);
                axum::Json(json!({"kind": "calendar#events", "summary": "ada@example.com",
                    "timeZone": "Europe/Paris", "items": [
                    {"id": "7cbh8rpc10lrc0ckih9tafss99", "status": "confirmed", "summary": "Offsite",
                     "start": {"date": "2025-06-03"}, "end": {"date": "2025-06-04"}}
                ]}))
            }),
        )
        .route(
            "/geo/1.0/direct",
            get(|State(s): State<Seen>, Query(q): Q| async move {
                record(&s, "/geo/1.0/direct", &q);
                axum::Json(json!([
                    {"name": "Lyon", "lat": 45.7578137, "lon": 4.8320114, "country": "FR",
                     "state": "Auvergne-Rhône-Alpes"}
                ]))
            }),
        )
        .route(
            "/data/2.5/forecast",
            get(|State(s): State<Seen>, Query(q): Q| async move {
                record(&s, "/data/2.5/forecast", &q);
                axum::Json(json!({"cod": "200", "cnt": 1, "list": [
                    {"dt": 1749286800, "main": {"temp": 18.4, "humidity": 71},
                     "weather": [{"id": 500, "main": "Rain", "description": "light rain"}],
                     "pop": 0.8, "rain": {"3h": 1.2}}
                ], "city": {"name": "Lyon", "country": "FR", "timezone": 7200}}))
            }),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

fn config(base: &str, calendar_tools: &str) -> String {
    format!(
        r#"
[connectors.slack]
token = "xoxb-gateway-test"
base_url = "{base}/api"

[connectors.google_calendar]
client_id = "123.apps.googleusercontent.com"
client_secret = "GOCSPX-test"
refresh_token = "1//test"
token_url = "{base}/token"
base_url = "{base}/calendar/v3"
{calendar_tools}

[connectors.openweathermap]
api_key = "owm-test-key"
base_url = "{base}/data/2.5"
"#
    )
}

/// The tools whose names start with one of `prefixes` on `/openapi.json` and MCP `tools/list`,
/// sorted, checked to be the same.
async fn offered(server: &Server, prefixes: &[&str]) -> Vec<String> {
    let ours = |n: &str| prefixes.iter().any(|p| n.starts_with(p));
    let doc: Value = client()
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut openapi: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|p| p.strip_prefix("/tools/"))
        .filter(|n| ours(n))
        .map(str::to_owned)
        .collect();
    openapi.sort();
    let mcp = ().serve(StreamableHttpClientTransport::from_uri(server.url("/mcp"))).await.unwrap();
    let mut listed: Vec<String> = mcp
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .filter(|n| ours(n))
        .collect();
    listed.sort();
    mcp.cancel().await.unwrap();
    assert_eq!(openapi, listed, "/openapi.json and tools/list differ");
    openapi
}

async fn call_over_http(server: &Server, tool: &str, args: Value) -> Value {
    let res = client()
        .post(server.url(&format!("/tools/{tool}")))
        .json(&args)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{tool}: {body}");
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reading_tools_are_offered_and_reach_each_service() {
    let (base, seen) = doubles().await;
    let server = Server::start(Some(&config(&base, "")));
    let tools = offered(&server, &["slack_", "google_calendar_", "weather_"]).await;
    assert_eq!(
        tools,
        [
            "google_calendar_free_busy",
            "google_calendar_insert_event",
            "google_calendar_list_events",
            "slack_channel_history",
            "slack_list_channels",
            "slack_post_message",
            "slack_thread_replies",
            "weather_current",
            "weather_find_place",
            "weather_forecast",
        ],
        "update and delete are offered only when named"
    );

    let history = call_over_http(
        &server,
        "slack_channel_history",
        json!({"channel": "C012AB3CD", "oldest": "2017-11-30T00:00:00Z"}),
    )
    .await;
    assert_eq!(history["messages"][0]["user"], "Ana Ruiz", "{history}");

    let events = call_over_http(
        &server,
        "google_calendar_list_events",
        json!({"time_min": "2025-06-02T00:00:00+02:00", "time_max": "2025-06-09T00:00:00+02:00",
               "time_zone": "Europe/Paris"}),
    )
    .await;
    assert_eq!(events["events"][0]["summary"], "Offsite", "{events}");

    let mcp = ().serve(StreamableHttpClientTransport::from_uri(server.url("/mcp"))).await.unwrap();
    let args = json!({"city": "Lyon", "days": 1});
    let result = mcp
        .call_tool(
            CallToolRequestParams::new("weather_forecast")
                .with_arguments(args.as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{result:?}");
    let out = result
        .structured_content
        .clone()
        .expect("structured output");
    assert_eq!(out["place"]["name"], "Lyon", "{out}");
    assert_eq!(
        out["steps"][0]["time"], "2025-06-07T11:00:00+02:00",
        "{out}"
    );
    mcp.cancel().await.unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "/api/conversations.history?channel=C012AB3CD&oldest=1512000000.000000&limit=50",
            "/api/users.info?user=U061F7AUR",
            "/calendar/v3/calendars/primary/events?singleEvents=true&orderBy=startTime&maxResults=50&timeMin=2025-06-02T00:00:00+02:00&timeMax=2025-06-09T00:00:00+02:00&timeZone=Europe/Paris",
            "/geo/1.0/direct?q=Lyon&limit=5",
            "/data/2.5/forecast?lat=45.7578137&lon=4.8320114&units=metric&cnt=8",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn calendar_update_and_delete_are_offered_when_named() {
    let (base, _) = doubles().await;
    let tools = "tools = [\"google_calendar_list_events\", \"google_calendar_update_event\", \
                 \"google_calendar_delete_event\"]";
    let server = Server::start(Some(&config(&base, tools)));
    assert_eq!(
        offered(&server, &["google_calendar_"]).await,
        [
            "google_calendar_delete_event",
            "google_calendar_list_events",
            "google_calendar_update_event",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_slack_connector_offers_no_post_tool() {
    let (base, _) = doubles().await;
    let config = format!(
        "[connectors.slack]\ntoken = \"xoxb-t\"\nbase_url = \"{base}/api\"\nread_only = true\n"
    );
    let server = Server::start(Some(&config));
    assert_eq!(
        offered(&server, &["slack_"]).await,
        [
            "slack_channel_history",
            "slack_list_channels",
            "slack_thread_replies"
        ]
    );
}
