//! Policy rules and per-user limits through the real binary, with users named the way Open WebUI
//! names them (its signed user token, or its plain headers under a token that may assert users):
//! a role-restricted tool is hidden from `/openapi.json` and MCP `tools/list` and refused on call
//! for the wrong role; group rules; a rule on the `database` argument of `query_database`; deny
//! beats allow; per-user 429 with `Retry-After`; random user ids cannot grow the per-user table
//! beyond its bound; config errors name the key.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

use crate::identity::{mint, now};
use crate::server::{BIN, Server, client};

const JWT_SECRET: &str = "owui-jwt-secret-0123456789";
const OWUI_TOKEN: &str = "owui-token-0123456789abc";
const SCRIPT_TOKEN: &str = "script-token-0123456789abc";

/// The rules of the walkthrough in docs/gateway.md: files for admins only, the `analytics`
/// database for the `analysts` group only, and nothing of `query_database` for `u-fired` (who is
/// still in the group: deny beats allow).
const RULES: &str = r#"
[tools.groups]
analysts = ["u-ana", "bea@example.com", "u-fired"]

[[tools.rules]]
name = "files-for-admins"
allow = ["read_file", "list_dir"]
roles = ["admin"]

[[tools.rules]]
name = "analytics-for-analysts"
allow = ["query_database"]
groups = ["analysts"]
arguments = { database = ["analytics"] }

[[tools.rules]]
name = "nothing-for-u-fired"
deny = ["query_database"]
users = ["u-fired"]
"#;

/// A gateway offering `calculate`, `read_file`/`list_dir` and `query_database` (two SQLite
/// databases, `analytics` and `public`), with Open WebUI's token and a script token, its log in
/// a file, and `extra` appended to the config.
fn start(extra: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("docs");
    std::fs::create_dir(&root).unwrap();
    for name in ["analytics", "public"] {
        rusqlite::Connection::open(dir.path().join(format!("{name}.db")))
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let config = format!(
        r#"
log_format = "json"
log_level = "info,switchboard_server=debug"

[tools]
enabled = ["calculate", "read_file", "query_database"]

[tools.read_file]
roots = {{ docs = "{root}" }}

[[tools.query_database.databases]]
name = "analytics"
url = "sqlite:{dir}/analytics.db"

[[tools.query_database.databases]]
name = "public"
url = "sqlite:{dir}/public.db"

[[tools.tokens]]
name = "owui"
token = "{OWUI_TOKEN}"
assert_users = true

[[tools.tokens]]
name = "script"
token = "{SCRIPT_TOKEN}"

[tools.open_webui]
jwt_secret = "{JWT_SECRET}"
{extra}"#,
        root = root.display(),
        dir = dir.path().display(),
    );
    Server::start_logged(dir, &config)
}

/// The user token Open WebUI would send for this user (HS256, its claims, 300 s).
fn user_jwt(sub: &str, email: &str, role: &str) -> String {
    let iat = now();
    let claims = json!({
        "sub": sub, "email": email, "name": sub, "role": role,
        "iss": "open-webui", "iat": iat, "exp": iat + 300,
    });
    mint(&claims, JWT_SECRET)
}

fn admin() -> String {
    user_jwt("u-admin", "root@example.com", "admin")
}

fn plain_user() -> String {
    user_jwt("u-plain", "joe@example.com", "user")
}

async fn post(server: &Server, tool: &str, jwt: &str, body: &Value) -> reqwest::Response {
    client()
        .post(server.url(&format!("/tools/{tool}")))
        .bearer_auth(OWUI_TOKEN)
        .header("x-openwebui-user-jwt", jwt)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn query(server: &Server, jwt: &str, database: &str) -> reqwest::Response {
    let body = json!({"database": database, "query": "SELECT x FROM t"});
    post(server, "query_database", jwt, &body).await
}

async fn openapi_paths(server: &Server, jwt: &str) -> Vec<String> {
    let doc: Value = client()
        .get(server.url("/openapi.json"))
        .bearer_auth(OWUI_TOKEN)
        .header("x-openwebui-user-jwt", jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    doc["paths"].as_object().unwrap().keys().cloned().collect()
}

async fn mcp_as(server: &Server, jwt: &str) -> RunningService<rmcp::RoleClient, ()> {
    let headers = HashMap::from([(
        http::HeaderName::from_static("x-openwebui-user-jwt"),
        http::HeaderValue::from_str(jwt).unwrap(),
    )]);
    let config = StreamableHttpClientTransportConfig::with_uri(server.url("/mcp"))
        .auth_header(OWUI_TOKEN)
        .custom_headers(headers);
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .unwrap()
}

/// The fields of the first log record with `message`, waiting for it.
fn log_record(server: &Server, message: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let found = server
            .log()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|record| record["fields"]["message"] == message);
        if let Some(record) = found {
            return record["fields"].clone();
        }
        assert!(
            Instant::now() < deadline,
            "no {message:?} record in the log"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn a_role_restricted_tool_is_hidden_from_openapi_for_the_wrong_role() {
    let server = start(RULES);
    assert_eq!(
        openapi_paths(&server, &plain_user()).await,
        ["/tools/calculate", "/tools/query_database"]
    );
    assert_eq!(
        openapi_paths(&server, &admin()).await,
        [
            "/tools/calculate",
            "/tools/list_dir",
            "/tools/query_database",
            "/tools/read_file"
        ]
    );
}

#[tokio::test]
async fn a_role_restricted_tool_is_hidden_from_mcp_tools_list_for_the_wrong_role() {
    let server = start(RULES);
    for (jwt, expected) in [
        (plain_user(), vec!["calculate", "query_database"]),
        (
            admin(),
            vec!["calculate", "list_dir", "query_database", "read_file"],
        ),
    ] {
        let mcp = mcp_as(&server, &jwt).await;
        let mut names: Vec<String> = mcp
            .list_all_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect();
        names.sort();
        assert_eq!(names, expected);
        mcp.cancel().await.unwrap();
    }
}

/// Refused before the arguments are looked at (these are invalid for `read_file`), saying that
/// a rule refused without naming it; the operator's log names it.
#[tokio::test]
async fn a_role_restricted_tool_is_refused_on_call_for_the_wrong_role() {
    let server = start(RULES);
    let res = post(&server, "read_file", &plain_user(), &json!({"bogus": 1})).await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "forbidden_tool");
    let message = body["error"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "this caller may not use tool `read_file`: a gateway policy rule refused the call"
    );
    let record = log_record(&server, "tool call refused by policy");
    assert_eq!(record["rule"], "files-for-admins", "{record}");
    assert_eq!(record["user"], "u-plain", "{record}");
}

#[tokio::test]
async fn a_role_restricted_tool_runs_for_the_right_role() {
    let server = start(RULES);
    let res = post(&server, "list_dir", &admin(), &json!({})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn a_role_restricted_tool_called_over_mcp_by_the_wrong_role_gets_an_error_result() {
    let server = start(RULES);
    let mcp = mcp_as(&server, &plain_user()).await;
    let result = mcp
        .call_tool(CallToolRequestParams::new("list_dir"))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(true));
    let text = serde_json::to_string(&result.content).unwrap();
    assert!(
        text.contains("a gateway policy rule refused the call"),
        "{text}"
    );
    assert!(
        !text.contains("files-for-admins"),
        "the rule leaked: {text}"
    );
    mcp.cancel().await.unwrap();
}

#[tokio::test]
async fn a_group_rule_admits_members_by_id_and_by_email() {
    let server = start(RULES);
    let by_id = user_jwt("u-ana", "ana@example.com", "user");
    let by_email = user_jwt("u-bea", "Bea@Example.com", "user");
    for jwt in [by_id, by_email] {
        assert_eq!(query(&server, &jwt, "analytics").await.status(), 200);
    }
}

#[tokio::test]
async fn an_argument_rule_refuses_other_users_that_database_only() {
    let server = start(RULES);
    let res = query(&server, &plain_user(), "analytics").await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert!(
        !body.to_string().contains("analysts"),
        "the rule leaked: {body}"
    );
    assert_eq!(query(&server, &plain_user(), "public").await.status(), 200);
}

/// The raw body decides, before validation: the constrained key given twice is refused by the
/// policy rather than read one way by it and another way by the tool.
#[tokio::test]
async fn an_argument_given_twice_to_slip_past_a_rule_is_refused() {
    let server = start(RULES);
    let res = client()
        .post(server.url("/tools/query_database"))
        .bearer_auth(OWUI_TOKEN)
        .header("x-openwebui-user-jwt", plain_user())
        .header("content-type", "application/json")
        .body(r#"{"database": "public", "query": "SELECT x FROM t", "database": "analytics"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_deny_rule_beats_the_allow_rule_of_a_group_member() {
    let server = start(RULES);
    let fired = user_jwt("u-fired", "fired@example.com", "user");
    for database in ["analytics", "public"] {
        assert_eq!(query(&server, &fired, database).await.status(), 403);
    }
    let record = log_record(&server, "tool call refused by policy");
    assert_eq!(record["rule"], "nothing-for-u-fired", "{record}");
}

/// The same rules for a caller that names no user: a script token sees no role-restricted tool.
#[tokio::test]
async fn a_token_without_a_user_matches_no_role_rule() {
    let server = start(RULES);
    let res = client()
        .post(server.url("/tools/list_dir"))
        .bearer_auth(SCRIPT_TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

const USER_LIMITS: &str = "\n[tools.user_limits]\nrate_per_minute = 2\n";

async fn calculate_as(server: &Server, user: &str) -> reqwest::Response {
    calculate_with(server, OWUI_TOKEN, user).await
}

/// `calculate` under `token`, naming `user` with Open WebUI's plain header.
async fn calculate_with(server: &Server, token: &str, user: &str) -> reqwest::Response {
    client()
        .post(server.url("/tools/calculate"))
        .bearer_auth(token)
        .header("x-openwebui-user-id", user)
        .json(&json!({"expression": "1 + 1"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_user_over_their_rate_is_answered_429_with_retry_after_and_others_go_on() {
    let server = start(USER_LIMITS);
    for _ in 0..2 {
        assert_eq!(calculate_as(&server, "u-busy").await.status(), 200);
    }
    let res = calculate_as(&server, "u-busy").await;
    assert_eq!(res.status(), 429);
    // Two a minute: the next call is 30 s away.
    assert_eq!(res.headers()["retry-after"], "30");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "rate_limited", "{body}");
    assert_eq!(calculate_as(&server, "u-calm").await.status(), 200);
}

#[tokio::test]
async fn a_user_over_their_rate_over_mcp_gets_an_error_result() {
    let server = start(USER_LIMITS);
    let mcp = mcp_as(&server, &plain_user()).await;
    let call = || {
        let args = json!({"expression": "1 + 1"}).as_object().unwrap().clone();
        mcp.call_tool(CallToolRequestParams::new("calculate").with_arguments(args))
    };
    for _ in 0..2 {
        assert_ne!(call().await.unwrap().is_error, Some(true));
    }
    let result = call().await.unwrap();
    assert_eq!(result.is_error, Some(true));
    let text = serde_json::to_string(&result.content).unwrap();
    assert!(text.contains("retry after 30 s"), "{text}");
    mcp.cancel().await.unwrap();
}

const SHARED_TOKEN: &str = "shared-token-0123456789ab";

/// A token shared by every user allows 3 calls a minute, each user 1: one user retrying against
/// their own limit does not use up the shared token's calls.
#[tokio::test]
async fn a_user_refused_by_their_own_limit_spends_none_of_the_tokens_calls() {
    let server = start(&format!(
        "\n[[tools.tokens]]\nname = \"shared\"\ntoken = \"{SHARED_TOKEN}\"\nassert_users = true\nrate_per_minute = 3\n\n[tools.user_limits]\nrate_per_minute = 1\n"
    ));
    assert_eq!(
        calculate_with(&server, SHARED_TOKEN, "u-1").await.status(),
        200
    );
    for _ in 0..5 {
        assert_eq!(
            calculate_with(&server, SHARED_TOKEN, "u-1").await.status(),
            429
        );
    }
    for user in ["u-2", "u-3"] {
        assert_eq!(
            calculate_with(&server, SHARED_TOKEN, user).await.status(),
            200
        );
    }
    // Now the token's three are spent: a fresh user is refused by the token, 20 s per call.
    let res = calculate_with(&server, SHARED_TOKEN, "u-4").await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "20");
}

/// A caller holding Open WebUI's token names a new user on every call: the per-user table keeps
/// at most `max_users` of them, and says in `/metrics` how many it forgot.
#[tokio::test]
async fn random_user_ids_do_not_grow_the_per_user_table_beyond_its_bound() {
    let server = start("\n[tools.user_limits]\nrate_per_minute = 1\nmax_users = 20\n");
    for i in 0..100 {
        let res = calculate_as(&server, &format!("random-{i}")).await;
        assert_eq!(res.status(), 200);
    }
    let metrics = client()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("\nswitchboard_user_limit_users 20\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("switchboard_user_limit_forgotten_total{reason=\"full\"} 80"),
        "{metrics}"
    );
}

fn config_check(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(BIN)
        .args(["config", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const OWUI: &str = "[tools.open_webui]\njwt_secret = \"owui-jwt-secret-0123456789\"\n";

#[test]
fn a_rule_naming_an_unknown_group_is_a_config_error_naming_the_key_and_line() {
    let text = format!(
        "{OWUI}\n[[tools.rules]]\nname = \"r\"\nallow = [\"calculate\"]\ngroups = [\"admins\"]\n"
    );
    let stderr = config_check(&text);
    assert!(
        stderr.contains("config key `tools.rules.groups` (line 7)"),
        "{stderr}"
    );
    assert!(stderr.contains("no group \"admins\""), "{stderr}");
}

#[test]
fn a_rule_naming_a_tool_that_is_not_offered_is_a_config_error_naming_the_key_and_line() {
    let text = format!(
        "{OWUI}\n[[tools.rules]]\nname = \"r\"\nallow = [\"execute_code\"]\nroles = [\"admin\"]\n"
    );
    let stderr = config_check(&text);
    assert!(
        stderr.contains("config key `tools.rules.allow` (line 4)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"execute_code\" is not an offered tool"),
        "{stderr}"
    );
}
