//! Templates for the webhook manager's operational events: `endpoint.disabled`,
//! `endpoint.enabled`, `message.attempt.exhausted` and `message.attempt.failing`.
//!
//! Each is one readable sentence naming the endpoint (by name), the message and what the
//! receiver did; the ids and the time follow as fields. Nothing else of the event is shown.

use serde_json::{Map, Value};

use super::{Level, Notification};

/// The notification for an operational event, or `None` for any other type.
pub(super) fn template(event_type: &str, data: &Value) -> Option<Notification> {
    let empty = Map::new();
    let obj = data.as_object().unwrap_or(&empty);
    let text = |key: &str| -> Option<String> {
        obj.get(key).and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let endpoint = text("endpoint_name")
        .or_else(|| text("endpoint_id"))
        .unwrap_or_else(|| "(unnamed)".to_owned());
    let message = text("message_id").unwrap_or_else(|| "(unknown)".to_owned());
    let answer = answer(obj);
    let (level, title, body) = match event_type {
        "endpoint.disabled" => {
            let why = match text("reason").as_deref() {
                Some("gone") => answer
                    .clone()
                    .unwrap_or_else(|| "the receiver answered 410 Gone".to_owned()),
                Some("failing") => match &answer {
                    Some(a) => format!("every delivery failed for the configured time ({a})"),
                    None => "every delivery failed for the configured time".to_owned(),
                },
                Some("manual") => "an operator disabled it".to_owned(),
                _ => "no reason given".to_owned(),
            };
            (
                Level::Error,
                "Endpoint disabled",
                format!(
                    "Endpoint {endpoint} was disabled: {why}. Its deliveries wait until it is enabled again."
                ),
            )
        }
        "endpoint.enabled" => (
            Level::Info,
            "Endpoint enabled",
            format!("Endpoint {endpoint} was enabled again; its waiting deliveries resume."),
        ),
        "message.attempt.exhausted" => {
            let attempts = text("attempts").unwrap_or_else(|| "every".to_owned());
            let last = answer.map(|a| format!(" (last: {a})")).unwrap_or_default();
            (
                Level::Error,
                "Delivery failed for good",
                format!(
                    "Delivery of message {message} to {endpoint} failed for good after {attempts} attempts{last}."
                ),
            )
        }
        "message.attempt.failing" => {
            let why = answer.map(|a| format!(": {a}")).unwrap_or_default();
            (
                Level::Warning,
                "Endpoint failing",
                format!(
                    "Delivery of message {message} to {endpoint} failed{why}; it is retried on schedule."
                ),
            )
        }
        _ => return None,
    };
    let mut n = Notification::new(event_type, title, body).level(level);
    for key in ["endpoint_id", "delivery_id", "at"] {
        if let Some(value) = text(key) {
            n = n.field(key, value);
        }
    }
    Some(n)
}

/// What the receiver did, as a clause: "the receiver answered 503 Service Unavailable", "the
/// receiver did not answer in time", …; `None` when the event does not say.
fn answer(obj: &Map<String, Value>) -> Option<String> {
    if let Some(status) = obj.get("status").and_then(Value::as_u64) {
        let reason = u16::try_from(status)
            .ok()
            .and_then(|s| switchboard_core::http::StatusCode::from_u16(s).ok())
            .and_then(|s| s.canonical_reason())
            .map(|r| format!(" {r}"))
            .unwrap_or_default();
        return Some(format!("the receiver answered {status}{reason}"));
    }
    Some(
        match obj.get("error").and_then(Value::as_str)? {
            "timeout" => "the receiver did not answer in time",
            "connect" => "the receiver could not be reached",
            "transport" => "the connection broke during the request",
            "blocked" => "the network policy refused the address",
            "request" => "the request could not be built",
            _ => "the attempt failed",
        }
        .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::Notification;

    fn plain(event_type: &str, data: serde_json::Value) -> String {
        Notification::from_event(event_type, &data).to_plain_text()
    }

    #[test]
    fn endpoint_disabled_says_which_and_why() {
        insta::assert_snapshot!(plain(
            "endpoint.disabled",
            json!({"endpoint_id": "ep_1", "endpoint_name": "crm", "reason": "gone",
                   "status": 410, "at": "2027-01-15T08:00:00.000Z"}),
        ));
    }

    #[test]
    fn endpoint_disabled_for_failing_says_so() {
        insta::assert_snapshot!(plain(
            "endpoint.disabled",
            json!({"endpoint_id": "ep_1", "endpoint_name": "crm", "reason": "failing",
                   "status": null, "at": "2027-01-15T08:00:00.000Z"}),
        ));
    }

    #[test]
    fn endpoint_enabled_says_deliveries_resume() {
        insta::assert_snapshot!(plain(
            "endpoint.enabled",
            json!({"endpoint_id": "ep_1", "endpoint_name": "crm", "at": "2027-01-15T08:00:00.000Z"}),
        ));
    }

    #[test]
    fn attempt_exhausted_counts_the_attempts() {
        insta::assert_snapshot!(plain(
            "message.attempt.exhausted",
            json!({"endpoint_id": "ep_1", "endpoint_name": "crm", "message_id": "msg_1",
                   "delivery_id": "dlv_1", "attempts": 8, "status": 500, "error": "status",
                   "at": "2027-01-15T08:00:00.000Z"}),
        ));
    }

    #[test]
    fn attempt_failing_says_what_the_receiver_did() {
        insta::assert_snapshot!(plain(
            "message.attempt.failing",
            json!({"endpoint_id": "ep_1", "endpoint_name": "crm", "message_id": "msg_1",
                   "delivery_id": "dlv_1", "attempt": 1, "status": null, "error": "timeout",
                   "at": "2027-01-15T08:00:00.000Z"}),
        ));
    }
}
