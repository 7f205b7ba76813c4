//! Google Calendar client against a loopback double with its own OAuth2 token endpoint.
#![cfg(feature = "google_calendar")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use std::time::Duration;

use loopback::{Recorder, Reply, Seen, Server, http};
use serde_json::json;
use switchboard_connectors::google_calendar::{
    EventStatus, EventTime, GoogleCalendar, GoogleCalendarError, NewEvent, SendUpdates,
};
use switchboard_core::Client;
use switchboard_functions::ToolRegistry;

const CLIENT_SECRET: &str = "GOCSPX-client-secret";
const REFRESH: &str = "1//refresh-token-secret";

fn client(srv: &Server, rec: &Recorder) -> GoogleCalendar {
    GoogleCalendar::builder()
        .oauth_refresh_token("123.apps.googleusercontent.com", CLIENT_SECRET, REFRESH)
        .token_url(srv.url("/token"))
        .token_client(
            Client::builder()
                .user_agent("switchboard-tests")
                .build()
                .unwrap(),
        )
        .base_url(srv.url("/calendar/v3"))
        .http(http(rec).user_agent("switchboard-tests"))
        .build()
        .unwrap()
}

fn token(value: &str) -> Reply {
    Reply::json(
        200,
        json!({"access_token": value, "expires_in": 3599,
               "scope": "https://www.googleapis.com/auth/calendar.events", "token_type": "Bearer"}),
    )
}

fn event_answer() -> serde_json::Value {
    json!({
        "kind": "calendar#event",
        "etag": "\"3181161784712000\"",
        "id": "4eahs9ghkhrvkld72hogu9ph3e",
        "status": "confirmed",
        "htmlLink": "https://www.google.com/calendar/event?eid=NGVhaHM5Z2hraHJ2a2xkNzJob2d1OXBoM2Ug",
        "created": "2025-05-20T10:00:00.000Z",
        "summary": "Design review",
        "start": {"dateTime": "2025-06-01T09:00:00-07:00", "timeZone": "America/Los_Angeles"},
        "end": {"dateTime": "2025-06-01T10:00:00-07:00", "timeZone": "America/Los_Angeles"},
        "iCalUID": "4eahs9ghkhrvkld72hogu9ph3e@google.com",
        "sequence": 0,
        "reminders": {"useDefault": true},
        "eventType": "default"
    })
}

fn timed() -> NewEvent {
    NewEvent::new(
        "Design review",
        EventTime::date_time("2025-06-01T09:00:00-07:00", Some("America/Los_Angeles")),
        EventTime::date_time("2025-06-01T10:00:00-07:00", Some("America/Los_Angeles")),
    )
}

/// Masks the credentials in recorded requests (headers are masked by the server already).
fn masked(seen: Vec<Seen>) -> Vec<Seen> {
    seen.into_iter()
        .map(|mut s| {
            if let serde_json::Value::String(body) = &s.body {
                s.body = json!(
                    body.replace(CLIENT_SECRET, "[client-secret]")
                        .replace(&REFRESH.replace('/', "%2F"), "[refresh-token]")
                );
            }
            s
        })
        .collect()
}

#[tokio::test]
async fn timed_event_with_token_from_the_refresh_grant() {
    let srv = Server::start().await;
    srv.plan("/token", [token("ya29.first")]);
    srv.plan(
        "/calendar/v3/calendars/primary/events",
        [Reply::json(200, event_answer())],
    );
    let rec = Recorder::default();
    let event = client(&srv, &rec)
        .insert_event(
            "primary",
            &timed()
                .description("Agenda: the Q3 plan")
                .location("Room 4")
                .attendee("ana@example.com"),
            Some(SendUpdates::All),
        )
        .await
        .unwrap();
    assert_eq!(event.id, "4eahs9ghkhrvkld72hogu9ph3e");
    assert_eq!(event.status, Some(EventStatus::Confirmed));
    assert!(
        event
            .html_link
            .as_deref()
            .unwrap()
            .starts_with("https://www.google.com/calendar/event")
    );
    assert_eq!(event.raw()["eventType"], "default");
    let seen = srv.seen();
    assert_eq!(seen[1].authorization.as_deref(), Some("Bearer ya29.first"));
    insta::assert_yaml_snapshot!(masked(seen));
}

#[tokio::test]
async fn all_day_event_in_another_calendar() {
    let srv = Server::start().await;
    srv.plan("/token", [token("ya29.first")]);
    srv.plan(
        "/calendar/v3/calendars/team@group.calendar.google.com/events",
        [Reply::json(200, event_answer())],
    );
    let rec = Recorder::default();
    client(&srv, &rec)
        .insert_event(
            "team@group.calendar.google.com",
            &NewEvent::new(
                "Offsite",
                EventTime::date("2025-06-02"),
                EventTime::date("2025-06-04"),
            ),
            None,
        )
        .await
        .unwrap();
    let seen = srv.seen();
    assert_eq!(seen[1].query, None);
    assert_eq!(
        seen[1].body,
        json!({"summary": "Offsite", "start": {"date": "2025-06-02"}, "end": {"date": "2025-06-04"}})
    );
}

#[tokio::test(start_paused = true)]
async fn token_is_refreshed_when_it_expires() {
    let srv = Server::start().await;
    srv.plan("/token", [token("ya29.first"), token("ya29.second")]);
    srv.plan(
        "/calendar/v3/calendars/primary/events",
        [
            Reply::json(200, event_answer()),
            Reply::json(200, event_answer()),
            Reply::json(200, event_answer()),
        ],
    );
    // No timers besides the token clock, so paused time only moves when the test says so.
    let rec = Recorder::default();
    let cal = GoogleCalendar::builder()
        .oauth_refresh_token("123.apps.googleusercontent.com", CLIENT_SECRET, REFRESH)
        .token_url(srv.url("/token"))
        .token_client(
            Client::builder()
                .connect_timeout(None)
                .timeout(None)
                .build()
                .unwrap(),
        )
        .base_url(srv.url("/calendar/v3"))
        .http(http(&rec).connect_timeout(None).timeout(None))
        .build()
        .unwrap();
    cal.insert_event("primary", &timed(), None).await.unwrap();
    tokio::time::advance(Duration::from_secs(1800)).await;
    cal.insert_event("primary", &timed(), None).await.unwrap();
    // 3599 s lifetime, renewed 60 s early: at 3550 s a new token is fetched first.
    tokio::time::advance(Duration::from_secs(1750)).await;
    cal.insert_event("primary", &timed(), None).await.unwrap();
    let auths: Vec<_> = srv
        .seen()
        .iter()
        .map(|s| (s.path.clone(), s.authorization.clone()))
        .collect();
    assert_eq!(
        auths,
        [
            ("/token".to_owned(), None),
            (
                "/calendar/v3/calendars/primary/events".to_owned(),
                Some("Bearer ya29.first".to_owned())
            ),
            (
                "/calendar/v3/calendars/primary/events".to_owned(),
                Some("Bearer ya29.first".to_owned())
            ),
            ("/token".to_owned(), None),
            (
                "/calendar/v3/calendars/primary/events".to_owned(),
                Some("Bearer ya29.second".to_owned())
            ),
        ]
    );
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries() {
    let srv = Server::start().await;
    srv.plan("/token", [token("ya29.revoked"), token("ya29.fresh")]);
    srv.plan(
        "/calendar/v3/calendars/primary/events",
        [
            Reply::json(
                401,
                json!({"error": {"code": 401, "message": "Invalid Credentials",
                       "errors": [{"domain": "global", "reason": "authError", "message": "Invalid Credentials",
                                   "locationType": "header", "location": "Authorization"}]}}),
            ),
            Reply::json(200, event_answer()),
        ],
    );
    let rec = Recorder::default();
    let event = client(&srv, &rec)
        .insert_event("primary", &timed(), None)
        .await
        .unwrap();
    assert_eq!(event.id, "4eahs9ghkhrvkld72hogu9ph3e");
    let seen = srv.seen();
    let auths: Vec<_> = seen.iter().map(|s| s.authorization.clone()).collect();
    assert_eq!(
        auths,
        [
            None,
            Some("Bearer ya29.revoked".to_owned()),
            None,
            Some("Bearer ya29.fresh".to_owned())
        ]
    );
    assert_eq!(seen[2].path, "/token");
}

#[tokio::test]
async fn revoked_refresh_token_is_an_auth_error_without_secrets() {
    let srv = Server::start().await;
    srv.plan(
        "/token",
        [Reply::json(400, json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}))],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .insert_event("primary", &timed(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, GoogleCalendarError::Http(_)), "{err}");
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains(CLIENT_SECRET) && !text.contains(REFRESH),
        "{text}"
    );
}

#[tokio::test]
async fn rate_limit_403_backs_off_other_errors_are_mapped() {
    let srv = Server::start().await;
    srv.plan("/token", [token("ya29.first")]);
    let limited = json!({"error": {"code": 403, "message": "Rate Limit Exceeded",
        "errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded", "message": "Rate Limit Exceeded"}]}});
    srv.plan(
        "/calendar/v3/calendars/primary/events",
        [
            Reply::json(403, limited.clone()),
            Reply::json(429, limited),
            Reply::json(200, event_answer()),
            Reply::json(
                403,
                json!({"error": {"code": 403, "message": "The request is missing a valid API key.",
                       "status": "PERMISSION_DENIED",
                       "errors": [{"domain": "global", "reason": "forbidden", "message": "Forbidden"}]}}),
            ),
            Reply::json(
                400,
                json!({"error": {"code": 400, "message": "Missing end time.",
                       "errors": [{"domain": "global", "reason": "required", "message": "Missing end time."}]}}),
            ),
        ],
    );
    let rec = Recorder::default();
    let cal = client(&srv, &rec);
    cal.insert_event("primary", &timed(), None).await.unwrap();
    assert_eq!(
        rec.delays(),
        [Duration::from_millis(100), Duration::from_millis(200)]
    );
    let err = cal
        .insert_event("primary", &timed(), None)
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 403);
    assert!(api.has_reason("forbidden"));
    assert_eq!(api.code.as_deref(), Some("PERMISSION_DENIED"));
    let err = cal
        .insert_event("primary", &timed(), None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Google Calendar answered 400 Bad Request (required): Missing end time."
    );
    assert_eq!(
        rec.delays().len(),
        2,
        "errors other than rate limits are not retried"
    );
}

#[tokio::test]
async fn input_is_checked_before_sending() {
    let srv = Server::start().await;
    let rec = Recorder::default();
    let cal = client(&srv, &rec);
    let t = |s: &str| EventTime::date_time(s, None);
    for (event, field) in [
        (
            NewEvent::new(" ", t("2025-06-01T09:00:00Z"), t("2025-06-01T10:00:00Z")),
            "summary",
        ),
        (
            NewEvent::new("x", t("2025-06-01T10:00:00Z"), t("2025-06-01T09:00:00Z")),
            "end",
        ),
        (
            NewEvent::new("x", t("2025-06-01 9am"), t("2025-06-01T09:00:00Z")),
            "start/dateTime",
        ),
        (
            NewEvent::new("x", t("2025-06-01T09:00:00"), t("2025-06-01T10:00:00")),
            "start/timeZone",
        ),
        (
            NewEvent::new(
                "x",
                EventTime::date("2025-06-01"),
                EventTime::date("2025-06-01"),
            ),
            "end",
        ),
        (
            NewEvent::new(
                "x",
                EventTime::date("2025-06-01"),
                t("2025-06-02T00:00:00Z"),
            ),
            "end",
        ),
        (
            NewEvent::new(
                "x",
                EventTime::date("2025-6-1"),
                EventTime::date("2025-06-02"),
            ),
            "start/date",
        ),
        (
            NewEvent::new("x", t("2025-06-01T09:00:00Z"), t("2025-06-01T10:00:00Z"))
                .attendee("bob"),
            "attendees/0",
        ),
    ] {
        let err = cal.insert_event("primary", &event, None).await.unwrap_err();
        assert!(
            matches!(err, GoogleCalendarError::InvalidInput(ref e) if e.field() == field),
            "{field}: {err}"
        );
    }
    assert!(srv.seen().is_empty(), "not even a token request");
    assert!(GoogleCalendar::builder().build().is_err());
}

#[tokio::test]
async fn insert_event_tool() {
    let srv = Server::start().await;
    srv.plan("/token", [token("ya29.first")]);
    srv.plan(
        "/calendar/v3/calendars/primary/events",
        [Reply::json(200, event_answer())],
    );
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    switchboard_connectors::google_calendar::register_tools(
        &registry,
        &client(&srv, &rec),
        &Default::default(),
    )
    .unwrap();
    insta::assert_json_snapshot!("tool_definitions", registry.definitions());
    let out = registry
        .invoke(
            "google_calendar_insert_event",
            json!({"summary": "Design review",
                   "start": {"dateTime": "2025-06-01T09:00:00", "timeZone": "America/Los_Angeles"},
                   "end": {"dateTime": "2025-06-01T10:00:00", "timeZone": "America/Los_Angeles"}}),
        )
        .await
        .unwrap();
    assert_eq!(out["id"], "4eahs9ghkhrvkld72hogu9ph3e");
}
