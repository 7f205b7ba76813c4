//! Snapshots of every provider export format for the fixture tools.

use insta::assert_json_snapshot;
use serde_json::{Map, Value, json};
use switchboard_functions::providers::{
    anthropic, gemini, gemini_parameters, mcp, ollama, openai_chat, openai_responses,
    strict_parameters,
};
use switchboard_functions::{ExportError, ToolDefinition};

use crate::fixtures::registry;

fn per_tool(
    defs: &[ToolDefinition],
    f: impl Fn(&ToolDefinition) -> Result<Value, ExportError>,
) -> Value {
    let mut out = Map::new();
    for d in defs {
        let v = match f(d) {
            Ok(v) => json!({ "ok": v }),
            Err(e) => json!({ "error": { "target": e.target(), "problems": e.problems() } }),
        };
        out.insert(d.name().to_owned(), v);
    }
    Value::Object(out)
}

#[test]
fn neutral_definitions() {
    assert_json_snapshot!(registry().definitions());
}

#[test]
fn openai_chat_tools() {
    assert_json_snapshot!(openai_chat::tools(&registry().definitions()));
}

#[test]
fn openai_strict_per_tool() {
    assert_json_snapshot!(per_tool(&registry().definitions(), strict_parameters));
}

#[test]
fn openai_strict_tools_fail_on_incompatible_tool() {
    let err = openai_chat::strict_tools(&registry().definitions()).unwrap_err();
    // create_contact has a map (`labels`), which strict mode cannot express.
    assert_eq!(err.tool(), "create_contact");
    assert_eq!(err.problems()[0].0, "/properties/labels");
}

#[test]
fn openai_strict_tools_for_compatible_tools() {
    let defs: Vec<_> = registry()
        .definitions()
        .into_iter()
        .filter(|d| d.name() == "get_weather" || d.name() == "create_tree")
        .collect();
    assert_json_snapshot!(openai_chat::strict_tools(&defs).unwrap());
}

#[test]
fn openai_responses_tools() {
    assert_json_snapshot!(openai_responses::tools(&registry().definitions()));
}

#[test]
fn anthropic_tools() {
    assert_json_snapshot!(anthropic::tools(&registry().definitions()));
}

#[test]
fn gemini_parameters_per_tool() {
    assert_json_snapshot!(per_tool(&registry().definitions(), gemini_parameters));
}

#[test]
fn gemini_tools_without_recursive_tool() {
    let defs: Vec<_> = registry()
        .definitions()
        .into_iter()
        .filter(|d| d.name() != "create_tree")
        .collect();
    assert_json_snapshot!(gemini::tools(&defs).unwrap());
}

#[test]
fn gemini_tools_reject_recursive_tool() {
    let err = gemini::tools(&registry().definitions()).unwrap_err();
    assert_eq!(err.tool(), "create_tree");
}

#[test]
fn gemini_json_schema_tools() {
    assert_json_snapshot!(gemini::tools_json_schema(&registry().definitions()));
}

#[test]
fn ollama_tools() {
    assert_json_snapshot!(ollama::tools(&registry().definitions()));
}

#[test]
fn mcp_tools_list() {
    assert_json_snapshot!(mcp::tools_list(&registry().definitions()));
}
