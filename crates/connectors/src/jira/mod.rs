//! Jira Cloud REST API v3: search with JQL, read an issue with its description and comments
//! rendered from ADF to Markdown-like text, list and take workflow transitions, comment, and
//! create an issue with its description converted to ADF.
//!
//! Basic auth with the account email and an API token; the site is configurable
//! (`https://your-site.atlassian.net`). Errors `{"errorMessages":[…],"errors":{field: msg}}`
//! become [`JiraApiError`]. A 429 (or a 503 with `Retry-After`) waits for `Retry-After`, or until
//! the ISO 8601 `X-RateLimit-Reset`.
//!
//! ```no_run
//! use switchboard_connectors::jira::{Jira, NewIssue};
//!
//! # async fn run() -> Result<(), switchboard_connectors::jira::JiraError> {
//! let jira = Jira::builder("https://acme.atlassian.net", "me@acme.com", "api-token").build()?;
//! let created = jira
//!     .create_issue(&NewIssue::new("PROJ", "Task", "Rotate the keys").description(
//!         "The staging keys expire on Friday.\n\n- rotate\n- redeploy",
//!     ))
//!     .await?;
//! println!("{}", created.key);
//! # Ok(()) }
//! ```

mod adf;
mod adf_text;
mod client;
mod error;
mod limits;
mod models;
mod read;
mod tools;
mod transitions;

pub use adf::text_to_adf;
pub use adf_text::adf_to_text;
pub use client::{Jira, JiraBuilder};
pub use error::{JiraApiError, JiraError};
pub use limits::JiraRateLimits;
pub use models::{CreatedIssue, NewIssue};
pub use read::{
    COMMENT_CHARS, DESCRIPTION_CHARS, JiraComment, JiraIssueDetail, JiraIssueSummary, JiraSearch,
    MAX_SEARCH_RESULTS,
};
pub use tools::register_tools;
pub use transitions::{JiraTransition, JiraTransitioned, JiraTransitions};
