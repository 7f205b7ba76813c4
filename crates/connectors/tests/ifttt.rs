//! IFTTT Webhooks against a loopback double: both variants, the key never shown.
#![cfg(feature = "ifttt")]
#![allow(clippy::unwrap_used)]

mod recorder;

use recorder::{Recorder, Reply, http};
use serde_json::json;
use switchboard_connectors::ifttt::{Ifttt, IftttError, Values};

const KEY: &str = "dK3yS3cr3tV4lu3";

fn ifttt(base: &str) -> Ifttt {
    Ifttt::builder(KEY)
        .allowed_events(["door_opened", "lights_on", "x"])
        .base_url(base)
        .http(http())
        .build()
        .unwrap()
}

#[tokio::test]
async fn value_and_json_variants() {
    let server = Recorder::start(vec![
        Reply::new(200, "Congratulations! You've fired the door_opened event"),
        Reply::new(
            200,
            "Congratulations! You've fired the door_opened JSON event",
        ),
    ])
    .await;
    let ifttt = ifttt(&server.base);
    let msg = ifttt
        .trigger(
            "door_opened",
            &Values::new().value1("front").value2("12:00").value3("Ada"),
        )
        .await
        .unwrap();
    assert_eq!(msg, "Congratulations! You've fired the door_opened event");
    let msg = ifttt
        .trigger_json("door_opened", &json!({"door": "front", "open": true}))
        .await
        .unwrap();
    assert!(msg.ends_with("JSON event"));
    let seen = server.seen();
    assert_eq!(seen[0].uri, format!("/trigger/door_opened/with/key/{KEY}"));
    assert_eq!(
        seen[1].uri,
        format!("/trigger/door_opened/json/with/key/{KEY}")
    );
    insta::assert_yaml_snapshot!("ifttt_requests", seen, {"[].uri" => insta::dynamic_redaction(|v, _| v.as_str().unwrap().replace(KEY, "[key]"))});
    assert!(!format!("{ifttt:?}").contains(KEY));
}

#[tokio::test]
async fn an_error_answer_masks_the_key_in_its_message() {
    let server = Recorder::start(vec![Reply::json(
        401,
        json!({"errors": [{"message": format!("You sent an invalid key: {KEY}")}]}),
    )])
    .await;
    let err = ifttt(&server.base)
        .trigger("x", &Values::new())
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().status, 401);
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains(KEY) && text.contains("invalid key: REDACTED"),
        "{text}"
    );
}

#[tokio::test]
async fn a_transport_failure_keeps_the_core_error_without_the_key() {
    let err = ifttt("http://127.0.0.1:9")
        .trigger("x", &Values::new())
        .await
        .unwrap_err();
    assert!(matches!(err, IftttError::Http(_)), "{err:?}");
    assert!(std::error::Error::source(&err).is_some());
    assert!(!format!("{err} {err:?}").contains(KEY), "{err}");
}

#[tokio::test]
async fn events_not_allowed_and_bad_payloads_are_refused_before_sending() {
    let server = Recorder::start(vec![]).await;
    let ifttt = ifttt(&server.base);
    for bad in ["", "has space", "slash/x", "../up", "unlock_door"] {
        match ifttt.trigger(bad, &Values::new()).await {
            Err(IftttError::InvalidInput(e)) => assert_eq!(e.field(), "event"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    match ifttt.trigger_json("x", &json!([1])).await {
        Err(IftttError::InvalidInput(e)) => assert_eq!(e.field(), "payload"),
        other => panic!("{other:?}"),
    }
    assert!(server.seen().is_empty());
}

#[test]
fn a_key_that_is_not_one_path_segment_is_refused() {
    match Ifttt::builder("k/../x").allowed_events(["x"]).build() {
        Err(IftttError::InvalidInput(e)) => assert_eq!(e.field(), "key"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_client_allowing_no_event_is_refused() {
    match Ifttt::builder(KEY).build() {
        Err(IftttError::InvalidInput(e)) => {
            assert_eq!(e.field(), "allowed_events");
            assert!(e.to_string().contains("at least one event"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_allowed_event_that_is_not_one_path_segment_is_refused() {
    match Ifttt::builder(KEY).allowed_events(["ok", "a/b"]).build() {
        Err(IftttError::InvalidInput(e)) => assert_eq!(e.field(), "allowed_events"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn ifttt_trigger_tool_is_limited_to_allowed_events() {
    let server = Recorder::start(vec![Reply::new(
        200,
        "Congratulations! You've fired the lights_on event",
    )])
    .await;
    let ifttt = Ifttt::builder(KEY)
        .allowed_events(["lights_on"])
        .base_url(&server.base)
        .http(http())
        .build()
        .unwrap();
    let registry = switchboard_functions::ToolRegistry::new();
    switchboard_connectors::ifttt::register_tools(&registry, &ifttt, &Default::default()).unwrap();
    let definition = registry.definition("ifttt_trigger").unwrap();
    assert!(
        definition
            .description()
            .ends_with("Allowed events: lights_on."),
        "{}",
        definition.description()
    );
    let out = registry
        .invoke(
            "ifttt_trigger",
            json!({"event": "lights_on", "value1": "kitchen"}),
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        json!("Congratulations! You've fired the lights_on event")
    );
    assert_eq!(server.seen()[0].body, json!({"value1": "kitchen"}));
    let err = registry
        .invoke("ifttt_trigger", json!({"event": "unlock_door"}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not one of lights_on"), "{err}");
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_bad_key_is_error_kind_unauthorized() {
    let server = Recorder::start(vec![Reply::json(
        401,
        json!({"errors": [{"message": "You sent an invalid key."}]}),
    )])
    .await;
    let err = ifttt(&server.base)
        .trigger("x", &Values::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::Unauthorized);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn an_event_not_allowed_is_error_kind_invalid_input() {
    let server = Recorder::start(vec![]).await;
    let err = ifttt(&server.base)
        .trigger("unlock_door", &Values::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::InvalidInput);
    assert_eq!(err.status(), None);
}
