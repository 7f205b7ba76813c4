//! The configurable built-in tools end to end: `query_database` on a SQLite file, `execute_code`
//! in the sandbox, and `web_search` against a loopback SearXNG double.

use std::process::Command;

use axum::Json;
use axum::extract::Query;
use axum::routing::get;
use serde_json::{Value, json};

use crate::server::{BIN, Server, client};

#[tokio::test]
async fn query_database_reads_rows_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
             INSERT INTO items (name) VALUES ('apple'), ('pear');",
        )
        .unwrap();
    }
    let config = format!(
        r#"
[tools]
enabled = ["calculate", "query_database"]

[[tools.query_database.databases]]
name = "shop"
url = "sqlite:{}"
description = "the shop's items"
max_rows = 10
"#,
        db.display()
    );
    let server = Server::start_in(dir, Some(&config));
    let http = client();
    let res = http
        .post(server.url("/tools/query_database"))
        .json(&json!({"database": "shop", "query": "SELECT id, name FROM items ORDER BY id"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["row_count"], 2, "{body}");
    assert_eq!(body["rows"], json!([[1, "apple"], [2, "pear"]]), "{body}");
    assert_eq!(body["columns"][1]["name"], "name", "{body}");

    let res = http
        .post(server.url("/tools/query_database"))
        .json(&json!({"database": "shop", "query": "DELETE FROM items"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "failed", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("DELETE statements are refused"), "{body}");
    // The rows are still there.
    let conn = rusqlite::Connection::open(server.path().join("shop.db")).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn execute_code_runs_shell_and_is_in_the_openapi_document() {
    let server = Server::start(Some(
        r#"
[tools]
enabled = ["execute_code"]

[tools.execute_code]
enabled = true
"#,
    ));
    let http = client();
    let doc: Value = http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["paths"]["/tools/execute_code"]["post"]["operationId"], "execute_code",
        "{doc}"
    );
    let res = http
        .post(server.url("/tools/execute_code"))
        .json(&json!({"language": "shell", "code": "echo hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["stdout"], "hi\n", "{body}");
    assert_eq!(body["exit_code"], 0);
}

#[test]
fn execute_code_missing_required_layer_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sb.toml");
    std::fs::write(
        &file,
        r#"
[tools]
enabled = ["execute_code"]

[tools.execute_code]
enabled = true
namespaces = false
required_layers = ["rlimits", "namespaces"]
"#,
    )
    .unwrap();
    for args in [
        vec!["config", "check", file.to_str().unwrap()],
        vec![
            "--config",
            file.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ],
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("required sandbox layer `namespaces` is not available"),
            "{args:?}: {stderr}"
        );
        assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "{args:?}");
    }
}

#[test]
fn config_check_names_the_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[tools]\nenabled = [\"execute_code\"]\n",
            "tools.execute_code",
        ),
        (
            "[tools]\nenabled = [\"query_database\"]\n[[tools.query_database.databases]]\nname = \"a\"\nurl = \"postgres://u:hunter2@127.0.0.1/x\"\nmax_rows = 0\n",
            "max_rows",
        ),
        (
            "[tools]\nenabled = [\"calculate\"]\n[[tools.query_database.databases]]\nname = \"a\"\nurl = \"sqlite:a.db\"\n",
            "not in `tools.enabled`",
        ),
        (
            "[tools]\nenabled = [\"web_search\"]\n[tools.web_search]\nprovider = \"brave\"\n",
            "tools.web_search.api_key",
        ),
        (
            "[tools]\nenabled = [\"web_search\"]\n[tools.web_search]\nprovider = \"searxng\"\n",
            "tools.web_search.url",
        ),
    ];
    for (text, expected) in cases {
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, text).unwrap();
        let out = Command::new(BIN)
            .args(["config", "check", file.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{text}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
}

async fn searxng_double(Query(q): Query<Vec<(String, String)>>) -> Json<Value> {
    let query = q
        .iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    Json(json!({
        "query": query,
        "results": [
            {"url": "https://www.rust-lang.org/", "title": format!("Rust: {query}"),
             "content": "A language empowering everyone", "engine": "duckduckgo", "score": 2.0},
            {"url": "https://doc.rust-lang.org/book/", "title": "The Book",
             "content": "Learn Rust", "engine": "bing", "score": 1.0}
        ]
    }))
}

#[tokio::test]
async fn web_search_through_the_deprecated_tools_section() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/search", get(searxng_double));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let server = Server::start(Some(&format!(
        r#"
[tools]
enabled = ["web_search"]

[tools.web_search]
provider = "searxng"
url = "http://{addr}"
"#
    )));
    let res = client()
        .post(server.url("/tools/web_search"))
        .json(&json!({"query": "rust", "num_results": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{body}");
    assert_eq!(results[0]["title"], "Rust: rust");
    assert_eq!(results[0]["url"], "https://www.rust-lang.org/");
    assert_eq!(results[0]["source"], "searxng:duckduckgo");
}

#[tokio::test]
async fn web_search_through_the_connectors_section() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/search", get(searxng_double));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let server = Server::start(Some(&format!(
        r#"
[connectors.web_search]
provider = "searxng"
url = "http://{addr}"
"#
    )));
    let res = client()
        .post(server.url("/tools/web_search"))
        .json(&json!({"query": "rust", "num_results": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["provider"], "searxng");
    assert_eq!(body["results"].as_array().unwrap().len(), 2, "{body}");
}

#[test]
fn config_check_warns_that_tools_web_search_moved() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("legacy.toml");
    std::fs::write(
        &file,
        "[tools]\nenabled = [\"web_search\"]\n[tools.web_search]\nprovider = \"searxng\"\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["config", "check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("deprecated") && stderr.contains("[connectors.web_search]"),
        "{stderr}"
    );
}

/// A loopback page for `fetch_url`.
async fn page_server() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let page = || async {
        (
            [("content-type", "text/html")],
            "<html><head><title>Status</title></head><body><p>All systems normal.</p></body></html>",
        )
    };
    let app = axum::Router::new().route("/status", get(page));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn fetch_url_reads_a_page_on_a_network_the_operator_opened() {
    let addr = page_server().await;
    let server = Server::start(Some(
        "[tools]\nenabled = [\"fetch_url\"]\n\n[tools.fetch_url]\nallow_cidrs = [\"127.0.0.1/32\"]\n",
    ));
    let res = client()
        .post(server.url("/tools/fetch_url"))
        .json(&json!({"url": format!("http://{addr}/status")}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["title"], "Status", "{body}");
    assert_eq!(body["text"], "All systems normal.", "{body}");
}

#[tokio::test]
async fn fetch_url_refuses_a_loopback_address_by_default() {
    let addr = page_server().await;
    let server = Server::start(Some("[tools]\nenabled = [\"fetch_url\"]\n"));
    let res = client()
        .post(server.url("/tools/fetch_url"))
        .json(&json!({"url": format!("http://{addr}/status")}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    let body: Value = res.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("does not open this address"), "{body}");
    assert!(!message.contains("All systems normal"), "{body}");
}
