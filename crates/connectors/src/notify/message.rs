//! The target-neutral notification and the templates that build it from an event.

use serde_json::Value;

use super::{open_webui, operational};
use crate::text::truncate_chars;

/// How serious a notification is; targets show it as a colour or a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Something happened.
    Info,
    /// Something may need attention.
    Warning,
    /// Something failed.
    Error,
}

impl Level {
    /// `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// A name/value pair shown as a field or fact.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Field {
    /// The label.
    pub name: String,
    /// The value, as text.
    pub value: String,
}

/// A notification, before it is formatted for a target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notification {
    /// The event type it came from (`chat_completed`, …).
    pub event_type: String,
    /// How serious it is.
    pub level: Level,
    /// A one-line title.
    pub title: String,
    /// The main text (plain text; each target escapes it).
    pub body: String,
    /// Extra facts, in order.
    pub fields: Vec<Field>,
}

/// At most this many fields come from an event's data; the rest are counted in a last field.
pub const MAX_EVENT_FIELDS: usize = 20;
/// Field values taken from event data are cut to this many characters.
const FIELD_VALUE_CHARS: usize = 500;

impl Notification {
    /// A notification with a title and body, level info, no fields.
    pub fn new(
        event_type: impl Into<String>,
        title: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self {
            event_type: event_type.into(),
            level: Level::Info,
            title: title.into(),
            body: body.into(),
            fields: Vec::new(),
        }
    }

    /// Sets the level.
    #[must_use]
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// Adds a field.
    #[must_use]
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push(Field {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// Builds a notification from an event with the template for its type: the webhook
    /// manager's operational events (`endpoint.disabled`, `endpoint.enabled`,
    /// `message.attempt.exhausted`, `message.attempt.failing`), `user_joined`,
    /// `chat_completed`, Open WebUI's event envelope (`owui.auth.signup`, `owui.chat.finished`,
    /// … under any type), `error_occurred`, or the generic template for any other type.
    ///
    /// The `user_joined`, `chat_completed` and Open WebUI templates show only the fields they
    /// name (a user's name and role; a chat's title, id, model and link), never e-mail addresses
    /// or chat text. With `error_occurred` and the generic template every top-level value of
    /// `data` appears (as the body, a field, or in the generic template's JSON body); nothing is
    /// dropped without a trace: past [`MAX_EVENT_FIELDS`] fields a last field says how many were
    /// left out.
    ///
    /// ```
    /// use switchboard_connectors::notify::{Level, Notification};
    /// let n = Notification::from_event(
    ///     "error_occurred",
    ///     &serde_json::json!({"message": "disk full", "code": "ENOSPC"}),
    /// );
    /// assert_eq!(n.level, Level::Error);
    /// assert_eq!(n.body, "disk full");
    /// assert_eq!(n.fields[0].name, "code");
    /// ```
    pub fn from_event(event_type: &str, data: &Value) -> Self {
        if let Some(n) = operational::template(event_type, data) {
            return n;
        }
        if let Some(n) = open_webui::template(event_type, data) {
            return n;
        }
        let obj = data.as_object();
        let text = |keys: &[&str]| -> Option<String> {
            let obj = obj?;
            keys.iter().find_map(|k| obj.get(*k).and_then(value_text))
        };
        let (level, title, body, used): (Level, String, String, &[&str]) = match event_type {
            "error_occurred" => {
                let message = text(&["message", "error", "detail"])
                    .unwrap_or_else(|| "An error occurred (no message given).".to_owned());
                (
                    Level::Error,
                    "Error occurred".to_owned(),
                    message,
                    &["message", "error", "detail"],
                )
            }
            other => {
                let title = format!("Event: {other}");
                (Level::Info, title, String::new(), &[])
            }
        };
        let mut n = Self {
            event_type: event_type.to_owned(),
            level,
            title,
            body,
            fields: Vec::new(),
        };
        let body_key = obj.and_then(|o| {
            used.iter()
                .copied()
                .find(|k| o.get(*k).and_then(value_text).is_some())
        });
        match obj {
            Some(obj) => {
                let mut nested = serde_json::Map::new();
                let mut left_out = 0usize;
                for (k, v) in obj {
                    if body_key == Some(k.as_str()) {
                        continue; // Shown as the body.
                    }
                    match value_text(v) {
                        Some(t) if n.fields.len() < MAX_EVENT_FIELDS => n.fields.push(Field {
                            name: k.clone(),
                            value: truncate_chars(&t, FIELD_VALUE_CHARS),
                        }),
                        Some(_) => left_out += 1,
                        None => {
                            nested.insert(k.clone(), v.clone());
                        }
                    }
                }
                if !nested.is_empty() {
                    let json =
                        serde_json::to_string_pretty(&Value::Object(nested)).unwrap_or_default();
                    if n.body.is_empty() {
                        n.body = json;
                    } else {
                        n.body.push_str("\n\n");
                        n.body.push_str(&json);
                    }
                }
                if left_out > 0 {
                    n.fields.push(Field {
                        name: "more".to_owned(),
                        value: format!("{left_out} more fields not shown"),
                    });
                }
            }
            None if !data.is_null() => {
                let t = value_text(data)
                    .unwrap_or_else(|| serde_json::to_string_pretty(data).unwrap_or_default());
                if n.body.is_empty() {
                    n.body = t;
                } else {
                    n.fields.push(Field {
                        name: "data".to_owned(),
                        value: truncate_chars(&t, FIELD_VALUE_CHARS),
                    });
                }
            }
            None => {}
        }
        if n.body.is_empty() {
            n.body = format!("Event {event_type} was triggered.");
        }
        n
    }

    /// The title and body on one line each, fields as `name: value` lines: the plain-text
    /// form used for fallbacks and email.
    pub fn to_plain_text(&self) -> String {
        let mut out = format!("{}\n\n{}", self.title, self.body);
        if !self.fields.is_empty() {
            out.push('\n');
            for f in &self.fields {
                out.push_str(&format!("\n{}: {}", f.name, f.value));
            }
        }
        out
    }
}

/// A scalar JSON value as text; `None` for arrays, objects and null.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn templates() {
        let n = Notification::from_event("error_occurred", &json!({"error": "boom"}));
        assert_eq!((n.level, n.body.as_str()), (Level::Error, "boom"));

        let n = Notification::from_event("invoice_paid", &json!({"amount": 12, "lines": [1, 2]}));
        assert_eq!(n.title, "Event: invoice_paid");
        assert!(n.body.contains("\"lines\""), "{}", n.body);
        assert_eq!(n.fields[0].value, "12");

        let many: serde_json::Map<_, _> = (0..30).map(|i| (format!("k{i:02}"), json!(i))).collect();
        let n = Notification::from_event("x", &Value::Object(many));
        assert_eq!(n.fields.len(), MAX_EVENT_FIELDS + 1);
        assert_eq!(n.fields[MAX_EVENT_FIELDS].value, "10 more fields not shown");

        let n = Notification::from_event("x", &Value::Null);
        assert_eq!(n.body, "Event x was triggered.");
    }
}
