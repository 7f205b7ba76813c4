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
fn gemini_tools_without_inexpressible_tools() {
    let defs: Vec<_> = registry()
        .definitions()
        .into_iter()
        .filter(|d| d.name() != "create_tree" && d.name() != "create_contact")
        .collect();
    assert_json_snapshot!(gemini::tools(&defs).unwrap());
}

#[test]
fn gemini_tools_reject_maps_and_recursive_types() {
    // create_contact has a map (`labels`), create_tree is recursive.
    let err = gemini::tools(&registry().definitions()).unwrap_err();
    assert_eq!(err.tool(), "create_contact");
    assert_eq!(err.problems()[0].0, "/properties/labels");
    let only_tree: Vec<_> = registry()
        .definitions()
        .into_iter()
        .filter(|d| d.name() == "create_tree")
        .collect();
    assert_eq!(gemini::tools(&only_tree).unwrap_err().tool(), "create_tree");
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

/// A hand-written schema with the constructs the transforms must rewrite or refuse.
fn kitchen_sink() -> Vec<ToolDefinition> {
    use switchboard_functions::{DynamicTool, ToolRegistry};
    let r = ToolRegistry::new();
    let schemas = [
        (
            "rewritable",
            json!({
                "type": "object",
                "properties": {
                    "mode": {"oneOf": [{"const": "fast"}, {"const": "exact"}], "description": "Mode."},
                    "count": {"type": "integer", "format": "uint32", "minimum": 0, "exclusiveMaximum": 100},
                    "name": {"type": "string", "minLength": 1, "maxLength": 40, "default": "x", "format": "email"},
                    "level": {"enum": [1, 2, 3]},
                    "when": {"type": ["string", "null"], "format": "date-time"},
                    "target": {"$ref": "#/$defs/Target", "description": "Where to."}
                },
                "required": ["mode"],
                "$defs": {"Target": {"type": "object", "properties": {"host": {"type": "string"}}, "required": ["host"]}}
            }),
        ),
        (
            "merged",
            json!({
                "type": "object",
                "properties": {
                    "both": {"allOf": [
                        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                        {"properties": {"b": {"type": "boolean"}}}
                    ]},
                    "pair": {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "number"}}
                }
            }),
        ),
        (
            "refused",
            json!({
                "type": "object",
                "properties": {
                    "any": {},
                    "no": {"not": {"type": "string"}},
                    "cond": {"type": "object", "properties": {"x": {"type": "string"}},
                             "if": {"required": ["x"]}, "then": {"required": ["x"]}},
                    "map": {"type": "object", "additionalProperties": {"type": "string"}},
                    "list": {"type": "array"}
                }
            }),
        ),
        (
            "no_params",
            json!({"type": "object", "properties": {}, "additionalProperties": false}),
        ),
    ];
    for (name, schema) in schemas {
        r.register_dynamic(DynamicTool::new(
            name,
            "Kitchen sink.",
            schema,
            |v| async move { Ok::<_, String>(v) },
        ))
        .unwrap();
    }
    r.definitions()
}

#[test]
fn strict_transform_rewrites_and_refuses() {
    assert_json_snapshot!(per_tool(&kitchen_sink(), strict_parameters));
}

#[test]
fn gemini_sanitiser_rewrites_and_refuses() {
    assert_json_snapshot!(per_tool(&kitchen_sink(), gemini_parameters));
    let defs: Vec<_> = kitchen_sink()
        .into_iter()
        .filter(|d| d.name() == "no_params")
        .collect();
    assert_eq!(
        gemini::tools(&defs).unwrap(),
        json!([{"functionDeclarations": [{"name": "no_params", "description": "Kitchen sink."}]}])
    );
}
