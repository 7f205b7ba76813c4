//! Argument validation: every violation with its pointer, as a typed error and a model message.

use serde_json::json;
use switchboard_functions::{CallError, ToolCall};

use crate::fixtures::registry;

async fn violations(tool: &str, args: serde_json::Value) -> Vec<String> {
    let r = registry();
    match r.invoke(tool, args).await {
        Err(CallError::InvalidArguments { violations, .. }) => {
            violations.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected invalid arguments, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_argument_table() {
    let table: Vec<(&str, serde_json::Value, Vec<&str>)> = vec![
        (
            "wrong type",
            json!({"city": 5}),
            vec![r#"/city: 5 is not of type "string""#],
        ),
        (
            "missing required",
            json!({}),
            vec![r#"(root): "city" is a required property"#],
        ),
        (
            "extra field",
            json!({"city": "Oslo", "zip": "0150"}),
            vec![r#"(root): Additional properties are not allowed ('zip' was unexpected)"#],
        ),
        (
            "out of range",
            json!({"city": "Oslo", "days": 20}),
            vec!["/days: 20 is greater than the maximum of 14"],
        ),
        (
            "bad enum",
            json!({"city": "Oslo", "unit": "kelvin"}),
            vec![
                r#"/unit: "kelvin" is not valid under any of the schemas listed in the 'anyOf' keyword ("kelvin" is not one of "celsius" or "fahrenheit"; or "kelvin" is not of type "null")"#,
            ],
        ),
        (
            "all at once",
            json!({"city": 5, "days": 0, "zip": 1}),
            vec![
                r#"(root): Additional properties are not allowed ('zip' was unexpected)"#,
                r#"/city: 5 is not of type "string""#,
                "/days: 0 is less than the minimum of 1",
            ],
        ),
    ];
    for (case, args, expected) in table {
        let mut got = violations("get_weather", args).await;
        got.sort();
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        assert_eq!(got, expected, "case {case}");
    }
}

#[tokio::test]
async fn nested_pointers() {
    let got = violations(
        "create_contact",
        json!({"name": "Ada", "addresses": [{"street": "1 Main", "city": "X", "country": "NOR"}],
               "channel": {"kind": "email"}}),
    )
    .await;
    assert!(
        got.iter().any(|v| v.starts_with("/addresses/0/country: ")),
        "{got:?}"
    );
    assert!(got.iter().any(|v| v.starts_with("/channel: ")), "{got:?}");
}

#[tokio::test]
async fn model_message_lists_every_violation() {
    let r = registry();
    let res = r
        .call(ToolCall::new("get_weather", r#"{"city": 5, "days": 0}"#).with_id("c1"))
        .await;
    assert!(res.is_error());
    insta::assert_snapshot!(res.content());
}

#[tokio::test]
async fn secret_values_are_not_quoted_in_messages() {
    let r = registry();
    let err = r
        .invoke("login", json!({"user": "ada", "password": "hunter2"}))
        .await
        .unwrap_err();
    let text = format!("{err} {}", err.model_message());
    assert!(!text.contains("hunter2"), "{text}");
    assert_eq!(err.violations()[0].pointer(), "/password");
}

#[tokio::test]
async fn malformed_and_duplicate_argument_text() {
    let r = registry();
    let err = r
        .invoke("get_weather", r#"{"city": "Oslo""#)
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::MalformedCall { .. }), "{err:?}");
    let err = r
        .invoke("get_weather", r#"{"city": "Oslo", "city": "Rome"}"#)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CallError::MalformedCall {
            tool: "get_weather".into(),
            message: "duplicate key at /city".into()
        }
    );
}

#[tokio::test]
async fn null_and_empty_arguments_mean_no_arguments() {
    let r = registry();
    for args in ["", "  ", "null"] {
        assert_eq!(
            r.invoke("list_items", args).await.unwrap(),
            json!({"items": [], "limit": null})
        );
    }
    assert!(
        r.invoke("list_items", serde_json::Value::Null)
            .await
            .is_ok()
    );
    // Where the schema requires fields, "no arguments" is reported as missing fields.
    let err = r.invoke("get_weather", "").await.unwrap_err();
    assert_eq!(err.violations().len(), 1);
}

#[tokio::test]
async fn strict_mode_nulls_for_optional_fields_are_absent() {
    let r = registry();
    // Strict mode makes `days` nullable; the model sends null to mean "absent".
    let out = r
        .invoke(
            "get_weather",
            json!({"city": "Oslo", "unit": null, "days": null}),
        )
        .await
        .unwrap();
    assert_eq!(out["city"], "Oslo");
    // `create_contact.labels` is not nullable and not required: null means absent too.
    let out = r
        .invoke(
            "create_contact",
            json!({"name": "Ada", "addresses": [], "labels": null,
            "channel": {"kind": "phone", "number": "+4712345678"}, "note": null}),
        )
        .await
        .unwrap();
    assert_eq!(out, json!("created Ada with 0 address(es)"));
}

#[tokio::test]
async fn non_object_arguments_are_rejected() {
    let r = registry();
    let err = r.invoke("list_items", "[1, 2]").await.unwrap_err();
    assert_eq!(
        err.violations()[0].to_string(),
        r#"(root): [1,2] is not of type "object""#
    );
}
