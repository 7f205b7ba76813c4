//! The admin API: refused without the key, then endpoint CRUD, publish, listings, replay.

use serde_json::{Value, json};

use crate::server::{Server, client};

const KEY: &str = "admin-key-0123456789abcdef";

#[tokio::test]
async fn admin_requires_key_and_manages_endpoints() {
    let server = Server::start(Some(&format!(
        "[admin]\nkey = \"{KEY}\"\n[delivery]\nallow_cidrs = [\"127.0.0.0/8\"]\n"
    )));
    let http = client();
    for path in [
        "/admin/endpoints",
        "/admin/messages",
        "/admin/deliveries",
        "/admin/attempts",
    ] {
        let res = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{path}");
        let res = http
            .get(server.url(path))
            .bearer_auth("wrong-key-0000000000")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{path}");
    }
    let res = http
        .post(server.url("/admin/events"))
        .json(&json!({"type": "x", "data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // Create (the secret is returned once), get, disable, enable, rotate, delete.
    let res = http
        .post(server.url("/admin/endpoints"))
        .bearer_auth(KEY)
        .json(&json!({"name": "audit", "url": "http://127.0.0.1:9/hook", "events": ["chat_completed"], "disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(created["enabled"], false);
    let id = created["id"].as_str().unwrap().to_owned();

    let dup = http
        .post(server.url("/admin/endpoints"))
        .bearer_auth(KEY)
        .json(&json!({"name": "audit", "url": "http://127.0.0.1:9/other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), 409);
    let body: Value = dup.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "name_taken");

    let list: Value = http
        .get(server.url("/admin/endpoints"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"][0]["name"], "audit");
    assert!(list["data"][0].get("secret").is_none());

    let enabled: Value = http
        .post(server.url(&format!("/admin/endpoints/{id}/enable")))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(enabled["enabled"], true);
    let rotated: Value = http
        .post(server.url(&format!("/admin/endpoints/{id}/rotate-secret")))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rotated["keys"], 2);
    assert_ne!(rotated["secret"], created["secret"]);

    // Publish, then list the message and its delivery; replay it.
    let res = http
        .post(server.url("/admin/events"))
        .bearer_auth(KEY)
        .json(&json!({"type": "chat_completed", "data": {"chat_id": "c1"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let message_id = res.json::<Value>().await.unwrap()["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let messages: Value = http
        .get(server.url("/admin/messages?event_type=chat_completed"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(messages["data"][0]["id"], message_id.as_str());
    assert_eq!(
        messages["data"][0]["payload"]["data"],
        json!({"chat_id": "c1"})
    );
    let deliveries: Value = http
        .get(server.url(&format!("/admin/deliveries?message={message_id}")))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deliveries["data"].as_array().unwrap().len(), 1);
    let bad = http
        .get(server.url("/admin/deliveries?status=lost"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let replay = http
        .post(server.url(&format!("/admin/messages/{message_id}/replay")))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 202);

    let res = http
        .delete(server.url(&format!("/admin/endpoints/{id}")))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = http
        .get(server.url(&format!("/admin/endpoints/{id}")))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn deliveries_survive_a_restart_and_the_cli_reads_them() {
    let server = Server::start(Some(&format!(
        "[admin]\nkey = \"{KEY}\"\n[delivery]\nallow_cidrs = [\"127.0.0.0/8\"]\n[[endpoints]]\nname = \"down\"\nurl = \"http://127.0.0.1:9/hook\"\n"
    )));
    let http = client();
    let mut ids = Vec::new();
    for i in 0..3 {
        let res: Value = http
            .post(server.url("/admin/events"))
            .bearer_auth(KEY)
            .json(&json!({"type": "tick", "data": {"i": i}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(res["message_id"].as_str().unwrap().to_owned());
    }
    let config = server.path().join("switchboard.toml");
    // Stop the gateway; the store keeps every message and delivery.
    let status = server.terminate_keep_dir();
    assert!(status.0.success());
    let out = std::process::Command::new(crate::server::BIN)
        .current_dir(status.1.path())
        .args([
            "--config",
            config.to_str().unwrap(),
            "--json",
            "deliveries",
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message_id"].as_str().unwrap())
        .collect();
    for id in &ids {
        assert!(listed.contains(&id.as_str()), "{id} missing from {list}");
    }
    let out = std::process::Command::new(crate::server::BIN)
        .current_dir(status.1.path())
        .args([
            "--config",
            config.to_str().unwrap(),
            "deliveries",
            "replay",
            "--json",
            &ids[0],
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let res: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(res["messages"], 1);
}
