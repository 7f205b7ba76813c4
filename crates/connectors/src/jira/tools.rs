//! Jira operations as LLM tools.

use schemars::JsonSchema;
use serde::Deserialize;
use switchboard_functions::{Context, FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{client::Jira, models::NewIssue};
use crate::common::{Act, ToolOptions, credit_line};

/// Issues per search page when the model does not say.
const DEFAULT_SEARCH_RESULTS: u32 = 20;
/// Comments returned with an issue when the model does not say.
const DEFAULT_COMMENTS: u32 = 5;

/// Arguments of `jira_search_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SearchArgs {
    /// A JQL query, bounded by a project or other restriction, e.g.
    /// `project = PROJ AND status != Done ORDER BY updated DESC`,
    /// `assignee = currentUser() AND resolution = Unresolved`, `text ~ "login crash"`.
    jql: String,
    /// Issues per page (default 20, at most 100).
    #[serde(default)]
    max_results: Option<u32>,
    /// The previous answer's next_page_token, to get the next issues.
    #[serde(default)]
    page_token: Option<String>,
}

/// Arguments of `jira_get_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GetArgs {
    /// The issue key, e.g. `PROJ-42`.
    key: String,
    /// How many of the latest comments to include (default 5, at most 100; 0 for none).
    #[serde(default)]
    max_comments: Option<u32>,
}

/// Arguments of `jira_add_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CommentArgs {
    /// The issue key, e.g. `PROJ-42`.
    key: String,
    /// The comment, plain text or Markdown (headings, lists, bold, code, links).
    body: String,
}

/// Arguments of `jira_list_transitions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TransitionsArgs {
    /// The issue key, e.g. `PROJ-42`.
    key: String,
}

/// Arguments of `jira_transition_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TransitionArgs {
    /// The issue key, e.g. `PROJ-42`.
    key: String,
    /// The transition's name as jira_list_transitions gives it, e.g. `Start Progress` or
    /// `Done` (case does not matter).
    transition: String,
}

/// Registers the reading tools `jira_search_issues`, `jira_get_issue` and
/// `jira_list_transitions`.
fn register_read_tools(registry: &ToolRegistry, jira: &Jira) -> Result<(), RegisterError> {
    let j = jira.clone();
    registry.register(
        FnTool::new(
            "jira_search_issues",
            "Searches Jira issues with JQL and returns keys, summaries, statuses, types, \
             priorities, assignees, labels, timestamps and URLs. Lists are paged: pass \
             next_page_token back as page_token to continue.",
            move |a: SearchArgs| {
                let j = j.clone();
                async move {
                    let max = a.max_results.unwrap_or(DEFAULT_SEARCH_RESULTS);
                    j.search(&a.jql, max, a.page_token.as_deref()).await
                }
            },
        )
        .with_annotations(ToolAnnotations::read_only("Search Jira issues")),
    )?;
    let j = jira.clone();
    registry.register(
        FnTool::new(
            "jira_get_issue",
            "Gets one Jira issue by key with its description and its latest comments, rendered \
             as Markdown-like text. Long texts are cut, with a truncated flag.",
            move |a: GetArgs| {
                let j = j.clone();
                async move {
                    let max = a.max_comments.unwrap_or(DEFAULT_COMMENTS);
                    j.issue(&a.key, max).await
                }
            },
        )
        .with_annotations(ToolAnnotations::read_only("Get a Jira issue")),
    )?;
    let j = jira.clone();
    registry.register(
        FnTool::new(
            "jira_list_transitions",
            "Lists the workflow transitions a Jira issue can take now, each with its name and \
             the status it leads to (use a name with jira_transition_issue).",
            move |a: TransitionsArgs| {
                let j = j.clone();
                async move { j.transitions(&a.key).await }
            },
        )
        .with_annotations(ToolAnnotations::read_only(
            "List a Jira issue's transitions",
        )),
    )?;
    Ok(())
}

/// Registers `jira_search_issues`, `jira_get_issue`, `jira_list_transitions` (reading),
/// `jira_create_issue`, `jira_add_comment` and `jira_transition_issue` (writing), calling
/// `client`; with
/// [`attribute_caller`](ToolOptions::attribute_caller), an issue or comment made for a known
/// user ends with a plain paragraph "Created by … / Sent by … via Switchboard".
pub fn register_tools(
    registry: &ToolRegistry,
    client: &Jira,
    options: &ToolOptions,
) -> Result<(), RegisterError> {
    let jira = client.clone();
    let options = *options;
    registry.register(
        FnTool::new_with_context(
            "jira_create_issue",
            "Creates a Jira issue (project key, issue type, one-line summary, optional description \
             in plain text or Markdown) and returns its key, e.g. PROJ-42.",
            move |mut issue: NewIssue, ctx: Context| {
                let jira = jira.clone();
                if let Some(name) = options.credit(&ctx) {
                    issue = issue.footer(credit_line(Act::Created, name));
                }
                async move { jira.create_issue(&issue).await }
            },
        )
        .with_annotations(ToolAnnotations::additive("Create a Jira issue")),
    )?;
    let jira = client.clone();
    registry.register(
        FnTool::new_with_context(
            "jira_add_comment",
            "Adds a comment (plain text or Markdown) to a Jira issue and returns it. Everyone \
             who can see the issue sees the comment.",
            move |a: CommentArgs, ctx: Context| {
                let jira = jira.clone();
                let footer = options.credit(&ctx).map(|n| credit_line(Act::Sent, n));
                async move { jira.post_comment(&a.key, &a.body, footer.as_deref()).await }
            },
        )
        .with_annotations(ToolAnnotations::additive("Comment on a Jira issue")),
    )?;
    let jira = client.clone();
    registry.register(
        FnTool::new(
            "jira_transition_issue",
            "Moves a Jira issue through its workflow by transition name (e.g. `Done`), and \
             returns the status it moved to. An unknown name fails with the names available.",
            move |a: TransitionArgs| {
                let jira = jira.clone();
                async move { jira.transition_issue(&a.key, &a.transition).await }
            },
        )
        .with_annotations(ToolAnnotations::destructive("Transition a Jira issue")),
    )?;
    register_read_tools(registry, client)
}
