//! Notion read tools (and appending) against a loopback double serving responses shaped like
//! Notion's documented examples: the exact requests, block children walked across pages and
//! levels, content rendered as text, cursor pagination, errors.
#![cfg(feature = "notion")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use loopback::{Recorder, Reply, Server, http};
use serde_json::{Value, json};
use switchboard_connectors::notion::{Notion, NotionError, NotionErrorCode, register_tools};
use switchboard_functions::{ToolCall, ToolRegistry};

const PAGE: &str = "59833787-2cf9-4fdf-8782-e53db20768a5";
const DS: &str = "248104cd-477e-80af-bc30-000bc4f38d5e";
const TOGGLE: &str = "c02fc1d3-db8b-45c5-a222-27595b15a900";
const TABLE: &str = "c02fc1d3-db8b-45c5-a222-27595b15a901";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/notion/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn client(srv: &Server, version: &str) -> Notion {
    Notion::builder("ntn_secret_token")
        .version(version)
        .base_url(srv.url("/v1"))
        .http(http(&Recorder::default()).user_agent("switchboard-tests"))
        .build()
        .unwrap()
}

fn tools_for(srv: &Server, version: &str, attribute_caller: bool) -> ToolRegistry {
    let registry = ToolRegistry::new();
    let options = switchboard_connectors::ToolOptions::default().attribute_caller(attribute_caller);
    register_tools(&registry, &client(srv, version), &options).unwrap();
    registry
}

fn tools(srv: &Server) -> ToolRegistry {
    tools_for(srv, "2025-09-03", false)
}

fn children_path(id: &str) -> String {
    format!("/v1/blocks/{id}/children")
}

/// A block-children list holding `results`.
fn list(results: Value) -> Value {
    json!({"object": "list", "results": results, "next_cursor": null, "has_more": false})
}

/// A paragraph block with `text`, nesting further blocks when `has_children`.
fn paragraph(id: &str, text: &str, has_children: bool) -> Value {
    json!({"object": "block", "id": id, "type": "paragraph", "has_children": has_children,
           "paragraph": {"rich_text": [{"type": "text", "plain_text": text,
                                         "text": {"content": text, "link": null}}]}})
}

#[tokio::test]
async fn search_filters_by_object_and_follows_the_cursor() {
    let srv = Server::start().await;
    srv.plan(
        "/v1/search",
        [
            Reply::json(200, fixture("search_page1.json")),
            Reply::json(200, fixture("search_page2.json")),
        ],
    );
    let registry = tools(&srv);
    let first = registry
        .invoke(
            "notion_search",
            json!({"query": "onboarding", "page_size": 2}),
        )
        .await
        .unwrap();
    assert_eq!(first["truncated"], true);
    let second = registry
        .invoke(
            "notion_search",
            json!({"query": "onboarding", "object": "page", "page_size": 2,
                   "start_cursor": first["next_cursor"]}),
        )
        .await
        .unwrap();
    assert_eq!(second["truncated"], false);
    assert!(second.get("next_cursor").is_none());
    insta::assert_yaml_snapshot!("search_requests", srv.seen());
    insta::assert_json_snapshot!("search_answers", json!([first, second]));
}

#[tokio::test]
async fn searching_databases_asks_for_data_sources_from_2025_09_03() {
    let srv = Server::start().await;
    let empty = json!({"object": "list", "results": [], "next_cursor": null, "has_more": false});
    srv.plan(
        "/v1/search",
        [Reply::json(200, empty.clone()), Reply::json(200, empty)],
    );
    for version in ["2025-09-03", "2022-06-28"] {
        tools_for(&srv, version, false)
            .invoke("notion_search", json!({"object": "database"}))
            .await
            .unwrap();
    }
    let filters: Vec<Value> = srv
        .seen()
        .iter()
        .map(|s| s.body["filter"].clone())
        .collect();
    assert_eq!(
        filters,
        [
            json!({"property": "object", "value": "data_source"}),
            json!({"property": "object", "value": "database"})
        ]
    );
}

#[tokio::test]
async fn get_page_walks_children_across_pages_and_levels() {
    let srv = Server::start().await;
    srv.plan(
        &format!("/v1/pages/{PAGE}"),
        [Reply::json(200, fixture("page.json"))],
    );
    srv.plan(
        &children_path(PAGE),
        [
            Reply::json(200, fixture("blocks_page1.json")),
            Reply::json(200, fixture("blocks_page2.json")),
        ],
    );
    srv.plan(
        &children_path(TOGGLE),
        [Reply::json(200, fixture("toggle_children.json"))],
    );
    srv.plan(
        &children_path(TABLE),
        [Reply::json(200, fixture("table_children.json"))],
    );
    let out = tools(&srv)
        .invoke("notion_get_page", json!({"page_id": PAGE}))
        .await
        .unwrap();
    assert_eq!(out["truncated"], false);
    assert!(
        out["content"].as_str().unwrap().ends_with("[breadcrumb]"),
        "unknown blocks are named"
    );
    insta::assert_yaml_snapshot!("get_page_requests", srv.seen());
    insta::assert_json_snapshot!("get_page_answer", out);
}

#[tokio::test]
async fn blocks_nested_deeper_than_three_levels_are_left_out_and_flagged() {
    let srv = Server::start().await;
    srv.plan(
        &format!("/v1/pages/{PAGE}"),
        [Reply::json(200, fixture("page.json"))],
    );
    let ids = [
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000002",
        "00000000-0000-4000-8000-000000000003",
    ];
    srv.plan(
        &children_path(PAGE),
        [Reply::json(
            200,
            list(json!([paragraph(ids[0], "one", true)])),
        )],
    );
    srv.plan(
        &children_path(ids[0]),
        [Reply::json(
            200,
            list(json!([paragraph(ids[1], "two", true)])),
        )],
    );
    srv.plan(
        &children_path(ids[1]),
        [Reply::json(
            200,
            list(json!([paragraph(ids[2], "three", true)])),
        )],
    );
    let out = tools(&srv)
        .invoke("notion_get_page", json!({"page_id": PAGE}))
        .await
        .unwrap();
    assert_eq!(out["content"], "one\n  two\n    three");
    assert_eq!(out["truncated"], true);
    assert_eq!(
        srv.seen().len(),
        4,
        "the page and three levels, not a fourth"
    );
}

#[tokio::test]
async fn long_content_is_cut_at_max_chars_with_a_flag() {
    let srv = Server::start().await;
    srv.plan(
        &format!("/v1/pages/{PAGE}"),
        [Reply::json(200, fixture("page.json"))],
    );
    srv.plan(
        &children_path(PAGE),
        [Reply::json(200, fixture("blocks_page1.json"))],
    );
    let out = tools(&srv)
        .invoke("notion_get_page", json!({"page_id": PAGE, "max_chars": 30}))
        .await
        .unwrap();
    assert_eq!(out["content"], "# Onboarding\n\nWe decided to us");
    assert_eq!(out["truncated"], true);
    assert_eq!(
        srv.seen().len(),
        2,
        "no further pages or levels once the size is reached"
    );
}

#[tokio::test]
async fn query_database_passes_filter_and_sorts_to_the_data_source() {
    let srv = Server::start().await;
    srv.plan(
        &format!("/v1/data_sources/{DS}/query"),
        [Reply::json(200, fixture("query.json"))],
    );
    let out = tools(&srv)
        .invoke(
            "notion_query_database",
            json!({"database_id": DS,
                   "filter": {"property": "Status", "status": {"does_not_equal": "Archived"}},
                   "sorts": [{"property": "Due", "direction": "ascending"}],
                   "page_size": 2}),
        )
        .await
        .unwrap();
    assert_eq!(out["truncated"], true);
    insta::assert_yaml_snapshot!("query_request", srv.seen());
    insta::assert_json_snapshot!("query_answer", out);
}

#[tokio::test]
async fn query_database_uses_the_database_endpoint_before_2025_09_03() {
    let srv = Server::start().await;
    srv.plan(
        &format!("/v1/databases/{DS}/query"),
        [Reply::json(200, fixture("query.json"))],
    );
    tools_for(&srv, "2022-06-28", false)
        .invoke("notion_query_database", json!({"database_id": DS}))
        .await
        .unwrap();
    let seen = &srv.seen()[0];
    assert_eq!(seen.path, format!("/v1/databases/{DS}/query"));
    assert_eq!(seen.headers["notion-version"], "2022-06-28");
}

#[tokio::test]
async fn append_blocks_sends_paragraphs_and_credits_the_caller() {
    let srv = Server::start().await;
    srv.plan(
        &children_path(PAGE),
        [Reply::json(200, fixture("toggle_children.json"))],
    );
    let call = ToolCall::new(
        "notion_append_blocks",
        json!({"page_id": PAGE, "text": "Decision: **weekly** check-ins.\n\nOwner: Ada."}),
    )
    .with_context(loopback::ada());
    let result = tools_for(&srv, "2025-09-03", true).call(call).await;
    assert!(!result.is_error(), "{}", result.content());
    insta::assert_yaml_snapshot!("append_blocks_request", srv.seen());
}

#[tokio::test]
async fn appending_more_than_100_paragraphs_takes_several_requests() {
    let srv = Server::start().await;
    let ok = Reply::json(200, list(json!([])));
    srv.plan(&children_path(PAGE), [ok.clone(), ok.clone(), ok]);
    let text: Vec<String> = (0..250).map(|i| format!("Paragraph {i}")).collect();
    let out = tools(&srv)
        .invoke(
            "notion_append_blocks",
            json!({"page_id": PAGE, "text": text.join("\n\n")}),
        )
        .await
        .unwrap();
    assert_eq!(out, json!({"block_id": PAGE, "blocks": 250, "requests": 3}));
    let sizes: Vec<usize> = srv
        .seen()
        .iter()
        .map(|s| s.body["children"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
}

#[tokio::test]
async fn a_failed_later_append_reports_what_was_written() {
    let srv = Server::start().await;
    srv.plan(
        &children_path(PAGE),
        [
            Reply::json(200, list(json!([]))),
            Reply::json(
                403,
                json!({"object": "error", "status": 403, "code": "restricted_resource",
                       "message": "Insufficient permissions for this endpoint.",
                       "request_id": "req-403"}),
            ),
        ],
    );
    let text: Vec<String> = (0..150).map(|i| format!("p{i}")).collect();
    let err = client(&srv, "2025-09-03")
        .append_text(PAGE, &text.join("\n\n"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            NotionError::PartialAppend {
                written: 100,
                total: 150,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.api().unwrap().code, NotionErrorCode::RestrictedResource);
}

#[tokio::test]
async fn a_page_not_shared_with_the_integration_shows_notions_error() {
    let srv = Server::start().await;
    srv.plan(
        &format!("/v1/pages/{PAGE}"),
        [Reply::json(
            404,
            json!({"object": "error", "status": 404, "code": "object_not_found",
                   "message": "Could not find page with ID: 59833787-2cf9-4fdf-8782-e53db20768a5. Make sure the relevant pages and databases are shared with your integration.",
                   "request_id": "req-404"}),
        )],
    );
    let err = client(&srv, "2025-09-03")
        .page(PAGE, 100)
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.code, NotionErrorCode::ObjectNotFound);
    assert_eq!(api.request_id.as_deref(), Some("req-404"));
    assert!(
        err.to_string()
            .contains("Notion answered 404 Not Found object_not_found: Could not find page"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_ids_and_arguments_are_refused_before_sending() {
    let srv = Server::start().await;
    let registry = tools(&srv);
    for (tool, args) in [
        ("notion_get_page", json!({"page_id": "../../users"})),
        (
            "notion_query_database",
            json!({"database_id": DS, "filter": "Status = Done"}),
        ),
        (
            "notion_query_database",
            json!({"database_id": DS, "sorts": {"property": "Due"}}),
        ),
        ("notion_search", json!({"page_size": 500})),
        (
            "notion_append_blocks",
            json!({"page_id": PAGE, "text": "  \n\n "}),
        ),
    ] {
        let err = registry.invoke(tool, args.clone()).await.unwrap_err();
        assert!(err.to_string().contains("invalid"), "{tool} {args}: {err}");
    }
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn tool_definitions_describe_reads_and_writes() {
    let srv = Server::start().await;
    let defs = tools(&srv).definitions();
    let read_only: Vec<(&str, bool)> = defs
        .iter()
        .map(|d| (d.name(), d.annotations().read_only))
        .collect();
    assert_eq!(
        read_only,
        [
            ("notion_append_blocks", false),
            ("notion_create_page", false),
            ("notion_get_page", true),
            ("notion_query_database", true),
            ("notion_search", true),
        ]
    );
}

#[tokio::test]
async fn a_rate_limited_read_waits_for_retry_after_and_continues() {
    let srv = Server::start().await;
    srv.plan(
        &format!("/v1/pages/{PAGE}"),
        [Reply::json(200, fixture("page.json"))],
    );
    srv.plan(
        &children_path(PAGE),
        [
            Reply::json(
                429,
                json!({"object": "error", "status": 429, "code": "rate_limited",
                       "message": "You have been rate limited. Please try again in a few minutes."}),
            )
            .header("retry-after", "3"),
            Reply::json(200, list(json!([paragraph(TOGGLE, "after the wait", false)]))),
        ],
    );
    let rec = Recorder::default();
    let notion = Notion::builder("ntn_secret_token")
        .base_url(srv.url("/v1"))
        .http(http(&rec))
        .build()
        .unwrap();
    let page = notion.page(PAGE, 100).await.unwrap();
    assert_eq!(page.content, "after the wait");
    assert_eq!(rec.delays(), [std::time::Duration::from_secs(3)]);
}

#[tokio::test]
async fn a_page_read_stops_after_its_request_budget() {
    let srv = Server::start().await;
    srv.plan(
        &format!("/v1/pages/{PAGE}"),
        [Reply::json(200, fixture("page.json"))],
    );
    let pages = (0..60).map(|i| {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        Reply::json(
            200,
            json!({"object": "list", "results": [paragraph(&id, "x", false)],
                   "next_cursor": id, "has_more": true}),
        )
    });
    srv.plan(&children_path(PAGE), pages);
    let page = client(&srv, "2025-09-03").page(PAGE, 20_000).await.unwrap();
    assert!(page.truncated);
    assert_eq!(
        srv.seen().len(),
        1 + switchboard_connectors::notion::MAX_BLOCK_REQUESTS
    );
}
