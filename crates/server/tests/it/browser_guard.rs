//! The attacks a web page the operator visits can make on a gateway on loopback (CSRF, DNS
//! rebinding), each refused over real HTTP, and the exact requests Open WebUI makes, accepted.

use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::server::{BIN, Server, client};

const EVIL_HOST: &str = "rebind.attacker.example:8080";
const EVIL_ORIGIN: &str = "https://evil.example";

/// How many `calculate` calls the gateway has counted, from `/metrics`.
async fn calculate_calls(server: &Server) -> usize {
    let text = client()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("switchboard_tool_calls_total") && l.contains("calculate"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as usize
}

async fn error_kind(res: reqwest::Response) -> String {
    let body: Value = res.json().await.unwrap();
    body["error"]["kind"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn simple_cross_site_tool_call_from_a_rebinding_page_is_refused_before_the_tool_runs() {
    let server = Server::start(None);
    // What `fetch(url, {method: "POST", mode: "no-cors", body})` sends after a DNS rebind.
    let res = client()
        .post(server.url("/tools/calculate"))
        .header("host", EVIL_HOST)
        .header("origin", EVIL_ORIGIN)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(r#"{"expression": "1+1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(error_kind(res).await, "forbidden_host");
    assert_eq!(calculate_calls(&server).await, 0);
}

#[tokio::test]
async fn tool_call_with_a_foreign_origin_is_refused() {
    let server = Server::start(None);
    let res = client()
        .post(server.url("/tools/calculate"))
        .header("origin", EVIL_ORIGIN)
        .json(&json!({"expression": "1+1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(error_kind(res).await, "forbidden_origin");
    assert_eq!(calculate_calls(&server).await, 0);
}

#[tokio::test]
async fn tool_call_without_a_json_content_type_is_refused_with_415() {
    let server = Server::start(None);
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let res = client()
            .post(server.url("/tools/calculate"))
            .header("content-type", content_type)
            .body(r#"{"expression": "1+1"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 415, "{content_type}");
        assert_eq!(error_kind(res).await, "unsupported_media_type");
    }
    assert_eq!(calculate_calls(&server).await, 0);
}

#[tokio::test]
async fn cors_preflight_from_a_foreign_origin_is_refused() {
    let server = Server::start(Some(
        "[cors]\nallowed_origins = [\"http://localhost:3000\"]\n",
    ));
    let res = client()
        .request(reqwest::Method::OPTIONS, server.url("/tools/calculate"))
        .header("origin", EVIL_ORIGIN)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn rebound_host_cannot_read_the_openapi_document() {
    let server = Server::start(None);
    let res = client()
        .get(server.url("/openapi.json"))
        .header("host", EVIL_HOST)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn rebound_host_cannot_reach_mcp() {
    let server = Server::start(None);
    let res = client()
        .post(server.url("/mcp"))
        .header("host", EVIL_HOST)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn mcp_refuses_a_foreign_origin() {
    let server = Server::start(None);
    let res = client()
        .post(server.url("/mcp"))
        .header("origin", EVIL_ORIGIN)
        .header("accept", "application/json, text/event-stream")
        .json(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "evil", "version": "1"}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(error_kind(res).await, "forbidden_origin");
}

#[tokio::test]
async fn mcp_refuses_a_text_plain_post() {
    let server = Server::start(None);
    let res = client()
        .post(server.url("/mcp"))
        .header("content-type", "text/plain")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
}

#[tokio::test]
async fn admin_api_refuses_a_rebound_host_and_a_foreign_origin() {
    let server = Server::start(None);
    let res = client()
        .get(server.url("/admin/endpoints"))
        .header("host", EVIL_HOST)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = client()
        .post(server.url("/admin/events"))
        .header("origin", EVIL_ORIGIN)
        .json(&json!({"type": "x", "data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn configured_host_name_is_accepted() {
    let server = Server::start(Some("allowed_hosts = [\"gateway.example.com\"]\n"));
    let res = client()
        .post(server.url("/tools/calculate"))
        .header("host", "gateway.example.com")
        .json(&json!({"expression": "1+1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn webhook_ingest_is_not_subject_to_the_host_check() {
    let server = Server::start(Some(
        "[[ingest]]\nname = \"app\"\nkind = \"token\"\nsecret = \"0123456789abcdef-ingest\"\n",
    ));
    let res = client()
        .post(server.url("/hooks/app"))
        .header("host", "hooks.public.example")
        .header("authorization", "Bearer 0123456789abcdef-ingest")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=1")
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 403);
    assert!(res.status().is_success(), "{}", res.status());
}

#[tokio::test]
async fn open_webui_server_side_requests_pass() {
    let server = Server::start(Some("[tools]\nauth_token = \"0123456789abcdef-token\"\n"));
    let http = client();
    // get_tool_server_data: GET {url}/openapi.json.
    let res = http
        .get(server.url("/openapi.json"))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .header("authorization", "Bearer 0123456789abcdef-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // execute_tool_server: aiohttp's POST with json=…, plus the forwarded user headers.
    let res = http
        .post(server.url("/tools/calculate"))
        .header("accept", "*/*")
        .header("accept-encoding", "gzip, deflate")
        .header("user-agent", "Python/3.11 aiohttp/3.12.15")
        .header("content-type", "application/json")
        .header("authorization", "Bearer 0123456789abcdef-token")
        .header("x-openwebui-user-name", "Ada%20Lovelace")
        .header("x-openwebui-user-id", "u-1")
        .header("x-openwebui-user-email", "ada@example.com")
        .header("x-openwebui-user-role", "admin")
        .header("x-openwebui-chat-id", "c-1")
        .header("x-openwebui-message-id", "m-1")
        .body(r#"{"expression": "0.1 + 0.2"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["result"], "0.3");
}

#[tokio::test]
async fn open_webui_browser_side_requests_pass_for_the_configured_origin() {
    let origin = "http://localhost:3000";
    let server = Server::start(Some(&format!("[cors]\nallowed_origins = [\"{origin}\"]\n")));
    let http = client();
    // The browser's preflight for `fetch(…, {headers: {"Content-Type": "application/json"}})`.
    for path in ["/openapi.json", "/tools/calculate"] {
        let res = http
            .request(reqwest::Method::OPTIONS, server.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        assert_eq!(res.headers()["access-control-allow-origin"], origin);
    }
    let res = http
        .get(server.url("/openapi.json"))
        .header("origin", origin)
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = http
        .post(server.url("/tools/calculate"))
        .header("origin", origin)
        .header("content-type", "application/json")
        .body(r#"{"expression": "2+3"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], origin);
}

/// Runs `switchboard ARGS…` in a temp dir with `config`, returning (exit code, stderr).
fn run_binary(config: Option<&str>, args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir.path());
    if let Some(text) = config {
        std::fs::write(dir.path().join("switchboard.toml"), text).unwrap();
        cmd.args(["--config", "switchboard.toml"]);
    }
    let out = cmd.args(args).stdin(Stdio::null()).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn serve_refuses_to_listen_beyond_loopback_without_a_token() {
    let (code, stderr) = run_binary(None, &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("beyond loopback"), "{stderr}");
    assert!(stderr.contains("auth_token"), "{stderr}");
    assert!(
        stderr.contains("dangerously_allow_unauthenticated"),
        "{stderr}"
    );
}

#[test]
fn serve_refuses_any_cors_origin_without_a_token() {
    let (code, stderr) = run_binary(
        Some("[cors]\nallowed_origins = [\"*\"]\n"),
        &["serve", "--listen", "127.0.0.1:0"],
    );
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("allowed_origins"), "{stderr}");
}

#[test]
fn config_check_reports_an_unauthenticated_exposure() {
    let (code, stderr) = run_binary(
        Some("listen = \"0.0.0.0:8080\"\n"),
        &["config", "check", "switchboard.toml"],
    );
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("auth_token"), "{stderr}");
}

#[test]
fn config_check_accepts_an_exposure_the_operator_opted_into() {
    for config in [
        "listen = \"0.0.0.0:8080\"\n[tools]\nauth_token = \"0123456789abcdef-token\"\n",
        "listen = \"0.0.0.0:8080\"\n[tools]\ndangerously_allow_unauthenticated = true\n",
    ] {
        let (code, stderr) = run_binary(Some(config), &["config", "check", "switchboard.toml"]);
        assert_eq!(code, Some(0), "{config}: {stderr}");
    }
}
