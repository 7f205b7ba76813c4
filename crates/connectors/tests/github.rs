//! GitHub client against a loopback double that checks requests as GitHub would.
#![cfg(feature = "github")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use std::time::Duration;

use futures_util::TryStreamExt;
use loopback::{Recorder, Reply, Server, epoch_now, http};
use serde_json::json;
use switchboard_connectors::github::{
    GitHub, GitHubError, IssueState, ListMyRepos, ListUserRepos, NewIssue, RepoSort, Visibility,
};
use switchboard_functions::ToolRegistry;

fn client(srv: &Server, rec: &Recorder) -> GitHub {
    GitHub::builder("switchboard-tests/1.0")
        .token("ghp_secret_token")
        .base_url(srv.url("/"))
        .http(http(rec))
        .build()
        .unwrap()
}

fn repo(id: u64, name: &str) -> serde_json::Value {
    json!({
        "id": id,
        "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        "name": name,
        "full_name": format!("octocat/{name}"),
        "owner": {"login": "octocat", "id": 1, "type": "User", "site_admin": false},
        "private": false,
        "html_url": format!("https://github.com/octocat/{name}"),
        "description": "This your first repo!",
        "fork": false,
        "language": null,
        "stargazers_count": 80,
        "default_branch": "master",
        "visibility": "public",
        "pushed_at": "2011-01-26T19:06:43Z",
        "permissions": {"admin": false, "push": false, "pull": true},
        "security_and_analysis": {"advanced_security": {"status": "enabled"}}
    })
}

#[tokio::test]
async fn get_repository_sends_github_headers_and_parses_docs_example() {
    let srv = Server::start().await;
    let mut body = repo(1296269, "Hello-World");
    body["visibility"] = json!("limited-preview");
    body["brand_new_field"] = json!({"x": 1});
    srv.plan("/repos/octocat/Hello-World", [Reply::json(200, body)]);
    let rec = Recorder::default();
    let repo = client(&srv, &rec)
        .repository("octocat", "Hello-World")
        .await
        .unwrap();
    assert_eq!(repo.full_name, "octocat/Hello-World");
    assert_eq!(repo.default_branch.as_deref(), Some("master"));
    assert_eq!(
        repo.visibility,
        Some(Visibility::Other("limited-preview".into()))
    );
    assert_eq!(repo.raw()["brand_new_field"]["x"], 1);
    let seen = srv.seen();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer ghp_secret_token")
    );
    insta::assert_yaml_snapshot!(seen);
}

#[tokio::test]
async fn my_repositories_follow_link_header_across_three_pages() {
    let srv = Server::start().await;
    let next = |page: u32| {
        format!(
            "<{}>; rel=\"next\", <{}>; rel=\"last\"",
            srv.url(&format!("/user/repos?per_page=2&page={page}")),
            srv.url("/user/repos?per_page=2&page=3")
        )
    };
    srv.plan(
        "/user/repos",
        [
            Reply::json(200, json!([repo(1, "a"), repo(2, "b")])).header("link", next(2)),
            Reply::json(200, json!([repo(3, "c"), repo(4, "d")])).header("link", next(3)),
            Reply::json(200, json!([repo(5, "e")])).header(
                "link",
                format!(
                    "<{}>; rel=\"first\"",
                    srv.url("/user/repos?per_page=2&page=1")
                ),
            ),
        ],
    );
    let rec = Recorder::default();
    let mut options = ListMyRepos::default();
    options.affiliation = vec!["owner".into(), "collaborator".into()];
    options.sort = Some(RepoSort::Pushed);
    options.per_page = Some(2);
    let repos: Vec<_> = client(&srv, &rec)
        .my_repositories(&options)
        .try_collect()
        .await
        .unwrap();
    let names: Vec<_> = repos.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    insta::assert_yaml_snapshot!(srv.seen());
}

#[tokio::test]
async fn user_repositories_query_and_input_checks() {
    let srv = Server::start().await;
    srv.plan(
        "/users/octo%20cat/repos",
        [Reply::json(200, json!([repo(1, "a")]))],
    );
    let rec = Recorder::default();
    let gh = client(&srv, &rec);
    let mut options = ListUserRepos::default();
    options.kind = Some("member".into());
    let repos: Vec<_> = gh
        .user_repositories("octo cat", &options)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(repos.len(), 1);
    insta::assert_yaml_snapshot!(srv.seen());

    options.kind = Some("private".into());
    let err = gh
        .user_repositories("octocat", &options)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid type"), "{err}");
    let mut mine = ListMyRepos::default();
    mine.kind = Some("owner".into());
    mine.visibility = Some("private".into());
    let err = gh
        .my_repositories(&mine)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, GitHubError::InvalidInput(ref e) if e.field() == "type"));
    assert_eq!(srv.seen().len(), 1, "invalid input is never sent");
}

#[tokio::test]
async fn pagination_refuses_a_next_link_to_another_origin() {
    let srv = Server::start().await;
    srv.plan(
        "/user/repos",
        [Reply::json(200, json!([repo(1, "a")]))
            .header("link", "<https://evil.example/steal?page=2>; rel=\"next\"")],
    );
    let rec = Recorder::default();
    let items: Vec<_> = client(&srv, &rec)
        .my_repositories(&ListMyRepos::default())
        .collect_all()
        .await;
    assert!(items[0].is_ok());
    assert!(matches!(items[1], Err(GitHubError::Pagination(_))));
    assert_eq!(items.len(), 2);
}

trait CollectAll: futures_util::Stream + Sized {
    async fn collect_all(self) -> Vec<Self::Item> {
        futures_util::StreamExt::collect(self).await
    }
}
impl<S: futures_util::Stream> CollectAll for S {}

#[tokio::test]
async fn create_issue_request_and_response() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/Hello-World/issues",
        [Reply::json(
            201,
            json!({
                "id": 1, "node_id": "MDU6SXNzdWUx", "number": 1347, "state": "open",
                "title": "Found a bug", "body": "I'm having a problem with this.",
                "html_url": "https://github.com/octocat/Hello-World/issues/1347",
                "user": {"login": "octocat", "id": 1, "type": "User"},
                "labels": [{"id": 208045946, "name": "bug", "color": "f29513"}],
                "assignees": [], "state_reason": "reopened"
            }),
        )],
    );
    let rec = Recorder::default();
    let issue = client(&srv, &rec)
        .create_issue(
            "octocat",
            "Hello-World",
            &NewIssue::new("Found a bug")
                .body("I'm having a problem with this.")
                .label("bug")
                .assignee("octocat"),
        )
        .await
        .unwrap();
    assert_eq!(issue.number, 1347);
    assert_eq!(issue.state, IssueState::Open);
    assert_eq!(issue.labels[0].name, "bug");
    assert_eq!(issue.raw()["state_reason"], "reopened");
    insta::assert_yaml_snapshot!(srv.seen());
}

#[tokio::test]
async fn documented_errors_are_mapped() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/Hello-World/issues",
        [
            Reply::json(
                422,
                json!({
                    "message": "Validation Failed",
                    "errors": [{"resource": "Issue", "field": "title", "code": "missing_field"}],
                    "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue"
                }),
            )
            .header("x-github-request-id", "CAFE:1234"),
            Reply::json(
                410,
                json!({"message": "Issues are disabled for this repo",
                       "documentation_url": "https://docs.github.com/v3/issues/"}),
            ),
            Reply {
                status: 502,
                headers: vec![],
                body: "<html>bad gateway</html>".into(),
            },
        ],
    );
    let rec = Recorder::default();
    let gh = client(&srv, &rec);
    let issue = NewIssue::new("x");
    let err = gh
        .create_issue("octocat", "Hello-World", &issue)
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 422);
    assert_eq!(api.message, "Validation Failed");
    assert_eq!(api.errors[0].field.as_deref(), Some("title"));
    assert_eq!(api.errors[0].code.as_deref(), Some("missing_field"));
    assert_eq!(api.request_id.as_deref(), Some("CAFE:1234"));
    assert_eq!(
        err.to_string(),
        "GitHub answered 422 Unprocessable Entity: Validation Failed (Issue.title missing_field)"
    );

    let err = gh
        .create_issue("octocat", "Hello-World", &issue)
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().status, 410);
    assert_eq!(
        err.api().unwrap().message,
        "Issues are disabled for this repo"
    );

    // A POST is not repeated after a 502: the issue may have been created.
    let err = gh
        .create_issue("octocat", "Hello-World", &issue)
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().message, "<html>bad gateway</html>");
    assert!(rec.delays().is_empty());

    let err = gh
        .create_issue("octocat", "Hello-World", &NewIssue::new("  "))
        .await
        .unwrap_err();
    assert!(matches!(err, GitHubError::InvalidInput(ref e) if e.field() == "title"));
    assert!(!format!("{err:?}").contains("ghp_secret_token"));
}

#[tokio::test]
async fn primary_limit_403_waits_until_reset_even_for_post() {
    let srv = Server::start().await;
    let reset = epoch_now() + 30;
    srv.plan(
        "/repos/octocat/Hello-World/issues",
        [
            Reply::json(
                403,
                json!({"message": "API rate limit exceeded for user ID 1."}),
            )
            .header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-used", "5000")
            .header("x-ratelimit-reset", reset.to_string())
            .header("x-ratelimit-resource", "core"),
            Reply::json(
                201,
                json!({"id": 1, "number": 2, "state": "open", "title": "t",
                       "html_url": "https://github.com/octocat/Hello-World/issues/2"}),
            ),
        ],
    );
    let rec = Recorder::default();
    let issue = client(&srv, &rec)
        .create_issue("octocat", "Hello-World", &NewIssue::new("t"))
        .await
        .unwrap();
    assert_eq!(issue.number, 2);
    let delays = rec.delays();
    assert_eq!(delays.len(), 1);
    assert!(
        delays[0] > Duration::from_secs(27) && delays[0] <= Duration::from_secs(30),
        "{delays:?}"
    );
}

#[tokio::test]
async fn a_reset_beyond_the_policy_cap_is_returned_with_its_time() {
    let srv = Server::start().await;
    let reset = epoch_now() + 3600;
    srv.plan(
        "/repos/octocat/Hello-World",
        [Reply::json(
            429,
            json!({"message": "API rate limit exceeded for 203.0.113.7."}),
        )
        .header("x-ratelimit-remaining", "0")
        .header("x-ratelimit-reset", reset.to_string())],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .repository("octocat", "Hello-World")
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 429);
    assert_eq!(api.rate_limit_remaining, Some(0));
    assert_eq!(api.rate_limit_reset, Some(reset));
    assert!(
        rec.delays().is_empty(),
        "an hour exceeds the 60 s server-delay cap"
    );
}

#[tokio::test]
async fn secondary_limits_use_retry_after_or_sixty_seconds() {
    let srv = Server::start().await;
    let secondary = json!({
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
    });
    srv.plan(
        "/repos/octocat/Hello-World",
        [
            Reply::json(403, secondary.clone()).header("retry-after", "7"),
            Reply::json(403, secondary),
            Reply::json(200, repo(1, "Hello-World")),
        ],
    );
    let rec = Recorder::default();
    let repo = client(&srv, &rec)
        .repository("octocat", "Hello-World")
        .await
        .unwrap();
    assert_eq!(repo.id, 1);
    assert_eq!(
        rec.delays(),
        [Duration::from_secs(7), Duration::from_secs(60)]
    );
}

#[tokio::test]
async fn a_plain_403_is_not_retried() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/private",
        [Reply::json(
            403,
            json!({"message": "Resource not accessible by integration"}),
        )
        .header("x-ratelimit-remaining", "4999")],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .repository("octocat", "private")
        .await
        .unwrap_err();
    assert_eq!(
        err.api().unwrap().message,
        "Resource not accessible by integration"
    );
    assert!(rec.delays().is_empty());
}

#[tokio::test]
async fn tools_are_registered_and_call_the_api() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/Hello-World/issues",
        [Reply::json(
            201,
            json!({"id": 1, "number": 7, "state": "open", "title": "From the model",
                   "html_url": "https://github.com/octocat/Hello-World/issues/7"}),
        )],
    );
    srv.plan(
        "/users/octocat/repos",
        [Reply::json(
            200,
            json!([repo(1, "a"), repo(2, "b"), repo(3, "c")]),
        )],
    );
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    switchboard_connectors::github::register_tools(
        &registry,
        &client(&srv, &rec),
        &Default::default(),
    )
    .unwrap();
    insta::assert_json_snapshot!("tool_definitions", registry.definitions());
    let mut names = registry.names();
    names.sort();
    assert_eq!(
        names,
        [
            "github_add_comment",
            "github_create_issue",
            "github_get_file",
            "github_get_issue",
            "github_get_repository",
            "github_list_commits",
            "github_list_my_repositories",
            "github_list_pull_requests",
            "github_list_user_repositories",
            "github_search_issues"
        ]
    );
    let out = registry
        .invoke(
            "github_create_issue",
            json!({"owner": "octocat", "repo": "Hello-World", "title": "From the model"}),
        )
        .await
        .unwrap();
    assert_eq!(out["number"], 7);
    let out = registry
        .invoke(
            "github_list_user_repositories",
            json!({"username": "octocat", "max_items": 2}),
        )
        .await
        .unwrap();
    assert_eq!(out["repositories"].as_array().unwrap().len(), 2);
    assert_eq!(out["truncated"], true);
    let err = registry
        .invoke("github_create_issue", json!({"owner": "octocat"}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("repo"), "{err}");
}

/// Creates an issue through `github_create_issue` for `ctx` with attribution `on` or off, and
/// returns the body GitHub received.
async fn create_issue_through_the_tool(
    body: Option<&str>,
    ctx: switchboard_functions::Context,
    on: bool,
) -> serde_json::Value {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/Hello-World/issues",
        [Reply::json(
            201,
            json!({"id": 1, "number": 7, "state": "open", "title": "Bug",
                   "html_url": "https://github.com/octocat/Hello-World/issues/7"}),
        )],
    );
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    let options = switchboard_connectors::ToolOptions::default().attribute_caller(on);
    switchboard_connectors::github::register_tools(&registry, &client(&srv, &rec), &options)
        .unwrap();
    let mut args = json!({"owner": "octocat", "repo": "Hello-World", "title": "Bug"});
    if let Some(body) = body {
        args["body"] = json!(body);
    }
    let call = switchboard_functions::ToolCall::new("github_create_issue", args).with_context(ctx);
    let result = registry.call(call).await;
    assert!(!result.is_error(), "{}", result.content());
    srv.seen()[0].body.clone()
}

#[tokio::test]
async fn an_attributed_issue_ends_with_a_footer_naming_the_user() {
    let sent = create_issue_through_the_tool(Some("It breaks."), loopback::ada(), true).await;
    assert_eq!(
        sent["body"],
        "It breaks.\n\n---\n\n_Created by Ada Lovelace via Switchboard_"
    );
}

#[tokio::test]
async fn an_attributed_issue_without_a_body_gets_the_footer_alone() {
    let sent = create_issue_through_the_tool(None, loopback::ada(), true).await;
    assert_eq!(sent["body"], "_Created by Ada Lovelace via Switchboard_");
}

#[tokio::test]
async fn without_the_switch_an_issue_names_no_one() {
    let sent = create_issue_through_the_tool(Some("It breaks."), loopback::ada(), false).await;
    assert_eq!(sent["body"], "It breaks.");
}

#[tokio::test]
async fn a_404_is_error_kind_not_found_with_its_request_id() {
    let srv = Server::start().await;
    srv.plan(
        "/repos/octocat/nope",
        [Reply::json(404, json!({"message": "Not Found"}))
            .header("x-github-request-id", "CAFE:404")],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .repository("octocat", "nope")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::NotFound);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.request_id(), Some("CAFE:404"));
}
