//! GitHub operations as LLM tools.

use futures_util::TryStreamExt;
use serde::Serialize;
use switchboard_functions::{Context, RegisterError, ToolRegistry, tools};

use super::{
    client::GitHub,
    error::GitHubError,
    models::{Issue, ListMyRepos, ListUserRepos, NewIssue, Repository},
    pagination::RepositoryStream,
};
use crate::common::{Act, ToolOptions, credit_line};

const DEFAULT_MAX_ITEMS: usize = 100;
const MAX_ITEMS: usize = 1000;

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

/// The GitHub tools over one client: one `#[tool]` method each.
struct GitHubTools {
    gh: GitHub,
    options: ToolOptions,
}

#[tools]
impl GitHubTools {
    /// Gets a GitHub repository by owner and name: description, visibility, default branch,
    /// language, stars.
    #[tool(
        name = "github_get_repository",
        read_only,
        title = "Get a GitHub repository"
    )]
    async fn get_repository(
        &self,
        /// The owner (user or organization) login.
        owner: String,
        /// The repository name.
        repo: String,
    ) -> Result<Repository, GitHubError> {
        self.gh.repository(&owner, &repo).await
    }

    /// Lists the public repositories of a GitHub user, following every page up to max_items.
    #[tool(
        name = "github_list_user_repositories",
        read_only,
        title = "List a user's GitHub repositories"
    )]
    async fn list_user_repositories(
        &self,
        /// The user whose public repositories to list.
        username: String,
        /// Filters and order.
        #[serde(flatten)]
        options: ListUserRepos,
        /// Most repositories to return (default 100, at most 1000).
        #[serde(default)]
        max_items: Option<usize>,
    ) -> Result<RepoList, GitHubError> {
        collect(self.gh.user_repositories(&username, &options), max_items).await
    }

    /// Lists the repositories the authenticated GitHub user can access (owned, collaborator,
    /// organization member), following every page up to max_items.
    #[tool(
        name = "github_list_my_repositories",
        read_only,
        title = "List my GitHub repositories"
    )]
    async fn list_my_repositories(
        &self,
        /// Filters and order.
        #[serde(flatten)]
        options: ListMyRepos,
        /// Most repositories to return (default 100, at most 1000).
        #[serde(default)]
        max_items: Option<usize>,
    ) -> Result<RepoList, GitHubError> {
        collect(self.gh.my_repositories(&options), max_items).await
    }

    /// Creates an issue in a GitHub repository and returns its number and URL. Labels,
    /// assignees and milestone need push access.
    #[tool(
        name = "github_create_issue",
        destructive = false,
        title = "Create a GitHub issue"
    )]
    async fn create_issue(
        &self,
        /// The owner (user or organization) login.
        owner: String,
        /// The repository name.
        repo: String,
        /// The issue.
        #[serde(flatten)]
        mut issue: NewIssue,
        ctx: Context,
    ) -> Result<Issue, GitHubError> {
        if let Some(name) = self.options.credit(&ctx) {
            let line = credit_line(Act::Created, &escape_markdown(name));
            issue.body = Some(with_footer(issue.body.take(), &line));
        }
        self.gh.create_issue(&owner, &repo, &issue).await
    }
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
    GitHubTools {
        gh: client.clone(),
        options: *options,
    }
    .register_tools(registry)
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
