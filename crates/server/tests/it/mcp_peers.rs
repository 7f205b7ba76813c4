//! The official MCP client SDKs against the gateway, in every mode they offer and at every
//! protocol version the gateway advertises: the Python SDK (PyPI `mcp`) and the TypeScript SDK
//! (npm `@modelcontextprotocol/sdk`) run the scripts in `tests/peers/`, which print what the
//! client saw as JSON; the assertions are here.
//!
//! Env-gated like the SMTP tests: the Python interpreter is `$SWITCHBOARD_MCP_PYTHON` (default
//! `python3`) and must import `mcp`; the TypeScript SDK must be installed in
//! `tests/peers/node_modules` (`.ci/mcp-peers.sh` sets both up). When one is missing its tests
//! are skipped with the reason printed, unless `SWITCHBOARD_REQUIRE_MCP_PEERS=1`, which makes
//! them fail instead (CI sets it).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use switchboard_server::config::McpSessions;

use crate::mcp::{InProcess, STATELESS};
use crate::server::{Server, client};

/// One way an official client connects, and the protocol version it must end up speaking.
#[derive(Clone, Copy)]
pub(crate) struct Peer {
    sdk: Sdk,
    /// The mode argument of the peer script.
    mode: &'static str,
    version: &'static str,
}

#[derive(Clone, Copy)]
enum Sdk {
    Python,
    TypeScript,
}

pub(crate) const PYTHON_DEFAULT: Peer = Peer {
    sdk: Sdk::Python,
    mode: "auto",
    version: "2026-07-28",
};
pub(crate) const PYTHON_LEGACY: Peer = Peer {
    sdk: Sdk::Python,
    mode: "legacy",
    version: "2025-11-25",
};
pub(crate) const PYTHON_2025_06_18: Peer = Peer {
    sdk: Sdk::Python,
    mode: "legacy@2025-06-18",
    version: "2025-06-18",
};
pub(crate) const PYTHON_2025_03_26: Peer = Peer {
    sdk: Sdk::Python,
    mode: "legacy@2025-03-26",
    version: "2025-03-26",
};
pub(crate) const PYTHON_2024_11_05: Peer = Peer {
    sdk: Sdk::Python,
    mode: "legacy@2024-11-05",
    version: "2024-11-05",
};
pub(crate) const TYPESCRIPT_DEFAULT: Peer = Peer {
    sdk: Sdk::TypeScript,
    mode: "default",
    version: "2025-11-25",
};

/// Every peer the tests below run; [`every_advertised_protocol_version_has_a_client_test`]
/// checks it covers what the gateway advertises.
pub(crate) const PEERS: [&Peer; 6] = [
    &PYTHON_DEFAULT,
    &PYTHON_LEGACY,
    &PYTHON_2025_06_18,
    &PYTHON_2025_03_26,
    &PYTHON_2024_11_05,
    &TYPESCRIPT_DEFAULT,
];

fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers")
}

fn python() -> String {
    std::env::var("SWITCHBOARD_MCP_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Why `sdk` can't run here, if it can't.
fn missing(sdk: Sdk) -> Option<String> {
    match sdk {
        Sdk::Python => {
            let py = python();
            let ok = Command::new(&py)
                .args(["-c", "import mcp.client"])
                .output()
                .is_ok_and(|o| o.status.success());
            (!ok).then(|| format!("`{py}` cannot import the Python MCP SDK (pip install mcp)"))
        }
        Sdk::TypeScript => {
            let sdk = peers_dir().join("node_modules/@modelcontextprotocol/sdk/package.json");
            let node = Command::new("node")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
            if !node {
                Some("`node` is not on PATH".to_owned())
            } else if !sdk.exists() {
                Some(format!(
                    "{} is missing (npm ci in tests/peers)",
                    sdk.display()
                ))
            } else {
                None
            }
        }
    }
}

/// Runs `peer`'s script against `url` for `scenario` and returns its report, or `None` when the
/// SDK isn't installed and peers aren't required.
pub(crate) fn run(peer: &Peer, url: &str, scenario: &str) -> Option<Value> {
    if let Some(reason) = missing(peer.sdk) {
        assert!(
            std::env::var("SWITCHBOARD_REQUIRE_MCP_PEERS").as_deref() != Ok("1"),
            "SWITCHBOARD_REQUIRE_MCP_PEERS=1 but {reason}"
        );
        #[allow(clippy::print_stderr, reason = "the skip reason is the test's output")]
        {
            eprintln!("skipping MCP peer test: {reason}");
        }
        return None;
    }
    let dir = peers_dir();
    let mut cmd = match peer.sdk {
        Sdk::Python => {
            let mut c = Command::new(python());
            c.arg(dir.join("mcp_python_client.py"))
                .args([url, peer.mode, scenario]);
            c
        }
        Sdk::TypeScript => {
            let mut c = Command::new("node");
            c.arg(dir.join("mcp_ts_client.mjs")).args([url, scenario]);
            c
        }
    };
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the {} client failed ({}):\n{stderr}\n{stdout}",
        peer.mode,
        out.status
    );
    let report: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not a JSON report ({e}):\n{stdout}\n{stderr}"));
    assert_eq!(report["protocolVersion"], peer.version, "{report:#}");
    assert_eq!(report["closed"], true, "{report:#}");
    assert_eq!(report["warnings"], json!([]), "{report:#}");
    Some(report)
}

/// Two tools with different schemas: `calculate` and `query_database` over a SQLite file; `more`
/// is appended to the config.
pub(crate) fn gateway(more: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("peers.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    let config = format!(
        "[tools]\nenabled = [\"calculate\", \"query_database\"]\n\n\
         [[tools.query_database.databases]]\nname = \"peers\"\nurl = \"sqlite:{}\"\n{more}",
        db.display()
    );
    Server::start_in(dir, Some(&config))
}

/// `{name: input schema}` of every tool in the gateway's OpenAPI document.
async fn openapi_tools(server: &Server) -> Value {
    let doc: Value = client()
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut tools = serde_json::Map::new();
    for op in doc["paths"].as_object().unwrap().values() {
        let op = &op["post"];
        tools.insert(
            op["operationId"].as_str().unwrap().to_owned(),
            op["requestBody"]["content"]["application/json"]["schema"].clone(),
        );
    }
    Value::Object(tools)
}

/// The `tools` scenario: list, a call, an invalid call, an unknown tool, then close (a `DELETE`
/// when the gateway gave a session id).
async fn lists_and_calls_tools(peer: &Peer, config: &str) {
    let server = gateway(config);
    if let Some(report) = run(peer, &server.url("/mcp"), "tools") {
        assert_tools_report(&report, &server).await;
    }
}

/// What a `tools` scenario must have seen from a [`gateway`] like `server`.
pub(crate) async fn assert_tools_report(report: &Value, server: &Server) {
    let listed: serde_json::Map<String, Value> = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["inputSchema"].clone(),
            )
        })
        .collect();
    assert_eq!(Value::Object(listed), openapi_tools(server).await);

    // The title and hints declared on the tool reach the client as its SDK parses them
    // (titles exist from 2025-06-18 on, annotations from 2025-03-26 on).
    let version = report["protocolVersion"].as_str().unwrap_or_default();
    let calculate = &report["annotations"]["calculate"];
    if version >= "2025-03-26" {
        let hints = &calculate["annotations"];
        assert_eq!(hints["readOnlyHint"], true, "{report:#}");
        assert_eq!(hints["destructiveHint"], false, "{report:#}");
        assert_eq!(hints["idempotentHint"], true, "{report:#}");
        assert_eq!(hints["openWorldHint"], false, "{report:#}");
    }
    if version >= "2025-06-18" {
        assert_eq!(calculate["title"], "Calculate", "{report:#}");
    }

    // 0.1 + 0.2 is exactly 0.3 (rational arithmetic), in both the text and the structured form.
    let exact = json!({"result": "0.3", "exact": true});
    assert_eq!(report["calculate"]["isError"], false, "{report:#}");
    assert_eq!(report["calculate"]["structuredContent"], exact);
    let text: Value =
        serde_json::from_str(report["calculate"]["text"][0].as_str().unwrap()).unwrap();
    assert_eq!(text, exact);

    // Invalid arguments come back as a tool error listing every violation.
    assert_eq!(report["invalid"]["isError"], true, "{report:#}");
    let message = report["invalid"]["text"][0].as_str().unwrap();
    assert!(
        message.contains("/expression: 3 is not of type \"string\""),
        "{message}"
    );
    assert!(message.contains("'extra' was unexpected"), "{message}");

    // An unknown tool is the protocol error -32602, naming the tools there are.
    assert_eq!(report["unknown"]["code"], -32602, "{report:#}");
    let message = report["unknown"]["message"].as_str().unwrap();
    assert!(message.contains("no_such_tool"), "{message}");
    assert!(message.contains("calculate, query_database"), "{message}");
}

/// The `cancel` scenario: a call to `wait_for_cancel` reports progress, the client cancels it
/// after the first notification, the tool stops while the client is still connected, and the
/// connection still works.
async fn cancels_a_running_tool(peer: &Peer, sessions: McpSessions) {
    let mut gateway = InProcess::start(sessions).await;
    let url = gateway.url.clone();
    let peer = *peer;
    let Some(report) = tokio::task::spawn_blocking(move || run(&peer, &url, "cancel"))
        .await
        .unwrap()
    else {
        return;
    };
    assert_cancel_report(&report);
    gateway
        .wait_for("the tool to stop", |c| c.running == 0 && c.stopped == 1)
        .await;
}

/// What a `cancel` scenario must have seen: progress before the cancel, the call stopped while
/// the client was still connected, and a call after it answered.
pub(crate) fn assert_cancel_report(report: &Value) {
    let first = &report["progress"][0];
    assert_eq!(first["progress"].as_f64(), Some(0.0), "{report:#}");
    assert_eq!(first["total"], Value::Null, "{report:#}");
    assert_eq!(first["message"], "wait_for_cancel started", "{report:#}");
    assert_eq!(report["finishedBeforeCancel"], false, "{report:#}");
    assert_eq!(report["stoppedWhileConnected"], true, "{report:#}");
    assert_eq!(
        report["afterCancel"]["structuredContent"],
        json!({"result": "2", "exact": true}),
        "{report:#}"
    );
}

#[tokio::test]
async fn python_sdk_default_mode_lists_and_calls_tools_over_2026_07_28() {
    lists_and_calls_tools(&PYTHON_DEFAULT, "").await;
}

#[tokio::test]
async fn python_sdk_legacy_mode_lists_and_calls_tools_over_2025_11_25() {
    lists_and_calls_tools(&PYTHON_LEGACY, "").await;
}

#[tokio::test]
async fn python_sdk_lists_and_calls_tools_over_2025_06_18() {
    lists_and_calls_tools(&PYTHON_2025_06_18, "").await;
}

#[tokio::test]
async fn python_sdk_lists_and_calls_tools_over_2025_03_26() {
    lists_and_calls_tools(&PYTHON_2025_03_26, "").await;
}

#[tokio::test]
async fn python_sdk_lists_and_calls_tools_over_2024_11_05() {
    lists_and_calls_tools(&PYTHON_2024_11_05, "").await;
}

#[tokio::test]
async fn typescript_sdk_lists_and_calls_tools_over_2025_11_25() {
    lists_and_calls_tools(&TYPESCRIPT_DEFAULT, "").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn python_sdk_default_mode_cancels_a_running_tool() {
    cancels_a_running_tool(&PYTHON_DEFAULT, McpSessions::Stateful).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn python_sdk_legacy_mode_cancels_a_running_tool() {
    cancels_a_running_tool(&PYTHON_LEGACY, McpSessions::Stateful).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn typescript_sdk_cancels_a_running_tool() {
    cancels_a_running_tool(&TYPESCRIPT_DEFAULT, McpSessions::Stateful).await;
}

/// With `[mcp] sessions = "stateless"` the session-based clients get no session id, and so end
/// without a `DELETE`.
#[tokio::test]
async fn python_sdk_legacy_mode_lists_and_calls_tools_without_a_session() {
    lists_and_calls_tools(&PYTHON_LEGACY, STATELESS).await;
}

#[tokio::test]
async fn typescript_sdk_lists_and_calls_tools_without_a_session() {
    lists_and_calls_tools(&TYPESCRIPT_DEFAULT, STATELESS).await;
}

/// The versions in the gateway's `server/discover` answer are exactly those the peers above
/// end up speaking: a version rmcp starts advertising fails here until a client test speaks it.
#[tokio::test]
async fn every_advertised_protocol_version_has_a_client_test() {
    let server = Server::start(None);
    let res = client()
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "server/discover")
        .json(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    let data = body
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap_or(&body);
    let discover: Value = serde_json::from_str(data).unwrap();
    let advertised: BTreeSet<&str> = discover["result"]["supportedVersions"]
        .as_array()
        .unwrap_or_else(|| panic!("{discover}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let tested: BTreeSet<&str> = PEERS.iter().map(|p| p.version).collect();
    assert_eq!(advertised, tested);
}
