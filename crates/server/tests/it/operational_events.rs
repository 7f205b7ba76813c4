//! Operational events through the real gateway: an endpoint disabled by a `410 Gone` is
//! announced to a `[[notify]]` Slack target and to a webhook endpoint subscribed to
//! `endpoint.disabled`, and never to the disabled endpoint itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use serde_json::{Value, json};

use crate::endpoints::{Admin, config, receiver, wait_for};
use crate::server::Server;

type Posts = Arc<Mutex<Vec<Bytes>>>;

/// A loopback receiver answering every request with `status`, keeping each body.
async fn answering(status: u16) -> (String, Posts) {
    let posts: Posts = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(move |State(p): State<Posts>, body: Bytes| async move {
                p.lock().unwrap().push(body);
                axum::http::StatusCode::from_u16(status).unwrap()
            }),
        )
        .with_state(posts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), posts)
}

/// The first body `posts` received, waiting up to 10 s.
async fn first(posts: &Posts) -> Value {
    for _ in 0..500 {
        if let Some(body) = posts.lock().unwrap().first() {
            return serde_json::from_slice(body).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("nothing was received");
}

#[tokio::test(flavor = "multi_thread")]
async fn gone_endpoint_is_announced_to_slack_and_subscribers_but_not_to_itself() {
    let (crm_url, crm_posts) = answering(410).await;
    let (slack_url, slack_posts) = answering(200).await;
    let (ops_url, ops_seen, _) = receiver(Duration::ZERO).await;
    let server = Server::start(Some(&config(&format!(
        "[[notify]]\nkind = \"slack\"\nurl = \"{slack_url}\"\nevents = [\"endpoint.disabled\"]\n"
    ))));
    let admin = Admin::new(&server);
    let crm = admin.create(json!({"name": "crm", "url": crm_url})).await;
    admin
        .create(json!({"name": "ops", "url": ops_url, "events": ["endpoint.disabled"]}))
        .await;

    admin.publish(1).await;
    wait_for(&ops_seen, 1).await;
    let event = ops_seen.lock().unwrap()[0].clone();
    assert_eq!(event["type"], "endpoint.disabled");
    assert_eq!(event["data"]["endpoint_id"], crm["id"]);
    assert_eq!(event["data"]["endpoint_name"], "crm");
    assert_eq!(event["data"]["reason"], "gone");
    assert_eq!(event["data"]["status"], 410);

    let slack = first(&slack_posts).await;
    let text = slack["text"].as_str().unwrap();
    assert!(
        text.contains("Endpoint crm was disabled: the receiver answered 410 Gone."),
        "{text}"
    );

    // Nothing more arrives: one announcement, and crm saw only the event that disabled it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ops_seen.lock().unwrap().len(), 1);
    assert_eq!(slack_posts.lock().unwrap().len(), 1);
    let crm_posts = crm_posts.lock().unwrap();
    assert_eq!(crm_posts.len(), 1);
    let only: Value = serde_json::from_slice(&crm_posts[0]).unwrap();
    assert_eq!(only["type"], "tick");
}
