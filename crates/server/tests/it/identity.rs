//! Who is calling, through the real binary: named tokens with tool allow-lists, Open WebUI's
//! signed user token (accepted when minted as Open WebUI mints it; refused expired, signed
//! with another key, unsigned, re-labelled or tampered), and the plain user headers (ignored
//! unless the token may assert users).
//!
//! The tests read who the gateway took the caller to be from its debug log (one JSON record per
//! tool call, with the token name and the user id).

use std::cell::Cell;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

use crate::server::{BIN, Server, client};

pub(crate) const JWT_SECRET: &str = "owui-jwt-secret-0123456789";
const OWUI_TOKEN: &str = "owui-token-0123456789abc";
const PLAIN_TOKEN: &str = "plain-token-0123456789abc";
const SCRIPT_TOKEN: &str = "script-token-0123456789abc";

/// A gateway offering `calculate`, `read_file` and `list_dir`, with three tokens: `owui` (may
/// assert users), `plain` (may not) and `script` (only `calculate`, given by its digest).
fn config(root: &std::path::Path) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, SCRIPT_TOKEN.as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!(
        r#"
log_format = "json"
log_level = "info,switchboard_server=debug"

[tools]
enabled = ["calculate", "read_file"]

[tools.read_file]
roots = {{ docs = "{root}" }}

[[tools.tokens]]
name = "owui"
token = "{OWUI_TOKEN}"
assert_users = true

[[tools.tokens]]
name = "plain"
token = "{PLAIN_TOKEN}"

[[tools.tokens]]
name = "script"
token_sha256 = "{hex}"
tools = ["calculate"]

[tools.open_webui]
jwt_secret = "{JWT_SECRET}"
"#,
        root = root.display()
    )
}

/// The gateway with its log in a file, read record by record.
struct Gateway {
    server: Server,
    /// How many log lines [`Gateway::next_call_record`] has looked at.
    read: Cell<usize>,
}

impl Gateway {
    fn start() -> Gateway {
        Gateway::start_with("")
    }

    /// Starts with `extra` appended to the config.
    fn start_with(extra: &str) -> Gateway {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("docs");
        std::fs::create_dir(&root).unwrap();
        let text = config(&root) + extra;
        Gateway {
            server: Server::start_logged(dir, &text),
            read: Cell::new(0),
        }
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// The fields of the next `tool call` debug record (token name, user id).
    fn next_call_record(&self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let log = self.server.log();
            for line in log.lines().skip(self.read.get()) {
                self.read.set(self.read.get() + 1);
                let Ok(record) = serde_json::from_str::<Value>(line) else {
                    continue;
                };
                if record["fields"]["message"] == "tool call" {
                    return record["fields"].clone();
                }
            }
            assert!(Instant::now() < deadline, "no tool call record in the log");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    async fn call(&self, tool: &str, token: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut req = client()
            .post(self.url(&format!("/tools/{tool}")))
            .bearer_auth(token)
            .json(&json!({"expression": "1+1"}));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.send().await.unwrap()
    }
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The claims Open WebUI 0.12 signs (`utils/headers.py`), valid for its default 300 s.
pub(crate) fn owui_claims() -> Value {
    let iat = now();
    json!({
        "sub": "u-42", "email": "ada@example.com", "name": "Ada Lovelace", "role": "user",
        "iss": "open-webui", "iat": iat, "exp": iat + 300,
    })
}

pub(crate) fn mint(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// A JWT with any header, signed (HMAC-SHA256 over `header.payload`) with `secret`, or unsigned
/// when `secret` is `None`.
fn hand_made(header: &Value, claims: &Value, secret: Option<&str>) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = secret.map_or_else(String::new, |s| {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, s.as_bytes());
        URL_SAFE_NO_PAD.encode(ring::hmac::sign(&key, signing_input.as_bytes()))
    });
    format!("{signing_input}.{signature}")
}

async fn assert_user_token_refused(jwt: &str, why: &str) {
    let gateway = Gateway::start();
    let res = gateway
        .call("calculate", OWUI_TOKEN, &[("x-openwebui-user-jwt", jwt)])
        .await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "invalid_user_token");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(why), "{message}");
    assert!(!message.contains(jwt), "the token leaked: {message}");
}

#[tokio::test]
async fn a_user_token_minted_as_open_webui_mints_it_names_the_user() {
    let gateway = Gateway::start();
    let jwt = mint(&owui_claims(), JWT_SECRET);
    let res = gateway
        .call(
            "calculate",
            PLAIN_TOKEN,
            &[
                ("x-openwebui-user-jwt", &jwt),
                ("x-openwebui-chat-id", "chat-7"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let record = gateway.next_call_record();
    assert_eq!(record["token"], "plain");
    assert_eq!(record["user"], "u-42");
}

#[tokio::test]
async fn an_expired_user_token_is_refused() {
    let mut claims = owui_claims();
    claims["iat"] = json!(now() - 600);
    claims["exp"] = json!(now() - 300);
    assert_user_token_refused(&mint(&claims, JWT_SECRET), "expired").await;
}

#[tokio::test]
async fn a_user_token_signed_with_another_key_is_refused() {
    let jwt = mint(&owui_claims(), "another-secret-0123456789");
    assert_user_token_refused(&jwt, "signature").await;
}

#[tokio::test]
async fn an_unsigned_alg_none_user_token_is_refused() {
    let jwt = hand_made(&json!({"alg": "none", "typ": "JWT"}), &owui_claims(), None);
    assert_user_token_refused(&jwt, "not a valid Open WebUI user token").await;
}

/// An RS256-labelled token HMAC-signed with the shared secret: the algorithm is pinned, so the
/// header's choice is never taken.
#[tokio::test]
async fn a_user_token_labelled_rs256_is_refused() {
    let jwt = hand_made(
        &json!({"alg": "RS256", "typ": "JWT"}),
        &owui_claims(),
        Some(JWT_SECRET),
    );
    assert_user_token_refused(&jwt, "HS256").await;
}

#[tokio::test]
async fn a_user_token_with_a_tampered_claim_is_refused() {
    let jwt = mint(&owui_claims(), JWT_SECRET);
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["role"] = json!("admin");
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    assert_user_token_refused(&parts.join("."), "signature").await;
}

#[tokio::test]
async fn a_user_token_from_another_issuer_is_refused() {
    let mut claims = owui_claims();
    claims["iss"] = json!("someone-else");
    assert_user_token_refused(&mint(&claims, JWT_SECRET), "issuer").await;
}

#[tokio::test]
async fn plain_user_headers_without_a_trusted_token_are_ignored() {
    let gateway = Gateway::start();
    let res = gateway
        .call(
            "calculate",
            PLAIN_TOKEN,
            &[
                ("x-openwebui-user-id", "admin-1"),
                ("x-openwebui-user-role", "admin"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let record = gateway.next_call_record();
    assert_eq!(record["token"], "plain");
    assert!(record.get("user").is_none(), "{record}");
}

#[tokio::test]
async fn plain_user_headers_under_a_token_that_may_assert_users_name_the_user() {
    let gateway = Gateway::start();
    let res = gateway
        .call(
            "calculate",
            OWUI_TOKEN,
            &[
                ("x-openwebui-user-id", "u-7"),
                ("x-openwebui-user-name", "Ada%20Lovelace"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let record = gateway.next_call_record();
    assert_eq!(record["token"], "owui");
    assert_eq!(record["user"], "u-7");
}

#[tokio::test]
async fn an_unknown_token_is_refused_with_401() {
    let gateway = Gateway::start();
    let res = gateway
        .call("calculate", "not-a-token-0123456789", &[])
        .await;
    assert_eq!(res.status(), 401);
    let res = client()
        .get(gateway.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

async fn openapi_paths(gateway: &Gateway, token: &str) -> Vec<String> {
    let doc: Value = client()
        .get(gateway.url("/openapi.json"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    doc["paths"].as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn a_token_limited_to_some_tools_sees_only_those_in_openapi() {
    let gateway = Gateway::start();
    assert_eq!(
        openapi_paths(&gateway, SCRIPT_TOKEN).await,
        ["/tools/calculate"]
    );
    assert_eq!(
        openapi_paths(&gateway, OWUI_TOKEN).await,
        ["/tools/calculate", "/tools/list_dir", "/tools/read_file"]
    );
}

async fn mcp_client(
    gateway: &Gateway,
    token: &str,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let config =
        StreamableHttpClientTransportConfig::with_uri(gateway.url("/mcp")).auth_header(token);
    let transport = StreamableHttpClientTransport::from_config(config);
    ().serve(transport).await.unwrap()
}

#[tokio::test]
async fn a_token_limited_to_some_tools_sees_only_those_in_mcp_tools_list() {
    assert_mcp_tools_list_is_per_token(&Gateway::start()).await;
}

#[tokio::test]
async fn a_token_limited_to_some_tools_sees_only_those_in_stateless_mcp_tools_list() {
    let gateway = Gateway::start_with("\n[mcp]\nsessions = \"stateless\"\n");
    assert_mcp_tools_list_is_per_token(&gateway).await;
}

async fn assert_mcp_tools_list_is_per_token(gateway: &Gateway) {
    let limited = mcp_client(gateway, SCRIPT_TOKEN).await;
    let names: Vec<String> = limited
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(names, ["calculate"]);
    limited.cancel().await.unwrap();
    let full = mcp_client(gateway, OWUI_TOKEN).await;
    assert_eq!(full.list_all_tools().await.unwrap().len(), 3);
    full.cancel().await.unwrap();
}

/// The refusal comes before the arguments are looked at (these would be invalid for
/// `read_file`), and says a rule refused without listing the rules.
#[tokio::test]
async fn a_token_calling_a_tool_outside_its_list_is_refused_with_403() {
    let gateway = Gateway::start();
    let res = gateway.call("read_file", SCRIPT_TOKEN, &[]).await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "forbidden_tool");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("read_file"), "{message}");
    assert!(
        !message.contains("calculate"),
        "the rule set leaked: {message}"
    );
}

#[tokio::test]
async fn a_token_calling_a_tool_outside_its_list_over_mcp_gets_an_error_result() {
    let gateway = Gateway::start();
    let limited = mcp_client(&gateway, SCRIPT_TOKEN).await;
    let result = limited
        .call_tool(CallToolRequestParams::new("list_dir"))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(true));
    let text = serde_json::to_string(&result.content).unwrap();
    assert!(text.contains("may not use tool `list_dir`"), "{text}");
    limited.cancel().await.unwrap();
}

#[test]
fn a_token_listing_a_tool_that_is_not_offered_is_a_config_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.toml");
    let text = format!(
        "[tools]\nenabled = [\"calculate\"]\n\n[[tools.tokens]]\nname = \"script\"\ntoken = \"{SCRIPT_TOKEN}\"\ntools = [\"read_file\"]\n"
    );
    std::fs::write(&path, text).unwrap();
    let out = Command::new(BIN)
        .args(["config", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 4"), "{stderr}");
    assert!(stderr.contains("\"read_file\""), "{stderr}");
    assert!(!stderr.contains(SCRIPT_TOKEN), "{stderr}");
}
