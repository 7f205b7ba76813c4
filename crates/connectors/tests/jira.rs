//! Jira Cloud REST v3 client against a loopback double.
#![cfg(feature = "jira")]
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod loopback;

use std::time::Duration;

use loopback::{Recorder, Reply, Server, epoch_now, http};
use serde_json::json;
use switchboard_connectors::jira::{Jira, JiraError, NewIssue, text_to_adf};
use switchboard_functions::ToolRegistry;

fn client(srv: &Server, rec: &Recorder) -> Jira {
    Jira::builder(srv.url("/"), "me@example.com", "atl-secret-token")
        .http(http(rec).user_agent("switchboard-tests"))
        .build()
        .unwrap()
}

fn created() -> serde_json::Value {
    json!({
        "id": "10000",
        "key": "ED-24",
        "self": "https://your-domain.atlassian.net/rest/api/3/issue/10000",
        "transition": {"status": 200, "errorCollection": {"errorMessages": [], "errors": {}}}
    })
}

const DESCRIPTION: &str = "The staging keys expire on **Friday**.\nSee the `rotate` runbook.\n\n\
## Steps\n\n1. Rotate the keys\n2. Redeploy [the app](https://example.com/app)\n\n\
- check *logs*\n- tell #ops\n\n```sh\n./rotate --all\n```\n\nThanks!";

#[tokio::test]
async fn create_issue_sends_adf_with_basic_auth() {
    let srv = Server::start().await;
    srv.plan("/rest/api/3/issue", [Reply::json(201, created())]);
    let rec = Recorder::default();
    let issue = client(&srv, &rec)
        .create_issue(
            &NewIssue::new("ED", "Task", "Rotate the staging keys")
                .description(DESCRIPTION)
                .label("ops"),
        )
        .await
        .unwrap();
    assert_eq!(issue.key, "ED-24");
    assert_eq!(issue.id, "10000");
    assert_eq!(issue.raw()["transition"]["status"], 200);
    let seen = srv.seen();
    // base64("me@example.com:atl-secret-token")
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Basic bWVAZXhhbXBsZS5jb206YXRsLXNlY3JldC10b2tlbg==")
    );
    insta::assert_yaml_snapshot!(seen);
}

#[test]
fn multi_paragraph_text_to_adf() {
    let doc = text_to_adf("First paragraph,\nsecond line.\n\nSecond paragraph.\n\n\nThird.");
    assert_eq!(
        doc,
        json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [
                {"type": "text", "text": "First paragraph,"},
                {"type": "hardBreak"},
                {"type": "text", "text": "second line."}
            ]},
            {"type": "paragraph", "content": [{"type": "text", "text": "Second paragraph."}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "Third."}]}
        ]})
    );
    insta::assert_json_snapshot!("markdown_to_adf", text_to_adf(DESCRIPTION));
}

#[tokio::test]
async fn documented_errors_are_mapped() {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/issue",
        [
            Reply::json(
                400,
                json!({"errorMessages": [], "errors": {"summary": "You must specify a summary of the issue."}}),
            ),
            Reply::json(
                401,
                json!({"errorMessages": ["You do not have the permission to see the specified issue."], "errors": {}}),
            ),
            Reply {
                status: 403,
                headers: vec![],
                body: "<html>Forbidden</html>".into(),
            },
        ],
    );
    let rec = Recorder::default();
    let jira = client(&srv, &rec);
    let issue = NewIssue::new("ED", "Task", "x");
    let err = jira.create_issue(&issue).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 400);
    assert_eq!(
        api.field_errors["summary"],
        "You must specify a summary of the issue."
    );
    assert_eq!(
        err.to_string(),
        "Jira answered 400 Bad Request: summary: You must specify a summary of the issue."
    );
    let err = jira.create_issue(&issue).await.unwrap_err();
    assert_eq!(
        err.api().unwrap().messages,
        ["You do not have the permission to see the specified issue."]
    );
    let err = jira.create_issue(&issue).await.unwrap_err();
    assert_eq!(err.api().unwrap().messages, ["<html>Forbidden</html>"]);
    assert!(!format!("{err:?}").contains("atl-secret-token"));
    assert!(rec.delays().is_empty());
}

/// `epoch` as `YYYY-MM-DDTHH:MM:SS.000Z`.
fn iso8601(epoch: u64) -> String {
    let days = (epoch / 86_400) as i64;
    let secs = epoch % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[tokio::test]
async fn rate_limits_wait_for_retry_after_or_the_iso_reset() {
    let srv = Server::start().await;
    let limited = json!({"errorMessages": ["Rate limit exceeded."], "errors": {}});
    srv.plan(
        "/rest/api/3/issue",
        [
            Reply::json(429, limited.clone())
                .header("retry-after", "5")
                .header("ratelimit-reason", "jira-burst-based"),
            Reply::json(429, limited).header("x-ratelimit-reset", iso8601(epoch_now() + 20)),
            Reply::json(201, created()),
        ],
    );
    let rec = Recorder::default();
    let issue = client(&srv, &rec)
        .create_issue(&NewIssue::new("ED", "Task", "x"))
        .await
        .unwrap();
    assert_eq!(issue.key, "ED-24");
    let delays = rec.delays();
    assert_eq!(delays[0], Duration::from_secs(5));
    assert!(
        delays[1] > Duration::from_secs(17) && delays[1] <= Duration::from_secs(20),
        "{delays:?}"
    );
    assert_eq!(srv.seen().len(), 3);
}

#[tokio::test]
async fn a_503_with_retry_after_is_retried_but_a_bare_503_is_not() {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/issue",
        [
            Reply::json(503, json!({"errorMessages": ["busy"]})).header("retry-after", "3"),
            Reply::json(201, created()),
            Reply::json(503, json!({"errorMessages": ["down"]})),
        ],
    );
    let rec = Recorder::default();
    let jira = client(&srv, &rec);
    jira.create_issue(&NewIssue::new("ED", "Task", "x"))
        .await
        .unwrap();
    assert_eq!(rec.delays(), [Duration::from_secs(3)]);
    let err = jira
        .create_issue(&NewIssue::new("ED", "Task", "x"))
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().messages, ["down"]);
    assert_eq!(
        rec.delays().len(),
        1,
        "a create is not repeated after a bare 503"
    );
}

#[tokio::test]
async fn input_is_checked_before_sending() {
    let srv = Server::start().await;
    let rec = Recorder::default();
    let jira = client(&srv, &rec);
    for (issue, field) in [
        (NewIssue::new("ED", "Task", " "), "summary"),
        (NewIssue::new("ED", "Task", "two\nlines"), "summary"),
        (NewIssue::new("ED", "Task", "x".repeat(256)), "summary"),
        (NewIssue::new("", "Task", "x"), "project_key"),
        (
            NewIssue::new("ED", "Task", "x").label("has space"),
            "labels/0",
        ),
    ] {
        let err = jira.create_issue(&issue).await.unwrap_err();
        assert!(
            matches!(err, JiraError::InvalidInput(ref e) if e.field() == field),
            "{err}"
        );
    }
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn create_issue_tool() {
    let srv = Server::start().await;
    srv.plan("/rest/api/3/issue", [Reply::json(201, created())]);
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    switchboard_connectors::jira::register_tools(
        &registry,
        &client(&srv, &rec),
        &Default::default(),
    )
    .unwrap();
    insta::assert_json_snapshot!("tool_definitions", registry.definitions());
    let out = registry
        .invoke(
            "jira_create_issue",
            json!({"project_key": "ED", "issue_type": "Bug", "summary": "Crash",
                   "description": "It crashes.\n\nEvery time."}),
        )
        .await
        .unwrap();
    assert_eq!(out["key"], "ED-24");
    let body = &srv.seen()[0].body;
    assert_eq!(
        body["fields"]["description"]["content"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// Creates an issue through `jira_create_issue` for `ctx` with attribution `on` or off, and
/// returns the `fields.description` Jira received.
async fn description_sent(
    description: Option<&str>,
    ctx: switchboard_functions::Context,
    on: bool,
) -> serde_json::Value {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/issue",
        [Reply::json(
            201,
            json!({"id": "10000", "key": "PROJ-42", "self": "x"}),
        )],
    );
    let rec = Recorder::default();
    let registry = ToolRegistry::new();
    let options = switchboard_connectors::ToolOptions::default().attribute_caller(on);
    switchboard_connectors::jira::register_tools(&registry, &client(&srv, &rec), &options).unwrap();
    let mut args = json!({"project_key": "PROJ", "issue_type": "Task", "summary": "Do it"});
    if let Some(d) = description {
        args["description"] = json!(d);
    }
    let call = switchboard_functions::ToolCall::new("jira_create_issue", args).with_context(ctx);
    let result = registry.call(call).await;
    assert!(!result.is_error(), "{}", result.content());
    srv.seen()[0].body["fields"]["description"].clone()
}

fn credit_paragraph(text: &str) -> serde_json::Value {
    json!({"type": "paragraph", "content": [{"type": "text", "text": text}]})
}

#[tokio::test]
async fn an_attributed_issue_ends_its_description_with_a_literal_credit_paragraph() {
    let mut user = switchboard_functions::User::new("u-1");
    user.name = Some("[Ada](https://evil.example) **L**".into());
    let ctx = switchboard_functions::Context::default().with_user(user);
    let doc = description_sent(Some("Steps **here**"), ctx, true).await;
    let content = doc["content"].as_array().unwrap();
    assert_eq!(content.len(), 2, "{doc}");
    assert_eq!(content[0]["content"][1]["marks"][0]["type"], "strong");
    assert_eq!(
        content[1],
        credit_paragraph("Created by [Ada](https://evil.example) **L** via Switchboard")
    );
}

#[tokio::test]
async fn an_attributed_issue_without_a_description_gets_the_credit_alone() {
    let doc = description_sent(None, loopback::ada(), true).await;
    assert_eq!(
        doc["content"],
        json!([credit_paragraph("Created by Ada Lovelace via Switchboard")])
    );
}

#[tokio::test]
async fn without_the_switch_an_issue_description_names_no_one() {
    assert_eq!(
        description_sent(None, loopback::ada(), false).await,
        serde_json::Value::Null
    );
    let doc = description_sent(Some("Steps"), loopback::ada(), false).await;
    assert_eq!(doc["content"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_403_is_error_kind_forbidden() {
    let srv = Server::start().await;
    srv.plan(
        "/rest/api/3/issue",
        [Reply::json(
            403,
            json!({"errorMessages": ["You cannot create issues in ED."], "errors": {}}),
        )],
    );
    let rec = Recorder::default();
    let err = client(&srv, &rec)
        .create_issue(&NewIssue::new("ED", "Task", "x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), switchboard_connectors::ErrorKind::Forbidden);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
}
