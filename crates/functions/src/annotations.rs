//! [`ToolAnnotations`]: a tool's display title and what a call does to the world, declared once
//! on the tool and exported to MCP (`title`, `annotations`), OpenAPI and the generated docs.

use serde::Serialize;

/// A tool's title and behaviour hints, the MCP `ToolAnnotations`: clients use them to decide
/// whether a call needs the user's confirmation, and a read-only deployment offers only tools
/// with [`read_only`](Self::read_only) set.
///
/// They are hints about the tool's design, not guarantees a caller may rely on for security:
/// a tool's own guards (roots, read-only transactions, sandboxes) are what enforce them.
///
/// [`Default`] is MCP's default for a tool that says nothing — no title, not read-only,
/// destructive, not idempotent, open world — the most cautious reading, so a tool that forgets
/// to declare its annotations is never presented as safer than it is. Every hint is exported
/// explicitly, so clients never fall back on their own defaults.
///
/// The fields are plain data so that a tool can be described in one expression:
///
/// ```
/// use switchboard_functions::ToolAnnotations;
///
/// let lookup = ToolAnnotations::read_only("Look up a word").closed_world();
/// assert!(lookup.read_only && !lookup.destructive && lookup.idempotent && !lookup.open_world);
///
/// let post = ToolAnnotations::additive("Post a message");
/// assert!(!post.read_only && !post.destructive && !post.idempotent && post.open_world);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolAnnotations {
    /// A short human-readable name for user interfaces ("Run code"); `None` falls back on the
    /// tool name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The tool does not change its environment (MCP `readOnlyHint`).
    pub read_only: bool,
    /// A call may delete or overwrite something, rather than only add (MCP `destructiveHint`;
    /// meaningful only when not read-only, and `false` for read-only tools).
    pub destructive: bool,
    /// Repeating a call with the same arguments has no further effect on the environment
    /// (MCP `idempotentHint`; read-only tools are trivially idempotent).
    pub idempotent: bool,
    /// The tool reaches entities outside the deployment's own resources — the internet, a
    /// third-party service (MCP `openWorldHint`). A tool over configured local files or
    /// databases is a closed world.
    pub open_world: bool,
}

impl Default for ToolAnnotations {
    fn default() -> Self {
        Self {
            title: None,
            read_only: false,
            destructive: true,
            idempotent: false,
            open_world: true,
        }
    }
}

impl ToolAnnotations {
    /// A tool titled `title` that only reads: not destructive, idempotent, open world (call
    /// [`closed_world`](Self::closed_world) for one over local resources).
    pub fn read_only(title: impl Into<String>) -> Self {
        Self {
            title: Some(title.into()),
            read_only: true,
            destructive: false,
            idempotent: true,
            open_world: true,
        }
    }

    /// A tool titled `title` that only adds (creates, posts, sends): not read-only, not
    /// destructive, not idempotent (each call adds again), open world.
    pub fn additive(title: impl Into<String>) -> Self {
        Self {
            title: Some(title.into()),
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        }
    }

    /// A tool titled `title` that may change or delete things: MCP's cautious defaults
    /// (destructive, not idempotent, open world) with a title.
    pub fn destructive(title: impl Into<String>) -> Self {
        Self {
            title: Some(title.into()),
            ..Self::default()
        }
    }

    /// Marks the tool's world as closed: it touches only the deployment's own resources.
    #[must_use]
    pub fn closed_world(mut self) -> Self {
        self.open_world = false;
        self
    }

    /// Marks repeated calls with the same arguments as having no further effect.
    #[must_use]
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// What is contradictory about these annotations, if anything: a read-only tool cannot be
    /// destructive, and a title must not be blank.
    pub(crate) fn contradiction(&self) -> Option<&'static str> {
        if self.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
            Some("the title must not be blank (leave it unset to use the tool name)")
        } else if self.read_only && self.destructive {
            Some("a read-only tool cannot be destructive")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_mcp_defaults() {
        let d = ToolAnnotations::default();
        assert_eq!(d.title, None);
        assert!(!d.read_only && d.destructive && !d.idempotent && d.open_world);
    }

    #[test]
    fn read_only_tools_are_not_destructive_and_idempotent() {
        let a = ToolAnnotations::read_only("Read");
        assert_eq!(a.title.as_deref(), Some("Read"));
        assert!(a.read_only && !a.destructive && a.idempotent && a.open_world);
        assert!(!a.closed_world().open_world);
    }

    #[test]
    fn additive_tools_are_neither_destructive_nor_idempotent() {
        let a = ToolAnnotations::additive("Post");
        assert!(!a.read_only && !a.destructive && !a.idempotent && a.open_world);
        assert!(a.idempotent().idempotent);
    }

    #[test]
    fn destructive_tools_keep_the_cautious_defaults_with_a_title() {
        let a = ToolAnnotations::destructive("Delete");
        assert_eq!(a.title.as_deref(), Some("Delete"));
        assert!(!a.read_only && a.destructive && !a.idempotent && a.open_world);
    }

    #[test]
    fn destructive_read_only_and_blank_titles_are_contradictions() {
        let destructive_read = ToolAnnotations {
            destructive: true,
            ..ToolAnnotations::read_only("R")
        };
        assert!(
            destructive_read
                .contradiction()
                .unwrap()
                .contains("destructive")
        );
        let blank = ToolAnnotations::additive(" ");
        assert!(blank.contradiction().unwrap().contains("blank"));
        assert_eq!(ToolAnnotations::default().contradiction(), None);
    }
}
