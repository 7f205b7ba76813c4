//! Tool annotations: every kind of tool declares them, the definition carries them, MCP lists
//! them with every hint explicit, and contradictory ones are refused at registration.

use serde_json::{Value, json};
use switchboard_functions::providers::mcp;
use switchboard_functions::{
    DynamicTool, FnTool, NoArgs, RegisterError, Tool, ToolAnnotations, ToolRegistry,
};

/// A typed tool that declares itself read-only over a closed world.
struct Clock;

impl Tool for Clock {
    type Args = NoArgs;
    type Output = u64;
    type Error = String;

    fn name(&self) -> &str {
        "clock"
    }

    fn description(&self) -> &str {
        "The current tick."
    }

    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::read_only("Read the clock").closed_world()
    }

    async fn call(&self, _: NoArgs) -> Result<u64, String> {
        Ok(7)
    }
}

fn listed(registry: &ToolRegistry, name: &str) -> Value {
    let list = mcp::tools_list(&registry.definitions());
    list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .cloned()
        .unwrap()
}

#[test]
fn typed_tool_annotations_reach_the_definition() {
    let r = ToolRegistry::new();
    r.register(Clock).unwrap();
    let def = r.definition("clock").unwrap();
    assert_eq!(
        def.annotations(),
        &ToolAnnotations::read_only("Read the clock").closed_world()
    );
}

#[test]
fn fn_tool_annotations_reach_the_definition() {
    let r = ToolRegistry::new();
    let post = FnTool::new("post", "Posts a note.", |_: NoArgs| async {
        Ok::<_, String>("posted")
    })
    .with_annotations(ToolAnnotations::additive("Post a note"));
    r.register(post).unwrap();
    let a = r.definition("post").unwrap().annotations().clone();
    assert_eq!(a.title.as_deref(), Some("Post a note"));
    assert!(!a.read_only && !a.destructive && !a.idempotent && a.open_world);
}

#[test]
fn dynamic_tool_annotations_reach_the_definition() {
    let r = ToolRegistry::new();
    let wipe = DynamicTool::new(
        "wipe",
        "Deletes everything.",
        json!({"type": "object"}),
        |_| async { Ok::<_, String>(Value::Null) },
    )
    .with_annotations(ToolAnnotations::destructive("Wipe the store").idempotent());
    r.register_dynamic(wipe).unwrap();
    let a = r.definition("wipe").unwrap().annotations().clone();
    assert!(!a.read_only && a.destructive && a.idempotent && a.open_world);
}

#[test]
fn undeclared_annotations_are_the_cautious_mcp_defaults() {
    let r = ToolRegistry::new();
    r.register_fn("plain", "Says nothing about itself.", |_: NoArgs| async {
        Ok::<_, String>(1)
    })
    .unwrap();
    assert_eq!(
        r.definition("plain").unwrap().annotations(),
        &ToolAnnotations::default()
    );
    let t = listed(&r, "plain");
    assert_eq!(t.get("title"), None);
    assert_eq!(
        t["annotations"],
        json!({"readOnlyHint": false, "destructiveHint": true, "idempotentHint": false, "openWorldHint": true})
    );
}

#[test]
fn mcp_lists_the_title_and_every_hint() {
    let r = ToolRegistry::new();
    r.register(Clock).unwrap();
    let t = listed(&r, "clock");
    assert_eq!(t["title"], "Read the clock");
    assert_eq!(
        t["annotations"],
        json!({
            "title": "Read the clock",
            "readOnlyHint": true,
            "destructiveHint": false,
            "idempotentHint": true,
            "openWorldHint": false
        })
    );
}

#[test]
fn destructive_read_only_annotations_are_refused() {
    let r = ToolRegistry::new();
    let liar = FnTool::new("liar", "Claims both.", |_: NoArgs| async {
        Ok::<_, String>(1)
    })
    .with_annotations(ToolAnnotations {
        destructive: true,
        ..ToolAnnotations::read_only("Lie")
    });
    let err = r.register(liar).unwrap_err();
    assert!(
        matches!(err, RegisterError::InvalidAnnotations { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("\"liar\""), "{err}");
    assert!(
        err.to_string()
            .contains("read-only tool cannot be destructive"),
        "{err}"
    );
    assert!(r.names().is_empty());
}

#[test]
fn blank_titles_are_refused() {
    let r = ToolRegistry::new();
    let blank = FnTool::new("blank", "Has a blank title.", |_: NoArgs| async {
        Ok::<_, String>(1)
    })
    .with_annotations(ToolAnnotations::additive("  "));
    let err = r.register(blank).unwrap_err();
    assert!(err.to_string().contains("title must not be blank"), "{err}");
}
