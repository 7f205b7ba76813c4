//! Web search providers against loopback doubles built from each provider's documentation, and
//! the `web_search` tool.
#![cfg(feature = "web_search")]
#![allow(clippy::unwrap_used)]

mod loopback;

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use loopback::{Recorder, Reply, Server, http};
use serde_json::json;
use switchboard_connectors::search::{
    Brave, External, Google, Kagi, SearchError, SearchRequest, SearxNg, SerpApi, Tavily, WebSearch,
    register_tools,
};
use switchboard_functions::ToolRegistry;

fn fixture(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/tests/fixtures/search/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn text(status: u16, body: &str) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: body.to_owned(),
    }
}

fn query(q: &str, n: u32) -> SearchRequest {
    SearchRequest::new(q).unwrap().num_results(n)
}

fn api(err: &SearchError) -> &switchboard_connectors::search::SearchApiError {
    err.api()
        .unwrap_or_else(|| panic!("not an API error: {err:?}"))
}

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
    let server = Server::start().await;
    server.plan("/searx/search", [Reply::json(200, searx_body())]);
    let rec = Recorder::default();
    let searx = SearxNg::builder(server.url("/searx"))
        .http(http(&rec))
        .language("en")
        .safesearch(7)
        .build()
        .unwrap();
    let results = searx.search(&query("rust & async?", 2)).await.unwrap();
    insta::assert_yaml_snapshot!("searxng_request", server.seen());
    insta::assert_yaml_snapshot!("searxng_results", results);
}

#[tokio::test]
async fn searxng_403_says_how_to_enable_json() {
    let server = Server::start().await;
    server.plan("/search", [text(403, "Forbidden")]);
    let searx = SearxNg::builder(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let err = searx.search(&query("x", 1)).await.unwrap_err();
    assert_eq!(api(&err).status, 403);
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
    let server = Server::start().await;
    server.plan("/res/v1/web/search", [Reply::json(200, body)]);
    let brave = Brave::builder("BSA-secret-key")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let results = brave.search(&query("rust lang", 50)).await.unwrap();
    insta::assert_yaml_snapshot!("brave_request", server.seen());
    insta::assert_yaml_snapshot!("brave_results", results);
    let debug = format!("{brave:?}");
    assert!(!debug.contains("BSA-secret-key"), "{debug}");
}

#[tokio::test]
async fn brave_without_web_section_is_empty() {
    let server = Server::start().await;
    server.plan(
        "/res/v1/web/search",
        [Reply::json(200, json!({"type": "search"}))],
    );
    let brave = Brave::builder("k")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    assert!(brave.search(&query("zzz", 5)).await.unwrap().is_empty());
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
    let server = Server::start().await;
    server.plan("/search", [Reply::json(200, body)]);
    let tavily = Tavily::builder("tvly-secret")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let results = tavily.search(&query("rust", 3)).await.unwrap();
    insta::assert_yaml_snapshot!("tavily_request", server.seen());
    assert_eq!(
        server.seen()[0].authorization.as_deref(),
        Some("Bearer tvly-secret")
    );
    insta::assert_yaml_snapshot!("tavily_results", results);
}

#[tokio::test]
async fn tavily_401_keeps_the_nested_detail_message() {
    let server = Server::start().await;
    server.plan(
        "/search",
        [Reply::json(
            401,
            json!({"detail": {"error": "Unauthorized: missing or invalid API key."}}),
        )],
    );
    let tavily = Tavily::builder("tvly-bad")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let err = tavily.search(&query("x", 1)).await.unwrap_err();
    let e = api(&err);
    assert!(e.is_unauthorized());
    assert_eq!(
        e.message.as_deref(),
        Some("Unauthorized: missing or invalid API key.")
    );
    assert!(!err.to_string().contains("tvly-bad"), "{err}");
}

#[tokio::test]
async fn google_request_and_results() {
    let server = Server::start().await;
    server.plan(
        "/customsearch/v1",
        [Reply::json(200, fixture("google.json"))],
    );
    let google = Google::builder("AIza-secret", "017576662512468239146:omuauf_lfve")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let results = google.search(&query("rust async", 50)).await.unwrap();
    insta::assert_yaml_snapshot!("google_request", server.seen());
    assert!(
        server.seen()[0]
            .raw_query
            .as_deref()
            .unwrap()
            .contains("key=AIza-secret"),
        "the key is sent as the documented `key` parameter"
    );
    insta::assert_yaml_snapshot!("google_results", results);
    assert!(!format!("{google:?}").contains("AIza-secret"));
}

#[tokio::test]
async fn google_without_items_is_empty() {
    let server = Server::start().await;
    server.plan(
        "/customsearch/v1",
        [Reply::json(
            200,
            json!({"kind": "customsearch#search", "searchInformation": {"totalResults": "0"}}),
        )],
    );
    let google = Google::builder("k", "cx")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    assert!(google.search(&query("zzz", 5)).await.unwrap().is_empty());
}

#[tokio::test]
async fn google_bad_key_keeps_message_and_reason_without_the_key() {
    let server = Server::start().await;
    server.plan(
        "/customsearch/v1",
        [Reply::json(
            400,
            json!({"error": {
                "code": 400,
                "message": "API key not valid. Please pass a valid API key.",
                "errors": [{"message": "API key not valid. Please pass a valid API key.",
                            "domain": "global", "reason": "badRequest"}],
                "status": "INVALID_ARGUMENT"
            }}),
        )],
    );
    let google = Google::builder("AIza-bad", "cx")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let err = google.search(&query("x", 1)).await.unwrap_err();
    let e = api(&err);
    assert_eq!(e.status, 400);
    assert_eq!(e.code.as_deref(), Some("badRequest"));
    assert_eq!(
        e.message.as_deref(),
        Some("API key not valid. Please pass a valid API key.")
    );
    assert!(!format!("{err} {err:?}").contains("AIza-bad"));
}

#[tokio::test]
async fn google_daily_quota_is_a_rate_limit_with_its_reason() {
    let body = json!({"error": {
        "code": 429,
        "message": "Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service 'customsearch.googleapis.com' for consumer 'project_number:123'.",
        "errors": [{"message": "Quota exceeded…", "domain": "global", "reason": "rateLimitExceeded"}],
        "status": "RESOURCE_EXHAUSTED"
    }});
    let server = Server::start().await;
    // No Retry-After: a daily quota is not waited out; core's backoff retries, then gives up.
    server.plan(
        "/customsearch/v1",
        [
            Reply::json(429, body.clone()),
            Reply::json(429, body.clone()),
            Reply::json(429, body),
        ],
    );
    let rec = Recorder::default();
    let google = Google::builder("k", "cx")
        .base_url(server.url("/"))
        .http(http(&rec))
        .build()
        .unwrap();
    let err = google.search(&query("x", 1)).await.unwrap_err();
    let e = api(&err);
    assert!(e.is_rate_limited());
    assert_eq!(e.code.as_deref(), Some("rateLimitExceeded"));
    assert_eq!(e.retry_after, None);
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn kagi_request_and_results() {
    let server = Server::start().await;
    server.plan("/api/v0/search", [Reply::json(200, fixture("kagi.json"))]);
    let kagi = Kagi::builder("kagi-secret")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let results = kagi.search(&query("kagi", 5)).await.unwrap();
    insta::assert_yaml_snapshot!("kagi_request", server.seen());
    assert_eq!(
        server.seen()[0].authorization.as_deref(),
        Some("Bot kagi-secret")
    );
    insta::assert_yaml_snapshot!("kagi_results", results);
    assert!(!format!("{kagi:?}").contains("kagi-secret"));
}

#[tokio::test]
async fn kagi_error_envelope_keeps_code_and_request_id() {
    let server = Server::start().await;
    server.plan(
        "/api/v0/search",
        [Reply::json(
            401,
            json!({"meta": {"id": "bcbf11d2-1afa-4e72-a0ee-2d9079d1d332", "node": "us-east", "ms": 0},
                   "data": null,
                   "error": [{"code": 2, "msg": "Unauthorized", "ref": null}]}),
        )],
    );
    let kagi = Kagi::builder("kagi-bad")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let err = kagi.search(&query("x", 1)).await.unwrap_err();
    let e = api(&err);
    assert!(e.is_unauthorized());
    assert_eq!(e.code.as_deref(), Some("2"));
    assert_eq!(e.message.as_deref(), Some("Unauthorized"));
    assert_eq!(
        e.request_id.as_deref(),
        Some("bcbf11d2-1afa-4e72-a0ee-2d9079d1d332")
    );
}

#[tokio::test]
async fn kagi_error_envelope_on_a_success_status_is_an_error() {
    let server = Server::start().await;
    server.plan(
        "/api/v0/search",
        [Reply::json(
            200,
            json!({"meta": {"id": "r-1"}, "data": null,
                   "error": [{"code": 101, "msg": "Insufficient credit", "ref": null}]}),
        )],
    );
    let kagi = Kagi::builder("k")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let err = kagi.search(&query("x", 1)).await.unwrap_err();
    let e = api(&err);
    assert_eq!(e.code.as_deref(), Some("101"));
    assert!(err.to_string().contains("Insufficient credit"), "{err}");
}

#[tokio::test]
async fn kagi_429_waits_the_fractional_retry_after_through_the_sleeper() {
    let server = Server::start().await;
    server.plan(
        "/api/v0/search",
        [
            Reply::json(
                429,
                json!({"meta": {"id": "r"}, "data": null,
                                     "error": [{"code": 0, "msg": "Too many requests"}]}),
            )
            .header("retry-after", "1.5"),
            Reply::json(200, fixture("kagi.json")),
        ],
    );
    let rec = Recorder::default();
    let kagi = Kagi::builder("k")
        .base_url(server.url("/"))
        .http(http(&rec))
        .build()
        .unwrap();
    let results = kagi.search(&query("kagi", 2)).await.unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(rec.delays(), vec![Duration::from_millis(1500)]);
}

#[tokio::test]
async fn serpapi_request_and_results() {
    let server = Server::start().await;
    server.plan("/search.json", [Reply::json(200, fixture("serpapi.json"))]);
    let serp = SerpApi::builder("serp-secret")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let results = serp.search(&query("coffee", 2)).await.unwrap();
    insta::assert_yaml_snapshot!("serpapi_request", server.seen());
    insta::assert_yaml_snapshot!("serpapi_results", results);
    assert!(!format!("{serp:?}").contains("serp-secret"));
}

#[tokio::test]
async fn serpapi_search_without_results_is_empty() {
    let server = Server::start().await;
    server.plan(
        "/search.json",
        [Reply::json(
            200,
            json!({"search_metadata": {"id": "s-1", "status": "Success"},
                   "search_information": {"organic_results_state": "Fully empty"},
                   "error": "Google hasn't returned any results for this query."}),
        )],
    );
    let serp = SerpApi::builder("k")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    assert!(serp.search(&query("zzqq", 5)).await.unwrap().is_empty());
}

#[tokio::test]
async fn serpapi_invalid_key_keeps_the_message_without_the_key() {
    let server = Server::start().await;
    server.plan(
        "/search.json",
        [Reply::json(
            401,
            json!({"error": "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key"}),
        )],
    );
    let serp = SerpApi::builder("serp-bad")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let err = serp.search(&query("x", 1)).await.unwrap_err();
    let e = api(&err);
    assert!(e.is_unauthorized());
    assert!(e.message.as_deref().unwrap().starts_with("Invalid API key"));
    assert!(!format!("{err} {err:?}").contains("serp-bad"));
}

#[tokio::test]
async fn serpapi_429_that_persists_reports_the_wait_asked() {
    let limited = || {
        Reply::json(
            429,
            json!({"error": "Your account has run out of searches for this hour."}),
        )
        .header("retry-after", "7")
    };
    let server = Server::start().await;
    server.plan("/search.json", [limited(), limited(), limited()]);
    let rec = Recorder::default();
    let serp = SerpApi::builder("k")
        .base_url(server.url("/"))
        .http(http(&rec))
        .build()
        .unwrap();
    let err = serp.search(&query("x", 1)).await.unwrap_err();
    let e = api(&err);
    assert!(e.is_rate_limited());
    assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
    assert_eq!(rec.delays(), vec![Duration::from_secs(7); 2]);
    assert!(err.to_string().contains("retry after 7 s"), "{err}");
}

#[tokio::test]
async fn external_request_and_results() {
    let server = Server::start().await;
    server.plan(
        "/owui-search",
        [Reply::json(
            200,
            json!([
                {"link": "https://a.example/", "title": "A", "snippet": "first"},
                {"link": "https://b.example/", "title": "B"},
                {"title": "no link"},
                {"link": "https://c.example/", "title": "C", "snippet": "third"}
            ]),
        )],
    );
    let external = External::builder(server.url("/owui-search?tenant=t1"))
        .api_key("ext-secret")
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let results = external.search(&query("open webui", 2)).await.unwrap();
    insta::assert_yaml_snapshot!("external_request", server.seen());
    assert_eq!(
        server.seen()[0].authorization.as_deref(),
        Some("Bearer ext-secret")
    );
    insta::assert_yaml_snapshot!("external_results", results);
}

#[tokio::test]
async fn external_without_a_key_sends_no_authorization() {
    let server = Server::start().await;
    server.plan("/s", [Reply::json(200, json!([]))]);
    let external = External::builder(server.url("/s"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    assert!(external.search(&query("x", 1)).await.unwrap().is_empty());
    assert_eq!(server.seen()[0].authorization, None);
}

#[tokio::test]
async fn external_answer_that_is_not_a_list_is_a_decode_error() {
    let server = Server::start().await;
    server.plan("/s", [Reply::json(200, json!({"results": []}))]);
    let external = External::builder(server.url("/s"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let err = external.search(&query("x", 1)).await.unwrap_err();
    match &err {
        SearchError::Decode { provider, source } => {
            assert_eq!(*provider, "external");
            assert!(source.to_string().contains("line 1"), "{source}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.source().is_some(),
        "serde's error is kept as the source"
    );
}

#[tokio::test]
async fn a_transport_failure_keeps_the_core_error_as_source() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let brave = Brave::builder("k")
        .base_url(url)
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let err = brave.search(&query("x", 1)).await.unwrap_err();
    assert!(
        matches!(
            err,
            SearchError::Http {
                provider: "brave",
                ..
            }
        ),
        "{err:?}"
    );
    let source = err.source().unwrap();
    assert!(
        source.downcast_ref::<switchboard_core::Error>().is_some(),
        "{source:?}"
    );
}

#[test]
fn builders_refuse_empty_keys_and_bad_urls() {
    let err = Brave::builder("  ").build().unwrap_err();
    assert!(err.to_string().contains("api_key"), "{err}");
    let err = Google::builder("k", " ").build().unwrap_err();
    assert!(err.to_string().contains("cx"), "{err}");
    let err = SearxNg::builder("file:///etc").build().unwrap_err();
    assert!(err.to_string().contains("base_url"), "{err}");
    let err = External::builder("ftp://h/").build().unwrap_err();
    assert!(err.to_string().contains("url"), "{err}");
}

#[tokio::test]
async fn tool_definition_and_clamping() {
    let server = Server::start().await;
    server.plan(
        "/search",
        [
            Reply::json(200, searx_body()),
            Reply::json(200, searx_body()),
        ],
    );
    let searx: Arc<dyn WebSearch> = Arc::new(
        SearxNg::builder(server.url("/"))
            .http(http(&Recorder::default()))
            .build()
            .unwrap(),
    );
    let registry = ToolRegistry::new();
    register_tools(&registry, &searx, &Default::default()).unwrap();
    insta::assert_json_snapshot!(
        "web_search_definition",
        registry.definition("web_search").unwrap()
    );
    let out = registry
        .invoke("web_search", json!({"query": "rust", "num_results": 1000}))
        .await
        .unwrap();
    assert_eq!(out["provider"], "searxng");
    assert_eq!(out["results"].as_array().unwrap().len(), 3);
    let out = registry
        .invoke("web_search", json!({"query": "rust", "num_results": 0}))
        .await
        .unwrap();
    assert_eq!(
        out["results"].as_array().unwrap().len(),
        1,
        "0 is clamped to 1"
    );
}

#[tokio::test]
async fn tool_refuses_a_blank_query() {
    let searx: Arc<dyn WebSearch> =
        Arc::new(SearxNg::builder("http://127.0.0.1:9/").build().unwrap());
    let registry = ToolRegistry::new();
    register_tools(&registry, &searx, &Default::default()).unwrap();
    let err = registry
        .invoke("web_search", json!({"query": "   "}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("query"), "{err}");
}

#[tokio::test]
async fn a_bad_key_is_error_kind_unauthorized() {
    let server = Server::start().await;
    server.plan(
        "/search",
        [Reply::json(
            401,
            json!({"detail": {"error": "Unauthorized: missing or invalid API key."}}),
        )],
    );
    let tavily = Tavily::builder("tvly-bad")
        .base_url(server.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let err = tavily.search(&query("x", 1)).await.unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::Unauthorized);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}
