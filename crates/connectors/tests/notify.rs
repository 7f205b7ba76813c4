//! Chat notification targets against loopback doubles: exact requests, documented errors,
//! limits, Discord's 429, and the webhook-manager wiring.
#![cfg(feature = "notify")]
#![allow(clippy::unwrap_used)]

mod recorder;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use recorder::{Recorder, Reply, client};
use serde_json::{Value, json};
use switchboard_connectors::WebhookUrl;
use switchboard_connectors::notify::{
    ALL_EVENTS, DiscordLimits, DiscordWebhook, GoogleChatWebhook, Notification, NotifyError,
    NotifyTarget, SlackWebhook, TeamsWebhook, subscribe,
};
use switchboard_core::retry::Sleeper;

const SLACK_PATH: &str = "/services/T000/B000/XXXXSECRETXXXX";
const DISCORD_PATH: &str = "/api/webhooks/123/discord-secret-token";

fn hook(server: &Recorder, path: &str) -> WebhookUrl {
    WebhookUrl::parse(&server.url(path)).unwrap()
}

fn chat_completed() -> Notification {
    Notification::from_event(
        "chat_completed",
        &json!({"chat_id": "c-42", "title": "Trip <plans> & more", "user_name": "Ada", "model": "llama3"}),
    )
}

/// 10,000 characters mixing one-, two-, three- and four-byte characters and spaces.
fn long_text() -> String {
    let unit = "aé€🦀 "; // 5 characters
    unit.repeat(2_000)
}

#[tokio::test]
async fn slack_request_is_pinned_and_ok_is_success() {
    let server = Recorder::start(vec![Reply::new(200, "ok")]).await;
    let slack = SlackWebhook::new(client(), hook(&server, SLACK_PATH));
    slack.send(&chat_completed()).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].uri, SLACK_PATH);
    insta::assert_yaml_snapshot!("slack_request", seen, {"[].uri" => "[webhook path]"});
}

#[tokio::test]
async fn slack_text_errors_are_mapped() {
    for (status, code) in [
        (400, "invalid_payload"),
        (400, "no_text"),
        (403, "invalid_token"),
        (403, "action_prohibited"),
        (404, "channel_not_found"),
        (404, "no_active_hooks"),
        (410, "channel_is_archived"),
    ] {
        let server = Recorder::start(vec![Reply::new(status, code)]).await;
        let slack = SlackWebhook::new(client(), hook(&server, SLACK_PATH));
        let err = slack.send(&chat_completed()).await.unwrap_err();
        match &err {
            NotifyError::Rejected {
                target,
                status: s,
                code: c,
                ..
            } => {
                assert_eq!((*target, *s, c.as_deref()), ("slack", status, Some(code)));
            }
            other => panic!("{other:?}"),
        }
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }
    let server = Recorder::start(vec![Reply::new(200, "maybe")]).await;
    let slack = SlackWebhook::new(client(), hook(&server, SLACK_PATH));
    let err = slack.send(&chat_completed()).await.unwrap_err();
    assert!(
        matches!(err, NotifyError::UnexpectedResponse { status: 200, .. }),
        "{err:?}"
    );
    // Nothing listening: the transport error names no path.
    let dead = WebhookUrl::parse("http://127.0.0.1:9/services/T/B/SECRET").unwrap();
    let err = SlackWebhook::new(client(), dead)
        .send(&chat_completed())
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Transport { .. }), "{err:?}");
    assert!(
        !err.to_string().contains("SECRET") && !format!("{err:?}").contains("SECRET"),
        "{err}"
    );
}

#[tokio::test]
async fn slack_10000_characters_fit_block_kit_limits() {
    let server = Recorder::start(vec![Reply::new(200, "ok")]).await;
    let slack = SlackWebhook::new(client(), hook(&server, SLACK_PATH));
    let text = long_text();
    slack
        .send(&Notification::new("note", "Long", text.clone()))
        .await
        .unwrap();
    let body = &server.seen()[0].body;
    assert!(body["text"].as_str().unwrap().chars().count() <= 3_000);
    let blocks = body["blocks"].as_array().unwrap();
    assert!(blocks.len() <= 50);
    let mut joined = String::new();
    for b in blocks.iter().filter(|b| b["type"] == "section") {
        let t = b["text"]["text"].as_str().unwrap();
        assert!(t.chars().count() <= 3_000, "{}", t.chars().count());
        joined.push_str(t);
    }
    assert_eq!(
        joined, text,
        "all 10,000 characters arrive, split across sections"
    );
}

#[derive(Debug, Default)]
struct RecordingSleeper(Mutex<Vec<Duration>>);

impl Sleeper for RecordingSleeper {
    fn sleep(
        &self,
        delay: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        self.0.lock().unwrap().push(delay);
        Box::pin(async {})
    }
}

#[tokio::test]
async fn discord_request_is_pinned() {
    let server = Recorder::start(vec![Reply::json(200, json!({"id": "1"}))]).await;
    let discord = DiscordWebhook::new(client(), hook(&server, DISCORD_PATH))
        .wait(true)
        .username("Switchboard");
    let n = Notification::from_event(
        "error_occurred",
        &json!({"message": "@everyone disk full", "code": "ENOSPC"}),
    );
    discord.send(&n).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].uri, format!("{DISCORD_PATH}?wait=true"));
    insta::assert_yaml_snapshot!("discord_request", seen, {"[].uri" => "[webhook path]"});
}

#[tokio::test]
async fn discord_429_retry_after_is_honoured() {
    let server = Recorder::start(vec![
        Reply::json(
            429,
            json!({"message": "You are being rate limited.", "retry_after": 1.5, "global": false}),
        )
        .header("retry-after", "2"),
        Reply::new(204, ""),
    ])
    .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let discord =
        DiscordWebhook::new(client(), hook(&server, DISCORD_PATH)).sleeper(sleeper.clone());
    discord.send(&chat_completed()).await.unwrap();
    assert_eq!(server.seen().len(), 2);
    assert_eq!(
        *sleeper.0.lock().unwrap(),
        vec![Duration::from_millis(1500)],
        "the body's float wins over the rounded header"
    );

    // Always 429: three waits, then the error with the last delay.
    let server = Recorder::start(vec![Reply::json(
        429,
        json!({"retry_after": 0.25, "global": true}),
    )])
    .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let discord =
        DiscordWebhook::new(client(), hook(&server, DISCORD_PATH)).sleeper(sleeper.clone());
    let err = discord.send(&chat_completed()).await.unwrap_err();
    assert!(
        matches!(err, NotifyError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_millis(250)),
        "{err:?}"
    );
    assert_eq!(server.seen().len(), 4);
    assert_eq!(sleeper.0.lock().unwrap().len(), 3);

    // A wait longer than allowed is not slept.
    let server = Recorder::start(vec![Reply::json(429, json!({"retry_after": 3600.0}))]).await;
    let discord = DiscordWebhook::new(client(), hook(&server, DISCORD_PATH));
    let err = discord.send(&chat_completed()).await.unwrap_err();
    assert!(matches!(err, NotifyError::RateLimited { .. }), "{err:?}");
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn discord_errors_are_mapped() {
    let server = Recorder::start(vec![Reply::json(
        404,
        json!({"message": "Unknown Webhook", "code": 10015}),
    )])
    .await;
    let discord = DiscordWebhook::new(client(), hook(&server, DISCORD_PATH));
    let err = discord.send(&chat_completed()).await.unwrap_err();
    match &err {
        NotifyError::Rejected {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(
                (*status, code.as_deref(), message.as_deref()),
                (404, Some("10015"), Some("Unknown Webhook"))
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("discord-secret-token"));
    let server = Recorder::start(vec![Reply::json(
        400,
        json!({"message": "Invalid Form Body", "code": 50035, "errors": {}}),
    )])
    .await;
    let discord = DiscordWebhook::new(client(), hook(&server, DISCORD_PATH));
    let err = discord.send(&chat_completed()).await.unwrap_err();
    assert!(
        err.to_string().contains("50035: Invalid Form Body"),
        "{err}"
    );
}

#[tokio::test]
async fn discord_10000_characters_fit_its_limits() {
    let server = Recorder::start(vec![Reply::new(204, "")]).await;
    let discord = DiscordWebhook::new(client(), hook(&server, DISCORD_PATH));
    let mut n = Notification::new("note", long_text(), long_text());
    for i in 0..40 {
        n = n.field(format!("field {i}"), "v".repeat(2_000));
    }
    discord.send(&n).await.unwrap();
    let body = &server.seen()[0].body;
    let chars = |v: &Value| v.as_str().unwrap().chars().count();
    assert!(chars(&body["content"]) <= DiscordLimits::CONTENT);
    let embeds = body["embeds"].as_array().unwrap();
    assert!(embeds.len() <= DiscordLimits::EMBEDS);
    let e = &embeds[0];
    assert!(chars(&e["title"]) <= DiscordLimits::TITLE);
    assert!(chars(&e["description"]) <= DiscordLimits::DESCRIPTION);
    let fields = e["fields"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    assert!(fields.len() <= DiscordLimits::FIELDS);
    let total = chars(&e["title"])
        + chars(&e["description"])
        + chars(&e["footer"]["text"])
        + fields
            .iter()
            .map(|f| chars(&f["name"]) + chars(&f["value"]))
            .sum::<usize>();
    assert!(total <= DiscordLimits::EMBED_TOTAL, "{total}");
    assert!(body["content"].as_str().unwrap().ends_with('…'));
}

#[tokio::test]
async fn teams_adaptive_card_is_pinned_and_errors_mapped() {
    let server = Recorder::start(vec![Reply::new(202, "")]).await;
    let path = "/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRETSIG";
    let teams = TeamsWebhook::new(client(), hook(&server, path));
    teams
        .send(&Notification::from_event(
            "user_joined",
            &json!({"name": "Grace", "email": "grace@example.com"}),
        ))
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].uri, path);
    insta::assert_yaml_snapshot!("teams_request", seen, {"[].uri" => "[webhook path]"});

    let server = Recorder::start(vec![Reply::json(
        400,
        json!({"error": {"code": "InvalidRequestContent", "message": "The input body for trigger 'manual' of type 'Request' must be of type JSON"}}),
    )])
    .await;
    let teams = TeamsWebhook::new(client(), hook(&server, path));
    let err = teams.send(&chat_completed()).await.unwrap_err();
    assert!(
        matches!(&err, NotifyError::Rejected { status: 400, code: Some(c), .. } if c == "InvalidRequestContent"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("SECRETSIG"));
}

#[tokio::test]
async fn google_chat_text_is_pinned_and_errors_mapped() {
    let server = Recorder::start(vec![Reply::json(
        200,
        json!({"name": "spaces/A/messages/B"}),
    )])
    .await;
    let path = "/v1/spaces/AAAA/messages?key=KEYSECRET&token=TOKENSECRET";
    let chat = GoogleChatWebhook::new(client(), hook(&server, path));
    chat.send(&chat_completed()).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].uri, path);
    insta::assert_yaml_snapshot!("google_chat_request", seen, {"[].uri" => "[webhook path]"});
    chat.send(&Notification::new("x", "t", long_text()))
        .await
        .unwrap();
    assert!(
        server.seen()[1].body["text"]
            .as_str()
            .unwrap()
            .chars()
            .count()
            <= 4_096
    );

    let server = Recorder::start(vec![Reply::json(
        400,
        json!({"error": {"code": 400, "message": "Invalid JSON payload received.", "status": "INVALID_ARGUMENT"}}),
    )])
    .await;
    let chat = GoogleChatWebhook::new(client(), hook(&server, path));
    let err = chat.send(&chat_completed()).await.unwrap_err();
    assert!(
        matches!(&err, NotifyError::Rejected { code: Some(c), .. } if c == "INVALID_ARGUMENT"),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("SECRET"));
}

#[tokio::test]
async fn subscribe_fires_every_target_and_isolates_failures() {
    use switchboard_webhooks::delivery::store::MemoryStore;
    use switchboard_webhooks::delivery::{HandlerOutcome, WebhookManager};

    let slack_server = Recorder::start(vec![Reply::new(200, "ok")]).await;
    let discord_server = Recorder::start(vec![Reply::json(
        404,
        json!({"message": "Unknown Webhook", "code": 10015}),
    )])
    .await;
    let teams_server = Recorder::start(vec![Reply::new(202, "")]).await;
    let manager = WebhookManager::builder(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    let slack: Arc<dyn NotifyTarget> =
        Arc::new(SlackWebhook::new(client(), hook(&slack_server, SLACK_PATH)));
    let discord: Arc<dyn NotifyTarget> = Arc::new(DiscordWebhook::new(
        client(),
        hook(&discord_server, DISCORD_PATH),
    ));
    let teams: Arc<dyn NotifyTarget> =
        Arc::new(TeamsWebhook::new(client(), hook(&teams_server, "/t")));
    assert_eq!(
        subscribe(&manager, slack, &["error_occurred", "user_joined"])
            .unwrap()
            .len(),
        2
    );
    subscribe(&manager, discord, &["error_occurred"]).unwrap();
    subscribe(&manager, teams, &[ALL_EVENTS]).unwrap();
    assert!(matches!(
        subscribe(
            &manager,
            Arc::new(SlackWebhook::new(client(), hook(&slack_server, "/x"))),
            &[]
        ),
        Err(NotifyError::InvalidInput { .. })
    ));

    manager
        .trigger_event("error_occurred", json!({"message": "disk full"}))
        .await
        .unwrap();
    let mut runs = Vec::new();
    for _ in 0..200 {
        runs = manager.handler_runs();
        if runs.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(runs.len(), 3, "{runs:?}");
    let by_name = |n: &str| runs.iter().find(|r| r.name == n).unwrap().outcome.clone();
    assert_eq!(by_name("notify:slack"), HandlerOutcome::Ok);
    assert_eq!(by_name("notify:teams"), HandlerOutcome::Ok);
    match by_name("notify:discord") {
        HandlerOutcome::Failed(text) => {
            assert!(text.contains("10015"), "{text}");
            assert!(!text.contains("discord-secret-token"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        slack_server.seen()[0].body["text"],
        "Error occurred: disk full"
    );
    assert_eq!(teams_server.seen().len(), 1);
}

#[tokio::test]
async fn google_chat_card_is_pinned() {
    let server = Recorder::start(vec![Reply::json(
        200,
        json!({"name": "spaces/A/messages/C"}),
    )])
    .await;
    let chat = GoogleChatWebhook::new(
        client(),
        hook(&server, "/v1/spaces/AAAA/messages?key=K&token=T"),
    )
    .cards(true);
    chat.send(&chat_completed()).await.unwrap();
    insta::assert_yaml_snapshot!("google_chat_card_request", server.seen(), {"[].uri" => "[webhook path]"});
}
