//! Jira operations as LLM tools.

use switchboard_functions::{FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{client::Jira, models::NewIssue};

/// Registers `jira_create_issue`, calling `client`.
pub fn register_tools(registry: &ToolRegistry, client: &Jira) -> Result<(), RegisterError> {
    let jira = client.clone();
    registry.register(
        FnTool::new(
            "jira_create_issue",
            "Creates a Jira issue (project key, issue type, one-line summary, optional description \
             in plain text or Markdown) and returns its key, e.g. PROJ-42.",
            move |issue: NewIssue| {
                let jira = jira.clone();
                async move { jira.create_issue(&issue).await }
            },
        )
        .with_annotations(ToolAnnotations::additive("Create a Jira issue")),
    )?;
    Ok(())
}
