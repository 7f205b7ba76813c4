//! Slack Web API client against a loopback double.
#![cfg(feature = "slack")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use std::time::Duration;

use loopback::{Recorder, Reply, Server, ada, http};
use serde_json::json;
use switchboard_connectors::ToolOptions;
use switchboard_connectors::slack::{PostMessage, Slack, SlackError, SlackErrorCode};
use switchboard_functions::{Context, ToolCall, ToolRegistry};

fn client(srv: &Server, rec: &Recorder) -> Slack {
    Slack::builder("xoxb-secret-token")
        .base_url(srv.url("/api"))
        .http(http(rec).user_agent("switchboard-tests"))
        .build()
        .unwrap()
}

fn ok_answer() -> serde_json::Value {
    json!({
        "ok": true,
        "channel": "C123ABC456",
        "ts": "1503435956.000247",
        "message": {
            "text": "Here's a message for you",
            "username": "ecto1",
            "bot_id": "B123ABC456",
            "type": "message",
            "subtype": "bot_message",
            "ts": "1503435956.000247"
        }
    })
}

#[tokio::test]
async fn text_message_on_the_wire_and_docs_answer() {
    let srv = Server::start().await;
    srv.plan("/api/chat.postMessage", [Reply::json(200, ok_answer())]);
    let rec = Recorder::default();
    let posted = client(&srv, &rec)
        .post_message(&PostMessage::text("C123ABC456", "Here's a message for you"))
        .await
        .unwrap();
    assert_eq!(posted.channel, "C123ABC456");
    assert_eq!(posted.ts, "1503435956.000247");
    assert_eq!(posted.raw()["message"]["bot_id"], "B123ABC456");
    let seen = srv.seen();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer xoxb-secret-token")
    );
    insta::assert_yaml_snapshot!(seen);
}

#[tokio::test]
async fn block_kit_message_in_a_thread() {
    let srv = Server::start().await;
    let mut answer = ok_answer();
    answer["warning"] = json!("superfluous_charset");
    answer["response_metadata"] = json!({"warnings": ["superfluous_charset"]});
    srv.plan("/api/chat.postMessage", [Reply::json(200, answer)]);
    let rec = Recorder::default();
    let blocks = vec![
        json!({"type": "section", "text": {"type": "mrkdwn", "text": "*Deploy* finished"}}),
        json!({"type": "divider"}),
    ];
    let posted = client(&srv, &rec)
        .post_message(
            &PostMessage::blocks("C123ABC456", "Deploy finished", blocks)
                .in_thread("1503435956.000100"),
        )
        .await
        .unwrap();
    assert_eq!(posted.warnings, ["superfluous_charset"]);
    insta::assert_yaml_snapshot!(srv.seen());
}

#[tokio::test]
async fn ok_false_is_an_error_with_its_code() {
    let srv = Server::start().await;
    srv.plan(
        "/api/chat.postMessage",
        [
            Reply::json(200, json!({"ok": false, "error": "channel_not_found"}))
                .header("x-slack-req-id", "req-1"),
            Reply::json(
                200,
                json!({"ok": false, "error": "invalid_blocks",
                       "response_metadata": {"messages": ["[ERROR] must provide a string [json-pointer:/blocks/0/text/text]"]}}),
            ),
            Reply::json(200, json!({"ok": false, "error": "shiny_new_error"})),
        ],
    );
    let rec = Recorder::default();
    let slack = client(&srv, &rec);
    let msg = PostMessage::text("C404", "hi");
    let err = slack.post_message(&msg).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.code, SlackErrorCode::ChannelNotFound);
    assert_eq!(api.request_id.as_deref(), Some("req-1"));
    assert!(
        err.to_string()
            .starts_with("Slack error channel_not_found — no channel with this id"),
        "{err}"
    );

    let err = slack.post_message(&msg).await.unwrap_err();
    assert_eq!(err.api().unwrap().code, SlackErrorCode::InvalidBlocks);
    assert!(err.to_string().contains("json-pointer:/blocks/0/text/text"));

    let err = slack.post_message(&msg).await.unwrap_err();
    assert_eq!(
        err.api().unwrap().code,
        SlackErrorCode::Other("shiny_new_error".into())
    );
    assert!(!format!("{err:?}").contains("xoxb-secret-token"));
}

#[tokio::test]
async fn http_429_waits_for_retry_after() {
    let srv = Server::start().await;
    srv.plan(
        "/api/chat.postMessage",
        [
            Reply::json(200, json!({"ok": false, "error": "ratelimited"}))
                .header("retry-after", "30")
                .into_status(429),
            Reply::json(200, ok_answer()),
        ],
    );
    let rec = Recorder::default();
    let posted = client(&srv, &rec)
        .post_message(&PostMessage::text("C123ABC456", "hi"))
        .await
        .unwrap();
    assert_eq!(posted.ts, "1503435956.000247");
    assert_eq!(rec.delays(), [Duration::from_secs(30)]);
    assert_eq!(srv.seen().len(), 2);
}

#[tokio::test]
async fn input_is_checked_before_sending() {
    let srv = Server::start().await;
    let rec = Recorder::default();
    let slack = client(&srv, &rec);
    let err = slack
        .post_message(&PostMessage::text("C1", "  "))
        .await
        .unwrap_err();
    assert!(matches!(err, SlackError::InvalidInput(ref e) if e.field() == "text"));
    let err = slack
        .post_message(&PostMessage::blocks(
            "C1",
            "x",
            vec![json!({"text": "no type"})],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, SlackError::InvalidInput(ref e) if e.field() == "/blocks/0"));
    let many = vec![json!({"type": "divider"}); 51];
    let err = slack
        .post_message(&PostMessage::blocks("C1", "x", many))
        .await
        .unwrap_err();
    assert!(matches!(err, SlackError::InvalidInput(ref e) if e.field() == "blocks"));
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn post_message_tool() {
    let srv = Server::start().await;
    srv.plan("/api/chat.postMessage", [Reply::json(200, ok_answer())]);
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    switchboard_connectors::slack::register_tools(
        &registry,
        &client(&srv, &rec),
        &Default::default(),
    )
    .unwrap();
    insta::assert_json_snapshot!("tool_definitions", registry.definitions());
    let out = registry
        .invoke(
            "slack_post_message",
            json!({"channel": "C123ABC456", "text": "from the model"}),
        )
        .await
        .unwrap();
    assert_eq!(out["ts"], "1503435956.000247");
    assert_eq!(srv.seen()[0].body["text"], "from the model");
}

/// Posts `args` through `slack_post_message` for `ctx`, with attribution `on` or off, and
/// returns the body Slack received.
async fn post_through_the_tool(
    args: serde_json::Value,
    ctx: Context,
    on: bool,
) -> serde_json::Value {
    let srv = Server::start().await;
    srv.plan("/api/chat.postMessage", [Reply::json(200, ok_answer())]);
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    let options = ToolOptions::default().attribute_caller(on);
    switchboard_connectors::slack::register_tools(&registry, &client(&srv, &rec), &options)
        .unwrap();
    let result = registry
        .call(ToolCall::new("slack_post_message", args).with_context(ctx))
        .await;
    assert!(!result.is_error(), "{}", result.content());
    srv.seen()[0].body.clone()
}

#[tokio::test]
async fn an_attributed_text_message_ends_with_the_sender_line() {
    let body =
        post_through_the_tool(json!({"channel": "C1", "text": "Deploy done"}), ada(), true).await;
    assert_eq!(
        body["text"],
        "Deploy done\n\nSent by Ada Lovelace via Switchboard"
    );
    assert!(body.get("blocks").is_none(), "{body}");
}

#[tokio::test]
async fn an_attributed_block_message_ends_with_a_plain_text_context_block() {
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*Deploy* done"}}]);
    let body = post_through_the_tool(
        json!({"channel": "C1", "text": "Deploy done", "blocks": blocks}),
        ada(),
        true,
    )
    .await;
    assert_eq!(body["text"], "Deploy done");
    assert_eq!(body["blocks"].as_array().unwrap().len(), 2);
    assert_eq!(
        body["blocks"][1],
        json!({"type": "context", "elements": [
            {"type": "plain_text", "text": "Sent by Ada Lovelace via Switchboard", "emoji": false}
        ]})
    );
}

#[tokio::test]
async fn a_name_cannot_mention_the_channel_in_an_attributed_text() {
    let mut user = switchboard_functions::User::new("u-1");
    user.name = Some("<!channel> & co".into());
    let ctx = Context::default().with_user(user);
    let body = post_through_the_tool(json!({"channel": "C1", "text": "hi"}), ctx, true).await;
    assert_eq!(
        body["text"],
        "hi\n\nSent by &lt;!channel&gt; &amp; co via Switchboard"
    );
}

#[tokio::test]
async fn without_the_switch_a_message_names_no_one() {
    let body = post_through_the_tool(
        json!({"channel": "C1", "text": "Deploy done"}),
        ada(),
        false,
    )
    .await;
    assert_eq!(body["text"], "Deploy done");
}

#[tokio::test]
async fn without_a_user_an_attributed_message_names_no_one() {
    let ctx = Context::default().with_token("script");
    let body =
        post_through_the_tool(json!({"channel": "C1", "text": "Deploy done"}), ctx, true).await;
    assert_eq!(body["text"], "Deploy done");
}

#[tokio::test]
async fn fifty_blocks_leave_no_room_for_the_sender_line() {
    let srv = Server::start().await;
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    switchboard_connectors::slack::register_tools(
        &registry,
        &client(&srv, &rec),
        &ToolOptions::default().attribute_caller(true),
    )
    .unwrap();
    let blocks: Vec<serde_json::Value> = (0..50).map(|_| json!({"type": "divider"})).collect();
    let result = registry
        .call(
            ToolCall::new(
                "slack_post_message",
                json!({"channel": "C1", "text": "x", "blocks": blocks}),
            )
            .with_context(ada()),
        )
        .await;
    assert!(result.is_error());
    assert!(
        result.content().contains("at most 49"),
        "{}",
        result.content()
    );
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn channel_not_found_is_error_kind_not_found_by_its_code() {
    let srv = Server::start().await;
    srv.plan(
        "/api/chat.postMessage",
        [
            Reply::json(200, json!({"ok": false, "error": "channel_not_found"}))
                .header("x-slack-req-id", "req-404"),
        ],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .post_message(&PostMessage::text("C404", "hi"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::NotFound);
    assert_eq!(err.code(), Some("channel_not_found"));
    assert_eq!(err.request_id(), Some("req-404"));
    assert_eq!(err.status(), None);
}
