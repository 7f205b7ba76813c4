//! Connector tools and notification targets enabled from the config file: a GitHub tool call
//! reaches a loopback GitHub double; an event reaches a loopback Slack incoming webhook.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::{Value, json};

use rmcp::ServiceExt;
use rmcp::transport::StreamableHttpClientTransport;

use crate::server::{Server, client};

type Seen = Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>;

/// A GitHub API double (`GET /repos/{owner}/{repo}`) and a Slack incoming-webhook double
/// (`POST /services/...`) on one loopback port.
async fn doubles() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route(
            "/repos/{owner}/{repo}",
            get(
                |State(s): State<Seen>,
                 Path((owner, repo)): Path<(String, String)>,
                 headers: HeaderMap| async move {
                    s.lock().unwrap().push((
                        format!("/repos/{owner}/{repo}"),
                        headers,
                        Bytes::new(),
                    ));
                    axum::Json(json!({
                        "id": 1296269,
                        "name": repo,
                        "full_name": format!("{owner}/{repo}"),
                        "owner": {"login": owner, "id": 1, "type": "User"},
                        "private": false,
                        "html_url": format!("https://github.com/{owner}/{repo}"),
                        "description": "This your first repo!",
                        "fork": false,
                        "stargazers_count": 80,
                        "default_branch": "master",
                        "visibility": "public"
                    }))
                },
            ),
        )
        .route(
            "/services/{a}/{b}/{c}",
            post(
                |State(s): State<Seen>, headers: HeaderMap, body: Bytes| async move {
                    s.lock()
                        .unwrap()
                        .push(("/services".to_owned(), headers, body));
                    "ok"
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

const KEY: &str = "admin-key-0123456789abcdef";

#[tokio::test(flavor = "multi_thread")]
async fn github_tool_and_slack_notification_from_config() {
    let (base, seen) = doubles().await;
    let config = format!(
        r#"
[admin]
key = "{KEY}"

[connectors.github]
token = "ghp_gateway_test_token"
base_url = "{base}"

[[notify]]
kind = "slack"
url = "{base}/services/T000/B000/XXXXSECRET"
events = ["user_joined"]
"#
    );
    let server = Server::start(Some(&config));
    let http = client();

    // The connector's tools are offered next to the default `calculate`.
    let doc: Value = http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for tool in [
        "/tools/calculate",
        "/tools/github_get_repository",
        "/tools/github_create_issue",
    ] {
        assert!(
            paths.contains_key(tool),
            "{tool} missing: {:?}",
            paths.keys()
        );
    }

    // A call goes to the configured GitHub API with the configured token.
    let res = http
        .post(server.url("/tools/github_get_repository"))
        .json(&json!({"owner": "octocat", "repo": "Hello-World"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["full_name"], "octocat/Hello-World", "{body}");
    assert_eq!(body["default_branch"], "master");
    {
        let seen = seen.lock().unwrap();
        let (path, headers, _) = &seen[0];
        assert_eq!(path, "/repos/octocat/Hello-World");
        assert_eq!(
            headers["authorization"].to_str().unwrap(),
            "Bearer ghp_gateway_test_token"
        );
        assert!(
            headers["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("switchboard-gateway/")
        );
    }

    // An event the target subscribes to becomes a Slack message.
    let res = http
        .post(server.url("/admin/events"))
        .bearer_auth(KEY)
        .json(&json!({"type": "user_joined", "data": {"name": "Ada", "email": "ada@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let mut message = None;
    for _ in 0..250 {
        if let Some((_, _, body)) = seen
            .lock()
            .unwrap()
            .iter()
            .find(|(p, _, _)| p == "/services")
        {
            message = Some(serde_json::from_slice::<Value>(body).unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let message = message.expect("the Slack double received no message");
    assert!(
        message["text"].as_str().unwrap().contains("Ada"),
        "{message}"
    );
    assert!(message["blocks"].is_array(), "{message}");

    // An event it does not subscribe to sends nothing more.
    let res = http
        .post(server.url("/admin/events"))
        .bearer_auth(KEY)
        .json(&json!({"type": "other", "data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let slack_posts = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _, _)| p == "/services")
        .count();
    assert_eq!(slack_posts, 1);
}

/// The GitHub tools a gateway with `connectors_section` offers on `/openapi.json` and MCP
/// `tools/list`, sorted, each list checked to be the same.
async fn offered_github_tools(connectors_section: &str) -> Vec<String> {
    let section = format!("base_url = \"http://127.0.0.1:9\"\n{connectors_section}");
    offered_tools("github", &section).await
}

/// The tools of `service` a gateway whose `[connectors.<service>]` section holds `section`
/// offers on `/openapi.json` and MCP `tools/list`, sorted, each list checked to be the same.
async fn offered_tools(service: &str, section: &str) -> Vec<String> {
    let config = format!("[connectors.{service}]\n{section}");
    let prefix = format!("{service}_");
    let server = Server::start(Some(&config));
    let doc: Value = client()
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut openapi: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|p| p.strip_prefix("/tools/"))
        .filter(|name| name.starts_with(&prefix))
        .map(str::to_owned)
        .collect();
    openapi.sort();
    let mcp = ().serve(StreamableHttpClientTransport::from_uri(server.url("/mcp"))).await.unwrap();
    let mut listed: Vec<String> = mcp
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .filter(|n| n.starts_with(&prefix))
        .collect();
    listed.sort();
    mcp.cancel().await.unwrap();
    assert_eq!(openapi, listed, "/openapi.json and tools/list differ");
    openapi
}

const GITHUB_READ_TOOLS: [&str; 8] = [
    "github_get_file",
    "github_get_issue",
    "github_get_repository",
    "github_list_commits",
    "github_list_my_repositories",
    "github_list_pull_requests",
    "github_list_user_repositories",
    "github_search_issues",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_github_connector_offers_no_write_tool() {
    let offered = offered_github_tools("read_only = true\n").await;
    assert_eq!(offered, GITHUB_READ_TOOLS);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_github_connector_offers_its_read_tools_and_create_issue_by_default() {
    let offered = offered_github_tools("").await;
    let mut expected = GITHUB_READ_TOOLS.to_vec();
    expected.push("github_create_issue");
    expected.sort_unstable();
    assert_eq!(
        offered, expected,
        "github_add_comment is offered only when named"
    );
}

const NOTION_SECTION: &str = "token = \"ntn_test\"\nbase_url = \"http://127.0.0.1:9/v1\"\n";

const NOTION_READ_TOOLS: [&str; 3] = ["notion_get_page", "notion_query_database", "notion_search"];

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_notion_connector_offers_no_write_tool() {
    let offered = offered_tools("notion", &format!("{NOTION_SECTION}read_only = true\n")).await;
    assert_eq!(offered, NOTION_READ_TOOLS);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notion_connector_offers_its_read_tools_and_create_page_by_default() {
    let offered = offered_tools("notion", NOTION_SECTION).await;
    let mut expected = NOTION_READ_TOOLS.to_vec();
    expected.push("notion_create_page");
    expected.sort_unstable();
    assert_eq!(
        offered, expected,
        "notion_append_blocks is offered only when named"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_jira_connector_offers_no_write_tool() {
    let section =
        "site = \"http://127.0.0.1:9\"\nemail = \"a@b.c\"\napi_token = \"t\"\nread_only = true\n";
    let offered = offered_tools("jira", section).await;
    assert_eq!(
        offered,
        [
            "jira_get_issue",
            "jira_list_transitions",
            "jira_search_issues"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_github_tools_list_offers_exactly_those_tools() {
    let offered =
        offered_github_tools("tools = [\"github_search_issues\", \"github_add_comment\"]\n").await;
    assert_eq!(offered, ["github_add_comment", "github_search_issues"]);
}

#[test]
fn an_unknown_github_tool_fails_config_loading_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    let text = "[connectors.github]\ntools = [\n  \"github_search_issues\",\n  \"github_delete_repo\",\n]\n";
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(crate::server::BIN)
        .args(["--config", path.to_str().unwrap(), "config", "check"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("`connectors.github.tools` (line 4)"),
        "{stderr}"
    );
    assert!(stderr.contains("\"github_delete_repo\""), "{stderr}");
}

#[test]
fn config_check_names_bad_connector_keys() {
    let cases = [
        (
            "[connectors.slack]\ntoken = \"\"\n",
            "connectors.slack.token",
        ),
        (
            "[connectors.jira]\nsite = \"acme.atlassian.net\"\nemail = \"a@b.c\"\napi_token = \"t\"\n",
            "connectors.jira.site",
        ),
        (
            "[connectors.ifttt]\nkey = \"k\"\nevents = []\n",
            "connectors.ifttt.events",
        ),
        (
            "[[notify]]\nkind = \"discord\"\nevents = [\"*\"]\n",
            "notify.url",
        ),
        (
            "[[notify]]\nkind = \"slack\"\nurl = \"https://hooks.slack.com/services/T/B/SECRETPART\"\nevents = [\"*\"]\nsmtp_host = \"x\"\n",
            "notify.smtp_host",
        ),
        (
            "[[notify]]\nkind = \"email\"\nsmtp_host = \"smtp.example.com\"\nfrom = \"a@example.com\"\nevents = [\"*\"]\n",
            "notify.to",
        ),
        (
            "[delivery]\nrequest_timeout_ms = 5000\nlease_ms = 1000\n",
            "delivery.lease_ms",
        ),
    ];
    for (text, key) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, text).unwrap();
        let out = std::process::Command::new(crate::server::BIN)
            .args(["--config", path.to_str().unwrap(), "config", "check"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{text}");
        assert!(stderr.contains(&format!("`{key}`")), "{key}: {stderr}");
        assert!(stderr.contains("(line "), "{key}: {stderr}");
        assert!(!stderr.contains("SECRETPART"), "{stderr}");
    }
}
