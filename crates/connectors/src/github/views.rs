//! What the read operations return: compact, stable views of GitHub's objects for a model
//! (numbers, titles, states, logins, URLs, timestamps), long texts truncated with a flag.
//! GitHub's JSON is decoded through private wire types, ignoring every other field.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::text::cut_chars;

/// Characters of an issue or pull request body kept.
pub const BODY_CHARS: usize = 4000;
/// Characters of a comment body kept.
pub const COMMENT_CHARS: usize = 2000;

/// One page of a list, bounded by the `max_items` asked for.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Listing<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// True when more items exist after these.
    pub truncated: bool,
    /// The `page` to pass to get the next items; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u32>,
    /// How many items match in all, when GitHub says (search only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
}

/// Whether a search result or issue is an issue or a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// An issue.
    Issue,
    /// A pull request.
    Pr,
}

/// An issue or pull request as listed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct IssueSummary {
    /// The number within its repository.
    pub number: u64,
    /// `issue` or `pr`.
    pub kind: IssueKind,
    /// The title.
    pub title: String,
    /// `open` or `closed`.
    pub state: String,
    /// `owner/name` of its repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The author's login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Assignees' logins.
    pub assignees: Vec<String>,
    /// Label names.
    pub labels: Vec<String>,
    /// How many comments it has.
    pub comment_count: u64,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Last updated, RFC 3339.
    pub updated_at: String,
    /// Closed, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    /// The web page.
    pub html_url: String,
}

/// An issue or pull request with its body and first comments.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct IssueDetail {
    /// The issue's fields as listed.
    #[serde(flatten)]
    pub summary: IssueSummary,
    /// The body (Markdown), at most [`BODY_CHARS`] characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// True when the body was cut.
    pub body_truncated: bool,
    /// The first comments, oldest first.
    pub comments: Vec<Comment>,
    /// True when it has more comments than those returned.
    pub comments_truncated: bool,
}

/// A comment on an issue or pull request.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Comment {
    /// The comment id.
    pub id: u64,
    /// The author's login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Created, RFC 3339.
    pub created_at: String,
    /// The body (Markdown), at most [`COMMENT_CHARS`] characters.
    pub body: String,
    /// True when the body was cut.
    pub truncated: bool,
    /// The web page.
    pub html_url: String,
}

/// A pull request as listed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PullSummary {
    /// The number within the repository.
    pub number: u64,
    /// The title.
    pub title: String,
    /// `open` or `closed`.
    pub state: String,
    /// Whether it is a draft.
    pub draft: bool,
    /// The author's login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Assignees' logins.
    pub assignees: Vec<String>,
    /// The branch it merges from, as `owner:branch`.
    pub head: String,
    /// The branch it merges into.
    pub base: String,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Last updated, RFC 3339.
    pub updated_at: String,
    /// Merged, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_at: Option<String>,
    /// The web page.
    pub html_url: String,
}

/// A text file's contents at a ref.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FileText {
    /// The path in the repository.
    pub path: String,
    /// The blob SHA.
    pub sha: String,
    /// The file's size in bytes.
    pub size: u64,
    /// The text, at most the bytes asked for (cut at a character boundary).
    pub text: String,
    /// True when the text was cut.
    pub truncated: bool,
    /// The web page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
}

/// A commit as listed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CommitSummary {
    /// The commit SHA.
    pub sha: String,
    /// The first line of the message.
    pub summary: String,
    /// The author's name as recorded in the commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    /// The author's GitHub login, when GitHub matched one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Authored, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The web page.
    pub html_url: String,
}

// -- GitHub's JSON --

#[derive(Deserialize)]
pub(crate) struct WireUser {
    login: String,
}

#[derive(Deserialize)]
pub(crate) struct WireLabel {
    name: String,
}

fn logins(users: Vec<WireUser>) -> Vec<String> {
    users.into_iter().map(|u| u.login).collect()
}

#[derive(Deserialize)]
pub(crate) struct WireIssue {
    number: u64,
    title: String,
    state: String,
    html_url: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<WireUser>,
    #[serde(default)]
    assignees: Vec<WireUser>,
    #[serde(default)]
    labels: Vec<WireLabel>,
    #[serde(default)]
    comments: u64,
    created_at: String,
    updated_at: String,
    #[serde(default)]
    closed_at: Option<String>,
    #[serde(default)]
    pull_request: Option<serde_json::Value>,
    #[serde(default)]
    repository_url: Option<String>,
}

impl WireIssue {
    /// The listed fields, and the body.
    pub(crate) fn split(self) -> (IssueSummary, Option<String>) {
        let repository = self.repository_url.as_deref().and_then(|u| {
            let mut parts = u.rsplit('/');
            let name = parts.next()?;
            let owner = parts.next()?;
            Some(format!("{owner}/{name}"))
        });
        let summary = IssueSummary {
            number: self.number,
            kind: if self.pull_request.is_some() {
                IssueKind::Pr
            } else {
                IssueKind::Issue
            },
            title: self.title,
            state: self.state,
            repository,
            author: self.user.map(|u| u.login),
            assignees: logins(self.assignees),
            labels: self.labels.into_iter().map(|l| l.name).collect(),
            comment_count: self.comments,
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: self.closed_at,
            html_url: self.html_url,
        };
        (summary, self.body)
    }
}

#[derive(Deserialize)]
pub(crate) struct WireSearch {
    pub(crate) total_count: u64,
    pub(crate) items: Vec<WireIssue>,
}

#[derive(Deserialize)]
pub(crate) struct WireComment {
    id: u64,
    #[serde(default)]
    user: Option<WireUser>,
    created_at: String,
    #[serde(default)]
    body: Option<String>,
    html_url: String,
}

impl From<WireComment> for Comment {
    fn from(c: WireComment) -> Self {
        let (body, truncated) = cut_chars(c.body.clone().unwrap_or_default(), COMMENT_CHARS);
        Self {
            id: c.id,
            author: c.user.map(|u| u.login),
            created_at: c.created_at,
            body,
            truncated,
            html_url: c.html_url,
        }
    }
}

#[derive(Deserialize)]
struct WireBranch {
    label: Option<String>,
    #[serde(rename = "ref")]
    name: String,
}

#[derive(Deserialize)]
pub(crate) struct WirePull {
    number: u64,
    title: String,
    state: String,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    user: Option<WireUser>,
    #[serde(default)]
    assignees: Vec<WireUser>,
    head: WireBranch,
    base: WireBranch,
    created_at: String,
    updated_at: String,
    #[serde(default)]
    merged_at: Option<String>,
    html_url: String,
}

impl From<WirePull> for PullSummary {
    fn from(p: WirePull) -> Self {
        Self {
            number: p.number,
            title: p.title,
            state: p.state,
            draft: p.draft,
            author: p.user.map(|u| u.login),
            assignees: logins(p.assignees),
            head: p.head.label.unwrap_or(p.head.name),
            base: p.base.name,
            created_at: p.created_at,
            updated_at: p.updated_at,
            merged_at: p.merged_at,
            html_url: p.html_url,
        }
    }
}

#[derive(Deserialize)]
struct WireGitAuthor {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    date: Option<String>,
}

#[derive(Deserialize)]
struct WireGitCommit {
    message: String,
    #[serde(default)]
    author: Option<WireGitAuthor>,
}

#[derive(Deserialize)]
pub(crate) struct WireCommit {
    sha: String,
    commit: WireGitCommit,
    #[serde(default)]
    author: Option<WireUser>,
    html_url: String,
}

impl From<WireCommit> for CommitSummary {
    fn from(c: WireCommit) -> Self {
        let (author_name, date) = match c.commit.author {
            Some(a) => (a.name, a.date),
            None => (None, None),
        };
        Self {
            sha: c.sha,
            summary: c.commit.message.lines().next().unwrap_or("").to_owned(),
            author_name,
            author: c.author.map(|u| u.login),
            date,
            html_url: c.html_url,
        }
    }
}

/// `GET /repos/{owner}/{repo}/contents/{path}` for a file (a directory is a JSON array).
#[derive(Deserialize)]
pub(crate) struct WireContent {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) encoding: Option<String>,
    #[serde(default)]
    pub(crate) content: Option<String>,
    pub(crate) size: u64,
    pub(crate) path: String,
    pub(crate) sha: String,
    #[serde(default)]
    pub(crate) html_url: Option<String>,
}
