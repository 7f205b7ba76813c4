//! GitHub request options and response models; responses ignore unknown fields, keep unknown
//! enum values and keep their raw JSON.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::common::{InputError, WithRaw, open_enum};

open_enum! {
    /// A repository's visibility.
    pub enum Visibility {
        /// Visible to everyone.
        Public = "public",
        /// Visible to collaborators.
        Private = "private",
        /// Visible to the enterprise's members.
        Internal = "internal",
    }
}

open_enum! {
    /// An issue's state.
    pub enum IssueState {
        /// Open.
        Open = "open",
        /// Closed.
        Closed = "closed",
    }
}

/// A GitHub account (user or organization) as embedded in other objects.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct User {
    /// The login name.
    pub login: String,
    /// The numeric id.
    pub id: u64,
    /// `User`, `Organization` or `Bot`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// A repository.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Repository {
    /// The numeric id.
    pub id: u64,
    /// The name, e.g. `hello-world`.
    pub name: String,
    /// `owner/name`.
    pub full_name: String,
    /// The owner.
    pub owner: User,
    /// Whether the repository is private.
    #[serde(default)]
    pub private: bool,
    /// The visibility, when GitHub sends it.
    #[serde(default)]
    pub visibility: Option<Visibility>,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// The web page.
    pub html_url: String,
    /// Whether it is a fork.
    #[serde(default)]
    pub fork: bool,
    /// Whether it is archived.
    #[serde(default)]
    pub archived: bool,
    /// The default branch.
    #[serde(default)]
    pub default_branch: Option<String>,
    /// The main language.
    #[serde(default)]
    pub language: Option<String>,
    /// Stars.
    #[serde(default)]
    pub stargazers_count: Option<u64>,
    /// Last push, RFC 3339.
    #[serde(default)]
    pub pushed_at: Option<String>,
    #[serde(skip)]
    raw: Value,
}

impl Repository {
    /// The JSON GitHub sent, with every field.
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}

impl WithRaw for Repository {
    fn set_raw(&mut self, raw: Value) {
        self.raw = raw;
    }
}

/// A label attached to an issue.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Label {
    /// The label name.
    pub name: String,
}

/// An issue.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Issue {
    /// The numeric id.
    pub id: u64,
    /// The number within the repository.
    pub number: u64,
    /// The title.
    pub title: String,
    /// The state.
    pub state: IssueState,
    /// The web page.
    pub html_url: String,
    /// The body (Markdown).
    #[serde(default)]
    pub body: Option<String>,
    /// The author.
    #[serde(default)]
    pub user: Option<User>,
    /// Labels (GitHub drops labels silently when the token cannot push).
    #[serde(default)]
    pub labels: Vec<Label>,
    /// Assignees (dropped silently without push access).
    #[serde(default)]
    pub assignees: Vec<User>,
    #[serde(skip)]
    raw: Value,
}

impl Issue {
    /// The JSON GitHub sent, with every field.
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}

impl WithRaw for Issue {
    fn set_raw(&mut self, raw: Value) {
        self.raw = raw;
    }
}

/// A new issue: `POST /repos/{owner}/{repo}/issues`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewIssue {
    /// The title (required, not blank).
    pub title: String,
    /// The body, Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Logins to assign (needs push access, else GitHub drops them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignees: Vec<String>,
    /// Label names (needs push access, else GitHub drops them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Milestone number (needs push access, else GitHub drops it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestone: Option<u64>,
}

impl NewIssue {
    /// An issue with a title only.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            body: None,
            assignees: Vec::new(),
            labels: Vec::new(),
            milestone: None,
        }
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Adds a label.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.labels.push(label.into());
        self
    }

    /// Adds an assignee.
    #[must_use]
    pub fn assignee(mut self, login: impl Into<String>) -> Self {
        self.assignees.push(login.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<(), InputError> {
        if self.title.trim().is_empty() {
            return Err(InputError::new("title", "must not be blank"));
        }
        for (i, l) in self.labels.iter().enumerate() {
            if l.trim().is_empty() {
                return Err(InputError::new(format!("labels/{i}"), "must not be blank"));
            }
        }
        for (i, a) in self.assignees.iter().enumerate() {
            if a.trim().is_empty() {
                return Err(InputError::new(
                    format!("assignees/{i}"),
                    "must not be blank",
                ));
            }
        }
        Ok(())
    }
}

/// Sort order of repository lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RepoSort {
    /// Creation time.
    Created,
    /// Last update.
    Updated,
    /// Last push.
    Pushed,
    /// `owner/name` (GitHub's default).
    FullName,
}

impl RepoSort {
    fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Pushed => "pushed",
            Self::FullName => "full_name",
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }
}

/// Options of `GET /users/{username}/repos` (public repositories of a user).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ListUserRepos {
    /// `all`, `owner` (GitHub's default) or `member`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Sort field.
    #[serde(default)]
    pub sort: Option<RepoSort>,
    /// Sort direction.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Page size, 1–100 (default 100, the fewest requests).
    #[serde(default)]
    pub per_page: Option<u8>,
}

/// Options of `GET /user/repos` (repositories of the authenticated user).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ListMyRepos {
    /// `all`, `public` or `private`.
    #[serde(default)]
    pub visibility: Option<String>,
    /// Any of `owner`, `collaborator`, `organization_member`.
    #[serde(default)]
    pub affiliation: Vec<String>,
    /// `all`, `owner`, `public`, `private` or `member`; not together with `visibility` or
    /// `affiliation`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Sort field.
    #[serde(default)]
    pub sort: Option<RepoSort>,
    /// Sort direction.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Only repositories updated after this time (RFC 3339).
    #[serde(default)]
    pub since: Option<String>,
    /// Only repositories updated before this time (RFC 3339).
    #[serde(default)]
    pub before: Option<String>,
    /// Page size, 1–100 (default 100).
    #[serde(default)]
    pub per_page: Option<u8>,
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), InputError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(InputError::new(
            field,
            format!("{value:?} is not one of {}", allowed.join(", ")),
        ))
    }
}

fn per_page(value: Option<u8>) -> Result<String, InputError> {
    match value.unwrap_or(100) {
        n @ 1..=100 => Ok(n.to_string()),
        n => Err(InputError::new(
            "per_page",
            format!("{n} is not within 1–100"),
        )),
    }
}

impl ListUserRepos {
    pub(crate) fn query(&self) -> Result<Vec<(&'static str, String)>, InputError> {
        let mut q = Vec::new();
        if let Some(kind) = &self.kind {
            one_of("type", kind, &["all", "owner", "member"])?;
            q.push(("type", kind.clone()));
        }
        if let Some(s) = self.sort {
            q.push(("sort", s.as_str().to_owned()));
        }
        if let Some(d) = self.direction {
            q.push(("direction", d.as_str().to_owned()));
        }
        q.push(("per_page", per_page(self.per_page)?));
        Ok(q)
    }
}

impl ListMyRepos {
    pub(crate) fn query(&self) -> Result<Vec<(&'static str, String)>, InputError> {
        let mut q = Vec::new();
        if self.kind.is_some() && (self.visibility.is_some() || !self.affiliation.is_empty()) {
            return Err(InputError::new(
                "type",
                "cannot be combined with visibility or affiliation (GitHub answers 422)",
            ));
        }
        if let Some(v) = &self.visibility {
            one_of("visibility", v, &["all", "public", "private"])?;
            q.push(("visibility", v.clone()));
        }
        if !self.affiliation.is_empty() {
            for (i, a) in self.affiliation.iter().enumerate() {
                one_of(
                    &format!("affiliation/{i}"),
                    a,
                    &["owner", "collaborator", "organization_member"],
                )?;
            }
            q.push(("affiliation", self.affiliation.join(",")));
        }
        if let Some(kind) = &self.kind {
            one_of(
                "type",
                kind,
                &["all", "owner", "public", "private", "member"],
            )?;
            q.push(("type", kind.clone()));
        }
        if let Some(s) = self.sort {
            q.push(("sort", s.as_str().to_owned()));
        }
        if let Some(d) = self.direction {
            q.push(("direction", d.as_str().to_owned()));
        }
        for (name, value) in [("since", &self.since), ("before", &self.before)] {
            if let Some(v) = value {
                if !looks_like_timestamp(v) {
                    return Err(InputError::new(
                        name,
                        format!("{v:?} is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)"),
                    ));
                }
                q.push((name, v.clone()));
            }
        }
        q.push(("per_page", per_page(self.per_page)?));
        Ok(q)
    }
}

fn looks_like_timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
}
