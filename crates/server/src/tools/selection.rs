//! Which of a connector's tools the gateway offers: the one rule every `[connectors.*]`
//! section's `tools` and `read_only` go through.

use std::ops::Range;

use switchboard::functions::ToolDefinition;

use crate::config::ToolSelection;

/// The writing tools a section without `tools` offers: the ones offered before sections could
/// choose, so that existing configs keep their tools. Every other writing tool is offered only
/// when `tools` names it.
pub(super) const DEFAULT_WRITE_TOOLS: &[&str] = &[
    "github_create_issue",
    "slack_post_message",
    "notion_create_page",
    "jira_create_issue",
    "google_calendar_insert_event",
    "zapier_trigger",
    "ifttt_trigger",
];

/// The names among `tools` (one service's, every tool it has) that `selection` offers, in the
/// order of `tools`.
///
/// `tools = [...]` picks exactly those names; `read_only = true` keeps only tools whose
/// annotations say read-only; neither offers every read-only tool and the
/// [`DEFAULT_WRITE_TOOLS`].
///
/// # Errors
/// The span of the offending `tools` entry and what is wrong with it: a name the service does
/// not have (the message lists the names it has), or a writing tool under `read_only = true`.
pub(super) fn offered<'d>(
    selection: &ToolSelection<'_>,
    tools: &'d [ToolDefinition],
) -> Result<Vec<&'d str>, (Range<usize>, String)> {
    let read_only = |d: &ToolDefinition| d.annotations().read_only;
    let Some(picked) = selection.tools else {
        return Ok(tools
            .iter()
            .filter(|d| {
                read_only(d) || (!selection.read_only && DEFAULT_WRITE_TOOLS.contains(&d.name()))
            })
            .map(ToolDefinition::name)
            .collect());
    };
    for name in picked {
        let Some(d) = tools.iter().find(|d| d.name() == name.get_ref()) else {
            let known: Vec<&str> = tools.iter().map(ToolDefinition::name).collect();
            return Err((
                name.span(),
                format!(
                    "no tool named {:?} here; this service's tools are {}",
                    name.get_ref(),
                    known.join(", ")
                ),
            ));
        };
        if selection.read_only && !read_only(d) {
            return Err((
                name.span(),
                format!(
                    "{:?} writes, and read_only = true offers only tools that only read",
                    name.get_ref()
                ),
            ));
        }
    }
    Ok(tools
        .iter()
        .map(ToolDefinition::name)
        .filter(|n| picked.iter().any(|p| p.get_ref() == n))
        .collect())
}

#[cfg(test)]
mod tests {
    use switchboard::functions::{FnTool, NoArgs, ToolAnnotations, ToolRegistry};
    use toml::Spanned;

    use super::*;

    /// Three tools' definitions, sorted by name as a registry lists them.
    fn catalogue() -> Vec<ToolDefinition> {
        let registry = ToolRegistry::new();
        for (name, annotations) in [
            ("github_search_issues", ToolAnnotations::read_only("Search")),
            ("github_create_issue", ToolAnnotations::additive("Create")),
            ("github_add_comment", ToolAnnotations::additive("Comment")),
        ] {
            let tool = FnTool::new(name, "A tool.", |_: NoArgs| async { Ok::<_, String>(()) });
            registry
                .register(tool.with_annotations(annotations))
                .unwrap();
        }
        registry.definitions()
    }

    fn names(text: &str) -> Vec<Spanned<String>> {
        #[derive(serde::Deserialize)]
        struct T {
            tools: Vec<Spanned<String>>,
        }
        toml::from_str::<T>(text).unwrap().tools
    }

    #[test]
    fn the_default_offers_read_tools_and_the_default_write_tools() {
        let tools = catalogue();
        let got = offered(&ToolSelection::default(), &tools).unwrap();
        assert_eq!(got, ["github_create_issue", "github_search_issues"]);
    }

    #[test]
    fn read_only_offers_only_read_tools() {
        let tools = catalogue();
        let sel = ToolSelection {
            tools: None,
            read_only: true,
        };
        assert_eq!(offered(&sel, &tools).unwrap(), ["github_search_issues"]);
    }

    #[test]
    fn tools_picks_exactly_the_names_given() {
        let tools = catalogue();
        let picked = names(r#"tools = ["github_add_comment"]"#);
        let sel = ToolSelection {
            tools: Some(&picked),
            read_only: false,
        };
        assert_eq!(offered(&sel, &tools).unwrap(), ["github_add_comment"]);
    }

    #[test]
    fn an_unknown_name_is_refused_with_its_span_and_the_known_names() {
        let tools = catalogue();
        let picked = names(r#"tools = ["github_search_issues", "github_delete_repo"]"#);
        let sel = ToolSelection {
            tools: Some(&picked),
            read_only: false,
        };
        let (span, message) = offered(&sel, &tools).unwrap_err();
        assert_eq!(span, picked[1].span());
        assert!(message.contains("\"github_delete_repo\""), "{message}");
        assert!(message.contains("github_add_comment"), "{message}");
    }

    #[test]
    fn a_write_tool_named_under_read_only_is_refused() {
        let tools = catalogue();
        let picked = names(r#"tools = ["github_create_issue"]"#);
        let sel = ToolSelection {
            tools: Some(&picked),
            read_only: true,
        };
        let (_, message) = offered(&sel, &tools).unwrap_err();
        assert!(message.contains("read_only"), "{message}");
    }
}
