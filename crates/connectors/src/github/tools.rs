//! GitHub operations as LLM tools.

use futures_util::TryStreamExt;
use serde::Serialize;
use switchboard_functions::{Context, RegisterError, ToolRegistry, tools};

use super::{
    client::GitHub,
    error::GitHubError,
    models::{Issue, ListMyRepos, ListUserRepos, NewIssue, Repository},
    pagination::RepositoryStream,
    read::{Paging, PullFilter, PullState},
    views::{
        Comment, CommitSummary, FileText, IssueDetail, IssueKind, IssueSummary, Listing,
        PullSummary,
    },
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

/// Items per page when the model does not say.
const DEFAULT_PAGE_ITEMS: u32 = 20;
/// Comments returned with an issue when the model does not say.
const DEFAULT_COMMENTS: u32 = 10;
/// Bytes of a file returned when the model does not say.
const DEFAULT_FILE_BYTES: usize = 20_000;

/// The page the model asked for.
fn paging(page: Option<u32>, max_items: Option<u32>) -> Paging {
    Paging {
        page: page.unwrap_or(1),
        per_page: max_items.unwrap_or(DEFAULT_PAGE_ITEMS),
    }
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

    /// Searches issues and pull requests across GitHub with GitHub's search syntax, e.g.
    /// `repo:octocat/hello-world is:open label:bug login crash`, `assignee:@me is:open`,
    /// `org:acme author:alice updated:>2024-01-01`. Returns numbers, titles, states, authors,
    /// assignees, labels, timestamps and URLs, best match first. Limited to 30 searches a
    /// minute.
    #[tool(
        name = "github_search_issues",
        read_only,
        title = "Search GitHub issues and pull requests"
    )]
    async fn search_issues(
        &self,
        /// GitHub search query: free words plus qualifiers such as repo:OWNER/NAME, org:,
        /// is:open/is:closed, label:, author:, assignee: (assignee:@me for the token's user),
        /// mentions:, created:/updated: with dates.
        query: String,
        /// `issue` or `pr` to return only issues or only pull requests (adds is:issue/is:pr).
        #[serde(default)]
        kind: Option<IssueKind>,
        /// Results per page (default 20, at most 100).
        #[serde(default)]
        max_items: Option<u32>,
        /// The page to return (default 1); pass the previous answer's next_page to continue.
        #[serde(default)]
        page: Option<u32>,
    ) -> Result<Listing<IssueSummary>, GitHubError> {
        self.gh
            .search_issues(&query, kind, paging(page, max_items))
            .await
    }

    /// Gets one issue or pull request by number with its body and its first comments (oldest
    /// first). Long bodies are cut, with body_truncated set; comments_truncated says more
    /// comments exist.
    #[tool(
        name = "github_get_issue",
        read_only,
        title = "Get a GitHub issue or pull request"
    )]
    async fn get_issue(
        &self,
        /// The owner (user or organization) login.
        owner: String,
        /// The repository name.
        repo: String,
        /// The issue or pull request number.
        number: u64,
        /// Most comments to include (default 10, at most 100; 0 for none).
        #[serde(default)]
        max_comments: Option<u32>,
    ) -> Result<IssueDetail, GitHubError> {
        let max = max_comments.unwrap_or(DEFAULT_COMMENTS);
        self.gh.issue(&owner, &repo, number, max).await
    }

    /// Lists pull requests of a repository, newest first: number, title, state, draft, author,
    /// head and base branches, timestamps and URL.
    #[tool(
        name = "github_list_pull_requests",
        read_only,
        title = "List a repository's GitHub pull requests"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list_pull_requests(
        &self,
        /// The owner (user or organization) login.
        owner: String,
        /// The repository name.
        repo: String,
        /// `open` (default), `closed` or `all`.
        #[serde(default)]
        state: Option<PullState>,
        /// Only pull requests merging into this branch, e.g. `main`.
        #[serde(default)]
        base: Option<String>,
        /// Only pull requests from this branch, written `owner:branch`.
        #[serde(default)]
        head: Option<String>,
        /// Pull requests per page (default 20, at most 100).
        #[serde(default)]
        max_items: Option<u32>,
        /// The page to return (default 1); pass the previous answer's next_page to continue.
        #[serde(default)]
        page: Option<u32>,
    ) -> Result<Listing<PullSummary>, GitHubError> {
        let filter = PullFilter { state, base, head };
        self.gh
            .pull_requests(&owner, &repo, &filter, paging(page, max_items))
            .await
    }

    /// Reads a text file from a repository at a branch, tag or commit. Binary files and
    /// directories are refused with a message saying so; long files are cut with truncated
    /// set.
    #[tool(
        name = "github_get_file",
        read_only,
        title = "Read a file from a GitHub repository"
    )]
    async fn get_file(
        &self,
        /// The owner (user or organization) login.
        owner: String,
        /// The repository name.
        repo: String,
        /// The file's path in the repository, e.g. `src/main.rs`.
        path: String,
        /// A branch, tag or commit SHA (default: the repository's default branch).
        #[serde(default, rename = "ref")]
        git_ref: Option<String>,
        /// Most bytes of text to return (default 20000, at most 1000000).
        #[serde(default)]
        max_bytes: Option<usize>,
    ) -> Result<FileText, GitHubError> {
        let max = max_bytes.unwrap_or(DEFAULT_FILE_BYTES);
        self.gh
            .file_text(&owner, &repo, &path, git_ref.as_deref(), max)
            .await
    }

    /// Lists commits of a repository, newest first, optionally only those touching a path:
    /// SHA, first line of the message, author, date and URL.
    #[tool(name = "github_list_commits", read_only, title = "List GitHub commits")]
    async fn list_commits(
        &self,
        /// The owner (user or organization) login.
        owner: String,
        /// The repository name.
        repo: String,
        /// Only commits touching this file or directory, e.g. `docs/`.
        #[serde(default)]
        path: Option<String>,
        /// The branch, tag or SHA to list from (default: the default branch).
        #[serde(default, rename = "ref")]
        git_ref: Option<String>,
        /// Commits per page (default 20, at most 100).
        #[serde(default)]
        max_items: Option<u32>,
        /// The page to return (default 1); pass the previous answer's next_page to continue.
        #[serde(default)]
        page: Option<u32>,
    ) -> Result<Listing<CommitSummary>, GitHubError> {
        self.gh
            .commits(
                &owner,
                &repo,
                path.as_deref(),
                git_ref.as_deref(),
                paging(page, max_items),
            )
            .await
    }

    /// Adds a comment (Markdown) to an issue or pull request and returns its id and URL.
    /// Everyone who can see the issue sees the comment.
    #[tool(
        name = "github_add_comment",
        destructive = false,
        title = "Comment on a GitHub issue or pull request"
    )]
    async fn add_comment(
        &self,
        /// The owner (user or organization) login.
        owner: String,
        /// The repository name.
        repo: String,
        /// The issue or pull request number.
        number: u64,
        /// The comment, Markdown.
        body: String,
        ctx: Context,
    ) -> Result<Comment, GitHubError> {
        let body = match self.options.credit(&ctx) {
            Some(name) => {
                let line = credit_line(Act::Sent, &escape_markdown(name));
                with_footer(Some(body), &line)
            }
            None => body,
        };
        self.gh.add_comment(&owner, &repo, number, &body).await
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

/// Registers the GitHub tools, each calling `client`: reading `github_get_repository`,
/// `github_list_user_repositories`, `github_list_my_repositories`, `github_search_issues`,
/// `github_get_issue`, `github_list_pull_requests`, `github_get_file`, `github_list_commits`;
/// writing `github_create_issue` and `github_add_comment`. With
/// [`attribute_caller`](ToolOptions::attribute_caller), an issue or comment made for a known
/// user ends with "Created by …" / "Sent by … via Switchboard" below a rule.
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
