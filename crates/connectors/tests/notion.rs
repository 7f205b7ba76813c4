//! Notion client against a loopback double.
#![cfg(feature = "notion")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use std::time::Duration;

use loopback::{Recorder, Reply, Server, http};
use serde_json::json;
use switchboard_connectors::notion::{NewPage, Notion, NotionError, NotionErrorCode, Parent};
use switchboard_functions::ToolRegistry;

const DS: &str = "248104cd-477e-80af-bc30-000bc4f38d5e";
const PAGE: &str = "59833787-2cf9-4fdf-8782-e53db20768a5";

fn client(srv: &Server, rec: &Recorder) -> Notion {
    Notion::builder("ntn_secret_token")
        .base_url(srv.url("/v1"))
        .http(http(rec).user_agent("switchboard-tests"))
        .build()
        .unwrap()
}

/// A page object as in the "Create a page" documentation (trimmed).
fn page_answer() -> serde_json::Value {
    json!({
        "object": "page",
        "id": PAGE,
        "created_time": "2022-03-01T19:05:00.000Z",
        "parent": {"type": "data_source_id", "data_source_id": DS},
        "archived": false,
        "in_trash": false,
        "properties": {"Name": {"id": "title", "type": "title", "title": []}},
        "url": "https://www.notion.so/Meeting-notes-59833787",
        "public_url": null,
        "request_id": "a1b2"
    })
}

fn lengths(v: &serde_json::Value) -> Vec<usize> {
    v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["paragraph"]["rich_text"].as_array().unwrap().len())
        .collect()
}

#[tokio::test]
async fn create_page_in_a_data_source() {
    let srv = Server::start().await;
    srv.plan("/v1/pages", [Reply::json(200, page_answer())]);
    let rec = Recorder::default();
    let mut page = NewPage::new(
        Parent::DataSource(DS.into()),
        "Meeting notes",
        "First paragraph,\nwith a second line.\n\nSecond paragraph.",
    );
    page.properties
        .insert("Tags".into(), json!({"multi_select": [{"name": "weekly"}]}));
    let created = client(&srv, &rec).create_page(&page).await.unwrap();
    assert_eq!(created.id, PAGE);
    assert_eq!(created.url, "https://www.notion.so/Meeting-notes-59833787");
    assert_eq!((created.blocks, created.requests), (2, 1));
    assert_eq!(created.raw()["in_trash"], false);
    let seen = srv.seen();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer ntn_secret_token")
    );
    insta::assert_yaml_snapshot!(seen);
}

#[tokio::test]
async fn ten_thousand_characters_become_five_pieces() {
    let srv = Server::start().await;
    srv.plan("/v1/pages", [Reply::json(200, page_answer())]);
    let rec = Recorder::default();
    let text: String = (0..10_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    client(&srv, &rec)
        .create_page(&NewPage::new(
            Parent::Database(DS.into()),
            "Long",
            text.clone(),
        ))
        .await
        .unwrap();
    let seen = srv.seen();
    assert_eq!(seen.len(), 1);
    let body = &seen[0].body;
    assert_eq!(
        body["parent"],
        json!({"type": "database_id", "database_id": DS})
    );
    assert_eq!(lengths(body), [5]);
    let pieces = body["children"][0]["paragraph"]["rich_text"]
        .as_array()
        .unwrap();
    let mut joined = String::new();
    for p in pieces {
        let c = p["text"]["content"].as_str().unwrap();
        assert_eq!(c.chars().count(), 2000);
        joined.push_str(c);
    }
    assert_eq!(joined, text, "nothing is lost or reordered");
}

#[tokio::test]
async fn more_than_100_blocks_are_appended_in_batches() {
    let srv = Server::start().await;
    srv.plan("/v1/pages", [Reply::json(200, page_answer())]);
    let children = format!("/v1/blocks/{PAGE}/children");
    srv.plan(
        &children,
        [
            Reply::json(200, json!({"object": "list", "results": []})),
            Reply::json(200, json!({"object": "list", "results": []})),
        ],
    );
    let rec = Recorder::default();
    let text: Vec<String> = (0..250).map(|i| format!("Paragraph {i}")).collect();
    let created = client(&srv, &rec)
        .create_page(&NewPage::new(
            Parent::DataSource(DS.into()),
            "Many",
            text.join("\n\n"),
        ))
        .await
        .unwrap();
    assert_eq!((created.blocks, created.requests), (250, 3));
    let seen = srv.seen();
    let summary: Vec<_> = seen
        .iter()
        .map(|s| {
            let blocks = s.body["children"].as_array().unwrap();
            (
                s.method.clone(),
                s.path.clone(),
                blocks.len(),
                blocks[0]["paragraph"]["rich_text"][0]["text"]["content"].clone(),
                s.headers["notion-version"].clone(),
            )
        })
        .collect();
    insta::assert_yaml_snapshot!(summary);
}

#[tokio::test]
async fn page_parent_uses_the_title_property() {
    let srv = Server::start().await;
    srv.plan("/v1/pages", [Reply::json(200, page_answer())]);
    let rec = Recorder::default();
    client(&srv, &rec)
        .create_page(&NewPage::new(Parent::Page(PAGE.into()), "Child", ""))
        .await
        .unwrap();
    let body = &srv.seen()[0].body;
    assert_eq!(body["parent"], json!({"type": "page_id", "page_id": PAGE}));
    assert_eq!(
        body["properties"]["title"]["title"][0]["text"]["content"],
        "Child"
    );
    assert!(body.get("children").is_none());
}

#[tokio::test]
async fn documented_errors_are_mapped() {
    let srv = Server::start().await;
    srv.plan(
        "/v1/pages",
        [
            Reply::json(
                400,
                json!({"object": "error", "status": 400, "code": "validation_error",
                       "message": "body failed validation: body.children[0].paragraph.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`.",
                       "request_id": "req-400"}),
            ),
            Reply::json(
                404,
                json!({"object": "error", "status": 404, "code": "object_not_found",
                       "message": "Could not find data_source with ID: 248104cd. Make sure the relevant pages and databases are shared with your integration.",
                       "request_id": "req-404"}),
            ),
            Reply::json(
                409,
                json!({"object": "error", "status": 409, "code": "brand_new_code", "message": "?"}),
            ),
        ],
    );
    let rec = Recorder::default();
    let notion = client(&srv, &rec);
    let page = NewPage::new(Parent::DataSource(DS.into()), "x", "y");
    let err = notion.create_page(&page).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.code, NotionErrorCode::ValidationError);
    assert_eq!(api.request_id.as_deref(), Some("req-400"));
    assert!(api.message.contains("should be ≤ `2000`"));
    let err = notion.create_page(&page).await.unwrap_err();
    assert_eq!(err.api().unwrap().code, NotionErrorCode::ObjectNotFound);
    let err = notion.create_page(&page).await.unwrap_err();
    assert_eq!(
        err.api().unwrap().code,
        NotionErrorCode::Other("brand_new_code".into())
    );
    assert!(!format!("{err:?}").contains("ntn_secret_token"));
}

#[tokio::test]
async fn rate_limited_and_overloaded_are_retried() {
    let srv = Server::start().await;
    srv.plan(
        "/v1/pages",
        [
            Reply::json(
                429,
                json!({"object": "error", "status": 429, "code": "rate_limited",
                       "message": "You have been rate limited. Please try again in a few minutes."}),
            )
            .header("retry-after", "2"),
            Reply::json(
                529,
                json!({"object": "error", "status": 529, "code": "service_overload", "message": "overloaded"}),
            ),
            Reply::json(200, page_answer()),
        ],
    );
    let rec = Recorder::default();
    client(&srv, &rec)
        .create_page(&NewPage::new(Parent::DataSource(DS.into()), "x", "y"))
        .await
        .unwrap();
    assert_eq!(
        rec.delays(),
        [Duration::from_secs(2), Duration::from_millis(200)]
    );
}

#[tokio::test]
async fn a_failed_append_reports_what_was_written() {
    let srv = Server::start().await;
    srv.plan("/v1/pages", [Reply::json(200, page_answer())]);
    srv.plan(
        &format!("/v1/blocks/{PAGE}/children"),
        [Reply::json(
            403,
            json!({"object": "error", "status": 403, "code": "restricted_resource", "message": "no insert"}),
        )],
    );
    let rec = Recorder::default();
    let text: Vec<String> = (0..150).map(|i| format!("p{i}")).collect();
    let err = client(&srv, &rec)
        .create_page(&NewPage::new(
            Parent::DataSource(DS.into()),
            "x",
            text.join("\n\n"),
        ))
        .await
        .unwrap_err();
    match &err {
        NotionError::PartialContent {
            page_id,
            written,
            total,
            ..
        } => assert_eq!((page_id.as_str(), *written, *total), (PAGE, 100, 150)),
        other => panic!("{other}"),
    }
    assert_eq!(err.api().unwrap().code, NotionErrorCode::RestrictedResource);
}

#[tokio::test]
async fn input_and_version_are_checked() {
    let srv = Server::start().await;
    let rec = Recorder::default();
    let notion = client(&srv, &rec);
    let err = notion
        .create_page(&NewPage::new(Parent::DataSource("nope".into()), "x", ""))
        .await
        .unwrap_err();
    assert!(matches!(err, NotionError::InvalidInput(ref e) if e.field() == "parent/id"));
    let err = notion
        .create_page(&NewPage::new(Parent::DataSource(DS.into()), " ", ""))
        .await
        .unwrap_err();
    assert!(matches!(err, NotionError::InvalidInput(ref e) if e.field() == "title"));
    assert!(srv.seen().is_empty());
    let err = Notion::builder("t").version("latest").build().unwrap_err();
    assert!(matches!(err, NotionError::InvalidInput(ref e) if e.field() == "version"));
    let custom = Notion::builder("t")
        .version("2022-06-28")
        .base_url(srv.url("/v1"))
        .http(http(&rec))
        .build()
        .unwrap();
    srv.plan("/v1/pages", [Reply::json(200, page_answer())]);
    custom
        .create_page(&NewPage::new(Parent::Database(DS.into()), "x", ""))
        .await
        .unwrap();
    assert_eq!(srv.seen()[0].headers["notion-version"], "2022-06-28");
}

#[tokio::test]
async fn create_page_tool() {
    let srv = Server::start().await;
    srv.plan("/v1/pages", [Reply::json(200, page_answer())]);
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    switchboard_connectors::notion::register_tools(
        &registry,
        &client(&srv, &rec),
        &Default::default(),
    )
    .unwrap();
    insta::assert_json_snapshot!("tool_definitions", registry.definitions());
    let out = registry
        .invoke(
            "notion_create_page",
            json!({"parent": {"type": "data_source", "id": DS}, "title": "From the model",
                   "content": "Hello."}),
        )
        .await
        .unwrap();
    assert_eq!(out["id"], PAGE);
    assert_eq!(
        srv.seen()[0].body["parent"],
        json!({"type": "data_source_id", "data_source_id": DS})
    );
}

/// Creates a page through `notion_create_page` for `ctx` with attribution `on` or off, and
/// returns the `children` Notion received.
async fn children_sent(
    content: &str,
    ctx: switchboard_functions::Context,
    on: bool,
) -> serde_json::Value {
    let srv = Server::start().await;
    srv.plan("/v1/pages", [Reply::json(200, page_answer())]);
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    let options = switchboard_connectors::ToolOptions::default().attribute_caller(on);
    switchboard_connectors::notion::register_tools(&registry, &client(&srv, &rec), &options)
        .unwrap();
    let args = json!({"parent": {"type": "data_source", "id": DS}, "title": "Notes",
                      "content": content});
    let call = switchboard_functions::ToolCall::new("notion_create_page", args).with_context(ctx);
    let result = registry.call(call).await;
    assert!(!result.is_error(), "{}", result.content());
    srv.seen()[0].body["children"].clone()
}

fn paragraph_text(block: &serde_json::Value) -> &str {
    block["paragraph"]["rich_text"][0]["text"]["content"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn an_attributed_page_ends_with_a_credit_paragraph() {
    let children = children_sent("Hello.", loopback::ada(), true).await;
    let blocks = children.as_array().unwrap();
    assert_eq!(blocks.len(), 2, "{children}");
    assert_eq!(paragraph_text(&blocks[0]), "Hello.");
    assert_eq!(
        paragraph_text(&blocks[1]),
        "Created by Ada Lovelace via Switchboard"
    );
}

#[tokio::test]
async fn without_the_switch_a_page_names_no_one() {
    let children = children_sent("Hello.", loopback::ada(), false).await;
    assert_eq!(children.as_array().unwrap().len(), 1, "{children}");
}

#[tokio::test]
async fn object_not_found_is_error_kind_not_found_with_code_and_request_id() {
    let srv = Server::start().await;
    srv.plan(
        "/v1/pages",
        [Reply::json(
            404,
            json!({"object": "error", "status": 404, "code": "object_not_found",
                   "message": "Could not find data_source", "request_id": "req-404"}),
        )],
    );
    let rec = Recorder::default();
    let page = NewPage::new(Parent::DataSource(DS.into()), "x", "y");
    let err = client(&srv, &rec).create_page(&page).await.unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::NotFound);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.code(), Some("object_not_found"));
    assert_eq!(err.request_id(), Some("req-404"));
}
