//! `[[endpoints]]` reconciled by name each time the gateway starts on the same store.

use std::time::Duration;

use serde_json::{Value, json};

use crate::endpoints::{Admin, config, receiver, wait_for};
use crate::server::Server;

fn entry(name: &str, url: &str, extra: &str) -> String {
    format!("[[endpoints]]\nname = \"{name}\"\nurl = \"{url}\"\n{extra}")
}

async fn endpoint_named(admin: &Admin<'_>, name: &str) -> Value {
    let list = admin.get("/admin/endpoints").await;
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no endpoint {name:?} in {list}"))
        .clone()
}

/// Stops the gateway cleanly and starts it again on the same store with `config`, logging.
fn restart(server: Server, config: &str) -> Server {
    let (status, dir) = server.terminate_keep_dir();
    assert!(status.success(), "{status}");
    Server::start_logged(dir, config)
}

#[tokio::test]
async fn a_config_endpoint_is_created_on_first_start() {
    let server = Server::start(Some(&config(&entry(
        "crm",
        "http://127.0.0.1:9/hook",
        "description = \"CRM\"\nmax_in_flight = 3\nrate_limit = 10\nevents = [\"tick\"]\n",
    ))));
    let admin = Admin::new(&server);
    let ep = endpoint_named(&admin, "crm").await;
    assert_eq!(ep["origin"], "config");
    assert_eq!(ep["description"], "CRM");
    assert_eq!(ep["max_in_flight"], 3);
    assert_eq!(ep["rate_limit"], 10);
    assert_eq!(ep["events"], json!(["tick"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_config_endpoint_is_updated_in_place_on_restart() {
    let (old_url, old_seen, _) = receiver(Duration::ZERO).await;
    let (new_url, new_seen, _) = receiver(Duration::ZERO).await;
    let server = Server::start(Some(&config(&entry("crm", &old_url, ""))));
    let admin = Admin::new(&server);
    let before = endpoint_named(&admin, "crm").await;
    let first = admin.publish(1).await;
    wait_for(&old_seen, 1).await;
    drop(admin);

    let changed = config(&entry("crm", &new_url, "max_in_flight = 4\n"));
    let server = restart(server, &changed);
    let admin = Admin::new(&server);
    let after = endpoint_named(&admin, "crm").await;
    assert_eq!(after["id"], before["id"], "the endpoint keeps its id");
    assert_eq!(after["url"], new_url.as_str());
    assert_eq!(after["max_in_flight"], 4);
    let log = server.log();
    assert!(
        log.contains("endpoint updated from the config") && log.contains("url, max_in_flight"),
        "{log}"
    );
    let id = after["id"].as_str().unwrap();
    let attempts = admin.get(&format!("/admin/attempts?endpoint={id}")).await;
    assert_eq!(
        attempts["data"][0]["message_id"],
        first.as_str(),
        "history kept"
    );

    admin.publish(2).await;
    wait_for(&new_seen, 1).await;
    assert_eq!(new_seen.lock().unwrap()[0]["data"]["i"], 2);
    assert_eq!(old_seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_unchanged_config_endpoint_is_left_as_it_is() {
    let text = config(&entry("crm", "http://127.0.0.1:9", "rate_limit = 5\n"));
    let server = Server::start(Some(&text));
    let before = endpoint_named(&Admin::new(&server), "crm").await;
    let server = restart(server, &text);
    let after = endpoint_named(&Admin::new(&server), "crm").await;
    assert_eq!(after, before);
    assert!(
        !server.log().contains("endpoint updated"),
        "{}",
        server.log()
    );
}

#[tokio::test]
async fn an_endpoint_created_through_the_api_is_not_touched_by_the_config() {
    let server = Server::start(Some(&config("")));
    let admin = Admin::new(&server);
    admin
        .create(json!({"name": "crm", "url": "http://127.0.0.1:9/api"}))
        .await;
    drop(admin);
    let server = restart(
        server,
        &config(&entry("crm", "http://127.0.0.1:9/config", "")),
    );
    let ep = endpoint_named(&Admin::new(&server), "crm").await;
    assert_eq!(ep["url"], "http://127.0.0.1:9/api");
    assert_eq!(ep["origin"], "api");
    let log = server.log();
    assert!(log.contains("created through the admin API"), "{log}");
}

#[tokio::test]
async fn an_endpoint_removed_from_the_config_is_kept_and_reported() {
    let server = Server::start(Some(&config(&entry("crm", "http://127.0.0.1:9/", ""))));
    let server = restart(server, &config(""));
    let ep = endpoint_named(&Admin::new(&server), "crm").await;
    assert_eq!(ep["enabled"], true);
    let log = server.log();
    assert_eq!(
        log.matches("endpoint no longer in the config").count(),
        1,
        "{log}"
    );
}
