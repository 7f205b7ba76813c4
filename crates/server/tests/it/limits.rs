//! Per-token limits through the real binary: a token over its `rate_per_minute` is answered 429
//! with `Retry-After` (over HTTP) or an error result (over MCP) while other tokens go on, and a
//! token at its `max_concurrent` is answered 429 at once while its running call goes on.

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

use crate::server::{Server, client};

const LIMITED_TOKEN: &str = "limited-token-0123456789";
const OTHER_TOKEN: &str = "other-token-0123456789ab";
const SERIAL_TOKEN: &str = "serial-token-0123456789a";

/// `limited` may make 2 calls a minute, `serial` one at a time, `other` anything.
fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    let config = format!(
        r#"
[tools]
enabled = ["calculate", "query_database"]
timeout_ms = 60000

[[tools.query_database.databases]]
name = "big"
url = "sqlite:{db}"
timeout_ms = 30000

[[tools.tokens]]
name = "limited"
token = "{LIMITED_TOKEN}"
rate_per_minute = 2

[[tools.tokens]]
name = "other"
token = "{OTHER_TOKEN}"

[[tools.tokens]]
name = "serial"
token = "{SERIAL_TOKEN}"
max_concurrent = 1
"#,
        db = db.display()
    );
    Server::start_in(dir, Some(&config))
}

async fn calculate(server: &Server, token: &str) -> reqwest::Response {
    client()
        .post(server.url("/tools/calculate"))
        .bearer_auth(token)
        .json(&json!({"expression": "1 + 1"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_token_over_its_rate_is_answered_429_with_retry_after_and_others_go_on() {
    let server = start();
    assert_eq!(calculate(&server, LIMITED_TOKEN).await.status(), 200);
    assert_eq!(calculate(&server, LIMITED_TOKEN).await.status(), 200);
    let res = calculate(&server, LIMITED_TOKEN).await;
    assert_eq!(res.status(), 429);
    // Two a minute: the next call is 30 s away.
    assert_eq!(res.headers()["retry-after"], "30");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "rate_limited", "{body}");
    assert_eq!(
        body["error"]["message"],
        "this caller is over its rate limit; retry after 30 s"
    );
    for _ in 0..3 {
        assert_eq!(calculate(&server, OTHER_TOKEN).await.status(), 200);
    }
}

#[tokio::test]
async fn a_token_over_its_rate_over_mcp_gets_an_error_result_saying_when_to_retry() {
    let server = start();
    let config = StreamableHttpClientTransportConfig::with_uri(server.url("/mcp"))
        .auth_header(LIMITED_TOKEN);
    let mcp = ().serve(StreamableHttpClientTransport::from_config(config)).await.unwrap();
    let call = || {
        let args = json!({"expression": "1 + 1"}).as_object().unwrap().clone();
        mcp.call_tool(CallToolRequestParams::new("calculate").with_arguments(args))
    };
    assert_ne!(call().await.unwrap().is_error, Some(true));
    assert_ne!(call().await.unwrap().is_error, Some(true));
    let result = call().await.unwrap();
    assert_eq!(result.is_error, Some(true));
    let text = serde_json::to_string(&result.content).unwrap();
    assert!(
        text.contains("this caller is over its rate limit; retry after 30 s"),
        "{text}"
    );
    mcp.cancel().await.unwrap();
}

/// Two concurrent calls of a query that runs until its 30 s limit under a token allowed one
/// call at a time: whichever comes second is answered at once with 429.
#[tokio::test]
async fn a_call_beyond_a_tokens_concurrency_limit_is_answered_429_with_retry_after() {
    let server = start();
    let http = client();
    let endless = json!({
        "database": "big",
        "query": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"
    });
    let call = || {
        http.post(server.url("/tools/query_database"))
            .bearer_auth(SERIAL_TOKEN)
            .json(&endless)
            .send()
    };
    // The refusal comes first; the running call is dropped with the server.
    let res = tokio::select! {
        res = call() => res,
        res = call() => res,
    }
    .unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "1");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "too_many_concurrent_calls", "{body}");
    assert!(
        !body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_concurrent"),
        "{body}"
    );
}
