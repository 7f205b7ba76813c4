//! The command line: tools list/call, webhooks sign/verify, config check, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::server::BIN;

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("SWITCHBOARD_WEBHOOK_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn version_and_usage() {
    let out = run(&["--version"], None);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("switchboard "));
    assert_eq!(run(&["tools", "frobnicate"], None).status.code(), Some(2));
}

#[test]
fn tools_list_formats() {
    let out = run(&["tools", "list"], None);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("calculate\t"));
    for (format, pointer) in [
        ("openai", "/0/function/name"),
        ("responses", "/0/name"),
        ("anthropic", "/0/name"),
        ("gemini", "/functionDeclarations/0/name"),
        ("ollama", "/0/function/name"),
        ("mcp", "/tools/0/name"),
        ("json", "/0/name"),
    ] {
        let out = run(&["tools", "list", "--json", "--format", format], None);
        assert!(out.status.success(), "{format}");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let v = if format == "gemini" {
            v.get(0).cloned().unwrap_or(v)
        } else {
            v
        };
        assert_eq!(
            v.pointer(pointer),
            Some(&Value::from("calculate")),
            "{format}: {v}"
        );
    }
}

#[test]
fn tools_call_exit_codes() {
    let out = run(
        &[
            "tools",
            "call",
            "calculate",
            "--args",
            r#"{"expression":"6*7"}"#,
            "--json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["result"], "42");

    let out = run(
        &[
            "tools",
            "call",
            "calculate",
            "--args",
            r#"{"expression":1}"#,
            "--json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["violations"][0]["pointer"], "/expression");

    let out = run(&["tools", "call", "calculate", "--args", "{oops"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn sign_then_verify_through_stdin() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let body = br#"{"type":"ping"}"#;
    let out = run(
        &[
            "webhooks",
            "sign",
            "--json",
            "--secret",
            secret,
            "--id",
            "msg_1",
            "--timestamp",
            "1700000000",
        ],
        Some(body),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let headers: Value = serde_json::from_slice(&out.stdout).unwrap();
    let header_args: Vec<String> = headers
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap()))
        .collect();
    let mut args = vec![
        "webhooks",
        "verify",
        "--secret",
        secret,
        "--now",
        "1700000010",
    ];
    for h in &header_args {
        args.extend(["-H", h.as_str()]);
    }
    let ok = run(&args, Some(body));
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "valid");
    let bad = run(&args, Some(b"{\"type\":\"pong\"}"));
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn config_check() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "listen = \"127.0.0.1:9090\"\n[tools]\nenabled = [\"calculate\"]\n",
    )
    .unwrap();
    let out = run(&["config", "check", good.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "listen = \"127.0.0.1:9090\"\n\n[tools]\nenabeld = []\n",
    )
    .unwrap();
    let out = run(&["config", "check", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 4") && err.contains("enabeld"), "{err}");
}

#[test]
fn documented_example_config_is_valid() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/gateway.md"
    ))
    .unwrap();
    // The example is the first block of the configuration reference section.
    let section = doc.find("## Configuration reference").unwrap();
    let start = section + doc[section..].find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().display().to_string();
    let text = doc[start..end]
        .replace("/srv/docs", &root)
        .replace("/srv/reports", &root);
    let file = dir.path().join("example.toml");
    std::fs::write(&file, text).unwrap();
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let out = Command::new(BIN)
        .args(["config", "check", file.to_str().unwrap()])
        .env("SWITCHBOARD_TOOLS_TOKEN", "tools-token-0123456789")
        .env("SWITCHBOARD_ADMIN_KEY", "admin-key-0123456789")
        .env("GITHUB_WEBHOOK_SECRET", "gh-webhook-secret-0123")
        .env("OWUI_WEBHOOK_TOKEN", "owui-webhook-token-0123")
        .env("BILLING_WEBHOOK_SECRET", secret)
        .env("AUDIT_WEBHOOK_SECRET", secret)
        .env("SHOP_DB_PASSWORD", "reader-password")
        .env("GITHUB_TOKEN", "ghp_example")
        .env("SLACK_BOT_TOKEN", "xoxb-example")
        .env(
            "SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/T0/B0/x",
        )
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
