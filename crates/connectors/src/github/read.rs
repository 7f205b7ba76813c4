//! Reading GitHub: search issues and pull requests, an issue with its comments, pull requests,
//! a file's text, commits; and commenting on an issue or pull request. Lists return one page
//! ([`Listing`]) with the `page` that continues them.

use base64::Engine as _;
use schemars::JsonSchema;
use serde::Serialize;

use super::{
    client::{GitHub, segment},
    error::GitHubError,
    pagination::next_link,
    views::{
        BODY_CHARS, Comment, CommitSummary, FileText, IssueDetail, IssueKind, IssueSummary,
        Listing, PullSummary, WireComment, WireCommit, WireContent, WireIssue, WirePull,
        WireSearch,
    },
};
use crate::common::{ApiResponse, InputError, join};
use crate::text::cut_chars;

/// Most items one page can hold (GitHub's `per_page` limit).
pub const MAX_PER_PAGE: u32 = 100;
/// Largest file [`GitHub::file_text`] decodes: the contents API returns no content above 1 MB.
pub const MAX_FILE_BYTES: usize = 1_000_000;

/// Which page of a list, and how many items per page (1–[`MAX_PER_PAGE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The page, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 30,
        }
    }
}

impl Paging {
    fn query(self) -> Result<[(&'static str, String); 2], InputError> {
        if self.page == 0 {
            return Err(InputError::new("page", "pages count from 1"));
        }
        if self.per_page == 0 || self.per_page > MAX_PER_PAGE {
            return Err(InputError::new(
                "max_items",
                format!("{} is not within 1–{MAX_PER_PAGE}", self.per_page),
            ));
        }
        Ok([
            ("per_page", self.per_page.to_string()),
            ("page", self.page.to_string()),
        ])
    }

    /// The listing of `items` from a response that may link a next page.
    fn listing<T>(self, res: &ApiResponse, items: Vec<T>, total: Option<u64>) -> Listing<T> {
        let more = next_link(&res.headers).is_some();
        Listing {
            items,
            truncated: more,
            next_page: more.then_some(self.page + 1),
            total_count: total,
        }
    }
}

/// Which pull requests by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PullState {
    /// Open ones.
    Open,
    /// Closed ones, merged or not.
    Closed,
    /// Both.
    All,
}

impl PullState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
            Self::All => "all",
        }
    }
}

/// Filters of [`GitHub::pull_requests`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullFilter {
    /// By state (GitHub's default: open).
    pub state: Option<PullState>,
    /// Only pull requests into this branch.
    pub base: Option<String>,
    /// Only pull requests from this branch, as `user:branch` or `organization:branch`.
    pub head: Option<String>,
}

#[derive(Serialize)]
struct NewComment<'a> {
    body: &'a str,
}

fn decode<T: serde::de::DeserializeOwned>(res: &ApiResponse) -> Result<T, GitHubError> {
    serde_json::from_slice(&res.body).map_err(GitHubError::Decode)
}

impl GitHub {
    /// `GET /search/issues`: issues and pull requests matching `query` (GitHub's search syntax,
    /// passed through), `kind` adding `is:issue` or `is:pr`.
    pub async fn search_issues(
        &self,
        query: &str,
        kind: Option<IssueKind>,
        paging: Paging,
    ) -> Result<Listing<IssueSummary>, GitHubError> {
        if query.trim().is_empty() {
            return Err(InputError::new("query", "must not be blank").into());
        }
        let q = match kind {
            None => query.to_owned(),
            Some(IssueKind::Issue) => format!("{query} is:issue"),
            Some(IssueKind::Pr) => format!("{query} is:pr"),
        };
        let mut url = join(&self.base, &["search", "issues"])?;
        url.query_pairs_mut()
            .append_pair("q", &q)
            .extend_pairs(paging.query()?);
        let res = self.send(self.http.get(url.as_str())).await?;
        let found: WireSearch = decode(&res)?;
        let items = found.items.into_iter().map(|i| i.split().0).collect();
        Ok(paging.listing(&res, items, Some(found.total_count)))
    }

    /// `GET /repos/{owner}/{repo}/issues/{number}` and its first `max_comments` comments
    /// (`GET …/comments`, oldest first; none asked, none fetched). Pull requests are issues here.
    pub async fn issue(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        max_comments: u32,
    ) -> Result<IssueDetail, GitHubError> {
        segment("owner", owner)?;
        segment("repo", repo)?;
        let n = number.to_string();
        let url = join(&self.base, &["repos", owner, repo, "issues", &n])?;
        let res = self.send(self.http.get(url.as_str())).await?;
        let (summary, body) = decode::<WireIssue>(&res)?.split();
        let mut comments = Vec::new();
        if max_comments > 0 && summary.comment_count > 0 {
            let paging = Paging {
                page: 1,
                per_page: max_comments,
            };
            let mut url = join(
                &self.base,
                &["repos", owner, repo, "issues", &n, "comments"],
            )?;
            url.query_pairs_mut().extend_pairs(paging.query()?);
            let res = self.send(self.http.get(url.as_str())).await?;
            let wire: Vec<WireComment> = decode(&res)?;
            comments = wire.into_iter().map(Comment::from).collect();
        }
        let (body, body_truncated) = match body {
            Some(b) => {
                let (b, cut) = cut_chars(b, BODY_CHARS);
                (Some(b), cut)
            }
            None => (None, false),
        };
        Ok(IssueDetail {
            comments_truncated: summary.comment_count > comments.len() as u64,
            summary,
            body,
            body_truncated,
            comments,
        })
    }

    /// `GET /repos/{owner}/{repo}/pulls`: one page of pull requests, newest first.
    pub async fn pull_requests(
        &self,
        owner: &str,
        repo: &str,
        filter: &PullFilter,
        paging: Paging,
    ) -> Result<Listing<PullSummary>, GitHubError> {
        segment("owner", owner)?;
        segment("repo", repo)?;
        let mut url = join(&self.base, &["repos", owner, repo, "pulls"])?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(state) = filter.state {
                q.append_pair("state", state.as_str());
            }
            for (key, value) in [("base", &filter.base), ("head", &filter.head)] {
                if let Some(v) = value {
                    q.append_pair(key, v);
                }
            }
            q.extend_pairs(paging.query()?);
        }
        let res = self.send(self.http.get(url.as_str())).await?;
        let wire: Vec<WirePull> = decode(&res)?;
        let items = wire.into_iter().map(PullSummary::from).collect();
        Ok(paging.listing(&res, items, None))
    }

    /// `GET /repos/{owner}/{repo}/commits`: one page of commits, newest first, of `branch`
    /// (a branch, tag or SHA; default the default branch), touching `path` when given.
    pub async fn commits(
        &self,
        owner: &str,
        repo: &str,
        path: Option<&str>,
        branch: Option<&str>,
        paging: Paging,
    ) -> Result<Listing<CommitSummary>, GitHubError> {
        segment("owner", owner)?;
        segment("repo", repo)?;
        let mut url = join(&self.base, &["repos", owner, repo, "commits"])?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(sha) = branch {
                q.append_pair("sha", sha);
            }
            if let Some(p) = path {
                q.append_pair("path", p);
            }
            q.extend_pairs(paging.query()?);
        }
        let res = self.send(self.http.get(url.as_str())).await?;
        let wire: Vec<WireCommit> = decode(&res)?;
        let items = wire.into_iter().map(CommitSummary::from).collect();
        Ok(paging.listing(&res, items, None))
    }

    /// `GET /repos/{owner}/{repo}/contents/{path}?ref=`: a text file, its text cut to
    /// `max_bytes` (at most [`MAX_FILE_BYTES`]).
    ///
    /// # Errors
    /// [`GitHubError::NotText`] for a directory, a symlink or submodule, a file too large for
    /// the contents API, or a binary file (a NUL byte, or not UTF-8).
    pub async fn file_text(
        &self,
        owner: &str,
        repo: &str,
        path: &str,
        git_ref: Option<&str>,
        max_bytes: usize,
    ) -> Result<FileText, GitHubError> {
        segment("owner", owner)?;
        segment("repo", repo)?;
        if max_bytes == 0 || max_bytes > MAX_FILE_BYTES {
            return Err(InputError::new(
                "max_bytes",
                format!("{max_bytes} is not within 1–{MAX_FILE_BYTES}"),
            )
            .into());
        }
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if parts.is_empty() {
            return Err(InputError::new("path", "name a file, e.g. src/main.rs").into());
        }
        let mut segments = vec!["repos", owner, repo, "contents"];
        segments.extend(&parts);
        let mut url = join(&self.base, &segments)?;
        if let Some(r) = git_ref {
            url.query_pairs_mut().append_pair("ref", r);
        }
        let res = self.send(self.http.get(url.as_str())).await?;
        let value: serde_json::Value = decode(&res)?;
        if let Some(entries) = value.as_array() {
            let names: Vec<&str> = entries
                .iter()
                .filter_map(|e| e["name"].as_str())
                .take(50)
                .collect();
            return Err(GitHubError::NotText(format!(
                "{path} is a directory, not a file; it holds: {}",
                names.join(", ")
            )));
        }
        let file: WireContent = serde_json::from_value(value).map_err(GitHubError::Decode)?;
        text_of(file, max_bytes)
    }

    /// `POST /repos/{owner}/{repo}/issues/{number}/comments`: comments on an issue or pull
    /// request.
    pub async fn add_comment(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        body: &str,
    ) -> Result<Comment, GitHubError> {
        segment("owner", owner)?;
        segment("repo", repo)?;
        if body.trim().is_empty() {
            return Err(InputError::new("body", "must not be blank").into());
        }
        let n = number.to_string();
        let url = join(
            &self.base,
            &["repos", owner, repo, "issues", &n, "comments"],
        )?;
        let req = self.http.post(url.as_str()).json(&NewComment { body });
        let res = self.send(req).await?;
        Ok(decode::<WireComment>(&res)?.into())
    }
}

/// The text of a file answer, refusing what is not a text file.
fn text_of(file: WireContent, max_bytes: usize) -> Result<FileText, GitHubError> {
    let path = &file.path;
    if file.kind != "file" {
        return Err(GitHubError::NotText(format!(
            "{path} is a {}, not a file",
            file.kind
        )));
    }
    let content = match (file.encoding.as_deref(), &file.content) {
        (Some("base64"), Some(c)) => c,
        _ => {
            return Err(GitHubError::NotText(format!(
                "{path} has {} bytes, more than the 1 MB GitHub's contents API returns",
                file.size
            )));
        }
    };
    let compact: String = content.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| GitHubError::NotText(format!("{path}: content is not base64 ({e})")))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) if !t.contains('\0') => t,
        _ => {
            return Err(GitHubError::NotText(format!(
                "{path} is a binary file ({} bytes); only text files can be read",
                file.size
            )));
        }
    };
    let truncated = text.len() > max_bytes;
    let mut end = text.len().min(max_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Ok(FileText {
        text: text[..end].to_owned(),
        truncated,
        path: file.path,
        sha: file.sha,
        size: file.size,
        html_url: file.html_url,
    })
}
