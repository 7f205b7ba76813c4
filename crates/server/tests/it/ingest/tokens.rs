//! Token sources: secrets of at least 16 characters, `?token=` only for `open_webui`, and the
//! query string never in a log line or an error body.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

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

/// The gateway with its log (at `trace`) going to a file.
struct LoggedGateway {
    child: Child,
    /// Kept open: the gateway prints more (its generated admin key) after the first line.
    _stdout: BufReader<ChildStdout>,
    base: String,
    dir: tempfile::TempDir,
}

impl LoggedGateway {
    fn start(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("switchboard.toml"), config).unwrap();
        let log = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
        let mut child = Command::new(BIN)
            .current_dir(dir.path())
            .args([
                "--config",
                "switchboard.toml",
                "serve",
                "--listen",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("switchboard listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        LoggedGateway {
            child,
            _stdout: stdout,
            base,
            dir,
        }
    }

    /// Stops the gateway (SIGTERM, so its log is flushed) and returns the log.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap();
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap()
    }
}

impl Drop for LoggedGateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn query_token_never_reaches_logs_or_error_bodies() {
    let wrong = "wrong-query-token-0123456789";
    let gateway = LoggedGateway::start(&format!("log_level = \"trace\"\n{}", sources()));
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
            .post(format!("{}{path}", gateway.base))
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
    let log = gateway.stop();
    assert!(
        log.contains("ingest token rejected"),
        "no log captured: {log}"
    );
    for secret in [TOKEN, OWUI_TOKEN, wrong, "token="] {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}
