//! Token sources: secrets of at least 16 characters, `?token=` only for `open_webui`, and the
//! query string never in a log line or an error body.

use std::process::Command;

use serde_json::json;

use crate::server::{BIN, Server, client};

const TOKEN: &str = "tok-secret-0123456789";
const OWUI_TOKEN: &str = "owui-secret-0123456789";

fn sources() -> String {
    format!(
        r#"
[[ingest]]
name = "tok"
kind = "token"
secret = "{TOKEN}"

[[ingest]]
name = "owui"
kind = "open_webui"
secret = "{OWUI_TOKEN}"
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn token_kind_refuses_the_token_in_the_query() {
    let server = Server::start(Some(&sources()));
    let http = client();
    let res = http
        .post(server.url(&format!("/hooks/tok?token={TOKEN}")))
        .json(&json!({"n": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = http
        .post(server.url("/hooks/tok"))
        .bearer_auth(TOKEN)
        .json(&json!({"n": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
}

#[test]
fn short_ingest_secret_is_a_config_error_naming_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("short.toml");
    std::fs::write(
        &file,
        "[[ingest]]\nname = \"tok\"\nkind = \"token\"\nsecret = \"short-token\"\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["config", "check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`ingest.secret` (line 4)"), "{err}");
    assert!(err.contains("at least 16 characters"), "{err}");
    assert!(!err.contains("short-token"), "the secret is echoed: {err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn query_token_never_reaches_logs_or_error_bodies() {
    let wrong = "wrong-query-token-0123456789";
    let gateway = Server::start_logged(
        tempfile::tempdir().unwrap(),
        &format!("log_level = \"trace\"\n{}", sources()),
    );
    let http = client();
    let cases = [
        (format!("/hooks/tok?token={TOKEN}"), json!({"n": 1}), 401),
        (
            format!("/hooks/owui?token={wrong}"),
            json!({"event": "new_user"}),
            401,
        ),
        (
            format!("/hooks/owui?token={OWUI_TOKEN}&token={wrong}"),
            json!({"event": "new_user"}),
            401,
        ),
        (
            format!("/hooks/owui?token={OWUI_TOKEN}"),
            json!({"event": "odd"}),
            422,
        ),
        (format!("/hooks/nowhere?token={OWUI_TOKEN}"), json!({}), 404),
        (
            format!("/hooks/owui?token={OWUI_TOKEN}"),
            json!({"event": "new_user", "user": {}}),
            202,
        ),
    ];
    for (path, body, want) in cases {
        let res = http
            .post(gateway.url(&path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), want, "{path}");
        let text = res.text().await.unwrap();
        for secret in [TOKEN, OWUI_TOKEN, wrong] {
            assert!(!text.contains(secret), "{path} answered {text}");
        }
    }
    // SIGTERM, so the log is flushed before it is read.
    let (_, dir) = gateway.terminate_keep_dir();
    let log = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
    assert!(
        log.contains("ingest token rejected"),
        "no log captured: {log}"
    );
    for secret in [TOKEN, OWUI_TOKEN, wrong, "token="] {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}
