//! Open WebUI's event webhooks through the real binary: bodies built the way Open WebUI's
//! `build_event` (`backend/open_webui/events.py`) builds them, posted at `/hooks/owui`, become
//! `{event_type}.{event}` events carrying the envelope unchanged, deduplicated by its `id`;
//! malformed envelopes are refused with 422 naming the field.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::{config, receiver, stored_messages, wait_for};
use crate::server::{Server, client};

pub(super) const OWUI_TOKEN: &str = "owui-token-0123456789";
/// What Open WebUI puts in `schema` and `version` (`open_webui.env.VERSION`).
const VERSION: &str = "0.12.4";
/// `app.state.instance_id`: Open WebUI's `INSTANCE_ID`, a UUID unless configured.
const INSTANCE_ID: &str = "0b8f4e62-5a1d-4c3e-9f27-6d41a8c9e0b3";

/// `SENSITIVE_KEYS` of `events.py`.
const SENSITIVE_KEYS: [&str; 12] = [
    "password",
    "hashed_password",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "secret",
    "key",
    "authorization",
    "cookie",
    "webhook_token",
];
/// `SAFE_ACTOR_FIELDS` of `events.py`.
const SAFE_ACTOR_FIELDS: [&str; 6] = ["id", "name", "email", "role", "created_at", "updated_at"];
/// `MAX_STRING_LENGTH` of `events.py`.
const MAX_STRING_LENGTH: usize = 1000;

/// `_sensitive`: the key lower-cased, `-` as `_`, in the list or ending in a secret suffix.
fn sensitive(key: &str) -> bool {
    let k = key.to_lowercase().replace('-', "_");
    SENSITIVE_KEYS.contains(&k.as_str())
        || ["_token", "_secret", "_api_key", "_key"]
            .iter()
            .any(|suffix| k.ends_with(suffix))
}

/// `_sanitize`: drops sensitive keys at every depth and cuts strings past 1,000 characters.
fn sanitize(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !sensitive(k))
                .map(|(k, v)| (k.clone(), sanitize(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(sanitize).collect()),
        Value::String(s) if s.chars().count() > MAX_STRING_LENGTH => Value::String(format!(
            "{}...",
            s.chars().take(MAX_STRING_LENGTH).collect::<String>()
        )),
        other => other.clone(),
    }
}

/// `_actor`: the sanitized user's safe fields that are not null, and `type` (default `user`).
fn actor_of(user: &Value) -> Value {
    let user = sanitize(user);
    let mut actor: Map<String, Value> = SAFE_ACTOR_FIELDS
        .iter()
        .filter_map(|f| {
            user.get(*f)
                .filter(|v| !v.is_null())
                .map(|v| ((*f).to_owned(), v.clone()))
        })
        .collect();
    if actor.is_empty() {
        return Value::Null;
    }
    let kind = user
        .get("type")
        .filter(|t| t.as_str().is_some_and(|s| !s.is_empty()))
        .cloned()
        .unwrap_or_else(|| json!("user"));
    actor.insert("type".into(), kind);
    Value::Object(actor)
}

/// A user as Open WebUI's `UserModel` dumps it: more than `_actor` keeps, an API key included.
pub(super) fn user(id: &str, name: &str, email: &str, role: &str) -> Value {
    json!({
        "id": id, "email": email, "username": null, "role": role, "name": name,
        "profile_image_url": "/user.png", "bio": null, "api_key": "sk-0123456789abcdef",
        "oauth_sub": null, "last_active_at": 1_767_225_600,
        "updated_at": 1_767_225_600, "created_at": 1_767_225_600
    })
}

/// What `publish_event` passes to `build_event` besides the event name.
#[derive(Default)]
pub(super) struct Publish<'a> {
    pub(super) actor: Option<Value>,
    pub(super) subject_id: Option<Value>,
    pub(super) subject_type: Option<&'a str>,
    pub(super) data: Option<Value>,
    pub(super) message: Option<&'a str>,
}

/// `build_event(...).model_dump()`, field by field: the body Open WebUI posts to an event
/// webhook whose URL is not Slack, Discord, Teams or Google Chat.
pub(super) fn build_event(id: &str, event: &str, p: Publish<'_>) -> Value {
    let parts: Vec<&str> = event.split('.').collect();
    let resource = parts[..parts.len() - 1].join(".");
    let subject = if p.subject_id.is_some() || p.subject_type.is_some() {
        sanitize(&json!({
            "type": p.subject_type.unwrap_or(&resource),
            "id": p.subject_id.unwrap_or(Value::Null),
        }))
    } else {
        Value::Null
    };
    let created_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    json!({
        "schema": VERSION,
        "id": id,
        "event": event,
        "resource": resource,
        "operation": parts[parts.len() - 1],
        "created_at": created_at,
        "instance_id": INSTANCE_ID,
        "version": VERSION,
        "source": "api",
        "actor": p.actor.as_ref().map_or(Value::Null, actor_of),
        "subject": subject,
        "data": sanitize(&p.data.unwrap_or_else(|| json!({}))),
        "message": p.message,
    })
}

/// `routers/auths.py` `signup`: the new user is the actor and the subject; `data` holds the
/// e-mail address.
pub(super) fn signup_event(id: &str) -> Value {
    let ada = user("u-ada", "Ada Lovelace", "ada@example.com", "pending");
    build_event(
        id,
        "auth.signup",
        Publish {
            actor: Some(ada),
            subject_id: Some(json!("u-ada")),
            subject_type: Some("user"),
            data: Some(json!({"email": "ada@example.com"})),
            ..Publish::default()
        },
    )
}

/// `utils/middleware.py` `publish_chat_finished_event`: the chat's owner is the actor, the chat
/// the subject, and `data` holds the reply, the title and the link.
pub(super) fn chat_finished_event(id: &str) -> Value {
    let ada = user("u-ada", "Ada Lovelace", "ada@example.com", "user");
    build_event(
        id,
        "chat.finished",
        Publish {
            actor: Some(ada),
            subject_id: Some(json!("c-trip")),
            subject_type: Some("chat"),
            data: Some(json!({
                "user_id": "u-ada",
                "chat_id": "c-trip",
                "message_id": "m-1",
                "model_id": "llama3.2",
                "title": "Trip plans",
                "url": "https://owui.example.com/c/c-trip",
                "message": "Day 1: the private itinerary.",
            })),
            message: Some("Trip plans"),
        },
    )
}

fn owui_source(event_type: Option<&str>) -> String {
    let event_type = event_type.map_or(String::new(), |t| format!("event_type = \"{t}\"\n"));
    format!(
        "[[ingest]]\nname = \"owui\"\nkind = \"open_webui\"\nsecret = \"{OWUI_TOKEN}\"\n{event_type}"
    )
}

/// POSTs `body` as Open WebUI does (JSON, the token in the query); the status and the answer.
pub(super) async fn post_owui(server: &Server, body: &[u8]) -> (u16, Value) {
    let res = client()
        .post(server.url(&format!("/hooks/owui?token={OWUI_TOKEN}")))
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[test]
fn bodies_are_built_as_open_webui_builds_them() {
    let mut signup = signup_event("5f0b6c1e-1d7a-4c55-9a43-8d0f3b1c2a77");
    let mut chat = chat_finished_event("9d2e7a44-0c3b-4f1e-b6a8-2c5d9e1f3a60");
    // The actor keeps only `SAFE_ACTOR_FIELDS`, so no API key; long strings are cut.
    assert!(!signup.to_string().contains("sk-0123456789abcdef"));
    let long = build_event(
        "id-long",
        "chat.finished",
        Publish {
            data: Some(json!({"message": "é".repeat(1200), "user_api_key": "k"})),
            ..Publish::default()
        },
    );
    assert_eq!(
        long["data"],
        json!({"message": format!("{}...", "é".repeat(MAX_STRING_LENGTH))})
    );
    for body in [&mut signup, &mut chat] {
        body["created_at"] = json!("[now]");
    }
    insta::assert_json_snapshot!("open_webui_signup_body", signup);
    insta::assert_json_snapshot!("open_webui_chat_finished_body", chat);
}

#[tokio::test(flavor = "multi_thread")]
async fn envelope_is_delivered_unchanged_under_source_name_and_event() {
    let (url, received) = receiver().await;
    let server = Server::start(Some(&config(&url, &owui_source(None))));
    let body = signup_event("5f0b6c1e-1d7a-4c55-9a43-8d0f3b1c2a77");
    let (status, answer) = post_owui(&server, body.to_string().as_bytes()).await;
    assert_eq!(
        (status, &answer["event_type"]),
        (202, &json!("owui.auth.signup"))
    );
    let got = wait_for(&received, 1).await;
    let delivered: Value = serde_json::from_slice(&got[0].1).unwrap();
    assert_eq!(
        delivered["data"], body,
        "the envelope is published as it came"
    );
    insta::assert_json_snapshot!("open_webui_signup_delivered", delivered, {
        ".timestamp" => "[timestamp]",
        ".data.created_at" => "[created_at]",
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_name_open_webui_defines_is_accepted() {
    let (url, _) = receiver().await;
    let server = Server::start(Some(&config(&url, &owui_source(Some("open_webui")))));
    let names: Vec<&str> = include_str!("open_webui_events.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(names.len() >= 60, "{} names", names.len());
    for (i, name) in names.iter().enumerate() {
        let body = build_event(&format!("id-{i}"), name, Publish::default());
        let (status, answer) = post_owui(&server, body.to_string().as_bytes()).await;
        assert_eq!(status, 202, "{name}: {answer}");
        assert_eq!(answer["event_type"], format!("open_webui.{name}"));
    }
    assert_eq!(stored_messages(&server).await.len(), names.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_event_name_in_an_envelope_is_published() {
    let (url, _) = receiver().await;
    let server = Server::start(Some(&config(&url, &owui_source(None))));
    let body = build_event("id-new", "widget.frobnicated", Publish::default());
    let (status, answer) = post_owui(&server, body.to_string().as_bytes()).await;
    assert_eq!(
        (status, &answer["event_type"]),
        (202, &json!("owui.widget.frobnicated"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_envelope_id_again_creates_no_second_event() {
    let (url, _) = receiver().await;
    let server = Server::start(Some(&config(&url, &owui_source(None))));
    let body = chat_finished_event("9d2e7a44-0c3b-4f1e-b6a8-2c5d9e1f3a60");
    let (first, a) = post_owui(&server, body.to_string().as_bytes()).await;
    let (again, b) = post_owui(&server, body.to_string().as_bytes()).await;
    assert_eq!((first, again), (202, 202));
    assert_eq!(a["message_id"], b["message_id"]);
    assert_eq!(stored_messages(&server).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_bodies_are_refused_naming_the_field_and_nothing_is_stored() {
    let (url, _) = receiver().await;
    let server = Server::start(Some(&config(&url, &owui_source(None))));
    let valid = signup_event("id-1");
    let with = |pointer: &str, value: Value| {
        let mut body = valid.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        body.to_string()
    };
    let without = |field: &str| {
        let mut body = valid.clone();
        body.as_object_mut().unwrap().remove(field);
        body.to_string()
    };
    let cases = [
        (
            "created_at as a string",
            with("/created_at", json!("1767225600")),
        ),
        ("data null", with("/data", Value::Null)),
        ("actor a list", with("/actor", json!(["u-ada"]))),
        ("id with a space", with("/id", json!("not an id"))),
        ("event with a slash", with("/event", json!("auth/signup"))),
        ("no id", without("id")),
        ("no instance_id", without("instance_id")),
        (
            "current name, no envelope",
            json!({"event": "auth.signup", "user": {}}).to_string(),
        ),
        ("no event", json!({"text": "hi"}).to_string()),
        ("an array", "[1]".to_owned()),
        ("not JSON", "event=auth.signup".to_owned()),
    ];
    let mut answers = Vec::new();
    for (case, body) in cases {
        let (status, answer) = post_owui(&server, body.as_bytes()).await;
        assert_eq!(status, 422, "{case}: {answer}");
        assert_eq!(answer["error"]["kind"], "invalid_event", "{case}");
        answers.push(json!({"case": case, "message": answer["error"]["message"]}));
    }
    insta::assert_json_snapshot!("open_webui_refusals", answers);
    assert!(stored_messages(&server).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn notification_target_test_body_is_accepted() {
    let (url, _) = receiver().await;
    let server = Server::start(Some(&config(&url, &owui_source(None))));
    // `utils/notifications.py` `test_target`: no envelope.
    let body = json!({"event": "notification.test", "action": "test", "user_id": "u-ada"});
    let (status, answer) = post_owui(&server, body.to_string().as_bytes()).await;
    assert_eq!(
        (status, &answer["event_type"]),
        (202, &json!("owui.notification.test"))
    );
}
