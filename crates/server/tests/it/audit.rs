//! The audit trail through the real binary: every call over REST and MCP, refused ones
//! included, is one row with its caller and outcome, listed by `GET /admin/tool-calls` (filters,
//! cursor pages, 400 for a bad filter) and by `switchboard calls list`, counted by caller class
//! in `/metrics`; the same on a Postgres store. The listing waits for the writer, and shutdown
//! flushes it, so no test sleeps.

use std::process::Command;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

use crate::mcp_nodes::{Schema, postgres_url};
use crate::server::{BIN, Server, client};

const ADMIN_KEY: &str = "admin-key-audit-0123456789";
const OWUI_TOKEN: &str = "owui-token-audit-0123456789";
const SCRIPT_TOKEN: &str = "script-token-audit-0123456789";

/// `owui` may assert users; `script` may not call `calculate` (a policy rule).
fn config(store: &str) -> String {
    format!(
        r#"
{store}
[admin]
key = "{ADMIN_KEY}"

[tools]
enabled = ["calculate"]

[[tools.tokens]]
name = "owui"
token = "{OWUI_TOKEN}"
assert_users = true

[[tools.tokens]]
name = "script"
token = "{SCRIPT_TOKEN}"

[[tools.rules]]
name = "no-calculate-for-scripts"
deny = ["calculate"]
tokens = ["script"]
"#
    )
}

fn start() -> Server {
    Server::start(Some(&config("")))
}

/// `calculate` over REST as user `u-ada` (through Open WebUI's token and plain headers), or as
/// `token` alone when `user` is `None`.
async fn calculate(server: &Server, token: &str, user: Option<&str>, expression: &str) -> u16 {
    let mut req = client()
        .post(server.url("/tools/calculate"))
        .bearer_auth(token)
        .json(&json!({ "expression": expression }));
    if let Some(user) = user {
        req = req
            .header("x-openwebui-user-id", user)
            .header("x-openwebui-user-email", format!("{user}@example.com"))
            .header("x-openwebui-user-role", "user")
            .header("x-openwebui-chat-id", "chat-1");
    }
    req.send().await.unwrap().status().as_u16()
}

/// `GET /admin/tool-calls?{query}`: the status and the body.
async fn list(server: &Server, query: &str) -> (u16, Value) {
    let res = client()
        .get(server.url(&format!("/admin/tool-calls?{query}")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn rows(server: &Server, query: &str) -> Vec<Value> {
    let (status, body) = list(server, query).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_rest_call_is_one_row_with_its_caller_and_outcome() {
    let server = start();
    assert_eq!(
        calculate(&server, OWUI_TOKEN, Some("u-ada"), "6 * 7").await,
        200
    );
    let rows = rows(&server, "").await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let row = &rows[0];
    assert!(row["at"].as_str().unwrap().ends_with('Z'), "{row}");
    insta::assert_json_snapshot!("tool_call_row", row, {
        ".id" => "[id]",
        ".at" => "[at]",
        ".duration_ms" => "[duration]",
    });
}

#[tokio::test]
async fn an_mcp_call_is_one_row_with_its_caller_and_outcome() {
    let server = start();
    let config =
        StreamableHttpClientTransportConfig::with_uri(server.url("/mcp")).auth_header(OWUI_TOKEN);
    let mcp = ().serve(StreamableHttpClientTransport::from_config(config)).await.unwrap();
    let args = json!({"expression": "1 +"}).as_object().unwrap().clone();
    let result = mcp
        .call_tool(CallToolRequestParams::new("calculate").with_arguments(args))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(true));
    mcp.cancel().await.unwrap();
    let rows = rows(&server, "").await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["caller"]["token"], "owui");
    assert_eq!(rows[0]["caller"]["user_id"], Value::Null);
    assert_eq!(rows[0]["transport"], "mcp");
    assert_eq!(rows[0]["outcome"], "failed", "{:#}", rows[0]);
    assert_eq!(rows[0]["result_bytes"], 0);
}

#[tokio::test]
async fn a_call_refused_by_policy_is_recorded_as_refused() {
    let server = start();
    assert_eq!(calculate(&server, SCRIPT_TOKEN, None, "1 + 1").await, 403);
    let rows = rows(&server, "outcome=refused_policy").await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["caller"]["token"], "script");
    assert_eq!(rows[0]["tool"], "calculate");
}

#[tokio::test]
async fn calls_are_counted_by_caller_class_in_metrics() {
    let server = start();
    calculate(&server, OWUI_TOKEN, Some("u-ada"), "1 + 1").await;
    calculate(&server, SCRIPT_TOKEN, None, "1 + 1").await;
    let text = client()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "switchboard_tool_calls_by_caller_total{caller_class=\"user\",outcome=\"ok\"} 1\n",
        "switchboard_tool_calls_by_caller_total{caller_class=\"token\",outcome=\"refused_policy\"} 1\n",
        "switchboard_audit_dropped_total{reason=\"queue_full\"} 0\n",
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
    assert!(!text.contains("u-ada"), "{text}");
}

#[tokio::test]
async fn filters_and_cursor_pages_list_each_matching_call_once_newest_first() {
    let server = start();
    for n in 1..=5 {
        calculate(&server, OWUI_TOKEN, Some("u-ada"), &format!("{n} + 0")).await;
    }
    calculate(&server, OWUI_TOKEN, Some("u-bob"), "9 + 0").await;
    calculate(&server, SCRIPT_TOKEN, None, "1 + 1").await;

    let (_, first) = list(&server, "caller=u-ada%40example.com&limit=2").await;
    let cursor = first["iterator"].as_str().unwrap().to_owned();
    // A call made between pages is newer than the cursor: it shifts no later page.
    calculate(&server, OWUI_TOKEN, Some("u-ada"), "6 + 0").await;
    let (_, second) = list(&server, &format!("caller=u-ada&limit=2&iterator={cursor}")).await;
    let cursor = second["iterator"].as_str().unwrap().to_owned();
    let (_, third) = list(&server, &format!("caller=u-ada&limit=2&iterator={cursor}")).await;
    assert_eq!(third["iterator"], Value::Null);
    assert_eq!(third["done"], true);
    let expressions: Vec<&str> = [&first, &second, &third]
        .iter()
        .flat_map(|page| page["data"].as_array().unwrap())
        .map(|row| row["arguments"]["expression"].as_str().unwrap())
        .collect();
    assert_eq!(expressions, ["5 + 0", "4 + 0", "3 + 0", "2 + 0", "1 + 0"]);

    assert_eq!(rows(&server, "caller=script").await.len(), 1);
    assert_eq!(rows(&server, "caller=owui&tool=calculate").await.len(), 7);
    assert_eq!(rows(&server, "tool=read_file").await.len(), 0);
    assert_eq!(rows(&server, "since=2000-01-01T00:00:00Z").await.len(), 8);
    assert_eq!(
        rows(&server, "until=2000-01-01T00:00:00%2B01:00")
            .await
            .len(),
        0
    );
}

#[tokio::test]
async fn a_bad_filter_is_answered_400_naming_the_parameter() {
    let server = start();
    for (query, parameter) in [
        ("since=yesterday", "since"),
        ("until=2026-02-30T00:00:00Z", "until"),
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
        ("outcome=fine", "outcome"),
        ("iterator=not-an-iterator", "iterator"),
    ] {
        let (status, body) = list(&server, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["parameter"], parameter, "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{parameter}: ")), "{message}");
    }
    let (status, body) = list(&server, "colour=blue").await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colour"),
        "{body}"
    );
}

#[tokio::test]
async fn with_the_audit_trail_off_the_listing_says_so() {
    let server = Server::start(Some(&config("[audit]\nenabled = false\n")));
    assert_eq!(calculate(&server, OWUI_TOKEN, None, "1 + 1").await, 200);
    let (status, body) = list(&server, "").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["kind"], "unavailable");
}

#[tokio::test]
async fn the_listing_requires_the_admin_key() {
    let server = start();
    let res = client()
        .get(server.url("/admin/tool-calls"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn calls_list_prints_the_recorded_calls_from_the_store() {
    let server = start();
    assert_eq!(
        calculate(&server, OWUI_TOKEN, Some("u-ada"), "2 + 2").await,
        200
    );
    assert_eq!(calculate(&server, SCRIPT_TOKEN, None, "1 + 1").await, 403);
    // Shutdown writes every queued row before the process exits.
    let (status, dir) = server.terminate_keep_dir();
    assert!(status.success());
    let run = |args: &[&str]| {
        Command::new(BIN)
            .current_dir(dir.path())
            .args(["--config", "switchboard.toml", "calls", "list"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("TIME"), "{table}");
    assert!(
        lines[1].contains("script") && lines[1].contains("refused_policy"),
        "{table}"
    );
    assert!(
        lines[2].contains("u-ada@example.com") && lines[2].contains(" ok "),
        "{table}"
    );

    let out = run(&["--json", "--outcome", "ok"]);
    assert!(out.status.success(), "{out:?}");
    let page: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["data"][0]["arguments"]["expression"], "2 + 2");

    let out = run(&["--since", "last tuesday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--since"),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_is_recorded_in_a_postgres_store() {
    let test = "a_call_is_recorded_in_a_postgres_store";
    let Some(url) = postgres_url(test) else {
        return;
    };
    let schema = Schema::create(&url, "audit").await;
    let store = format!("[store]\npostgres = \"{}\"\n", schema.node_url);
    let server = Server::start(Some(&config(&store)));
    assert_eq!(
        calculate(&server, OWUI_TOKEN, Some("u-ada"), "6 * 7").await,
        200
    );
    assert_eq!(calculate(&server, SCRIPT_TOKEN, None, "1 + 1").await, 403);
    let (_, first) = list(&server, "limit=1").await;
    assert_eq!(first["data"][0]["outcome"], "refused_policy", "{first:#}");
    let cursor = first["iterator"].as_str().unwrap();
    let (_, second) = list(&server, &format!("limit=1&iterator={cursor}")).await;
    assert_eq!(
        second["data"][0]["caller"]["user_id"], "u-ada",
        "{second:#}"
    );
    assert_eq!(second["iterator"], Value::Null);
    drop(server);
    schema.drop_schema().await;
}
