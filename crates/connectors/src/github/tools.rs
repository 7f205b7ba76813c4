//! GitHub operations as LLM tools.

use futures_util::TryStreamExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use switchboard_functions::{Context, FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{
    client::GitHub,
    error::GitHubError,
    models::{Issue, ListMyRepos, ListUserRepos, NewIssue, Repository},
    pagination::RepositoryStream,
};
use crate::common::{Act, ToolOptions, credit_line};

const DEFAULT_MAX_ITEMS: usize = 100;
const MAX_ITEMS: usize = 1000;

/// Arguments of `github_get_repository`.
#[derive(Debug, Deserialize, JsonSchema)]
struct RepoArgs {
    /// The owner (user or organization) login.
    owner: String,
    /// The repository name.
    repo: String,
}

/// Arguments of `github_list_user_repositories`.
#[derive(Debug, Deserialize, JsonSchema)]
struct UserReposArgs {
    /// The user whose public repositories to list.
    username: String,
    /// Filters and order.
    #[serde(flatten)]
    options: ListUserRepos,
    /// Most repositories to return (default 100, at most 1000).
    #[serde(default)]
    max_items: Option<usize>,
}

/// Arguments of `github_list_my_repositories`.
#[derive(Debug, Deserialize, JsonSchema)]
struct MyReposArgs {
    /// Filters and order.
    #[serde(flatten)]
    options: ListMyRepos,
    /// Most repositories to return (default 100, at most 1000).
    #[serde(default)]
    max_items: Option<usize>,
}

/// Arguments of `github_create_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
struct CreateIssueArgs {
    /// The owner (user or organization) login.
    owner: String,
    /// The repository name.
    repo: String,
    /// The issue.
    #[serde(flatten)]
    issue: NewIssue,
}

/// A page-limited repository list.
#[derive(Debug, Serialize)]
struct RepoList {
    repositories: Vec<Repository>,
    /// True when more repositories exist than were returned.
    truncated: bool,
}

async fn collect(
    mut stream: RepositoryStream,
    max_items: Option<usize>,
) -> Result<RepoList, GitHubError> {
    let max = max_items.unwrap_or(DEFAULT_MAX_ITEMS);
    if max == 0 || max > MAX_ITEMS {
        return Err(crate::common::InputError::new(
            "max_items",
            format!("{max} is not within 1–{MAX_ITEMS}"),
        )
        .into());
    }
    let mut repositories = Vec::new();
    while let Some(repo) = stream.try_next().await? {
        if repositories.len() == max {
            return Ok(RepoList {
                repositories,
                truncated: true,
            });
        }
        repositories.push(repo);
    }
    Ok(RepoList {
        repositories,
        truncated: false,
    })
}

/// `body` with `line` as a footer below a rule.
fn with_footer(body: Option<String>, line: &str) -> String {
    match body {
        Some(body) if !body.trim().is_empty() => format!("{body}\n\n---\n\n_{line}_"),
        _ => format!("_{line}_"),
    }
}

/// `text` escaped so GitHub Markdown shows it as written: every ASCII punctuation character is
/// backslash-escaped (no links, emphasis or HTML), and `@` is followed by an invisible word
/// joiner (no mention; GitHub finds mentions after escapes are resolved).
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '@' {
            out.push_str("@\u{2060}");
        } else {
            if c.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Registers `github_get_repository`, `github_list_user_repositories`,
/// `github_list_my_repositories` and `github_create_issue`, each calling `client`; with
/// [`attribute_caller`](ToolOptions::attribute_caller), an issue created for a known user ends
/// with "Created by … via Switchboard" below a rule.
pub fn register_tools(
    registry: &ToolRegistry,
    client: &GitHub,
    options: &ToolOptions,
) -> Result<(), RegisterError> {
    let options = *options;
    let gh = client.clone();
    registry.register(
        FnTool::new(
            "github_get_repository",
            "Gets a GitHub repository by owner and name: description, visibility, default branch, \
             language, stars.",
            move |a: RepoArgs| {
                let gh = gh.clone();
                async move { gh.repository(&a.owner, &a.repo).await }
            },
        )
        .with_annotations(ToolAnnotations::read_only("Get a GitHub repository")),
    )?;
    let gh = client.clone();
    registry.register(
        FnTool::new(
            "github_list_user_repositories",
            "Lists the public repositories of a GitHub user, following every page up to max_items.",
            move |a: UserReposArgs| {
                let gh = gh.clone();
                async move { collect(gh.user_repositories(&a.username, &a.options), a.max_items).await }
            },
        )
        .with_annotations(ToolAnnotations::read_only("List a user's GitHub repositories")),
    )?;
    let gh = client.clone();
    registry.register(
        FnTool::new(
            "github_list_my_repositories",
            "Lists the repositories the authenticated GitHub user can access (owned, collaborator, \
             organization member), following every page up to max_items.",
            move |a: MyReposArgs| {
                let gh = gh.clone();
                async move { collect(gh.my_repositories(&a.options), a.max_items).await }
            },
        )
        .with_annotations(ToolAnnotations::read_only("List my GitHub repositories")),
    )?;
    let gh = client.clone();
    registry.register(
        FnTool::new_with_context(
            "github_create_issue",
            "Creates an issue in a GitHub repository and returns its number and URL. Labels, \
             assignees and milestone need push access.",
            move |mut a: CreateIssueArgs, ctx: Context| {
                let gh = gh.clone();
                if let Some(name) = options.credit(&ctx) {
                    let line = credit_line(Act::Created, &escape_markdown(name));
                    a.issue.body = Some(with_footer(a.issue.body.take(), &line));
                }
                async move {
                    let issue: Issue = gh.create_issue(&a.owner, &a.repo, &a.issue).await?;
                    Ok::<_, GitHubError>(issue)
                }
            },
        )
        .with_annotations(ToolAnnotations::additive("Create a GitHub issue")),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_footer_follows_the_body_below_a_rule() {
        assert_eq!(
            with_footer(Some("Steps".into()), "by X"),
            "Steps\n\n---\n\n_by X_"
        );
        assert_eq!(with_footer(None, "by X"), "_by X_");
    }

    #[test]
    fn markdown_in_a_name_stays_literal() {
        assert_eq!(
            escape_markdown("[Ada](https://evil.example) @octocat"),
            "\\[Ada\\]\\(https\\:\\/\\/evil\\.example\\) @\u{2060}octocat"
        );
    }
}
