//! Slack read tools against a loopback double serving the Web API reference's example answers:
//! the exact requests, cursor pagination, user names, `ok:false` errors and rate limits.
#![cfg(feature = "slack")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use std::time::Duration;

use loopback::{Recorder, Reply, Server, http};
use serde_json::{Value, json};
use switchboard_connectors::slack::{
    Page, Slack, SlackError, SlackErrorCode, SlackTier, Window, register_tools,
};
use switchboard_functions::ToolRegistry;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn client(srv: &Server, rec: &Recorder) -> Slack {
    Slack::builder("xoxb-secret-token")
        .base_url(srv.url("/api"))
        .http(http(rec).user_agent("switchboard-tests"))
        .build()
        .unwrap()
}

fn tools(srv: &Server, rec: &Recorder) -> ToolRegistry {
    let registry = ToolRegistry::new();
    register_tools(&registry, &client(srv, rec), &Default::default()).unwrap();
    registry
}

fn page(limit: u32) -> Page {
    Page {
        limit,
        cursor: None,
    }
}

#[tokio::test]
async fn list_channels_sends_types_and_follows_the_cursor() {
    let srv = Server::start().await;
    srv.plan(
        "/api/conversations.list",
        [
            Reply::json(200, fixture("list_page1.json")),
            Reply::json(200, fixture("list_page2.json")),
        ],
    );
    srv.plan(
        "/api/users.info",
        [Reply::json(200, fixture("user_winston.json"))],
    );
    let rec = Recorder::default();
    let registry = tools(&srv, &rec);
    let first = registry
        .invoke(
            "slack_list_channels",
            json!({"types": ["public_channel", "private_channel", "im"], "limit": 2}),
        )
        .await
        .unwrap();
    assert_eq!(first["truncated"], true);
    assert_eq!(first["next_cursor"], "dGVhbTpDMDYxRkE1UEI=");
    let second = registry
        .invoke(
            "slack_list_channels",
            json!({"types": ["public_channel", "private_channel", "im"], "limit": 2,
                   "cursor": first["next_cursor"]}),
        )
        .await
        .unwrap();
    assert_eq!(second["truncated"], false);
    assert!(second.get("next_cursor").is_none());
    assert_eq!(second["channels"][0]["type"], "im");
    assert_eq!(second["channels"][0]["user"], "Winston");
    assert_eq!(second["channels"][1]["type"], "private_channel");
    insta::assert_yaml_snapshot!("list_channels_requests", srv.seen());
    insta::assert_json_snapshot!("list_channels_answers", json!([first, second]));
}

#[tokio::test]
async fn channel_history_sends_the_window_and_names_the_people() {
    let srv = Server::start().await;
    srv.plan(
        "/api/conversations.history",
        [Reply::json(200, fixture("history.json"))],
    );
    srv.plan(
        "/api/users.info",
        [
            Reply::json(200, fixture("user_egon.json")),
            Reply::json(200, fixture("user_ana.json")),
        ],
    );
    let rec = Recorder::default();
    let out = tools(&srv, &rec)
        .invoke(
            "slack_channel_history",
            json!({"channel": "G0AKFJBEU", "oldest": "2017-12-01T00:00:00Z",
                   "latest": "1512110000.000000", "limit": 3}),
        )
        .await
        .unwrap();
    let seen = srv.seen();
    assert_eq!(
        seen.iter().filter(|s| s.path == "/api/users.info").count(),
        2,
        "one users.info per person, however often they appear"
    );
    assert_eq!(
        out["messages"][0]["text"],
        "Rolled back, @Ana Ruiz can you confirm the error rate is down on the dashboard \
         (https://grafana.example.com/d/checkout)? cc #general & @here"
    );
    assert_eq!(out["messages"][0]["user"], "Egon");
    assert_eq!(
        out["messages"][1]["reply_users"],
        json!(["Egon", "Ana Ruiz"])
    );
    assert_eq!(out["messages"][2]["user"], "deploy-bot");
    assert_eq!(out["messages"][1]["time"], "2017-11-30T23:52:30Z");
    assert_eq!(out["truncated"], true);
    insta::assert_yaml_snapshot!("channel_history_requests", seen);
    insta::assert_json_snapshot!("channel_history_answer", out);
}

#[tokio::test]
async fn thread_replies_reads_the_thread_oldest_first() {
    let srv = Server::start().await;
    srv.plan(
        "/api/conversations.replies",
        [Reply::json(200, fixture("replies.json"))],
    );
    srv.plan(
        "/api/users.info",
        [
            Reply::json(200, fixture("user_ana.json")),
            Reply::json(200, fixture("user_egon.json")),
        ],
    );
    let rec = Recorder::default();
    let out = tools(&srv, &rec)
        .invoke(
            "slack_thread_replies",
            json!({"channel": "G0AKFJBEU", "thread_ts": "1512085950.000216"}),
        )
        .await
        .unwrap();
    assert_eq!(out["messages"][1]["text"], "Looking, @Ana Ruiz");
    assert_eq!(out["truncated"], false);
    insta::assert_yaml_snapshot!("thread_replies_requests", srv.seen());
    insta::assert_json_snapshot!("thread_replies_answer", out);
}

#[tokio::test]
async fn not_in_channel_keeps_its_code_and_says_to_invite_the_bot() {
    let srv = Server::start().await;
    srv.plan(
        "/api/conversations.history",
        [Reply::json(
            200,
            json!({"ok": false, "error": "not_in_channel"}),
        )],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .channel_history("C061EG9T2", &Window::default(), &page(10))
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().code, SlackErrorCode::NotInChannel);
    let text = err.to_string();
    assert!(text.starts_with("Slack error not_in_channel"), "{text}");
    assert!(text.contains("/invite"), "{text}");
}

#[tokio::test]
async fn missing_scope_names_the_scope_needed() {
    let srv = Server::start().await;
    srv.plan(
        "/api/conversations.list",
        [Reply::json(
            200,
            json!({"ok": false, "error": "missing_scope", "needed": "groups:read",
                   "provided": "channels:read,chat:write"}),
        )],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .list_channels(&[], false, &page(10))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.code, SlackErrorCode::MissingScope);
    assert_eq!(api.needed.as_deref(), Some("groups:read"));
    let text = err.to_string();
    assert!(
        text.contains("needs scope groups:read; the token has channels:read,chat:write"),
        "{text}"
    );
    assert!(text.contains("reinstall the app"), "{text}");
}

#[tokio::test]
async fn a_refused_user_lookup_keeps_the_ids_and_says_why() {
    let srv = Server::start().await;
    srv.plan(
        "/api/conversations.replies",
        [Reply::json(200, fixture("replies.json"))],
    );
    srv.plan(
        "/api/users.info",
        [Reply::json(
            200,
            json!({"ok": false, "error": "missing_scope", "needed": "users:read",
                   "provided": "channels:history"}),
        )],
    );
    let rec = Recorder::default();
    let out = client(&srv, &rec)
        .thread_replies(
            "G0AKFJBEU",
            "1512085950.000216",
            &Window::default(),
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(out.messages[0].user.as_deref(), Some("U061F7AUR"));
    assert_eq!(out.messages[1].text, "Looking, @ana");
    assert_eq!(out.warnings.len(), 1);
    assert!(out.warnings[0].contains("users:read"), "{:?}", out.warnings);
    let lookups = srv
        .seen()
        .iter()
        .filter(|s| s.path == "/api/users.info")
        .count();
    assert_eq!(lookups, 1, "no more lookups after a refusal");
}

#[tokio::test]
async fn a_429_waits_for_retry_after_through_the_sleeper() {
    let srv = Server::start().await;
    srv.plan(
        "/api/conversations.list",
        [
            Reply::json(200, json!({"ok": false, "error": "ratelimited"}))
                .header("retry-after", "20")
                .into_status(429),
            Reply::json(200, fixture("list_page2.json")),
        ],
    );
    srv.plan(
        "/api/users.info",
        [Reply::json(200, fixture("user_winston.json"))],
    );
    let rec = Recorder::default();
    let out = client(&srv, &rec)
        .list_channels(&[], false, &page(10))
        .await
        .unwrap();
    assert_eq!(out.channels.len(), 2);
    assert_eq!(rec.delays(), [Duration::from_secs(20)]);
}

#[tokio::test]
async fn a_rate_limit_left_after_the_retries_names_the_method_tier() {
    let srv = Server::start().await;
    let limited = Reply::json(200, json!({"ok": false, "error": "ratelimited"}))
        .header("retry-after", "5")
        .into_status(429);
    srv.plan(
        "/api/conversations.history",
        [limited.clone(), limited.clone(), limited],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .channel_history("C012AB3CD", &Window::default(), &page(10))
        .await
        .unwrap_err();
    let SlackError::RateLimited {
        method,
        tier,
        retry_after,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(method, "conversations.history");
    assert_eq!(*tier, SlackTier::Tier3);
    assert_eq!(*retry_after, Some(Duration::from_secs(5)));
    assert_eq!(rec.delays().len(), 2);
    assert!(err.to_string().contains("Tier 3"), "{err}");
    assert!(err.to_string().contains("Marketplace"), "{err}");
}

#[tokio::test]
async fn arguments_are_checked_before_sending() {
    let srv = Server::start().await;
    let rec = Recorder::default();
    let slack = client(&srv, &rec);
    let field = |e: SlackError| match e {
        SlackError::InvalidInput(i) => i.field().to_owned(),
        other => panic!("{other:?}"),
    };
    let err = slack
        .channel_history("#general", &Window::default(), &page(10))
        .await
        .unwrap_err();
    assert_eq!(field(err), "channel");
    let backwards = Window {
        oldest: Some("2025-06-02T00:00:00Z".into()),
        latest: Some("2025-06-01T00:00:00Z".into()),
    };
    let err = slack
        .channel_history("C1", &backwards, &page(10))
        .await
        .unwrap_err();
    assert_eq!(field(err), "latest");
    let nonsense = Window {
        oldest: Some("last monday".into()),
        latest: None,
    };
    let err = slack
        .channel_history("C1", &nonsense, &page(10))
        .await
        .unwrap_err();
    assert_eq!(field(err), "oldest");
    let err = slack.list_channels(&[], false, &page(0)).await.unwrap_err();
    assert_eq!(field(err), "limit");
    let err = slack
        .thread_replies("C1", "yesterday", &Window::default(), &page(10))
        .await
        .unwrap_err();
    assert_eq!(field(err), "thread_ts");
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn read_tools_declare_read_only_annotations_and_output_schemas() {
    let srv = Server::start().await;
    let registry = tools(&srv, &Recorder::default());
    for def in registry.definitions() {
        let name = def.name();
        if name == "slack_post_message" {
            assert!(!def.annotations().read_only);
            continue;
        }
        assert!(def.annotations().read_only, "{name}");
        assert!(def.output_schema().is_some(), "{name}");
    }
}
