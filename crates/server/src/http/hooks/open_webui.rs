//! Open WebUI's outgoing webhook bodies, mapped to the event the gateway publishes.
//!
//! Open WebUI (0.12 on) posts its event envelope, `Event.model_dump()` from
//! `open_webui/events.py`, to each event webhook and user notification webhook whose URL is not
//! Slack, Discord, Teams or Google Chat: `{schema, id, event, resource, operation, created_at,
//! instance_id, version, source, actor, subject, data, message}`. It is published unchanged under
//! `{event_type}.{event}` (the source's `event_type`, by default its name: `owui.auth.signup`),
//! like GitHub's `{event_type}.{X-GitHub-Event}`, with its `id` as the idempotency key.
//!
//! Event names Open WebUI does not define today are published the same way: each release adds
//! names, and refusing them would make Open WebUI log failures and lose those events. What is
//! refused (422) is a body that is not the envelope: a missing field, or a field of the wrong
//! type, named by its JSON pointer.
//!
//! Older shapes are still accepted, under the types they always had: `{"event":"new_user",…}`
//! and `{"action":"signup","user":"<JSON>",…}` as `user_joined`; `{"event":"chat_response",…}`
//! and `{"action":"chat",…}` as `chat_completed`. Open WebUI's notification-target test and its
//! manual notifications post `{"event":"notification.test","action":"test",…}` and
//! `{"event":"notification.manual","action":"notify",…}` without an envelope; they are
//! published under `{event_type}.{event}` too.

use std::fmt;

use serde_json::{Map, Value, json};

/// The event to publish for one body.
#[derive(Debug, PartialEq)]
pub(super) struct Mapped {
    pub(super) event_type: String,
    pub(super) data: Value,
    /// The envelope's `id`: the same event posted again creates nothing new.
    pub(super) idempotency_key: Option<String>,
}

/// Why a body is refused: where (a JSON pointer; empty for the whole body) and what is wrong.
#[derive(Debug, PartialEq)]
pub(super) struct Refusal {
    pointer: &'static str,
    reason: String,
}

impl Refusal {
    fn new(pointer: &'static str, reason: impl Into<String>) -> Self {
        Self {
            pointer,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "`{}` {}", self.pointer, self.reason)
        }
    }
}

/// What a field of the envelope must hold.
#[derive(Clone, Copy)]
enum Expect {
    Str,
    StrOrNull,
    Integer,
    Object,
    ObjectOrNull,
}

impl Expect {
    fn accepts(self, v: &Value) -> bool {
        match self {
            Self::Str => v.is_string(),
            Self::StrOrNull => v.is_string() || v.is_null(),
            Self::Integer => v.is_i64() || v.is_u64(),
            Self::Object => v.is_object(),
            Self::ObjectOrNull => v.is_object() || v.is_null(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Str => "a string",
            Self::StrOrNull => "a string or null",
            Self::Integer => "an integer (Unix seconds)",
            Self::Object => "an object",
            Self::ObjectOrNull => "an object or null",
        }
    }
}

/// The envelope's fields as Open WebUI's `Event` model declares them: pointer, type, and whether
/// it is required (the model gives the last four defaults; `model_dump` always writes all).
const ENVELOPE: [(&str, &str, Expect, bool); 13] = [
    ("schema", "/schema", Expect::Str, true),
    ("id", "/id", Expect::Str, true),
    ("event", "/event", Expect::Str, true),
    ("resource", "/resource", Expect::Str, true),
    ("operation", "/operation", Expect::Str, true),
    ("created_at", "/created_at", Expect::Integer, true),
    ("instance_id", "/instance_id", Expect::StrOrNull, true),
    ("version", "/version", Expect::Str, true),
    ("source", "/source", Expect::Str, true),
    ("actor", "/actor", Expect::ObjectOrNull, false),
    ("subject", "/subject", Expect::ObjectOrNull, false),
    ("data", "/data", Expect::Object, false),
    ("message", "/message", Expect::StrOrNull, false),
];

const ENVELOPE_SHAPE: &str = "{schema, id, event, resource, operation, created_at, instance_id, \
                              version, source, actor, subject, data, message}";

/// The longest envelope `id` and `event` accepted: Open WebUI's are a UUID and a few dotted
/// words; the bound keeps the idempotency key and the event type within the store's limits.
const MAX_ID: usize = 128;
const MAX_EVENT: usize = 128;

/// Maps a JSON body from Open WebUI to the event to publish; `prefix` is the source's
/// `event_type`.
pub(super) fn map(prefix: &str, payload: Value) -> Result<Mapped, Refusal> {
    let Value::Object(body) = &payload else {
        return Err(Refusal::new(
            "",
            format!(
                "the body must be a JSON object (Open WebUI's event envelope {ENVELOPE_SHAPE}), \
                 not {}",
                kind_of(&payload)
            ),
        ));
    };
    if body.contains_key("schema") {
        return envelope(prefix, body).map(|(event_type, key)| Mapped {
            event_type,
            data: payload,
            idempotency_key: Some(key),
        });
    }
    let (pointer, name) = match (body.get("event"), body.get("action")) {
        (Some(v), _) => ("/event", v),
        (None, Some(v)) => ("/action", v),
        (None, None) => {
            return Err(Refusal::new(
                "/event",
                format!(
                    "is missing: expected Open WebUI's event envelope {ENVELOPE_SHAPE}, or one of \
                     its older shapes ({{\"event\":\"new_user\",…}}, {{\"action\":\"signup\",…}})"
                ),
            ));
        }
    };
    let Some(name) = name.as_str() else {
        return Err(Refusal::new(
            pointer,
            format!("must be a string, not {}", kind_of(name)),
        ));
    };
    match name {
        "new_user" | "signup" => Ok(user_joined(body)),
        "chat_response" | "chat" | "chat_completed" => Ok(chat_completed(body)),
        "notification.test" | "notification.manual" => Ok(Mapped {
            event_type: format!("{prefix}.{name}"),
            data: payload.clone(),
            idempotency_key: None,
        }),
        other if other.contains('.') => Err(Refusal::new(
            "/schema",
            format!(
                "is missing: Open WebUI sends the event {other:?} in its event envelope \
                 {ENVELOPE_SHAPE}"
            ),
        )),
        other => Err(Refusal::new(
            pointer,
            format!(
                "names an unknown Open WebUI event {other:?}: its older shapes are new_user, \
                 signup, chat_response and chat; current events come in its event envelope \
                 {ENVELOPE_SHAPE}"
            ),
        )),
    }
}

/// Checks an envelope; returns the event type to publish and the idempotency key.
fn envelope(prefix: &str, body: &Map<String, Value>) -> Result<(String, String), Refusal> {
    for (name, pointer, expect, required) in ENVELOPE {
        match body.get(name) {
            None if required => {
                return Err(Refusal::new(
                    pointer,
                    format!(
                        "is missing ({}): Open WebUI's event envelope has {ENVELOPE_SHAPE}",
                        expect.describe()
                    ),
                ));
            }
            Some(v) if !expect.accepts(v) => {
                return Err(Refusal::new(
                    pointer,
                    format!("must be {}, not {}", expect.describe(), kind_of(v)),
                ));
            }
            _ => {}
        }
    }
    let text = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
    let id = text("id");
    if id.is_empty() || id.len() > MAX_ID || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Refusal::new(
            "/id",
            format!("must be 1 to {MAX_ID} visible ASCII characters (Open WebUI sends a UUID)"),
        ));
    }
    let event = text("event");
    if !is_event_name(event) {
        return Err(Refusal::new(
            "/event",
            format!(
                "{event:?} is not an event name: dot-separated words of letters, digits, `_` or \
                 `-`, at most {MAX_EVENT} characters (such as \"auth.signup\")"
            ),
        ));
    }
    Ok((format!("{prefix}.{event}"), id.to_owned()))
}

/// `auth.signup`, `knowledge.file.added`: non-empty words of `[A-Za-z0-9_-]` joined by dots.
fn is_event_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_EVENT
        && name.split('.').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

/// The older sign-up shapes: `user` is an object (documented) or the user as a JSON string (what
/// its code sent to a generic URL). The original payload is kept under `payload`.
fn user_joined(body: &Map<String, Value>) -> Mapped {
    let user = match body.get("user") {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    let message = body.get("message").cloned().unwrap_or(Value::Null);
    Mapped {
        event_type: "user_joined".into(),
        data: json!({"user": user, "message": message, "payload": body}),
        idempotency_key: None,
    }
}

/// The older chat-response shapes: `chat` is an object (documented), or `title`, `url` and
/// `message` sit at the top level (what its code sent).
fn chat_completed(body: &Map<String, Value>) -> Mapped {
    let field = |k: &str| body.get(k).cloned().unwrap_or(Value::Null);
    let chat = body.get("chat").cloned().unwrap_or_else(
        || json!({"title": field("title"), "url": field("url"), "last_message": field("message")}),
    );
    Mapped {
        event_type: "chat_completed".into(),
        data: json!({"chat": chat, "payload": body}),
        idempotency_key: None,
    }
}

/// `null`, `a string`, …: what a value is, for an error message (never the value itself).
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope_of(event: &str) -> Value {
        json!({
            "schema": "0.12.4", "id": "5f0b6c1e-1d7a-4c55-9a43-8d0f3b1c2a77", "event": event,
            "resource": "auth", "operation": "signup", "created_at": 1_767_225_600,
            "instance_id": null, "version": "0.12.4", "source": "api", "actor": null,
            "subject": null, "data": {}, "message": null
        })
    }

    #[test]
    fn envelope_is_published_under_prefix_and_event_with_its_id_as_key() {
        let m = map("owui", envelope_of("auth.signup")).unwrap();
        assert_eq!(m.event_type, "owui.auth.signup");
        assert_eq!(
            m.idempotency_key.as_deref(),
            Some("5f0b6c1e-1d7a-4c55-9a43-8d0f3b1c2a77")
        );
        assert_eq!(m.data, envelope_of("auth.signup"));
    }

    #[test]
    fn unknown_event_name_in_an_envelope_is_published() {
        let m = map("owui", envelope_of("widget.frobnicated")).unwrap();
        assert_eq!(m.event_type, "owui.widget.frobnicated");
    }

    #[test]
    fn each_envelope_field_of_the_wrong_type_is_named_by_its_pointer() {
        let cases = [
            (
                "schema",
                json!(12),
                "`/schema` must be a string, not a number",
            ),
            (
                "created_at",
                json!("1767225600"),
                "`/created_at` must be an integer (Unix seconds), not a string",
            ),
            (
                "created_at",
                json!(1.5),
                "`/created_at` must be an integer (Unix seconds), not a number",
            ),
            (
                "instance_id",
                json!(7),
                "`/instance_id` must be a string or null, not a number",
            ),
            (
                "actor",
                json!([]),
                "`/actor` must be an object or null, not an array",
            ),
            ("data", Value::Null, "`/data` must be an object, not null"),
            (
                "message",
                json!({}),
                "`/message` must be a string or null, not an object",
            ),
        ];
        for (field, value, want) in cases {
            let mut body = envelope_of("auth.signup");
            body[field] = value;
            let got = map("owui", body).unwrap_err().to_string();
            assert_eq!(got, want, "{field}");
        }
    }

    #[test]
    fn a_missing_required_field_is_named_and_optional_ones_may_be_absent() {
        let mut body = envelope_of("auth.signup");
        body.as_object_mut().unwrap().remove("created_at");
        let err = map("owui", body).unwrap_err();
        assert_eq!(err.pointer, "/created_at");
        assert!(err.reason.starts_with("is missing"), "{err}");

        let mut body = envelope_of("auth.signup");
        for optional in ["actor", "subject", "data", "message"] {
            body.as_object_mut().unwrap().remove(optional);
        }
        assert!(map("owui", body).is_ok());
    }

    #[test]
    fn id_and_event_are_checked_for_their_use_as_key_and_type() {
        for id in ["", "with space", &"x".repeat(MAX_ID + 1)] {
            let mut body = envelope_of("auth.signup");
            body["id"] = json!(id);
            assert_eq!(map("owui", body).unwrap_err().pointer, "/id", "{id:?}");
        }
        for event in [
            "",
            "auth..signup",
            ".auth",
            "auth signup",
            "auth/signup",
            &"a".repeat(129),
        ] {
            let mut body = envelope_of("auth.signup");
            body["event"] = json!(event);
            assert_eq!(
                map("owui", body).unwrap_err().pointer,
                "/event",
                "{event:?}"
            );
        }
    }

    #[test]
    fn a_current_event_name_without_an_envelope_points_at_the_missing_schema() {
        let err = map("owui", json!({"event": "auth.signup", "user": {}})).unwrap_err();
        assert_eq!(err.pointer, "/schema");
    }

    #[test]
    fn older_shapes_keep_their_types() {
        let m = map(
            "owui",
            json!({"event":"new_user","user":{"email":"a@b.c","name":"A"}}),
        )
        .unwrap();
        assert_eq!(
            (m.event_type.as_str(), &m.data["user"]["email"]),
            ("user_joined", &json!("a@b.c"))
        );
        let m = map("owui", json!({"action":"signup","message":"New user signed up: A","user":"{\"email\":\"a@b.c\"}"})).unwrap();
        assert_eq!(
            (m.event_type.as_str(), &m.data["user"]["email"]),
            ("user_joined", &json!("a@b.c"))
        );
        let m = map(
            "owui",
            json!({"event":"chat_response","chat":{"id":"c1","title":"T","last_message":"hi"}}),
        )
        .unwrap();
        assert_eq!(
            (m.event_type.as_str(), &m.data["chat"]["id"]),
            ("chat_completed", &json!("c1"))
        );
        let m = map(
            "owui",
            json!({"action":"chat","message":"done","title":"T","url":"http://x/c/1"}),
        )
        .unwrap();
        assert_eq!(
            (m.event_type.as_str(), &m.data["chat"]["url"]),
            ("chat_completed", &json!("http://x/c/1"))
        );
        assert_eq!(m.idempotency_key, None);
    }

    #[test]
    fn notification_bodies_without_an_envelope_are_published_under_their_name() {
        let body = json!({"event": "notification.test", "action": "test", "user_id": "u1"});
        let m = map("owui", body.clone()).unwrap();
        assert_eq!(
            (m.event_type.as_str(), m.data),
            ("owui.notification.test", body)
        );
    }

    #[test]
    fn bodies_that_are_no_open_webui_shape_are_refused() {
        assert_eq!(map("owui", json!([1])).unwrap_err().pointer, "");
        assert_eq!(
            map("owui", json!({"text": "hi"})).unwrap_err().pointer,
            "/event"
        );
        assert_eq!(
            map("owui", json!({"event": 3})).unwrap_err().pointer,
            "/event"
        );
        assert_eq!(
            map("owui", json!({"action": "odd"})).unwrap_err().pointer,
            "/action"
        );
        assert_eq!(
            map("owui", json!({"event": "odd"})).unwrap_err().pointer,
            "/event"
        );
    }
}
