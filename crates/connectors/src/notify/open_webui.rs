//! Templates for what the gateway ingests from Open WebUI: `user_joined` and `chat_completed`
//! (its older webhooks, or any publisher using those types) and Open WebUI's event envelope
//! (`{schema, id, event, …, actor, subject, data, message}`) under whatever type it was
//! published (`owui.auth.signup`, `owui.chat.finished`, …).
//!
//! Unlike the generic template, these show only the fields they name. Open WebUI's events carry
//! personal data (the user's e-mail address, chat text) that a chat channel or mailing list
//! should not receive by default; the whole event stays in the store and in webhook deliveries.
//! So a sign-up shows the user's name and role, never the e-mail; a finished chat shows its
//! title, model and link, never the messages.

use serde_json::{Map, Value};

use super::{Level, Notification};
use crate::text::truncate_chars;

/// Characters of an error text shown from an event.
const ERROR_CHARS: usize = 500;

/// The notification for an Open WebUI event, or `None` when the event is not one of these.
pub(super) fn template(event_type: &str, data: &Value) -> Option<Notification> {
    let empty = Map::new();
    let obj = data.as_object().unwrap_or(&empty);
    if let Some(envelope) = Envelope::of(obj) {
        return Some(envelope.notification(event_type));
    }
    match event_type {
        "user_joined" => {
            let user = object(obj.get("user")).unwrap_or(obj);
            let name = text(user, &["name", "user_name", "username"]);
            Some(user_joined(event_type, name, text(user, &["role"])))
        }
        "chat_completed" => {
            let chat = object(obj.get("chat")).unwrap_or(obj);
            Some(chat_completed(
                event_type,
                &Chat {
                    title: text(chat, &["title", "chat_title"]),
                    id: text(chat, &["id", "chat_id"]),
                    model: text(chat, &["model", "model_id"]).or_else(|| text(obj, &["model"])),
                    link: text(chat, &["url"]),
                },
            ))
        }
        _ => notification_body(event_type, obj),
    }
}

/// Open WebUI's event envelope, recognised by the fields its `Event` model always writes.
struct Envelope<'a> {
    event: &'a str,
    message: Option<String>,
    actor: Option<&'a Map<String, Value>>,
    subject: Option<&'a Map<String, Value>>,
    data: Option<&'a Map<String, Value>>,
}

impl<'a> Envelope<'a> {
    fn of(obj: &'a Map<String, Value>) -> Option<Self> {
        let is_str = |k: &str| obj.get(k).is_some_and(Value::is_string);
        if !(["schema", "id", "resource", "operation"]
            .into_iter()
            .all(is_str)
            && obj.get("created_at").is_some_and(Value::is_number))
        {
            return None;
        }
        Some(Self {
            event: obj.get("event")?.as_str()?,
            message: text(obj, &["message"]),
            actor: object(obj.get("actor")),
            subject: object(obj.get("subject")),
            data: object(obj.get("data")),
        })
    }

    fn data(&self, keys: &[&str]) -> Option<String> {
        self.data.and_then(|d| text(d, keys))
    }

    /// The chat's id: from `data`, else the subject when it is a chat.
    fn chat_id(&self) -> Option<String> {
        self.data(&["chat_id"]).or_else(|| {
            let subject = self.subject?;
            (text(subject, &["type"]).as_deref() == Some("chat"))
                .then(|| text(subject, &["id"]))
                .flatten()
        })
    }

    fn notification(&self, event_type: &str) -> Notification {
        let subject_id = self.subject.and_then(|s| text(s, &["id"]));
        match self.event {
            "auth.signup" => {
                let actor = |k: &str| self.actor.and_then(|a| text(a, &[k]));
                user_joined(event_type, actor("name"), actor("role"))
            }
            "chat.finished" => chat_completed(
                event_type,
                &Chat {
                    title: self.data(&["title"]).or_else(|| self.message.clone()),
                    id: self.chat_id(),
                    model: self.data(&["model_id"]),
                    link: self.data(&["url"]),
                },
            ),
            "chat.failed" => {
                let chat = Chat {
                    title: self.data(&["title"]),
                    id: self.chat_id(),
                    model: self.data(&["model_id"]),
                    link: self.data(&["url"]),
                };
                let body = match &chat.title {
                    Some(t) => format!("A response in the chat \u{201c}{t}\u{201d} failed."),
                    None => "A chat response failed.".to_owned(),
                };
                let n = Notification::new(event_type, "Chat failed", body).level(Level::Error);
                let n = with_chat_fields(n, &chat);
                match self.data(&["message"]) {
                    Some(e) => n.field("error", truncate_chars(&e, ERROR_CHARS)),
                    None => n,
                }
            }
            event => {
                let title = humanize(event);
                let body = self
                    .message
                    .clone()
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or_else(|| format!("Open WebUI reported `{event}`."));
                let failed = event
                    .rsplit('.')
                    .next()
                    .is_some_and(|op| op.ends_with("failed"));
                let n = Notification::new(event_type, title, body).level(if failed {
                    Level::Error
                } else {
                    Level::Info
                });
                let subject_type = self.subject.and_then(|s| text(s, &["type"]));
                match (subject_type, subject_id) {
                    (Some(t), Some(id)) => n.field(t, id),
                    (None, Some(id)) => n.field("subject", id),
                    _ => n,
                }
            }
        }
    }
}

/// What a chat notification shows.
struct Chat {
    title: Option<String>,
    id: Option<String>,
    model: Option<String>,
    link: Option<String>,
}

fn user_joined(event_type: &str, name: Option<String>, role: Option<String>) -> Notification {
    let body = match name {
        Some(name) => format!("{name} joined."),
        None => "A new user joined.".to_owned(),
    };
    let n = Notification::new(event_type, "User joined", body);
    match role {
        Some(role) => n.field("role", role),
        None => n,
    }
}

fn chat_completed(event_type: &str, chat: &Chat) -> Notification {
    let body = match &chat.title {
        Some(t) => format!("The chat \u{201c}{t}\u{201d} has a new response."),
        None => "A chat has a new response.".to_owned(),
    };
    with_chat_fields(Notification::new(event_type, "Chat completed", body), chat)
}

fn with_chat_fields(mut n: Notification, chat: &Chat) -> Notification {
    for (name, value) in [("chat", &chat.id), ("model", &chat.model)] {
        if let Some(v) = value {
            n = n.field(name, v.clone());
        }
    }
    // Open WebUI sends `/c/{id}` when its public URL is not configured: no use as a link.
    match chat.link.as_deref() {
        Some(l) if l.starts_with("https://") || l.starts_with("http://") => n.field("link", l),
        _ => n,
    }
}

/// Open WebUI's notification-target test and manual notification, which it posts without an
/// envelope: `{"event":"notification.test","action":"test","user_id":…}` and
/// `{"event":"notification.manual","action":"notify","user_id":…,"message":…,"title":…}`.
fn notification_body(event_type: &str, obj: &Map<String, Value>) -> Option<Notification> {
    let event = text(obj, &["event"])?;
    let action = text(obj, &["action"])?;
    match (event.as_str(), action.as_str()) {
        ("notification.test", "test") => Some(Notification::new(
            event_type,
            "Test notification",
            "A test notification from Open WebUI.",
        )),
        ("notification.manual", "notify") => Some(Notification::new(
            event_type,
            text(obj, &["title"]).unwrap_or_else(|| "Notification".to_owned()),
            text(obj, &["message"]).unwrap_or_else(|| "(no message)".to_owned()),
        )),
        _ => None,
    }
}

/// `group.member_added` → `Group member added`.
fn humanize(event: &str) -> String {
    let words = event.replace(['.', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn object(v: Option<&Value>) -> Option<&Map<String, Value>> {
    v.and_then(Value::as_object)
}

/// The first of `keys` holding a non-empty string or a number, as text.
fn text(obj: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match obj.get(*k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// An envelope as Open WebUI's `build_event` writes it for `auth.signup`.
    fn signup() -> Value {
        json!({
            "schema": "0.12.4", "id": "e1", "event": "auth.signup", "resource": "auth",
            "operation": "signup", "created_at": 1_767_225_600, "instance_id": null,
            "version": "0.12.4", "source": "api",
            "actor": {"id": "u1", "name": "Ada Lovelace", "email": "ada@example.com",
                      "role": "pending", "created_at": 1, "updated_at": 1, "type": "user"},
            "subject": {"type": "user", "id": "u1"},
            "data": {"email": "ada@example.com"}, "message": null
        })
    }

    fn all_text(n: &Notification) -> String {
        format!("{n:?}")
    }

    #[test]
    fn signup_envelope_shows_name_and_role_but_not_the_email() {
        let n = template("owui.auth.signup", &signup()).unwrap();
        assert_eq!(
            (n.title.as_str(), n.body.as_str()),
            ("User joined", "Ada Lovelace joined.")
        );
        assert_eq!(n.fields.len(), 1);
        assert_eq!(
            (n.fields[0].name.as_str(), n.fields[0].value.as_str()),
            ("role", "pending")
        );
        assert!(!all_text(&n).contains("ada@example.com"));
    }

    #[test]
    fn chat_finished_envelope_shows_title_model_and_link_but_not_the_messages() {
        let mut e = signup();
        e["event"] = json!("chat.finished");
        e["subject"] = json!({"type": "chat", "id": "c1"});
        e["data"] = json!({"user_id": "u1", "chat_id": "c1", "message_id": "m1", "model_id": "llama3",
                           "title": "Trip plans", "url": "https://owui.example.com/c/c1",
                           "message": "Day 1: the private itinerary"});
        e["message"] = json!("Trip plans");
        let n = template("owui.chat.finished", &e).unwrap();
        assert_eq!(n.title, "Chat completed");
        assert_eq!(
            n.body,
            "The chat \u{201c}Trip plans\u{201d} has a new response."
        );
        let fields: Vec<(&str, &str)> = n
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("chat", "c1"),
                ("model", "llama3"),
                ("link", "https://owui.example.com/c/c1")
            ]
        );
        assert!(!all_text(&n).contains("itinerary") && !all_text(&n).contains("ada@"));
    }

    #[test]
    fn chat_failed_envelope_is_an_error_with_its_reason() {
        let mut e = signup();
        e["event"] = json!("chat.failed");
        e["data"] = json!({"chat_id": "c1", "url": "/c/c1", "message": "model not found"});
        let n = template("owui.chat.failed", &e).unwrap();
        assert_eq!((n.level, n.title.as_str()), (Level::Error, "Chat failed"));
        let fields: Vec<(&str, &str)> = n
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(fields, [("chat", "c1"), ("error", "model not found")]);
    }

    #[test]
    fn other_envelope_events_show_their_name_and_subject_only() {
        let mut e = signup();
        e["event"] = json!("group.member_added");
        e["subject"] = json!({"type": "group", "id": "g1"});
        e["data"] = json!({"user_ids": ["u1"], "email": "ada@example.com"});
        let n = template("owui.group.member_added", &e).unwrap();
        assert_eq!(
            (n.title.as_str(), n.body.as_str()),
            (
                "Group member added",
                "Open WebUI reported `group.member_added`."
            )
        );
        assert_eq!(
            (n.fields[0].name.as_str(), n.fields[0].value.as_str()),
            ("group", "g1")
        );
        assert!(!all_text(&n).contains("ada@"));
        e["event"] = json!("automation.run_failed");
        assert_eq!(template("x", &e).unwrap().level, Level::Error);
    }

    #[test]
    fn user_joined_reads_the_user_ingest_publishes_and_a_flat_one() {
        let ingested = json!({"user": {"name": "Ada", "email": "ada@example.com", "role": "user"},
                              "message": "New user signed up: Ada",
                              "payload": {"action": "signup", "user": "{\"email\":\"ada@example.com\"}"}});
        let n = template("user_joined", &ingested).unwrap();
        assert_eq!(n.body, "Ada joined.");
        assert!(!all_text(&n).contains("ada@example.com"));
        let n = template(
            "user_joined",
            &json!({"name": "Grace", "email": "g@example.com"}),
        )
        .unwrap();
        assert_eq!((n.body.as_str(), n.fields.len()), ("Grace joined.", 0));
        let n = template("user_joined", &json!({"user": "not json"})).unwrap();
        assert_eq!(n.body, "A new user joined.");
    }

    #[test]
    fn chat_completed_reads_the_chat_ingest_publishes() {
        let ingested = json!({"chat": {"id": "c1", "title": "T", "last_message": "secret words"},
                              "payload": {"event": "chat_response"}});
        let n = template("chat_completed", &ingested).unwrap();
        assert_eq!(n.body, "The chat \u{201c}T\u{201d} has a new response.");
        assert!(!all_text(&n).contains("secret words"));
    }

    #[test]
    fn open_webui_notification_bodies_have_their_own_text() {
        let n = template(
            "owui.notification.test",
            &json!({"event": "notification.test", "action": "test", "user_id": "u1"}),
        )
        .unwrap();
        assert_eq!(n.title, "Test notification");
        let n = template("owui.notification.manual", &json!({"event": "notification.manual", "action": "notify", "user_id": "u1", "message": "Deploy done", "title": "CI"})).unwrap();
        assert_eq!((n.title.as_str(), n.body.as_str()), ("CI", "Deploy done"));
        assert!(template("anything", &json!({"event": "other", "action": "x"})).is_none());
        assert!(template("anything", &json!([1])).is_none());
        assert_eq!(
            template("user_joined", &Value::Null).unwrap().body,
            "A new user joined."
        );
    }
}
