//! `fetch_url` against loopback servers: rendering by content type, limits, and the guards on
//! addresses, host names, schemes and redirects, each as the model meets it through the tool.
#![cfg(feature = "fetch_url")]
#![allow(clippy::unwrap_used)]

mod recorder;

use recorder::{Recorder, Reply};
use serde_json::{Value, json};
use switchboard_connectors::fetch_url::{FetchErrorKind, FetchUrl, HostRules, register_fetch_url};
use switchboard_core::NetPolicy;
use switchboard_core::net::Cidr;
use switchboard_functions::{Arguments, ToolCall, ToolRegistry};

/// The guard opened for 127.0.0.1 only (the loopback doubles), as a test-only setting.
fn loopback_only() -> NetPolicy {
    NetPolicy::public_only().allow_cidr("127.0.0.1/32".parse::<Cidr>().unwrap())
}

fn tool() -> FetchUrl {
    FetchUrl::builder()
        .net_policy(loopback_only())
        .build()
        .unwrap()
}

fn html(body: &str) -> Reply {
    Reply::new(200, body).header("content-type", "text/html; charset=utf-8")
}

const PAGE: &str = r#"<!doctype html><html><head><title>Release notes</title>
<script>document.write("tracking")</script></head>
<body><nav><a href="/">Home</a></nav><article><h1>Version 2</h1>
<p>Faster <a href="/docs/speed">startup</a>.</p></article><footer>(c) Example</footer></body></html>"#;

#[tokio::test]
async fn an_html_page_comes_back_as_titled_text_with_absolute_link_footnotes() {
    let server = Recorder::start(vec![html(PAGE)]).await;
    let out = tool().fetch(&server.url("/notes"), 10_000).await.unwrap();
    assert_eq!(out.status, 200);
    assert_eq!(out.title.as_deref(), Some("Release notes"));
    assert_eq!(out.content_type.as_deref(), Some("text/html"));
    assert!(out.text.contains("Version 2"), "{}", out.text);
    assert!(
        out.text.contains(&server.url("/docs/speed")),
        "{}",
        out.text
    );
    for gone in ["tracking", "Home", "(c) Example"] {
        assert!(!out.text.contains(gone), "{gone}: {}", out.text);
    }
    assert!(!out.truncated);
}

#[tokio::test]
async fn the_tool_output_through_the_registry_is_pinned() {
    let server = Recorder::start(vec![html(PAGE)]).await;
    let registry = ToolRegistry::new();
    register_fetch_url(&registry, tool()).unwrap();
    let result = registry
        .call(ToolCall::new(
            "fetch_url",
            Arguments::Value(json!({"url": server.url("/notes")})),
        ))
        .await;
    let mut out = result.into_outcome().unwrap();
    out["url"] = Value::String("[loopback]/notes".into());
    let text = out["text"]
        .as_str()
        .unwrap()
        .replace(&server.base, "[loopback]");
    out["text"] = Value::String(text);
    insta::assert_json_snapshot!(out);
}

#[tokio::test]
async fn json_is_pretty_printed() {
    let server = Recorder::start(vec![Reply::json(200, json!({"a": [1, 2]}))]).await;
    let out = tool().fetch(&server.url("/api"), 10_000).await.unwrap();
    assert_eq!(out.text, "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
}

#[tokio::test]
async fn an_image_is_refused_by_its_type() {
    let server = Recorder::start(vec![
        Reply::new(200, "GIF89a").header("content-type", "image/gif"),
    ])
    .await;
    let err = tool()
        .fetch(&server.url("/x.gif"), 10_000)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::Unsupported);
    assert!(err.to_string().contains("image/gif"), "{err}");
}

#[tokio::test]
async fn a_binary_body_labelled_as_text_is_refused() {
    let server = Recorder::start(vec![
        Reply::new(200, "PK\u{3}\u{4}\0\0zip").header("content-type", "text/plain"),
    ])
    .await;
    let err = tool()
        .fetch(&server.url("/a.txt"), 10_000)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::Unsupported);
}

#[tokio::test]
async fn a_body_beyond_max_bytes_is_cut_and_flagged() {
    let server = Recorder::start(vec![
        Reply::new(200, "x".repeat(10_000)).header("content-type", "text/plain"),
    ])
    .await;
    let tool = FetchUrl::builder()
        .net_policy(loopback_only())
        .max_bytes(100)
        .build()
        .unwrap();
    let out = tool.fetch(&server.url("/big"), 10_000).await.unwrap();
    assert_eq!(out.text.len(), 100);
    assert!(out.truncated);
}

#[tokio::test]
async fn text_beyond_the_callers_max_chars_is_cut_and_flagged() {
    let server = Recorder::start(vec![
        Reply::new(200, "abcdef").header("content-type", "text/plain"),
    ])
    .await;
    let out = tool().fetch(&server.url("/t"), 3).await.unwrap();
    assert_eq!(out.text, "abc");
    assert!(out.truncated);
}

#[tokio::test]
async fn redirects_are_followed_and_the_final_url_is_reported() {
    let server = Recorder::start(vec![
        Reply::new(302, "").header("location", "/final"),
        Reply::new(200, "here").header("content-type", "text/plain"),
    ])
    .await;
    let out = tool().fetch(&server.url("/start"), 10_000).await.unwrap();
    assert_eq!(out.url, server.url("/final"));
    assert_eq!(out.text, "here");
}

#[tokio::test]
async fn a_private_address_is_refused_by_the_default_guard() {
    let server = Recorder::start(vec![html(PAGE)]).await;
    let guarded = FetchUrl::builder().build().unwrap();
    let err = guarded.fetch(&server.url("/"), 10_000).await.unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::Http);
    assert!(err.is_blocked_by_policy(), "{err}");
    assert!(server.seen().is_empty(), "the request reached the server");
}

#[tokio::test]
async fn a_redirect_to_a_private_address_is_refused() {
    // The guard lets 127.0.0.1 through (the test's opening) but not 127.0.0.2: the redirect
    // target is checked again, so a public page cannot bounce the tool into the host's network.
    let server = Recorder::start(vec![
        Reply::new(302, "").header("location", "http://127.0.0.2:9/admin"),
    ])
    .await;
    let err = tool().fetch(&server.url("/"), 10_000).await.unwrap_err();
    assert!(err.is_blocked_by_policy(), "{err}");
}

#[tokio::test]
async fn a_redirect_to_a_denied_host_is_refused_before_it_is_requested() {
    let server = Recorder::start(vec![
        Reply::new(302, "").header("location", "http://localhost:9/"),
    ])
    .await;
    let tool = FetchUrl::builder()
        .net_policy(loopback_only())
        .hosts(HostRules::any().deny(["localhost"]))
        .build()
        .unwrap();
    let err = tool.fetch(&server.url("/"), 10_000).await.unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::HostRefused);
    assert!(err.to_string().contains("localhost"), "{err}");
}

#[tokio::test]
async fn a_host_off_the_allow_list_is_refused_without_a_request() {
    let server = Recorder::start(vec![html(PAGE)]).await;
    let tool = FetchUrl::builder()
        .net_policy(loopback_only())
        .hosts(HostRules::any().allow(["docs.example.com"]))
        .build()
        .unwrap();
    let err = tool.fetch(&server.url("/"), 10_000).await.unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::HostRefused);
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn too_many_redirects_end_the_fetch() {
    let server = Recorder::start(vec![Reply::new(302, "").header("location", "/again")]).await;
    let tool = FetchUrl::builder()
        .net_policy(loopback_only())
        .max_redirects(2)
        .build()
        .unwrap();
    let err = tool.fetch(&server.url("/"), 10_000).await.unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::TooManyRedirects);
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_file_url_is_refused() {
    let err = tool()
        .fetch("file:///etc/passwd", 10_000)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), FetchErrorKind::InvalidUrl);
}
