//! From a real Open WebUI webhook body at `/hooks/owui` to the message a Slack incoming webhook
//! receives through `[[notify]]`: readable, and without the e-mail address or chat text the
//! event carries.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use serde_json::{Value, json};

use super::open_webui::{OWUI_TOKEN, chat_finished_event, post_owui, signup_event};
use crate::server::Server;

type Posts = Arc<Mutex<Vec<Bytes>>>;

/// A Slack incoming-webhook double on loopback: records each body and answers `ok`.
async fn slack() -> (String, Posts) {
    let posts: Posts = Arc::default();
    let app = Router::new()
        .route(
            "/services/T000/B000/XXXXSECRET",
            post(|State(p): State<Posts>, body: Bytes| async move {
                p.lock().unwrap().push(body);
                "ok"
            }),
        )
        .with_state(posts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        format!("http://{addr}/services/T000/B000/XXXXSECRET"),
        posts,
    )
}

/// A gateway with an `open_webui` source and a Slack target for what it publishes.
fn gateway(slack_url: &str) -> Server {
    Server::start(Some(&format!(
        r#"
[[ingest]]
name = "owui"
kind = "open_webui"
secret = "{OWUI_TOKEN}"

[[notify]]
kind = "slack"
url = "{slack_url}"
events = ["owui.auth.signup", "owui.chat.finished", "user_joined", "chat_completed"]
"#
    )))
}

/// The first message Slack received, waiting up to 5 s.
async fn first_message(posts: &Posts) -> Value {
    for _ in 0..250 {
        if let Some(body) = posts.lock().unwrap().first() {
            return serde_json::from_slice(body).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the Slack double received no message");
}

#[tokio::test(flavor = "multi_thread")]
async fn signup_event_becomes_a_slack_message_with_the_name_and_without_the_email() {
    let (url, posts) = slack().await;
    let server = gateway(&url);
    let body = signup_event("5f0b6c1e-1d7a-4c55-9a43-8d0f3b1c2a77");
    let (status, _) = post_owui(&server, body.to_string().as_bytes()).await;
    assert_eq!(status, 202);
    let message = first_message(&posts).await;
    assert_eq!(message["text"], "User joined: Ada Lovelace joined.");
    assert!(
        !message.to_string().contains("ada@example.com"),
        "{message}"
    );
    insta::assert_json_snapshot!("open_webui_signup_slack", message);
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_finished_event_becomes_a_slack_message_without_the_reply() {
    let (url, posts) = slack().await;
    let server = gateway(&url);
    let body = chat_finished_event("9d2e7a44-0c3b-4f1e-b6a8-2c5d9e1f3a60");
    let (status, _) = post_owui(&server, body.to_string().as_bytes()).await;
    assert_eq!(status, 202);
    let message = first_message(&posts).await;
    assert_eq!(
        message["text"],
        "Chat completed: The chat \u{201c}Trip plans\u{201d} has a new response."
    );
    let text = message.to_string();
    assert!(
        !text.contains("itinerary") && !text.contains("ada@example.com"),
        "{text}"
    );
    insta::assert_json_snapshot!("open_webui_chat_finished_slack", message);
}

#[tokio::test(flavor = "multi_thread")]
async fn older_signup_webhook_becomes_a_slack_message_without_the_email() {
    let (url, posts) = slack().await;
    let server = gateway(&url);
    // What Open WebUI before 0.12 posted to a generic URL on sign-up: the user as a JSON string.
    let user = json!({"id": "u-grace", "name": "Grace Hopper", "email": "grace@example.com", "role": "pending"});
    let body = json!({"action": "signup", "message": "New user signed up: Grace Hopper", "user": user.to_string()});
    let (status, answer) = post_owui(&server, body.to_string().as_bytes()).await;
    assert_eq!(
        (status, &answer["event_type"]),
        (202, &json!("user_joined"))
    );
    let message = first_message(&posts).await;
    assert_eq!(message["text"], "User joined: Grace Hopper joined.");
    assert!(
        !message.to_string().contains("grace@example.com"),
        "{message}"
    );
}
