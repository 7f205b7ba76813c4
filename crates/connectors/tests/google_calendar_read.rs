//! Google Calendar reading (events.list, freeBusy.query) and changing (events.patch,
//! events.delete) against a loopback double with its own OAuth2 token endpoint: the exact
//! requests, pagination, Google's error JSON and the rate-limit backoff.
#![cfg(feature = "google_calendar")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use std::time::Duration;

use loopback::{Recorder, Reply, Seen, Server, http};
use serde_json::{Value, json};
use switchboard_connectors::google_calendar::{
    EventQuery, GoogleCalendar, GoogleCalendarError, register_tools,
};
use switchboard_core::Client;
use switchboard_functions::{CallError, ToolRegistry};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/google_calendar/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn client(srv: &Server, rec: &Recorder) -> GoogleCalendar {
    GoogleCalendar::builder()
        .oauth_refresh_token(
            "123.apps.googleusercontent.com",
            "GOCSPX-secret",
            "1//refresh",
        )
        .token_url(srv.url("/token"))
        .token_client(Client::builder().build().unwrap())
        .base_url(srv.url("/calendar/v3"))
        .http(http(rec).user_agent("switchboard-tests"))
        .build()
        .unwrap()
}

/// A double whose token endpoint hands out `ya29.token`.
async fn server() -> Server {
    let srv = Server::start().await;
    srv.plan(
        "/token",
        [Reply::json(
            200,
            json!({"access_token": "ya29.token", "expires_in": 3599, "token_type": "Bearer"}),
        )],
    );
    srv
}

fn tools(srv: &Server, rec: &Recorder) -> ToolRegistry {
    let registry = ToolRegistry::new();
    register_tools(&registry, &client(srv, rec), &Default::default()).unwrap();
    registry
}

/// The API requests, without the token request.
fn api_requests(srv: &Server) -> Vec<Seen> {
    srv.seen()
        .into_iter()
        .filter(|s| s.path != "/token")
        .collect()
}

fn google_error(code: u16, reason: &str, message: &str) -> Reply {
    Reply::json(
        code,
        json!({"error": {"code": code, "message": message,
               "errors": [{"domain": "global", "reason": reason, "message": message}]}}),
    )
}

const EVENTS: &str = "/calendar/v3/calendars/primary/events";

#[tokio::test]
async fn list_events_sends_the_window_expanded_and_ordered_and_follows_the_page_token() {
    let srv = server().await;
    srv.plan(
        EVENTS,
        [
            Reply::json(200, fixture("events_page1.json")),
            Reply::json(200, fixture("events_page2.json")),
        ],
    );
    let rec = Recorder::default();
    let registry = tools(&srv, &rec);
    let args = json!({"time_min": "2025-06-02T00:00:00+02:00",
                      "time_max": "2025-06-05T00:00:00+02:00",
                      "time_zone": "Europe/Paris", "max_results": 1});
    let first = registry
        .invoke("google_calendar_list_events", args.clone())
        .await
        .unwrap();
    assert_eq!(first["truncated"], true);
    assert_eq!(first["events"][0]["organizer"], "Ada Lovelace");
    assert_eq!(
        first["events"][0]["meeting_link"],
        "https://meet.google.com/abc-defg-hij"
    );
    let mut next = args;
    next["page_token"] = first["next_page_token"].clone();
    let second = registry
        .invoke("google_calendar_list_events", next)
        .await
        .unwrap();
    assert_eq!(second["truncated"], false);
    assert_eq!(second["events"][0]["start"], json!({"date": "2025-06-03"}));
    insta::assert_yaml_snapshot!("list_events_requests", api_requests(&srv));
    insta::assert_json_snapshot!("list_events_answers", json!([first, second]));
}

#[tokio::test]
async fn free_busy_asks_for_each_calendar_and_keeps_their_order_and_errors() {
    let srv = server().await;
    srv.plan(
        "/calendar/v3/freeBusy",
        [Reply::json(200, fixture("free_busy.json"))],
    );
    let rec = Recorder::default();
    let out = tools(&srv, &rec)
        .invoke(
            "google_calendar_free_busy",
            json!({"calendar_ids": ["primary", "nobody@example.com", "charles@example.com"],
                   "time_min": "2025-06-02T09:00:00+02:00", "time_max": "2025-06-02T18:00:00+02:00",
                   "time_zone": "UTC"}),
        )
        .await
        .unwrap();
    assert_eq!(out["calendars"][1]["errors"], json!(["notFound"]));
    assert_eq!(
        out["calendars"][2]["busy"][0]["start"],
        "2025-06-02T09:00:00Z"
    );
    insta::assert_yaml_snapshot!("free_busy_request", api_requests(&srv));
    insta::assert_json_snapshot!("free_busy_answer", out);
}

#[tokio::test]
async fn update_event_patches_only_the_given_fields_with_send_updates() {
    let srv = server().await;
    let mut updated = fixture("events_page2.json")["items"][0].clone();
    updated["location"] = json!("Villeurbanne");
    srv.plan(
        "/calendar/v3/calendars/primary/events/7cbh8rpc10lrc0ckih9tafss99",
        [Reply::json(200, updated)],
    );
    let rec = Recorder::default();
    let out = tools(&srv, &rec)
        .invoke(
            "google_calendar_update_event",
            json!({"event_id": "7cbh8rpc10lrc0ckih9tafss99", "send_updates": "externalOnly",
                   "location": "Villeurbanne"}),
        )
        .await
        .unwrap();
    assert_eq!(out["location"], "Villeurbanne");
    insta::assert_yaml_snapshot!("update_event_request", api_requests(&srv));
}

#[tokio::test]
async fn delete_event_sends_send_updates_and_reports_the_deletion() {
    let srv = server().await;
    srv.plan(
        "/calendar/v3/calendars/team@group.calendar.google.com/events/7cbh8rpc10lrc0ckih9tafss99",
        [Reply {
            status: 204,
            headers: Vec::new(),
            body: String::new(),
        }],
    );
    let rec = Recorder::default();
    let out = tools(&srv, &rec)
        .invoke(
            "google_calendar_delete_event",
            json!({"calendar_id": "team@group.calendar.google.com",
                   "event_id": "7cbh8rpc10lrc0ckih9tafss99", "send_updates": "all"}),
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        json!({"calendar_id": "team@group.calendar.google.com",
               "event_id": "7cbh8rpc10lrc0ckih9tafss99", "send_updates": "all"})
    );
    insta::assert_yaml_snapshot!("delete_event_request", api_requests(&srv));
}

#[tokio::test]
async fn send_updates_is_required_by_the_change_tools() {
    let srv = server().await;
    let rec = Recorder::default();
    let registry = tools(&srv, &rec);
    for (tool, args) in [
        (
            "google_calendar_update_event",
            json!({"event_id": "abc123", "summary": "New title"}),
        ),
        (
            "google_calendar_delete_event",
            json!({"event_id": "abc123"}),
        ),
    ] {
        let err = registry.invoke(tool, args).await.unwrap_err();
        assert!(
            matches!(err, CallError::InvalidArguments { .. }),
            "{tool}: {err}"
        );
        assert!(err.to_string().contains("send_updates"), "{tool}: {err}");
    }
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn an_event_deleted_already_is_googles_410_error() {
    let srv = server().await;
    srv.plan(
        "/calendar/v3/calendars/primary/events/abc123",
        [google_error(410, "deleted", "Resource has been deleted")],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .delete_event(
            "primary",
            "abc123",
            switchboard_connectors::google_calendar::SendUpdates::None,
        )
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 410);
    assert!(api.has_reason("deleted"));
    assert_eq!(
        err.to_string(),
        "Google Calendar answered 410 Gone (deleted): Resource has been deleted"
    );
}

#[tokio::test]
async fn an_unknown_calendar_is_googles_404_error() {
    let srv = server().await;
    srv.plan(
        "/calendar/v3/calendars/nobody@example.com/events",
        [google_error(404, "notFound", "Not Found")],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .list_events("nobody@example.com", &EventQuery::default())
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().status, 404);
    assert!(err.api().unwrap().has_reason("notFound"));
}

#[tokio::test]
async fn a_missing_scope_says_which_scope_to_grant() {
    let srv = server().await;
    srv.plan(
        "/calendar/v3/freeBusy",
        [google_error(
            403,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
        )],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .free_busy(
            &["primary".to_owned()],
            "2025-06-02T00:00:00Z",
            "2025-06-03T00:00:00Z",
            None,
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("(insufficientPermissions)"), "{text}");
    assert!(text.contains("calendar.freebusy"), "{text}");
    assert!(rec.delays().is_empty(), "a missing scope is not retried");
}

#[tokio::test]
async fn a_user_rate_limit_403_backs_off_through_the_sleeper() {
    let srv = server().await;
    srv.plan(
        EVENTS,
        [
            google_error(403, "userRateLimitExceeded", "User Rate Limit Exceeded"),
            Reply::json(200, fixture("events_page2.json")),
        ],
    );
    let rec = Recorder::default();
    let out = client(&srv, &rec)
        .list_events("primary", &EventQuery::default())
        .await
        .unwrap();
    assert_eq!(out.events.len(), 1);
    assert_eq!(rec.delays(), [Duration::from_millis(100)]);
}

#[tokio::test]
async fn windows_and_patches_are_checked_before_sending() {
    let srv = server().await;
    let rec = Recorder::default();
    let cal = client(&srv, &rec);
    let field = |e: GoogleCalendarError| match e {
        GoogleCalendarError::InvalidInput(i) => i.field().to_owned(),
        other => panic!("{other:?}"),
    };
    let no_offset = EventQuery {
        time_min: Some("2025-06-02T00:00:00".into()),
        ..EventQuery::default()
    };
    assert_eq!(
        field(cal.list_events("primary", &no_offset).await.unwrap_err()),
        "time_min"
    );
    let backwards = EventQuery {
        time_min: Some("2025-06-03T00:00:00Z".into()),
        time_max: Some("2025-06-02T00:00:00Z".into()),
        ..EventQuery::default()
    };
    assert_eq!(
        field(cal.list_events("primary", &backwards).await.unwrap_err()),
        "time_max"
    );
    let many: Vec<String> = (0..51).map(|i| format!("c{i}@example.com")).collect();
    let err = cal
        .free_busy(&many, "2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z", None)
        .await
        .unwrap_err();
    assert_eq!(field(err), "calendar_ids");
    let registry = tools(&srv, &rec);
    let err = registry
        .invoke(
            "google_calendar_update_event",
            json!({"event_id": "abc123", "send_updates": "none"}),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nothing to change"), "{err}");
    let err = registry
        .invoke(
            "google_calendar_update_event",
            json!({"event_id": "../x", "send_updates": "none", "summary": "x"}),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("event_id"), "{err}");
    assert!(srv.seen().is_empty(), "not even a token request");
}

#[tokio::test]
async fn tools_declare_their_class_and_output_schemas() {
    let srv = server().await;
    let registry = tools(&srv, &Recorder::default());
    let class: Vec<(String, bool, bool, bool)> = registry
        .definitions()
        .iter()
        .map(|d| {
            let a = d.annotations();
            (
                d.name().to_owned(),
                a.read_only,
                a.destructive,
                d.output_schema().is_some(),
            )
        })
        .collect();
    insta::assert_debug_snapshot!(class);
}

#[tokio::test]
async fn a_404_is_error_kind_not_found() {
    let srv = server().await;
    srv.plan(
        "/calendar/v3/calendars/nobody@example.com/events",
        [Reply::json(
            404,
            json!({"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND",
                   "errors": [{"domain": "global", "reason": "notFound", "message": "Not Found"}]}}),
        )],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .list_events("nobody@example.com", &EventQuery::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::NotFound);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.code(), Some("NOT_FOUND"));
}
