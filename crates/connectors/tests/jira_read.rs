//! Jira read tools (and commenting) against a loopback double serving Atlassian's documented
//! example responses: the exact requests, ADF rendered as text, token pagination, errors.
#![cfg(feature = "jira")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use loopback::{Recorder, Reply, Server, http};
use serde_json::{Value, json};
use switchboard_connectors::jira::{Jira, register_tools};
use switchboard_functions::{Context, ToolCall, ToolRegistry};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/jira/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn tools(srv: &Server, attribute_caller: bool) -> ToolRegistry {
    let client = Jira::builder(srv.url("/"), "me@example.com", "atl-secret-token")
        .http(http(&Recorder::default()).user_agent("switchboard-tests"))
        .build()
        .unwrap();
    let registry = ToolRegistry::new();
    let options = switchboard_connectors::ToolOptions::default().attribute_caller(attribute_caller);
    register_tools(&registry, &client, &options).unwrap();
    registry
}

/// `answer` as JSON with the loopback site replaced by `https://site`.
fn with_site(srv: &Server, answer: &Value) -> Value {
    let text = answer.to_string().replace(&srv.url(""), "https://site");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn search_sends_jql_and_follows_the_page_token() {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/search/jql",
        [
            Reply::json(200, fixture("search_page1.json")),
            Reply::json(200, fixture("search_page2.json")),
        ],
    );
    let registry = tools(&srv, false);
    let jql = "project = ED AND text ~ \"login\" ORDER BY updated DESC";
    let first = registry
        .invoke("jira_search_issues", json!({"jql": jql, "max_results": 2}))
        .await
        .unwrap();
    assert_eq!(first["truncated"], true);
    assert_eq!(first["next_page_token"], "CAEaAggD");
    let second = registry
        .invoke(
            "jira_search_issues",
            json!({"jql": jql, "max_results": 2, "page_token": first["next_page_token"]}),
        )
        .await
        .unwrap();
    assert_eq!(second["truncated"], false);
    assert!(second.get("next_page_token").is_none());
    insta::assert_yaml_snapshot!("search_requests", srv.seen());
    insta::assert_json_snapshot!("search_answers", with_site(&srv, &json!([first, second])));
}

#[tokio::test]
async fn get_issue_renders_the_description_and_last_comments_as_text() {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/issue/ED-1",
        [Reply::json(200, fixture("issue.json"))],
    );
    srv.plan(
        "/rest/api/3/issue/ED-1/comment",
        [Reply::json(200, fixture("comments.json"))],
    );
    let out = tools(&srv, false)
        .invoke("jira_get_issue", json!({"key": "ED-1", "max_comments": 2}))
        .await
        .unwrap();
    assert_eq!(
        out["description"],
        "The app crashes when **Remember me** is on.\n\n### Steps\n\n1. Open the app\n\
         2. Tap `Log in`\n\n```text\njava.lang.NullPointerException\n  at LoginActivity.onCreate\n```\n\n\
         Assigned to @Mia Krystof, see https://your-domain.atlassian.net/browse/ED-7"
    );
    assert_eq!(
        out["comments"][0]["body"], "Happens on Android 14 only.",
        "oldest first"
    );
    assert_eq!(out["comment_count"], 3);
    insta::assert_yaml_snapshot!("get_issue_requests", srv.seen());
    insta::assert_json_snapshot!("get_issue_answer", with_site(&srv, &out));
}

#[tokio::test]
async fn add_comment_sends_adf_and_credits_the_caller_in_plain_text() {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/issue/ED-1/comment",
        [Reply::json(201, fixture("comment_created.json"))],
    );
    let registry = tools(&srv, true);
    let mut user = switchboard_functions::User::new("u-1");
    user.name = Some("[Ada](https://evil.example)".into());
    let ctx = Context::default().with_user(user);
    let call = ToolCall::new(
        "jira_add_comment",
        json!({"key": "ED-1", "body": "Looking into it, **today**."}),
    )
    .with_context(ctx);
    let result = registry.call(call).await;
    assert!(!result.is_error(), "{}", result.content());
    let content = srv.seen()[0].body["body"]["content"].clone();
    assert_eq!(
        content[1],
        json!({"type": "paragraph", "content": [{"type": "text",
               "text": "Sent by [Ada](https://evil.example) via Switchboard"}]}),
        "the name stays literal text"
    );
    insta::assert_yaml_snapshot!("add_comment_request", srv.seen());
}

#[tokio::test]
async fn a_bad_jql_query_shows_jiras_messages() {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/search/jql",
        [Reply::json(
            400,
            json!({"errorMessages": ["Error in the JQL Query: The character '%' is a reserved JQL character. (line 1, character 10)"],
                   "errors": {}}),
        )],
    );
    let err = tools(&srv, false)
        .invoke("jira_search_issues", json!({"jql": "project = %"}))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Jira answered 400 Bad Request: Error in the JQL Query"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_keys_and_page_sizes_are_refused_before_sending() {
    let srv = Server::start().await;
    let registry = tools(&srv, false);
    registry
        .invoke("jira_get_issue", json!({"key": "ED-1/../../admin"}))
        .await
        .unwrap_err();
    registry
        .invoke(
            "jira_search_issues",
            json!({"jql": "project = ED", "max_results": 500}),
        )
        .await
        .unwrap_err();
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn list_transitions_gives_names_and_target_statuses() {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/issue/ED-1/transitions",
        [Reply::json(200, fixture("transitions.json"))],
    );
    let out = tools(&srv, false)
        .invoke("jira_list_transitions", json!({"key": "ED-1"}))
        .await
        .unwrap();
    insta::assert_json_snapshot!("list_transitions_answer", out);
    insta::assert_yaml_snapshot!("list_transitions_request", srv.seen());
}

#[tokio::test]
async fn transition_issue_posts_the_id_of_the_named_transition() {
    let srv = Server::start().await;
    let no_content = Reply {
        status: 204,
        headers: Vec::new(),
        body: String::new(),
    };
    srv.plan(
        "/rest/api/3/issue/ED-1/transitions",
        [Reply::json(200, fixture("transitions.json")), no_content],
    );
    let out = tools(&srv, false)
        .invoke(
            "jira_transition_issue",
            json!({"key": "ED-1", "transition": "start progress"}),
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        json!({"key": "ED-1", "transition": "Start Progress", "to_status": "In Progress"})
    );
    insta::assert_yaml_snapshot!("transition_issue_requests", srv.seen());
}

#[tokio::test]
async fn an_unknown_transition_name_lists_the_available_ones_and_posts_nothing() {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/issue/ED-1/transitions",
        [Reply::json(200, fixture("transitions.json"))],
    );
    let err = tools(&srv, false)
        .invoke(
            "jira_transition_issue",
            json!({"key": "ED-1", "transition": "Close"}),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("available now: To Do, Start Progress, Done"),
        "{err}"
    );
    assert_eq!(srv.seen().len(), 1, "only the GET");
}

#[tokio::test]
async fn a_refused_transition_shows_jiras_messages() {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/issue/ED-1/transitions",
        [
            Reply::json(200, fixture("transitions.json")),
            Reply::json(
                400,
                json!({"errorMessages": [],
                       "errors": {"resolution": "Resolution is required."}}),
            ),
        ],
    );
    let err = tools(&srv, false)
        .invoke(
            "jira_transition_issue",
            json!({"key": "ED-1", "transition": "Done"}),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Resolution is required."), "{err}");
}
