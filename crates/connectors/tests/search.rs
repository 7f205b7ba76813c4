//! Web search providers against loopback doubles, and the `web_search` tool.
#![cfg(feature = "web_search")]
#![allow(clippy::unwrap_used)]

mod recorder;

use std::sync::Arc;

use recorder::{Recorder, Reply, client};
use serde_json::json;
use switchboard_connectors::search::{
    Brave, SearchError, SearchRequest, SearxNg, Tavily, WebSearch, register_web_search,
};
use switchboard_functions::ToolRegistry;

fn searx_body() -> serde_json::Value {
    json!({
        "query": "rust",
        "number_of_results": 0,
        "results": [
            {"url": "https://b.example/", "title": "B", "content": "second", "engine": "bing",
             "engines": ["bing"], "score": 1.5, "category": "general"},
            {"url": "https://a.example/", "title": "A", "content": "first", "engine": "duckduckgo",
             "engines": ["duckduckgo"], "score": 4.0, "category": "general"},
            {"url": "https://c.example/", "title": "C", "engine": "brave", "score": 0.5}
        ],
        "answers": [], "suggestions": ["rust lang"], "infoboxes": []
    })
}

#[tokio::test]
async fn searxng_request_and_results() {
    let server = Recorder::start(vec![Reply::json(200, searx_body())]).await;
    let searx = SearxNg::new(client(), &server.url("/searx"))
        .unwrap()
        .language("en")
        .safesearch(7);
    let req = SearchRequest::new("rust & async?").unwrap().num_results(2);
    let results = searx.search(&req).await.unwrap();
    insta::assert_yaml_snapshot!("searxng_request", server.seen());
    insta::assert_yaml_snapshot!("searxng_results", results);
}

#[tokio::test]
async fn searxng_403_means_json_disabled() {
    let server = Recorder::start(vec![Reply::new(403, "Forbidden")]).await;
    let searx = SearxNg::new(client(), &server.base).unwrap();
    let err = searx
        .search(&SearchRequest::new("x").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, SearchError::JsonFormatDisabled), "{err:?}");
    assert!(err.to_string().contains("formats: [html, json]"), "{err}");
}

#[tokio::test]
async fn brave_request_and_results() {
    let body = json!({
        "type": "search",
        "query": {"original": "rust"},
        "web": {"type": "search", "results": [
            {"title": "The <strong>Rust</strong> Language", "url": "https://www.rust-lang.org/",
             "description": "A language empowering <strong>everyone</strong>.", "extra_snippets": ["x"]},
            {"title": "Docs", "url": "https://doc.rust-lang.org/"}
        ]}
    });
    let server = Recorder::start(vec![Reply::json(200, body)]).await;
    let brave = Brave::with_base_url(client(), "BSA-secret-key", &server.base).unwrap();
    let results = brave
        .search(&SearchRequest::new("rust lang").unwrap().num_results(50))
        .await
        .unwrap();
    insta::assert_yaml_snapshot!("brave_request", server.seen());
    assert_eq!(
        server.seen()[0].secrets["x-subscription-token"],
        "BSA-secret-key"
    );
    insta::assert_yaml_snapshot!("brave_results", results);
    let debug = format!("{brave:?}");
    assert!(!debug.contains("BSA-secret-key"), "{debug}");
}

#[tokio::test]
async fn brave_without_web_section_is_empty() {
    let server = Recorder::start(vec![Reply::json(200, json!({"type": "search"}))]).await;
    let brave = Brave::with_base_url(client(), "k", &server.base).unwrap();
    let results = brave
        .search(&SearchRequest::new("zzz").unwrap())
        .await
        .unwrap();
    assert!(results.is_empty());
}

#[tokio::test]
async fn tavily_request_and_results() {
    let body = json!({
        "query": "rust",
        "answer": null,
        "results": [
            {"title": "Rust", "url": "https://www.rust-lang.org/", "content": "Fast.", "score": 0.98,
             "raw_content": null}
        ],
        "response_time": 1.2
    });
    let server = Recorder::start(vec![Reply::json(200, body)]).await;
    let tavily = Tavily::with_base_url(client(), "tvly-secret", &server.base).unwrap();
    let results = tavily
        .search(&SearchRequest::new("rust").unwrap().num_results(3))
        .await
        .unwrap();
    insta::assert_yaml_snapshot!("tavily_request", server.seen());
    assert_eq!(
        server.seen()[0].secrets["authorization"],
        "Bearer tvly-secret"
    );
    insta::assert_yaml_snapshot!("tavily_results", results);
}

#[tokio::test]
async fn documented_errors_are_mapped() {
    // 401 / 403 with a bad key.
    let server = Recorder::start(vec![Reply::json(
        401,
        json!({"detail": {"error": "Unauthorized: missing or invalid API key."}}),
    )])
    .await;
    let tavily = Tavily::with_base_url(client(), "tvly-bad", &server.base).unwrap();
    let err = tavily
        .search(&SearchRequest::new("x").unwrap())
        .await
        .unwrap_err();
    match &err {
        SearchError::Unauthorized {
            provider,
            status,
            message,
        } => {
            assert_eq!((*provider, *status), ("tavily", 401));
            assert_eq!(
                message.as_deref(),
                Some("Unauthorized: missing or invalid API key.")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("tvly-bad"));

    let server = Recorder::start(vec![Reply::json(403, json!({"message": "bad token"}))]).await;
    let brave = Brave::with_base_url(client(), "k", &server.base).unwrap();
    let err = brave
        .search(&SearchRequest::new("x").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, SearchError::Unauthorized { status: 403, .. }),
        "{err:?}"
    );

    // 429 with Retry-After: core retries once within its limit, then the error says how long.
    let server = Recorder::start(vec![
        Reply::json(429, json!({"message": "rate limited"})).header("retry-after", "0"),
        Reply::json(429, json!({"message": "rate limited"})).header("retry-after", "30"),
    ])
    .await;
    let brave = Brave::with_base_url(client(), "k", &server.base).unwrap();
    let err = brave
        .search(&SearchRequest::new("x").unwrap())
        .await
        .unwrap_err();
    match err {
        SearchError::RateLimited {
            provider,
            retry_after,
        } => {
            assert_eq!(provider, "brave");
            assert_eq!(retry_after, Some(std::time::Duration::from_secs(30)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.seen().len(), 2, "the first 429 is retried");

    // Malformed JSON names the provider and the position.
    let server = Recorder::start(vec![Reply::new(200, "{\"results\": [oops")]).await;
    let searx = SearxNg::new(client(), &server.base).unwrap();
    let err = searx
        .search(&SearchRequest::new("x").unwrap())
        .await
        .unwrap_err();
    match err {
        SearchError::Malformed { provider, reason } => {
            assert_eq!(provider, "searxng");
            assert!(reason.contains("line 1"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Wrong shape is malformed too.
    let server = Recorder::start(vec![Reply::json(200, json!({"results": [{"title": 3}]}))]).await;
    let tavily = Tavily::with_base_url(client(), "k", &server.base).unwrap();
    let err = tavily
        .search(&SearchRequest::new("x").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, SearchError::Malformed { .. }), "{err:?}");
    // Other statuses keep the message.
    let server = Recorder::start(vec![Reply::json(
        432,
        json!({"detail": {"error": "plan limit"}}),
    )])
    .await;
    let tavily = Tavily::with_base_url(client(), "k", &server.base).unwrap();
    let err = tavily
        .search(&SearchRequest::new("x").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, SearchError::Status { status: 432, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("plan limit"), "{err}");
}

#[tokio::test]
async fn tool_is_offered_only_with_a_provider() {
    let registry = ToolRegistry::new();
    assert!(!register_web_search(&registry, None).unwrap());
    assert!(registry.definition("web_search").is_none());

    let server = Recorder::start(vec![Reply::json(200, searx_body())]).await;
    let searx: Arc<dyn WebSearch> = Arc::new(SearxNg::new(client(), &server.base).unwrap());
    assert!(register_web_search(&registry, Some(searx)).unwrap());
    let def = registry.definition("web_search").unwrap();
    insta::assert_json_snapshot!("web_search_definition", def);

    let out = registry
        .invoke("web_search", json!({"query": "rust", "num_results": 1000}))
        .await
        .unwrap();
    assert_eq!(out["provider"], "searxng");
    assert_eq!(
        out["results"].as_array().unwrap().len(),
        3,
        "all 3 fit under the clamp"
    );
    let out = registry
        .invoke("web_search", json!({"query": "rust", "num_results": 0}))
        .await
        .unwrap();
    assert_eq!(
        out["results"].as_array().unwrap().len(),
        1,
        "0 is clamped to 1"
    );
    let err = registry
        .invoke("web_search", json!({"query": "   "}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("query"), "{err}");
}
