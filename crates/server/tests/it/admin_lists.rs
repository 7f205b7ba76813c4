//! The admin lists over HTTP: cursor pages, filters, wildcards, and endpoints that subscribe
//! with a wildcard.

use serde_json::{Value, json};

use crate::server::{Server, client};

const KEY: &str = "admin-key-0123456789abcdef";

fn gateway() -> Server {
    Server::start(Some(&format!(
        "[admin]\nkey = \"{KEY}\"\n[delivery]\nallow_cidrs = [\"127.0.0.0/8\"]\n"
    )))
}

async fn publish(server: &Server, event_type: &str) {
    let res = client()
        .post(server.url("/admin/events"))
        .bearer_auth(KEY)
        .json(&json!({"type": event_type, "data": {}}))
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "publish {event_type}: {}",
        res.status()
    );
}

async fn get(server: &Server, path: &str) -> (u16, Value) {
    let res = client()
        .get(server.url(path))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn types(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["event_type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn message_pages_follow_iterators_to_the_end_and_back() {
    let server = gateway();
    for i in 0..5 {
        publish(&server, &format!("t.{i}")).await;
    }
    let mut seen = Vec::new();
    let mut path = "/admin/messages?limit=2".to_owned();
    let mut pages = 0;
    let first_prev = loop {
        let (status, page) = get(&server, &path).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        seen.extend(types(&page));
        if pages == 1 {
            assert_eq!(page["done"], false);
        }
        match page["iterator"].as_str() {
            Some(next) => path = format!("/admin/messages?limit=2&iterator={next}"),
            None => {
                assert_eq!(page["done"], true);
                break page["prev_iterator"].as_str().unwrap().to_owned();
            }
        }
    };
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5, "{seen:?}");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 5, "no row twice: {seen:?}");
    // Back from the last page: the newer rows, newest first.
    let (_, newer) = get(
        &server,
        &format!("/admin/messages?limit=2&iterator={first_prev}"),
    )
    .await;
    assert_eq!(types(&newer), seen[2..4].to_vec());
}

#[tokio::test]
async fn polling_prev_iterator_finds_only_what_was_published_since() {
    let server = gateway();
    publish(&server, "before").await;
    let (_, page) = get(&server, "/admin/messages").await;
    let prev = page["prev_iterator"].as_str().unwrap().to_owned();
    publish(&server, "after").await;
    let (_, polled) = get(&server, &format!("/admin/messages?iterator={prev}")).await;
    assert_eq!(types(&polled), ["after"]);
}

#[tokio::test]
async fn an_event_type_wildcard_lists_every_type_below_it() {
    let server = gateway();
    for t in ["github.push", "github.pull_request.opened", "gitlab.push"] {
        publish(&server, t).await;
    }
    let (status, page) = get(&server, "/admin/messages?event_type=github.*").await;
    assert_eq!(status, 200);
    assert_eq!(types(&page), ["github.pull_request.opened", "github.push"]);
}

#[tokio::test]
async fn an_altered_iterator_is_a_400_naming_it() {
    let server = gateway();
    for path in [
        "/admin/messages?iterator=zz",
        "/admin/deliveries?iterator=6f2e",
        "/admin/attempts?iterator=not-a-cursor",
    ] {
        let (status, body) = get(&server, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("iterator"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn time_filters_take_unix_seconds_or_rfc3339_and_name_a_bad_one() {
    let server = gateway();
    publish(&server, "now").await;
    let (_, future) = get(&server, "/admin/messages?since=4102444800").await;
    assert!(types(&future).is_empty());
    let (_, past) = get(&server, "/admin/messages?since=2001-01-01T00:00:00Z").await;
    assert_eq!(types(&past), ["now"]);
    let (_, until_past) = get(&server, "/admin/deliveries?until=2001-01-01T00:00:00Z").await;
    assert!(until_past["data"].as_array().unwrap().is_empty());
    let (status, body) = get(&server, "/admin/attempts?until=yesterday").await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("until"),
        "{body}"
    );
}

#[tokio::test]
async fn an_endpoint_subscribed_with_a_wildcard_gets_every_type_below_it() {
    let server = gateway();
    let res = client()
        .post(server.url("/admin/endpoints"))
        .bearer_auth(KEY)
        .json(&json!({"name": "gh", "url": "http://127.0.0.1:9/hook", "events": ["github.*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for t in ["github.push", "github.issues.opened", "gitlab.push"] {
        publish(&server, t).await;
    }
    let (_, page) = get(&server, &format!("/admin/messages?endpoint={id}")).await;
    assert_eq!(types(&page), ["github.issues.opened", "github.push"]);
    // Port 9 refuses: nothing is delivered.
    let (_, delivered) = get(
        &server,
        &format!("/admin/messages?endpoint={id}&status=delivered"),
    )
    .await;
    assert!(types(&delivered).is_empty());
}

#[tokio::test]
async fn a_hostile_event_type_filter_is_data_not_sql_or_like_wildcards() {
    let server = gateway();
    for t in ["a_b.x", "aXb.x", "a%b.y"] {
        publish(&server, t).await;
    }
    // `_` and `%` are LIKE wildcards; the prefix is compared as a substring, so they match
    // only themselves.
    let (status, page) = get(&server, "/admin/messages?event_type=a_b.*").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(types(&page), ["a_b.x"]);
    let (_, page) = get(&server, "/admin/messages?event_type=a%25b.*").await;
    assert_eq!(types(&page), ["a%b.y"]);
    for hostile in [
        "x'%20OR%20'1'='1",
        "x'%20OR%201=1%20--.*",
        "').*",
        "x%22;DROP%20TABLE%20messages;--",
    ] {
        let (status, page) = get(&server, &format!("/admin/messages?event_type={hostile}")).await;
        // Refused for its spaces (a 400 naming the parameter), or matching nothing.
        let refused = status == 400
            && page["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("event_type");
        assert!(
            refused || (status == 200 && types(&page).is_empty()),
            "{hostile}: {status} {page}"
        );
    }
    let (_, all) = get(&server, "/admin/messages").await;
    assert_eq!(types(&all).len(), 3, "the table is intact");
}
