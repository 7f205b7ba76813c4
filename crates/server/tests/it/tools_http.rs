//! The OpenAPI tool server over HTTP: default start, calls (200, 400, 404, 422, 504), auth,
//! CORS, health and metrics.

use serde_json::{Value, json};

use crate::server::{Server, client};

#[tokio::test]
async fn default_start_serves_calculate() {
    let mut server = Server::start(None);
    // First start: an admin key is generated, printed once, and only its hash is stored.
    let key_line = server.next_line();
    let key = key_line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(key.starts_with("sbk_"), "{key_line}");
    let stored = std::fs::read_to_string(server.path().join("switchboard.admin-key")).unwrap();
    assert_eq!(stored.trim().len(), 64);
    assert!(!stored.contains(&key));
    assert!(server.path().join("switchboard.db").exists());
    let http = client();
    let health: Value = http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["store"], "ok");

    let res = http
        .post(server.url("/tools/calculate"))
        .json(&json!({"expression": "(1 + 2) * 3^2 + 0.1 + 0.2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({"result": "27.3", "exact": true}));

    // Graceful shutdown on SIGTERM exits 0.
    assert!(server.terminate().success());
}

/// Under the test process's umask (022 in CI), which would give new files `-rw-r--r--`.
#[cfg(unix)]
#[tokio::test]
async fn default_start_creates_the_admin_key_and_database_files_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start(None);
    for name in [
        "switchboard.admin-key",
        "switchboard.db",
        "switchboard.db-wal",
        "switchboard.db-shm",
    ] {
        let meta = std::fs::metadata(server.path().join(name)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
    }
}

/// With `query_database` capped at one call, two concurrent calls of a query that runs until
/// its 30 s limit: whichever comes second is answered at once with 503, `Retry-After` and the
/// `busy` kind, while the first is still running.
#[tokio::test]
async fn a_call_beyond_a_tools_concurrency_cap_is_answered_503_busy_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    let config = format!(
        r#"
[tools]
enabled = ["query_database"]
timeout_ms = 60000
max_concurrent = {{ query_database = 1 }}

[[tools.query_database.databases]]
name = "big"
url = "sqlite:{}"
timeout_ms = 30000
"#,
        db.display()
    );
    let server = Server::start_in(dir, Some(&config));
    let http = client();
    let endless = json!({
        "database": "big",
        "query": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"
    });
    let call = || {
        http.post(server.url("/tools/query_database"))
            .json(&endless)
            .send()
    };
    // The busy answer comes first; the running call is dropped with the server.
    let res = tokio::select! {
        res = call() => res,
        res = call() => res,
    }
    .unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "busy", "{body}");
    assert_eq!(
        body["error"]["message"],
        "Error: tool \"query_database\" is busy: 1 call is already running, the most it runs at once. Try again in a moment."
    );
}

#[tokio::test]
async fn errors_have_stable_shapes() {
    let server = Server::start(None);
    let http = client();
    let res = http
        .post(server.url("/tools/calculate"))
        .json(&json!({"expression": 5, "extra": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "invalid_arguments");
    let pointers: Vec<&str> = body["error"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/expression"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/expression")
    );

    let res = http
        .post(server.url("/tools/calculate"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "malformed_call");

    let res = http
        .post(server.url("/tools/nope"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "unknown_tool");

    let res = http
        .post(server.url("/tools/calculate"))
        .json(&json!({"expression": "1/0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "failed");

    let metrics = http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains(
        "switchboard_tool_calls_total{tool=\"calculate\",outcome=\"invalid_arguments\"} 1"
    ));
    assert!(
        metrics.contains(
            "switchboard_tool_calls_total{tool=\"(unknown)\",outcome=\"unknown_tool\"} 1"
        )
    );
    // An offered tool has its own route; other names share the parameter route.
    assert!(
        metrics.contains(
            "switchboard_http_requests_total{route=\"/tools/calculate\",status=\"422\"} 1"
        )
    );
    assert!(
        metrics
            .contains("switchboard_http_requests_total{route=\"/tools/{name}\",status=\"404\"} 1")
    );
}

#[tokio::test]
async fn timeout_is_504() {
    let server = Server::start(Some("[tools]\ntimeout_ms = 1\n"));
    let expression = vec!["3000!"; 100].join("+");
    let res = client()
        .post(server.url("/tools/calculate"))
        .json(&json!({ "expression": expression }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 504);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "timeout");
}

#[tokio::test]
async fn bearer_auth_and_cors() {
    let server = Server::start(Some(
        "[tools]\nauth_token = \"tok-0123456789abcdef\"\n[cors]\nallowed_origins = [\"http://localhost:3000\"]\n",
    ));
    let http = client();
    let call = |token: Option<&str>| {
        let mut req = http
            .post(server.url("/tools/calculate"))
            .json(&json!({"expression": "2+2"}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(call(None).await.unwrap().status(), 401);
    assert_eq!(
        call(Some("wrong-token-000000")).await.unwrap().status(),
        401
    );
    assert_eq!(
        call(Some("tok-0123456789abcdef")).await.unwrap().status(),
        200
    );

    let doc: Value = http
        .get(server.url("/openapi.json"))
        .bearer_auth("tok-0123456789abcdef")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["paths"]["/tools/calculate"]["post"]["security"],
        json!([{"bearer": []}])
    );

    let preflight = http
        .request(reqwest::Method::OPTIONS, server.url("/tools/calculate"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let other = http
        .request(reqwest::Method::OPTIONS, server.url("/tools/calculate"))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn oversized_body_is_413_json() {
    let server = Server::start(Some("[tools]\nmax_body_bytes = 64\n"));
    let res = client()
        .post(server.url("/tools/calculate"))
        .json(&json!({"expression": "1+".repeat(100) + "1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "too_large");
}
