//! Jira operations as LLM tools.

use switchboard_functions::{Context, FnTool, RegisterError, ToolAnnotations, ToolRegistry};

use super::{client::Jira, models::NewIssue};
use crate::common::{Act, ToolOptions, credit_line};

/// Registers `jira_create_issue`, calling `client`; with
/// [`attribute_caller`](ToolOptions::attribute_caller), an issue created for a known user ends
/// its description with a plain paragraph "Created by … via Switchboard".
pub fn register_tools(
    registry: &ToolRegistry,
    client: &Jira,
    options: &ToolOptions,
) -> Result<(), RegisterError> {
    let jira = client.clone();
    let options = *options;
    registry.register(
        FnTool::new_with_context(
            "jira_create_issue",
            "Creates a Jira issue (project key, issue type, one-line summary, optional description \
             in plain text or Markdown) and returns its key, e.g. PROJ-42.",
            move |mut issue: NewIssue, ctx: Context| {
                let jira = jira.clone();
                if let Some(name) = options.credit(&ctx) {
                    issue = issue.footer(credit_line(Act::Created, name));
                }
                async move { jira.create_issue(&issue).await }
            },
        )
        .with_annotations(ToolAnnotations::additive("Create a Jira issue")),
    )?;
    Ok(())
}
