//! Channels over HTTP: publishing on channels, endpoints that filter by channel (API and
//! config), the `channel` list filter, and bad channels refused with the field named.

use std::time::Duration;

use serde_json::{Value, json};

use crate::endpoints::{Admin, config, receiver, wait_for};
use crate::server::Server;

async fn send(server: &Server, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    Admin::new(server).send(method, path, Some(body)).await
}

async fn publish(server: &Server, body: Value) -> (u16, Value) {
    send(server, reqwest::Method::POST, "/admin/events", body).await
}

/// The error message of an answer.
fn message(out: &Value) -> &str {
    out["error"]["message"].as_str().unwrap_or_default()
}

fn ids(page: &Value) -> Vec<&str> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_on_channels_reaches_only_endpoints_listening_on_one() {
    let (any_url, any_seen, _) = receiver(Duration::ZERO).await;
    let (eu_url, eu_seen, _) = receiver(Duration::ZERO).await;
    let (us_url, _, _) = receiver(Duration::ZERO).await;
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    admin.create(json!({"name": "any", "url": any_url})).await;
    let eu = admin
        .create(json!({"name": "eu", "url": eu_url, "channels": ["eu", "global"]}))
        .await;
    assert_eq!(eu["channels"], json!(["eu", "global"]));
    let us = admin
        .create(json!({"name": "us", "url": us_url, "channels": ["us"]}))
        .await;
    let (status, on_eu) = publish(
        &server,
        json!({"type": "tick", "data": {"i": 1}, "channels": ["eu"]}),
    )
    .await;
    assert_eq!(status, 202, "{on_eu}");
    let (status, _) = publish(&server, json!({"type": "tick", "data": {"i": 2}})).await;
    assert_eq!(status, 202);

    wait_for(&any_seen, 2).await;
    wait_for(&eu_seen, 1).await;
    let eu_got: Vec<Value> = eu_seen
        .lock()
        .unwrap()
        .iter()
        .map(|b| b["data"]["i"].clone())
        .collect();
    assert_eq!(
        eu_got,
        [json!(1)],
        "a message without channels skips a filtered endpoint"
    );
    // Deliveries are created when a message is published: the list is the whole story.
    let for_us = admin
        .get(&format!(
            "/admin/messages?endpoint={}",
            us["id"].as_str().unwrap()
        ))
        .await;
    assert!(ids(&for_us).is_empty(), "{for_us}");
    let for_eu = admin
        .get(&format!(
            "/admin/messages?endpoint={}",
            eu["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&for_eu), [on_eu["message_id"].as_str().unwrap()]);
}

#[tokio::test]
async fn messages_list_by_channel_and_show_their_channels() {
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    let mut published = Vec::new();
    for channels in [json!(["a"]), json!(["b", "a"]), json!([]), json!(["ab"])] {
        let (status, out) = publish(
            &server,
            json!({"type": "tick", "data": {}, "channels": channels}),
        )
        .await;
        assert_eq!(status, 202, "{out}");
        published.push(out["message_id"].as_str().unwrap().to_owned());
    }
    let on_a = admin.get("/admin/messages?channel=a").await;
    assert_eq!(ids(&on_a), [published[1].as_str(), published[0].as_str()]);
    assert_eq!(on_a["data"][0]["channels"], json!(["b", "a"]));
    let on_ab = admin.get("/admin/messages?channel=ab").await;
    assert_eq!(ids(&on_ab), [published[3].as_str()]);
    let one = admin
        .get(&format!("/admin/messages/{}", published[2]))
        .await;
    assert_eq!(one["channels"], json!([]));
}

#[tokio::test]
async fn a_bad_channel_is_refused_naming_the_field() {
    let server = Server::start(Some(&config("")));
    let eleven: Vec<String> = (0..11).map(|i| format!("c{i}")).collect();
    for channels in [
        json!(["has space"]),
        json!(["a/b"]),
        json!([""]),
        json!(eleven),
        json!(["a", "a"]),
    ] {
        let (status, out) = publish(
            &server,
            json!({"type": "tick", "data": {}, "channels": channels}),
        )
        .await;
        assert_eq!(status, 422, "{channels}: {out}");
        assert!(message(&out).contains("channels"), "{out}");

        let (status, out) = send(
            &server,
            reqwest::Method::POST,
            "/admin/endpoints",
            json!({"name": "bad", "url": "http://127.0.0.1:9/", "channels": channels}),
        )
        .await;
        assert_eq!(status, 422, "{channels}: {out}");
        assert!(message(&out).contains("channels"), "{out}");
    }
    let (status, out) = send(
        &server,
        reqwest::Method::GET,
        "/admin/messages?channel=a%20b",
        Value::Null,
    )
    .await;
    assert_eq!(status, 400, "{out}");
    assert!(message(&out).starts_with("channel:"), "{out}");
    let (_, all) = send(
        &server,
        reqwest::Method::GET,
        "/admin/messages",
        Value::Null,
    )
    .await;
    assert!(ids(&all).is_empty(), "nothing refused was stored: {all}");
}

#[tokio::test]
async fn patch_sets_and_clears_an_endpoint_channel_filter() {
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    let ep = admin
        .create(json!({"name": "p", "url": "http://127.0.0.1:9/"}))
        .await;
    assert_eq!(ep["channels"], Value::Null);
    let path = format!("/admin/endpoints/{}", ep["id"].as_str().unwrap());
    let (status, out) = send(
        &server,
        reqwest::Method::PATCH,
        &path,
        json!({"channels": ["eu"]}),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["channels"], json!(["eu"]));
    let (status, out) = send(
        &server,
        reqwest::Method::PATCH,
        &path,
        json!({"channels": "eu"}),
    )
    .await;
    assert_eq!(status, 400, "{out}");
    assert!(message(&out).starts_with("/channels"), "{out}");
    let (status, out) = send(
        &server,
        reqwest::Method::PATCH,
        &path,
        json!({"channels": null}),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["channels"], Value::Null);
}

#[tokio::test]
async fn a_config_endpoint_channel_filter_is_reconciled_on_restart() {
    let entry = |channels: &str| {
        config(&format!(
            "[[endpoints]]\nname = \"crm\"\nurl = \"http://127.0.0.1:9/\"\nchannels = {channels}\n"
        ))
    };
    let server = Server::start(Some(&entry("[\"a\"]")));
    let named = |list: Value| {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "crm")
            .unwrap()
            .clone()
    };
    let before = named(Admin::new(&server).get("/admin/endpoints").await);
    assert_eq!(before["channels"], json!(["a"]));
    let (status, dir) = server.terminate_keep_dir();
    assert!(status.success(), "{status}");
    let server = Server::start_logged(dir, &entry("[\"b\", \"c\"]"));
    let after = named(Admin::new(&server).get("/admin/endpoints").await);
    assert_eq!(after["id"], before["id"]);
    assert_eq!(after["channels"], json!(["b", "c"]));
    let log = server.log();
    assert!(
        log.contains("endpoint updated from the config") && log.contains("channels"),
        "{log}"
    );
}

#[test]
fn a_bad_channel_in_the_config_is_refused_with_its_key_and_line() {
    let text = config(
        "[[endpoints]]\nname = \"crm\"\nurl = \"http://127.0.0.1:9/\"\nchannels = [\"has space\"]\n",
    );
    let err = switchboard_server::config::Settings::parse(&text, &|_| None)
        .unwrap_err()
        .to_string();
    let line = text
        .lines()
        .position(|l| l.starts_with("channels"))
        .unwrap()
        + 1;
    assert!(
        err.starts_with(&format!("config key `endpoints.channels` (line {line}):"))
            && err.contains("has space"),
        "{err}"
    );
}
