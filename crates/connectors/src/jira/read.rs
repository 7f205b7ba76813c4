//! Reading Jira: JQL search (`GET /rest/api/3/search/jql`, token pagination), an issue with
//! its description and last comments rendered from ADF to Markdown-like text; and commenting.
//! Answers are compact views for a model; long texts are cut with a flag.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{adf::text_to_adf, adf_text::adf_to_text, client::Jira, error::JiraError};
use crate::common::{InputError, join};
use crate::text::cut_chars;

/// Most issues one search page can hold here.
pub const MAX_SEARCH_RESULTS: u32 = 100;
/// Characters of a description kept.
pub const DESCRIPTION_CHARS: usize = 4000;
/// Characters of a comment kept.
pub const COMMENT_CHARS: usize = 2000;

/// The fields a listed issue needs.
const LIST_FIELDS: &str =
    "summary,status,issuetype,priority,assignee,reporter,labels,created,updated";

/// An issue as listed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct JiraIssueSummary {
    /// The key, e.g. `PROJ-42`.
    pub key: String,
    /// The summary (title).
    pub summary: String,
    /// The status name, e.g. `In Progress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The issue type name, e.g. `Bug`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<String>,
    /// The priority name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// The assignee's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// The reporter's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    /// Labels.
    pub labels: Vec<String>,
    /// Created (Jira's timestamp, e.g. `2024-05-01T10:00:00.000+0000`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// The web page.
    pub url: String,
}

/// One page of a JQL search.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct JiraSearch {
    /// The issues of this page.
    pub issues: Vec<JiraIssueSummary>,
    /// True when more issues match after these.
    pub truncated: bool,
    /// The `page_token` to pass to get the next issues; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// An issue with its description and last comments.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct JiraIssueDetail {
    /// The issue's fields as listed.
    #[serde(flatten)]
    pub summary: JiraIssueSummary,
    /// The description as Markdown-like text, at most [`DESCRIPTION_CHARS`] characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// True when the description was cut.
    pub description_truncated: bool,
    /// The last comments, oldest first.
    pub comments: Vec<JiraComment>,
    /// How many comments the issue has.
    pub comment_count: u64,
}

/// A comment, its body rendered from ADF.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct JiraComment {
    /// The comment id.
    pub id: String,
    /// The author's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The body as Markdown-like text, at most [`COMMENT_CHARS`] characters.
    pub body: String,
    /// True when the body was cut.
    pub truncated: bool,
}

// -- Jira's JSON --

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Account {
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    status: Option<Named>,
    #[serde(default)]
    issuetype: Option<Named>,
    #[serde(default)]
    priority: Option<Named>,
    #[serde(default)]
    assignee: Option<Account>,
    #[serde(default)]
    reporter: Option<Account>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    updated: Option<String>,
    #[serde(default)]
    description: Option<Value>,
}

#[derive(Deserialize)]
struct WireIssue {
    key: String,
    fields: Fields,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSearch {
    #[serde(default)]
    issues: Vec<WireIssue>,
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    is_last: Option<bool>,
}

#[derive(Deserialize)]
struct WireComment {
    id: String,
    #[serde(default)]
    author: Option<Account>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    body: Option<Value>,
}

#[derive(Deserialize)]
struct WireComments {
    #[serde(default)]
    comments: Vec<WireComment>,
    #[serde(default)]
    total: u64,
}

impl From<WireComment> for JiraComment {
    fn from(c: WireComment) -> Self {
        let text = c.body.as_ref().map(adf_to_text).unwrap_or_default();
        let (body, truncated) = cut_chars(text, COMMENT_CHARS);
        Self {
            id: c.id,
            author: c.author.and_then(|a| a.display_name),
            created: c.created,
            body,
            truncated,
        }
    }
}

impl Jira {
    fn summary(&self, issue: WireIssue) -> (JiraIssueSummary, Option<Value>) {
        let f = issue.fields;
        let mut url = (*self.site).clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["browse", issue.key.as_str()]);
        }
        let summary = JiraIssueSummary {
            url: url.to_string(),
            key: issue.key,
            summary: f.summary.unwrap_or_default(),
            status: f.status.map(|n| n.name),
            issue_type: f.issuetype.map(|n| n.name),
            priority: f.priority.map(|n| n.name),
            assignee: f.assignee.and_then(|a| a.display_name),
            reporter: f.reporter.and_then(|a| a.display_name),
            labels: f.labels,
            created: f.created,
            updated: f.updated,
        };
        (summary, f.description)
    }

    /// `GET /rest/api/3/search/jql`: one page of at most `max_results` issues matching `jql`;
    /// `page_token` is the previous page's `next_page_token`.
    pub async fn search(
        &self,
        jql: &str,
        max_results: u32,
        page_token: Option<&str>,
    ) -> Result<JiraSearch, JiraError> {
        if jql.trim().is_empty() {
            return Err(InputError::new("jql", "must not be blank").into());
        }
        if max_results == 0 || max_results > MAX_SEARCH_RESULTS {
            return Err(InputError::new(
                "max_results",
                format!("{max_results} is not within 1–{MAX_SEARCH_RESULTS}"),
            )
            .into());
        }
        let mut url = join(&self.api, &["search", "jql"])?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("jql", jql)
                .append_pair("maxResults", &max_results.to_string())
                .append_pair("fields", LIST_FIELDS);
            if let Some(token) = page_token {
                q.append_pair("nextPageToken", token);
            }
        }
        let res = self.send(self.http.get(url.as_str())).await?;
        let found: WireSearch = serde_json::from_slice(&res.body).map_err(JiraError::Decode)?;
        let next = found
            .next_page_token
            .filter(|_| found.is_last != Some(true));
        Ok(JiraSearch {
            issues: found
                .issues
                .into_iter()
                .map(|i| self.summary(i).0)
                .collect(),
            truncated: next.is_some(),
            next_page_token: next,
        })
    }

    /// `GET /rest/api/3/issue/{key}` with its description, and its last `max_comments`
    /// comments (`GET …/comment?orderBy=-created`), returned oldest first.
    pub async fn issue(&self, key: &str, max_comments: u32) -> Result<JiraIssueDetail, JiraError> {
        issue_key(key)?;
        let mut url = join(&self.api, &["issue", key])?;
        url.query_pairs_mut()
            .append_pair("fields", &format!("{LIST_FIELDS},description"));
        let res = self.send(self.http.get(url.as_str())).await?;
        let wire: WireIssue = serde_json::from_slice(&res.body).map_err(JiraError::Decode)?;
        let (summary, description) = self.summary(wire);
        let (mut comments, mut comment_count) = (Vec::new(), 0);
        if max_comments > 0 {
            let mut url = join(&self.api, &["issue", key, "comment"])?;
            url.query_pairs_mut()
                .append_pair("orderBy", "-created")
                .append_pair("maxResults", &max_comments.min(100).to_string());
            let res = self.send(self.http.get(url.as_str())).await?;
            let wire: WireComments =
                serde_json::from_slice(&res.body).map_err(JiraError::Decode)?;
            comment_count = wire.total;
            comments = wire
                .comments
                .into_iter()
                .rev()
                .map(JiraComment::from)
                .collect();
        }
        let (description, description_truncated) = match description
            .filter(|d| !d.is_null())
            .map(|d| adf_to_text(&d))
        {
            Some(text) => {
                let (text, cut) = cut_chars(text, DESCRIPTION_CHARS);
                (Some(text), cut)
            }
            None => (None, false),
        };
        Ok(JiraIssueDetail {
            summary,
            description,
            description_truncated,
            comments,
            comment_count,
        })
    }

    /// `POST /rest/api/3/issue/{key}/comment` with `text` (plain text or Markdown) as ADF.
    pub async fn add_comment(&self, key: &str, text: &str) -> Result<JiraComment, JiraError> {
        self.post_comment(key, text, None).await
    }

    /// Posts `text` as ADF, then `footer` as a plain paragraph (never read as Markdown).
    pub(super) async fn post_comment(
        &self,
        key: &str,
        text: &str,
        footer: Option<&str>,
    ) -> Result<JiraComment, JiraError> {
        issue_key(key)?;
        if text.trim().is_empty() {
            return Err(InputError::new("body", "must not be blank").into());
        }
        let mut doc = text_to_adf(text);
        if let (Some(footer), Some(content)) = (footer, doc["content"].as_array_mut()) {
            content
                .push(json!({"type": "paragraph", "content": [{"type": "text", "text": footer}]}));
        }
        let url = join(&self.api, &["issue", key, "comment"])?;
        let body = json!({ "body": doc });
        let res = self.send(self.http.post(url.as_str()).json(&body)).await?;
        let wire: WireComment = serde_json::from_slice(&res.body).map_err(JiraError::Decode)?;
        Ok(wire.into())
    }
}

/// Checks an issue key or id (`PROJ-42`, `10042`).
pub(super) fn issue_key(key: &str) -> Result<(), InputError> {
    let ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            "key",
            format!("{key:?} is not an issue key like PROJ-42"),
        ))
    }
}
