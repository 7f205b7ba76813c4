//! Changing endpoints in place: `PATCH /admin/endpoints/{id}`, per-endpoint limits, and
//! `[[endpoints]]` reconciled with the store when the gateway starts again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use serde_json::{Value, json};

use crate::server::{Server, client};

const KEY: &str = "admin-key-0123456789abcdef";

/// Bodies a loopback receiver got.
pub(crate) type Seen = Arc<Mutex<Vec<Value>>>;

/// A receiver answering 204 after `delay`, recording each body and the most requests it had
/// open at once.
pub(crate) async fn receiver(delay: Duration) -> (String, Seen, Arc<AtomicUsize>) {
    let seen: Seen = Arc::default();
    let (open, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (s, o, p) = (seen.clone(), open.clone(), peak.clone());
    let app = Router::new().route(
        "/hook",
        post(move |body: axum::Json<Value>| {
            let (s, o, p) = (s.clone(), o.clone(), p.clone());
            async move {
                p.fetch_max(o.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                o.fetch_sub(1, Ordering::SeqCst);
                s.lock().unwrap().push(body.0);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen, peak)
}

/// Polls until `seen` holds `n` bodies; fails after 20 s.
pub(crate) async fn wait_for(seen: &Seen, n: usize) {
    for _ in 0..2000 {
        if seen.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {n} deliveries");
}

pub(crate) fn config(endpoints: &str) -> String {
    format!("[admin]\nkey = \"{KEY}\"\n[delivery]\nallow_cidrs = [\"127.0.0.0/8\"]\n{endpoints}")
}

pub(crate) struct Admin<'a> {
    server: &'a Server,
    http: reqwest::Client,
}

impl Admin<'_> {
    pub(crate) fn new(server: &Server) -> Admin<'_> {
        Admin {
            server,
            http: client(),
        }
    }

    /// Sends `body` (if any) as JSON with the admin key; the status and the JSON answer (`null`
    /// when the body is not JSON).
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, self.server.url(path))
            .bearer_auth(KEY);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn create(&self, body: Value) -> Value {
        let (status, out) = self
            .send(reqwest::Method::POST, "/admin/endpoints", Some(body))
            .await;
        assert_eq!(status, 201, "{out}");
        out
    }

    async fn patch(&self, id: &str, body: Value) -> (u16, Value) {
        self.send(
            reqwest::Method::PATCH,
            &format!("/admin/endpoints/{id}"),
            Some(body),
        )
        .await
    }

    pub(crate) async fn get(&self, path: &str) -> Value {
        let (status, out) = self.send(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {out}");
        out
    }

    pub(crate) async fn publish(&self, i: u32) -> String {
        let (status, out) = self
            .send(
                reqwest::Method::POST,
                "/admin/events",
                Some(json!({"type": "tick", "data": {"i": i}})),
            )
            .await;
        assert_eq!(status, 202, "{out}");
        out["message_id"].as_str().unwrap().to_owned()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn patch_sends_the_next_delivery_to_the_new_url() {
    let (old_url, old_seen, _) = receiver(Duration::ZERO).await;
    let (new_url, new_seen, _) = receiver(Duration::ZERO).await;
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    let ep = admin
        .create(json!({"name": "moving", "url": old_url}))
        .await;
    admin.publish(1).await;
    wait_for(&old_seen, 1).await;

    let (status, patched) = admin
        .patch(
            ep["id"].as_str().unwrap(),
            json!({"url": new_url, "description": "moved"}),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["id"], ep["id"]);
    assert_eq!(patched["url"], new_url.as_str());
    assert_eq!(patched["description"], "moved");
    admin.publish(2).await;
    wait_for(&new_seen, 1).await;
    assert_eq!(new_seen.lock().unwrap()[0]["data"]["i"], 2);
    assert_eq!(old_seen.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn patch_keeps_the_endpoint_history() {
    let (url, seen, _) = receiver(Duration::ZERO).await;
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    let ep = admin.create(json!({"name": "kept", "url": url})).await;
    let id = ep["id"].as_str().unwrap().to_owned();
    let message = admin.publish(1).await;
    wait_for(&seen, 1).await;
    let attempts_path = format!("/admin/attempts?endpoint={id}");
    for _ in 0..200 {
        if !admin.get(&attempts_path).await["data"]
            .as_array()
            .unwrap()
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let (status, out) = admin
        .patch(
            &id,
            json!({"max_in_flight": 3, "rate_limit": 20, "metadata": {"team": "growth"},
                   "events": ["tick"], "headers": {"x-tenant": "acme"}}),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["max_in_flight"], 3);
    assert_eq!(out["rate_limit"], 20);
    assert_eq!(out["metadata"], json!({"team": "growth"}));
    assert_eq!(out["events"], json!(["tick"]));
    assert_eq!(out["headers"], json!(["x-tenant"]));
    assert_eq!(out["keys"], 1, "the secret is kept");
    insta::assert_json_snapshot!("patched_endpoint", out, {
        ".id" => "[id]",
        ".url" => "[url]",
        ".created_at" => "[time]",
        ".updated_at" => "[time]",
    });

    let messages = admin.get(&format!("/admin/messages?endpoint={id}")).await;
    assert_eq!(messages["data"][0]["id"], message.as_str());
    let deliveries = admin.get(&format!("/admin/deliveries?endpoint={id}")).await;
    assert_eq!(deliveries["data"][0]["status"], "delivered");
    let attempts = admin.get(&attempts_path).await;
    assert_eq!(attempts["data"][0]["message_id"], message.as_str());

    // `null` clears what can be cleared.
    let (status, out) = admin
        .patch(
            &id,
            json!({"rate_limit": null, "events": null, "headers": {"x-tenant": null}}),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["rate_limit"], Value::Null);
    assert_eq!(out["events"], Value::Null);
    assert_eq!(out["headers"], json!([]));
    assert_eq!(out["max_in_flight"], 3);
}

#[tokio::test]
async fn patch_with_an_unknown_field_is_refused_naming_it() {
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    let ep = admin
        .create(json!({"name": "a", "url": "http://127.0.0.1:9/hook"}))
        .await;
    let id = ep["id"].as_str().unwrap();
    let (status, out) = admin
        .patch(id, json!({"url": "http://127.0.0.1:9/b", "colour": "red"}))
        .await;
    assert_eq!(status, 400);
    let message = out["error"]["message"].as_str().unwrap();
    assert!(message.contains("\"colour\""), "{message}");
    let (status, out) = admin.patch(id, json!({"max_in_flight": "many"})).await;
    assert_eq!(status, 400);
    let message = out["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("/max_in_flight:"), "{message}");
    let (status, out) = admin.patch(id, json!({"name": "b"})).await;
    assert_eq!(status, 400);
    assert!(
        out["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read-only")
    );
    // Nothing was applied.
    let got = admin.get(&format!("/admin/endpoints/{id}")).await;
    assert_eq!(got["url"], "http://127.0.0.1:9/hook");
}

#[tokio::test]
async fn patch_to_a_private_url_is_refused_like_create() {
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    let (create_status, create_out) = admin
        .send(
            reqwest::Method::POST,
            "/admin/endpoints",
            Some(json!({"name": "x", "url": "http://10.1.2.3/hook"})),
        )
        .await;
    let ep = admin
        .create(json!({"name": "a", "url": "http://127.0.0.1:9/hook"}))
        .await;
    let (status, out) = admin
        .patch(
            ep["id"].as_str().unwrap(),
            json!({"url": "http://10.1.2.3/hook"}),
        )
        .await;
    assert_eq!((status, create_status), (422, 422));
    assert_eq!(out["error"]["kind"], "blocked_url");
    assert_eq!(out["error"]["kind"], create_out["error"]["kind"]);
    let (status, out) = admin
        .patch(ep["id"].as_str().unwrap(), json!({"max_in_flight": 0}))
        .await;
    assert_eq!(status, 422, "{out}");
    assert_eq!(out["error"]["kind"], "invalid_endpoint");
}

#[tokio::test]
async fn patch_of_an_unknown_endpoint_is_404() {
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    let (status, out) = admin
        .patch(
            "ep_2bZ8CjFqsA6ZQpLX1xw2mHDkLBu",
            json!({"max_in_flight": 2}),
        )
        .await;
    assert_eq!(status, 404, "{out}");
    assert_eq!(out["error"]["kind"], "unknown_endpoint");
}

#[tokio::test(flavor = "multi_thread")]
async fn max_in_flight_from_the_endpoint_settings_bounds_concurrent_requests() {
    let (url, seen, peak) = receiver(Duration::from_millis(150)).await;
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    let ep = admin
        .create(json!({"name": "narrow", "url": url, "max_in_flight": 2}))
        .await;
    assert_eq!(ep["max_in_flight"], 2);
    for i in 0..8 {
        admin.publish(i).await;
    }
    wait_for(&seen, 8).await;
    assert_eq!(peak.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ordered_endpoint_receives_one_at_a_time_in_publication_order() {
    let (url, seen, peak) = receiver(Duration::from_millis(20)).await;
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    let ep = admin
        .create(json!({"name": "in-order", "url": url, "ordered": true}))
        .await;
    assert_eq!(ep["ordered"], true);
    for i in 0..10 {
        admin.publish(i).await;
    }
    wait_for(&seen, 10).await;
    assert_eq!(peak.load(Ordering::SeqCst), 1, "one request at a time");
    let order: Vec<u64> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|b| b["data"]["i"].as_u64().unwrap())
        .collect();
    assert_eq!(order, (0..10).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread")]
async fn patch_switches_ordered_delivery_and_refuses_a_non_boolean() {
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    let ep = admin
        .create(json!({"name": "later", "url": "http://127.0.0.1:9/hook"}))
        .await;
    assert_eq!(ep["ordered"], false);
    let id = ep["id"].as_str().unwrap();
    let (status, patched) = admin.patch(id, json!({"ordered": true})).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["ordered"], true);
    let (status, refused) = admin.patch(id, json!({"ordered": "yes"})).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/ordered"),
        "{refused}"
    );
}
