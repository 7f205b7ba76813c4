//! GitHub read tools (and commenting) against a loopback double serving GitHub's documented
//! example responses: the exact requests, the compact answers, pages and refusals.
#![cfg(feature = "github")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use loopback::{Recorder, Reply, Server, http};
use serde_json::{Value, json};
use switchboard_connectors::github::{GitHub, register_tools};
use switchboard_functions::ToolRegistry;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/github/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The GitHub tools over a client of `srv`.
fn tools(srv: &Server) -> ToolRegistry {
    let client = GitHub::builder("switchboard-tests/1.0")
        .token("ghp_secret_token")
        .base_url(srv.url("/"))
        .http(http(&Recorder::default()))
        .build()
        .unwrap();
    let registry = ToolRegistry::new();
    register_tools(&registry, &client, &Default::default()).unwrap();
    registry
}

#[tokio::test]
async fn search_issues_passes_the_query_through_and_pages_on() {
    let srv = Server::start().await;
    let next = format!(
        "<{}>; rel=\"next\", <{}>; rel=\"last\"",
        srv.url("/search/issues?q=login+is%3Aissue&per_page=2&page=2"),
        srv.url("/search/issues?q=login+is%3Aissue&per_page=2&page=2")
    );
    srv.plan(
        "/search/issues",
        [
            Reply::json(200, fixture("search_issues_page1.json")).header("link", next),
            Reply::json(200, fixture("search_issues_page2.json")),
        ],
    );
    let registry = tools(&srv);
    let args = json!({"query": "repo:octocat/Hello-World login", "kind": "issue", "max_items": 2});
    let first = registry
        .invoke("github_search_issues", args.clone())
        .await
        .unwrap();
    assert_eq!(first["truncated"], true);
    assert_eq!(first["next_page"], 2);
    assert_eq!(first["items"][1]["kind"], "pr");
    let mut args = args;
    args["page"] = first["next_page"].clone();
    let second = registry.invoke("github_search_issues", args).await.unwrap();
    assert_eq!(second["truncated"], false);
    assert!(second.get("next_page").is_none());
    insta::assert_yaml_snapshot!("search_issues_requests", srv.seen());
    insta::assert_json_snapshot!("search_issues_answers", [first, second]);
}

#[tokio::test]
async fn get_issue_returns_the_body_cut_and_the_first_comments() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/Hello-World/issues/1347",
        [Reply::json(200, fixture("issue.json"))],
    );
    srv.plan(
        "/repos/octocat/Hello-World/issues/1347/comments",
        [Reply::json(200, fixture("issue_comments.json"))],
    );
    let out = tools(&srv)
        .invoke(
            "github_get_issue",
            json!({"owner": "octocat", "repo": "Hello-World", "number": 1347, "max_comments": 2}),
        )
        .await
        .unwrap();
    assert_eq!(out["body_truncated"], true);
    assert_eq!(out["body"].as_str().unwrap().chars().count(), 4000);
    assert_eq!(out["comments"].as_array().unwrap().len(), 2);
    assert_eq!(out["comments_truncated"], true, "3 comments, 2 returned");
    insta::assert_yaml_snapshot!("get_issue_requests", srv.seen());
    let mut shown = out;
    shown["body"] = json!("[4000 characters]");
    insta::assert_json_snapshot!("get_issue_answer", shown);
}

#[tokio::test]
async fn list_pull_requests_sends_the_filters() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/Hello-World/pulls",
        [Reply::json(200, fixture("pulls.json"))],
    );
    let out = tools(&srv)
        .invoke(
            "github_list_pull_requests",
            json!({"owner": "octocat", "repo": "Hello-World", "state": "all",
                   "base": "master", "head": "octocat:new-topic"}),
        )
        .await
        .unwrap();
    assert_eq!(out["items"][0]["head"], "octocat:new-topic");
    insta::assert_yaml_snapshot!("list_pull_requests_request", srv.seen());
    insta::assert_json_snapshot!("list_pull_requests_answer", out);
}

#[tokio::test]
async fn get_file_decodes_the_text_at_a_ref() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octokit/octokit.rb/contents/docs/README.md",
        [
            Reply::json(200, fixture("contents_file.json")),
            Reply::json(200, fixture("contents_file.json")),
        ],
    );
    let registry = tools(&srv);
    let args = json!({"owner": "octokit", "repo": "octokit.rb", "path": "docs/README.md",
                      "ref": "v4.0.0"});
    let out = registry
        .invoke("github_get_file", args.clone())
        .await
        .unwrap();
    assert_eq!(
        out["text"],
        "# Hello World\n\nHello world, this is a README — with UTF-8.\n"
    );
    assert_eq!(out["truncated"], false);
    let mut capped = args;
    capped["max_bytes"] = json!(38);
    let cut = registry.invoke("github_get_file", capped).await.unwrap();
    assert_eq!(cut["text"], "# Hello World\n\nHello world, this is a ");
    assert_eq!(cut["truncated"], true);
    insta::assert_yaml_snapshot!("get_file_requests", srv.seen());
    insta::assert_json_snapshot!("get_file_answer", out);
}

#[tokio::test]
async fn a_binary_file_or_a_directory_is_refused_with_a_clear_message() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/Hello-World/contents/logo.png",
        [Reply::json(200, fixture("contents_binary.json"))],
    );
    srv.plan(
        "/repos/octocat/Hello-World/contents/src",
        [Reply::json(
            200,
            json!([{"type": "file", "name": "lib.rs", "path": "src/lib.rs"},
                   {"type": "dir", "name": "bin", "path": "src/bin"}]),
        )],
    );
    let registry = tools(&srv);
    let err = registry
        .invoke(
            "github_get_file",
            json!({"owner": "octocat", "repo": "Hello-World", "path": "logo.png"}),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("logo.png is a binary file (16 bytes); only text files can be read"),
        "{err}"
    );
    let err = registry
        .invoke(
            "github_get_file",
            json!({"owner": "octocat", "repo": "Hello-World", "path": "src"}),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("src is a directory, not a file; it holds: lib.rs, bin"),
        "{err}"
    );
}

#[tokio::test]
async fn list_commits_of_a_path() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/Hello-World/commits",
        [Reply::json(200, fixture("commits.json"))],
    );
    let out = tools(&srv)
        .invoke(
            "github_list_commits",
            json!({"owner": "octocat", "repo": "Hello-World", "path": "docs/",
                   "ref": "main", "max_items": 5, "page": 3}),
        )
        .await
        .unwrap();
    assert_eq!(out["items"][0]["summary"], "Fix all the bugs");
    insta::assert_yaml_snapshot!("list_commits_request", srv.seen());
    insta::assert_json_snapshot!("list_commits_answer", out);
}

#[tokio::test]
async fn add_comment_posts_the_body() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/Hello-World/issues/1347/comments",
        [Reply::json(201, fixture("comment_created.json"))],
    );
    let out = tools(&srv)
        .invoke(
            "github_add_comment",
            json!({"owner": "octocat", "repo": "Hello-World", "number": 1347,
                   "body": "Looking into it."}),
        )
        .await
        .unwrap();
    assert_eq!(out["id"], 3);
    insta::assert_yaml_snapshot!("add_comment_request", srv.seen());
    insta::assert_json_snapshot!("add_comment_answer", out);
}

#[tokio::test]
async fn a_search_refused_by_github_shows_its_message() {
    let srv = Server::start().await;
    srv.plan(
        "/search/issues",
        [Reply::json(
            422,
            json!({
                "message": "Validation Failed",
                "errors": [{
                    "message": "The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.",
                    "resource": "Search", "field": "q", "code": "invalid"
                }],
                "documentation_url": "https://docs.github.com/v3/search/"
            }),
        )],
    );
    let err = tools(&srv)
        .invoke(
            "github_search_issues",
            json!({"query": "repo:nobody/nothing"}),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "GitHub answered 422 Unprocessable Entity: Validation Failed (Search.q invalid: The listed users"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn paging_out_of_range_is_refused_before_sending() {
    let srv = Server::start().await;
    let registry = tools(&srv);
    for args in [
        json!({"query": "x", "max_items": 101}),
        json!({"query": "x", "page": 0}),
        json!({"query": "  "}),
    ] {
        registry
            .invoke("github_search_issues", args)
            .await
            .unwrap_err();
    }
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn a_search_over_its_rate_limit_waits_for_the_reset() {
    let srv = Server::start().await;
    let reset = loopback::epoch_now() + 20;
    srv.plan(
        "/search/issues",
        [
            Reply::json(
                403,
                json!({"message": "API rate limit exceeded for user ID 1.",
                       "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}),
            )
            .header("x-ratelimit-limit", "30")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-used", "30")
            .header("x-ratelimit-reset", reset.to_string())
            .header("x-ratelimit-resource", "search"),
            Reply::json(200, fixture("search_issues_page2.json")),
        ],
    );
    let rec = Recorder::default();
    let gh = GitHub::builder("switchboard-tests/1.0")
        .token("ghp_secret_token")
        .base_url(srv.url("/"))
        .http(http(&rec))
        .build()
        .unwrap();
    let found = gh
        .search_issues("login", None, Default::default())
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    let delays = rec.delays();
    assert_eq!(delays.len(), 1);
    assert!(
        delays[0] > std::time::Duration::from_secs(17)
            && delays[0] <= std::time::Duration::from_secs(20),
        "{delays:?}"
    );
}
