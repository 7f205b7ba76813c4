//! IFTTT Webhooks against a loopback double: both variants, the key never shown.
#![cfg(feature = "ifttt")]
#![allow(clippy::unwrap_used)]

mod recorder;

use recorder::{Recorder, Reply, client};
use serde_json::json;
use switchboard_connectors::ifttt::{Ifttt, IftttError, Values};

const KEY: &str = "dK3yS3cr3tV4lu3";

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
    let ifttt = Ifttt::with_base_url(client(), KEY, &server.base).unwrap();
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
async fn errors_and_inputs_never_show_the_key() {
    let server = Recorder::start(vec![Reply::json(
        401,
        json!({"errors": [{"message": format!("You sent an invalid key: {KEY}")}]}),
    )])
    .await;
    let ifttt = Ifttt::with_base_url(client(), KEY, &server.base).unwrap();
    let err = ifttt.trigger("x", &Values::new()).await.unwrap_err();
    assert!(
        matches!(err, IftttError::Status { status: 401, .. }),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains(KEY) && text.contains("invalid key: REDACTED"),
        "{text}"
    );

    let dead = Ifttt::with_base_url(client(), KEY, "http://127.0.0.1:9").unwrap();
    let err = dead.trigger("x", &Values::new()).await.unwrap_err();
    assert!(matches!(err, IftttError::Transport { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(KEY));

    for bad in ["", "has space", "slash/x", "../up"] {
        assert!(matches!(
            ifttt.trigger(bad, &Values::new()).await,
            Err(IftttError::InvalidInput { field: "event", .. })
        ));
    }
    assert!(matches!(
        ifttt.trigger_json("x", &json!([1])).await,
        Err(IftttError::InvalidInput {
            field: "payload",
            ..
        })
    ));
    assert!(matches!(
        Ifttt::new(client(), "k/../x"),
        Err(IftttError::InvalidInput { field: "key", .. })
    ));
}

#[tokio::test]
async fn ifttt_trigger_tool_is_limited_to_allowed_events() {
    let server = Recorder::start(vec![Reply::new(
        200,
        "Congratulations! You've fired the lights_on event",
    )])
    .await;
    let ifttt = Ifttt::with_base_url(client(), KEY, &server.base).unwrap();
    let registry = switchboard_functions::ToolRegistry::new();
    assert!(!switchboard_connectors::ifttt::register_tools(&registry, ifttt.clone(), &[]).unwrap());
    assert!(
        switchboard_connectors::ifttt::register_tools(&registry, ifttt, &["lights_on"]).unwrap()
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
