//! GitHub REST API: list repositories (every page), get a repository, search issues and pull
//! requests, read an issue with its comments, pull requests, a file's text and commits; create
//! an issue and comment on one.
//!
//! Requests carry `User-Agent` (required by GitHub), `Accept: application/vnd.github+json`,
//! `X-GitHub-Api-Version` (default [`DEFAULT_API_VERSION`]) and `Authorization: Bearer`.
//! Primary rate limits (403/429 with `x-ratelimit-remaining: 0`) wait until
//! `x-ratelimit-reset`; secondary limits wait for `retry-after`, else 60 s.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use switchboard_connectors::github::{GitHub, ListMyRepos, NewIssue};
//!
//! # async fn run() -> Result<(), switchboard_connectors::github::GitHubError> {
//! let gh = GitHub::builder("my-app/1.0").token("ghp_…").build()?;
//! let repos: Vec<_> = gh.my_repositories(&ListMyRepos::default()).try_collect().await?;
//! let issue = gh.create_issue("octocat", "hello-world", &NewIssue::new("Found a bug")).await?;
//! println!("{} repositories, issue #{}", repos.len(), issue.number);
//! # Ok(()) }
//! ```

mod client;
mod error;
mod limits;
mod models;
mod pagination;
mod read;
mod tools;
mod views;

pub use client::{DEFAULT_API_VERSION, DEFAULT_BASE_URL, GitHub, GitHubBuilder};
pub use error::{FieldError, GitHubApiError, GitHubError};
pub use limits::GitHubRateLimits;
pub use models::{
    Direction, Issue, IssueState, ListMyRepos, ListUserRepos, NewIssue, RepoSort, Repository, User,
    Visibility,
};
pub use pagination::RepositoryStream;
pub use read::{MAX_FILE_BYTES, MAX_PER_PAGE, Paging, PullFilter, PullState};
pub use tools::register_tools;
pub use views::{
    BODY_CHARS, COMMENT_CHARS, Comment, CommitSummary, FileText, IssueDetail, IssueKind,
    IssueSummary, Listing, PullSummary,
};
